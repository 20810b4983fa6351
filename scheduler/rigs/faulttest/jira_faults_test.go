package faulttest

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/patchbot/patchbot/config"
	"github.com/patchbot/patchbot/connectors/jira/jiratest"
	"github.com/patchbot/patchbot/scheduler"
)

const (
	search = "/rest/api/2/search/jql"
	// post is the one write that posts a checklist: an issue edit (Cloud,
	// v3) carrying the comment, the label and the trail property.
	post = "/rest/api/3/issue/SEC-"
)

// TestJiraFaults runs a sync into each Jira failure, through the real
// connector and go-jira, then a good sync and a nag, and checks the
// outcome against the dry-run plan made before the fault: one comment per
// flagged ticket, each validation request and reminder exactly once.
func TestJiraFaults(t *testing.T) {
	t.Parallel()
	n := func(k int, f jiratest.Fault) []jiratest.Fault {
		out := make([]jiratest.Fault, k)
		for i := range out {
			out[i] = f
		}
		return out
	}
	// 5 = the first try and jira.max_retries (4) retries.
	cases := []struct {
		name   string
		faults []jiratest.Fault
		resets []reset
		// wantErr: the first cycle fails, naming these; none: it absorbs
		// the fault.
		wantErr []string
		// stuck are the projects whose watermark must stay put.
		stuck []string
		// minWait: a wait at least this long was asked (Retry-After).
		minWait time.Duration
		// timeout, when set, is jira.timeout for the faulted cycle.
		timeout time.Duration
		// then runs after the failed cycle (before faults are cleared).
		then func(t *testing.T, r *rig)
	}{
		{name: "429 with Retry-After, waited out", faults: n(2, jiratest.Fault{Path: search, Status: 429, RetryAfter: "1"}),
			minWait: time.Second},
		{name: "429 past the retries", faults: n(5, jiratest.Fault{Path: search, Status: 429, RetryAfter: "0"}),
			wantErr: []string{"project SEC", "jira: scan SEC: GET /rest/api/2/search/jql: 429 Too Many Requests", "still rate limited"}, stuck: []string{"SEC"}},
		{name: "500 on search", faults: n(5, jiratest.Fault{Path: search, Status: 500}),
			wantErr: []string{"jira: scan SEC: GET /rest/api/2/search/jql: 500 Internal Server Error"}, stuck: []string{"SEC"}},
		{name: "502 on search", faults: n(5, jiratest.Fault{Path: search, Status: 502}),
			wantErr: []string{"jira: scan SEC: GET /rest/api/2/search/jql: 502 Bad Gateway"}, stuck: []string{"SEC"}},
		{name: "503 with Retry-After on search", faults: n(5, jiratest.Fault{Path: search, Status: 503, RetryAfter: "0"}),
			wantErr: []string{"jira: scan SEC: GET /rest/api/2/search/jql: 503 Service Unavailable"}, stuck: []string{"SEC"}},
		{name: "503 twice, then fine", faults: n(2, jiratest.Fault{Path: search, Status: 503})},
		{name: "500 on a comment post", faults: n(2, jiratest.Fault{Path: post, Method: "PUT", Status: 500}),
			wantErr: []string{"publish checklist: jira: publish: post comment SEC-", "PUT /rest/api/3/issue/SEC-", "500 Internal Server Error"}, stuck: []string{"SEC"}},
		// The comment and its trail are one issue edit: a 500 on it is
		// looked into (the bot's comments) and the edit sent once more.
		{name: "500 once on a comment post, then fine", faults: n(1, jiratest.Fault{Path: post, Method: "PUT", Status: 500})},
		// jira.timeout bounds the whole request, retries included (it is
		// the http.Client's timeout, outside the retrying transport): a
		// timed-out search is not tried again in the cycle; the next
		// cycle reads it.
		// The faulted request is held until the client gives up; the
		// timeout leaves the good requests of the cycle, and the start-up
		// check, room under load (see jiraTimeout).
		{name: "timeout on search", faults: n(1, jiratest.Fault{Path: search, Delay: time.Minute}), timeout: 3 * time.Second,
			wantErr: []string{"jira: scan SEC: GET /rest/api/2/search/jql", "Client.Timeout exceeded|deadline exceeded"}, stuck: []string{"SEC"}},
		{name: "timeout on a comment post", faults: n(2, jiratest.Fault{Path: post, Method: "PUT", Delay: time.Minute}), timeout: 3 * time.Second,
			wantErr: []string{"jira: publish: post comment SEC-", "PUT /rest/api/3/issue/SEC-", "Client.Timeout exceeded|deadline exceeded"}, stuck: []string{"SEC"}},
		// Six resets fail the first search for good: net/http replays a
		// GET once when its kept-alive connection was reset, then the
		// connector tries four more times on new connections.
		{name: "connection reset on search", resets: slices.Repeat([]reset{{Path: search}}, 6),
			wantErr: []string{"jira: scan SEC: GET /rest/api/2/search/jql", "connection reset by peer"}, stuck: []string{"SEC"}},
		{name: "connection reset after a comment was stored", resets: []reset{{Path: post, Method: "PUT", After: true}}},
		{name: "connection reset before a comment post, twice", resets: []reset{{Path: post, Method: "PUT"}, {Path: post, Method: "PUT"}},
			wantErr: []string{"jira: publish: post comment SEC-", "PUT /rest/api/3/issue/SEC-"}, stuck: []string{"SEC"}},
		{name: "truncated search JSON", faults: n(5, jiratest.Fault{Path: search, Truncated: true}),
			wantErr: []string{"jira: scan SEC: GET /rest/api/2/search/jql: decode response"}, stuck: []string{"SEC"}},
		{name: "malformed search JSON", faults: n(5, jiratest.Fault{Path: search, Malformed: true}),
			wantErr: []string{"jira: scan SEC: GET /rest/api/2/search/jql: decode response"}, stuck: []string{"SEC"}},
		{name: "truncated JSON once", faults: n(1, jiratest.Fault{Path: search, Truncated: true})},
		{name: "401 after a token rotation", faults: n(2, jiratest.Fault{Status: 401}),
			wantErr: []string{"jira: scan SEC: GET /rest/api/2/search/jql: 401 Unauthorized", "check the Jira email and API token",
				"jira: scan OPS: GET /rest/api/2/search/jql: 401 Unauthorized"}, stuck: []string{"SEC", "OPS"},
			then: func(t *testing.T, r *rig) {
				// Restarted with the old token, the daemon refuses to start
				// and says why; with the new one it runs.
				good := r.Config.Jira.Token
				r.Config.Jira.Token = config.NewSecret("rotated-away-jira-token")
				err := r.rebuild()
				if err == nil || !strings.Contains(err.Error(), "GET /rest/api/2/myself: 401 Unauthorized") {
					t.Errorf("start with a rotated token: %v, want a 401 naming /rest/api/2/myself", err)
				}
				t.Logf("start with the old token: %v", err)
				if strings.Contains(errText(err), "rotated-away-jira-token") {
					t.Error("the start-up error shows the token")
				}
				r.Config.Jira.Token = good
				r.restart()
			}},
	}
	concurrently(t, 6, func(sub func(string, func(*testing.T))) {
		for _, tc := range cases {
			sub(tc.name, func(t *testing.T) {
				r := newRig(t)
				ctx := context.Background()
				x := planOf(t, r.App.Engine, scheduler.SyncOptions{})

				if tc.timeout > 0 {
					r.jiraTimeout(tc.timeout)
				}
				r.Jira.Inject(tc.faults...)
				r.jira.Inject(tc.resets...)
				_, err := r.App.Engine.Sync(ctx, scheduler.SyncOptions{})
				if tc.timeout > 0 {
					r.jiraTimeout(0)
				}
				r.noSecrets("the error", errText(err))
				if len(tc.wantErr) == 0 {
					if err != nil {
						t.Fatalf("the cycle did not absorb the fault: %v", err)
					}
				} else {
					if !isPartial(err) {
						t.Fatalf("the cycle reported %v, want an incomplete cycle", err)
					}
					for _, s := range tc.wantErr {
						if !containsAny(err.Error(), s) {
							t.Errorf("the error does not say %q:\n%v", s, err)
						}
					}
					t.Logf("error: %v", err)
				}
				for _, p := range tc.stuck {
					if wm, err := r.App.Store.Watermark(ctx, p); err != nil || !wm.IsZero() {
						t.Errorf("project %s: the watermark moved to %v (%v) past tickets not synced", p, wm, err)
					}
				}
				if r.Jira.PendingFaults() != 0 || r.jira.Fired() != len(tc.resets) {
					t.Errorf("faults not all fired: %d Jira faults pending, %d of %d resets", r.Jira.PendingFaults(), r.jira.Fired(), len(tc.resets))
				}
				if tc.minWait > 0 && r.maxWait() < tc.minWait {
					t.Errorf("the longest wait asked was %v, want at least the Retry-After %v", r.maxWait(), tc.minWait)
				}
				if tc.then != nil {
					tc.then(t, r)
				}

				// The next good cycle finishes the work and moves every watermark.
				r.Jira.ClearFaults()
				r.Clock.Advance(5 * time.Minute)
				if _, err := r.App.Engine.Sync(ctx, scheduler.SyncOptions{}); err != nil {
					t.Fatalf("the next good cycle: %v", err)
				}
				for _, p := range []string{"SEC", "OPS"} {
					if wm, _ := r.App.Store.Watermark(ctx, p); !wm.Equal(r.Clock.Now()) {
						t.Errorf("project %s: watermark %v after a good cycle, want %v", p, wm, r.Clock.Now())
					}
				}
				if _, err := r.App.Engine.Nag(ctx, scheduler.NagOptions{}); err != nil {
					t.Fatalf("nag: %v", err)
				}
				x.check(t, r.World, true)
				r.noSecrets("the logs", r.logs.String())
			})
		}
	})
}

// TestJiraFaultDuringNag fails one project's search during a nag run. A
// reminder batches an owner's items from every project under one ref a
// day, so a run that DMs an owner from a partial scan would use up the
// day's ref and lose the unread project's items until tomorrow.
func TestJiraFaultDuringNag(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	ctx := context.Background()
	e := r.App.Engine
	x := planOf(t, e, scheduler.SyncOptions{})
	if _, err := e.Sync(ctx, scheduler.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	r.Jira.InjectN(5, jiratest.Fault{Path: search, Status: 500})
	_, err := e.Nag(ctx, scheduler.NagOptions{})
	if !isPartial(err) || !strings.Contains(err.Error(), "jira: scan SEC: GET /rest/api/2/search/jql: 500 Internal Server Error") {
		t.Fatalf("nag with SEC unreadable: %v, want an incomplete run naming the search", err)
	}
	t.Logf("error: %v", err)
	r.Jira.ClearFaults()
	r.Clock.Advance(15 * time.Minute)
	if _, err := e.Nag(ctx, scheduler.NagOptions{}); err != nil {
		t.Fatal(err)
	}
	x.check(t, r.World, true)
}
