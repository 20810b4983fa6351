package slack

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/patchbot/patchbot/connectors/slack/slacktest"
	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/ports"
)

// 2,000 owners each get a DM (lookup by email, conversations.open, post),
// from 8 goroutines at once: the fake keeps up, nothing is lost or doubled,
// and DMs to different people do not wait on each other's pacing.
func TestTwoThousandDMs(t *testing.T) {
	t.Parallel()
	n := 2000
	if testing.Short() {
		n = 200
	}
	e := mustEnv(t, nil)
	for i := range n {
		e.srv.AddUser(slacktest.User{ID: fmt.Sprintf("U1%07d", i), Name: fmt.Sprintf("owner%d", i), Email: fmt.Sprintf("owner%d@example.com", i)})
	}
	ctx := context.Background()
	start := time.Now()
	jobs := make(chan int)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				to, err := e.c.Owner(ctx, person("", handoff.User{Email: fmt.Sprintf("owner%d@example.com", i)}))
				if err == nil && !to.Reachable {
					err = fmt.Errorf("owner%d not found", i)
				}
				if err == nil {
					_, err = e.c.Send(ctx, ports.Message{To: to, Ref: fmt.Sprintf("reminder/%d", i), Doc: para("Reminder", "SEC-1 is overdue")})
				}
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	for _, i := range []int{0, n / 2, n - 1} {
		if got := len(e.srv.DMs(fmt.Sprintf("U1%07d", i))); got != 1 {
			t.Errorf("owner%d got %d DMs, want 1", i, got)
		}
	}
	if got := e.srv.CallCount("chat.postMessage"); got != n {
		t.Errorf("%d posts, want %d", got, n)
	}
	if waited, _ := e.clk.Slept(); waited != 0 {
		t.Errorf("DMs to different people waited %v for pacing", waited)
	}
	t.Logf("%d DMs (%d API calls) in %v", n, len(e.srv.Calls("")), elapsed)
}
