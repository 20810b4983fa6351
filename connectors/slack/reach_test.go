package slack

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/patchbot/patchbot/connectors/slack/slacktest"
	"github.com/patchbot/patchbot/handoff"
)

// TestOwnerUnreachableLoggedWhenItStartsAndEnds: an owner Slack does not
// know is logged once, however often they are looked up, and once more
// when Slack knows them again.
func TestOwnerUnreachableLoggedWhenItStartsAndEnds(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, func(o *Options) { o.LookupTTL = time.Minute })
	ctx := context.Background()
	erin := person("", handoff.User{AccountID: "acc-erin", Email: "erin@example.com", DisplayName: "Erin"})
	for range 4 {
		if r, err := e.c.Owner(ctx, erin); err != nil || r.Reachable {
			t.Fatalf("erin: %+v %v", r, err)
		}
		e.clk.Advance(2 * time.Minute) // past the cache: Slack is asked again
	}
	if n := strings.Count(e.logs.String(), "owner not reachable in Slack"); n != 1 {
		t.Fatalf("%d 'not reachable' lines over 4 lookups, want 1:\n%s", n, e.logs.String())
	}
	e.srv.AddUser(slacktest.User{ID: "U0ERIN001", Name: "erin", RealName: "Erin", Email: "erin@example.com"})
	for range 3 {
		if r, err := e.c.Owner(ctx, erin); err != nil || !r.Reachable {
			t.Fatalf("erin after joining: %+v %v", r, err)
		}
		e.clk.Advance(2 * time.Minute)
	}
	if n := strings.Count(e.logs.String(), "owner reachable in Slack again"); n != 1 {
		t.Fatalf("%d 'reachable again' lines, want 1:\n%s", n, e.logs.String())
	}
	// Another owner missing is a condition of its own.
	if _, err := e.c.Owner(ctx, person("Platform Team", handoff.User{})); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(e.logs.String(), "owner not reachable in Slack"); n != 2 {
		t.Fatalf("%d 'not reachable' lines, want 2 (one per owner):\n%s", n, e.logs.String())
	}
}
