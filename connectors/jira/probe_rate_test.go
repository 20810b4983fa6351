package jira_test

import (
	"context"
	"testing"
	"time"

	"github.com/patchbot/patchbot/connectors/jira/jiratest"
)

// TestPingSkipsTheRateLimit: a readiness ping does not wait on the shared
// rate limit, the jobs' budget. With the limit's tokens spent by a job's
// requests, pings still answer at once, and a job's next request waits.
func TestPingSkipsTheRateLimit(t *testing.T) {
	t.Parallel()
	s, _ := fake(t, jiratest.Options{Flavor: jiratest.DataCenter})
	o := options(s)
	o.RequestsPerSecond = 2 // a burst of 2, then one every 500 ms
	c := connect(t, o)
	for range 2 { // spend the tokens
		if _, err := c.Fields(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	for i := range 3 {
		if err := c.Ping(ctx); err != nil {
			t.Fatalf("ping %d: %v (it waited on the jobs' rate limit)", i, err)
		}
	}
	short, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	if _, err := c.Fields(short); err == nil {
		t.Fatal("a job's request went through without waiting for the rate limit; the test proves nothing")
	}
}
