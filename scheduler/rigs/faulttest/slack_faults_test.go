package faulttest

import (
	"context"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/patchbot/patchbot/connectors/slack/slacktest"
	"github.com/patchbot/patchbot/scheduler"
)

// TestSlackFaults runs a sync and a nag into each Slack failure, through
// the real connector and slack-go, then good runs, and checks the outcome
// against the dry-run plan: each validation request and reminder exactly
// once, one comment per flagged ticket.
func TestSlackFaults(t *testing.T) {
	t.Parallel()
	const post = "chat.postMessage"
	cases := []struct {
		name  string
		fault slacktest.Fault
		// timeout, when set, gives up on each chat.postMessage after it
		// (0: the connector's 30s client timeout).
		timeout time.Duration
		wantErr []string // none: the run absorbs the fault
		// stuck are the projects whose watermark must stay put when the
		// fault hits a sync.
		stuck   []string
		minWait time.Duration
		// nag: the fault also hits a nag run (the default run keeps to
		// the cases where a nag differs from a sync).
		nag bool
	}{
		{name: "ratelimited (HTTP 429), waited out", fault: slacktest.Fault{Method: post, Times: 3, Status: http.StatusTooManyRequests, RetryAfter: 2},
			minWait: 2 * time.Second, nag: true},
		{name: "ratelimited (ok false), waited out", fault: slacktest.Fault{Method: post, Times: 3, Error: "ratelimited"},
			minWait: time.Second},
		{name: "invalid_auth: the token was revoked", fault: slacktest.Fault{Times: 1000, Error: "invalid_auth"},
			wantErr: []string{"slack: the bot token was rejected (invalid_auth)"}, stuck: []string{"SEC", "OPS"}, nag: true},
		{name: "channel_not_found", fault: slacktest.Fault{Method: post, Times: 3, Error: "channel_not_found"},
			wantErr: []string{"slack: chat.postMessage: slack: channel not found (channel_not_found)"}, stuck: []string{"SEC"}},
		{name: "500 on posts", fault: slacktest.Fault{Method: post, Times: 3, Status: 500},
			wantErr: []string{"slack: chat.postMessage: after 3 tries", "500"}, stuck: []string{"SEC"}},
		{name: "timeout on posts", fault: slacktest.Fault{Method: post, Times: 3, Delay: 5 * time.Second}, timeout: time.Second,
			wantErr: []string{"slack: chat.postMessage: after 3 tries", "Client.Timeout exceeded|deadline exceeded"}, stuck: []string{"SEC"}, nag: true},
		{name: "connection dropped before the post was stored", fault: slacktest.Fault{Method: post, Drop: true}},
		{name: "connection dropped after the post was stored", fault: slacktest.Fault{Method: post, DropAfter: true}, nag: true},
	}
	concurrently(t, 6, func(sub func(string, func(*testing.T))) {
		for _, tc := range cases {
			for _, job := range []string{"sync", "nag"} {
				if job == "nag" && !tc.nag && os.Getenv("PATCHBOT_FAULTS_ALL") == "" {
					continue
				}
				sub(job+"/"+tc.name, func(t *testing.T) {
					r := newRig(t)
					ctx := context.Background()
					e := r.App.Engine
					x := planOf(t, e, scheduler.SyncOptions{})
					run := func() error { _, err := e.Sync(ctx, scheduler.SyncOptions{}); return err }
					if job == "nag" {
						if err := run(); err != nil {
							t.Fatal(err)
						}
						run = func() error { _, err := e.Nag(ctx, scheduler.NagOptions{}); return err }
					}

					if tc.timeout > 0 {
						r.slackTimeout(post, tc.timeout)
						e = r.App.Engine
					}
					r.Slack.Inject(tc.fault)
					err := run()
					if tc.timeout > 0 {
						r.slackTimeout(post, 0)
						e = r.App.Engine
					}
					r.noSecrets("the error", errText(err))
					if len(tc.wantErr) == 0 {
						if err != nil {
							t.Fatalf("the run did not absorb the fault: %v", err)
						}
					} else {
						if !isPartial(err) {
							t.Fatalf("the run reported %v, want an incomplete run", err)
						}
						for _, s := range tc.wantErr {
							if !containsAny(err.Error(), s) {
								t.Errorf("the error does not say %q:\n%v", s, err)
							}
						}
						t.Logf("error: %v", err)
						if job == "sync" {
							for _, p := range tc.stuck {
								if wm, err := r.App.Store.Watermark(ctx, p); err != nil || !wm.IsZero() {
									t.Errorf("project %s: the watermark moved to %v (%v) past tickets not synced", p, wm, err)
								}
							}
						}
					}
					if tc.minWait > 0 && r.maxWait() < tc.minWait {
						t.Errorf("the longest wait asked was %v, want at least the Retry-After %v", r.maxWait(), tc.minWait)
					}

					// Good runs finish the work.
					r.Slack.ClearFaults()
					r.Clock.Advance(5 * time.Minute)
					if _, err := e.Sync(ctx, scheduler.SyncOptions{}); err != nil {
						t.Fatalf("the next good sync: %v", err)
					}
					if _, err := e.Nag(ctx, scheduler.NagOptions{}); err != nil {
						t.Fatalf("the next good nag: %v", err)
					}
					x.check(t, r.World, true)
					r.noSecrets("the logs", r.logs.String())
				})
			}
		}
	})
}
