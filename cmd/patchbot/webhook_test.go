package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchbot/patchbot/cmd/patchbot/app"
	"github.com/patchbot/patchbot/cmd/patchbot/demo"
	"github.com/patchbot/patchbot/config"
	"github.com/patchbot/patchbot/connectors/jira/jiratest"
	"github.com/patchbot/patchbot/connectors/jirahook"
	"github.com/patchbot/patchbot/scheduler"
)

// These tests run the webhook endpoint of `run` end to end: the fake Jira
// signs and posts its webhooks over loopback HTTP to the real receiver,
// which asks the real engine, which reads and writes the fake Jira through
// the real connector and records in the real (SQLite) ledger.

const hookSecret = "jira-webhook-test-secret-0123456789"

// fortinet is a demo ticket whose handoff lacks its rollback and test
// plans.
const fortinet = "CVE-2026-21413 Fortinet FortiOS SSL-VPN heap overflow"

// ann is a person editing tickets in Jira.
var ann = jiratest.User{AccountID: "5b10ac8d82e05b22cc7d4e11", DisplayName: "Ann Editor", Email: "ann@example.com"}

// hookRig is a demo world whose daemon serves the webhook endpoint.
type hookRig struct {
	*demo.World
	t   testing.TB
	ep  *webhookEndpoint
	url string

	mu    sync.Mutex
	calls map[string]int // Recheck calls by ticket, once they returned
	done  chan string    // each ticket whose Recheck returned
	errs  []error
}

type hookOptions struct {
	window time.Duration
	// lead starts the daemon's jobs (with no schedule): the replica
	// leads; otherwise it stands by until r.lead.
	lead bool
	// edit changes the config before the daemon is built.
	edit func(*config.Config)
}

func newHookRig(t testing.TB, o hookOptions) *hookRig {
	t.Helper()
	w, err := demo.NewWorld(context.Background(), demo.Options{Now: time.Now(), Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	c := w.Config
	c.Webhook = config.Webhook{Listen: "127.0.0.1:0", Secret: config.NewSecret(hookSecret), Window: o.window, MaxBody: 1 << 20}
	// The fakes need no politeness.
	c.Jira.RequestsPerSecond = 1000
	if o.edit != nil {
		o.edit(c)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	// The daemon runs on the real clock (the demo's stands still, and the
	// Slack pacing would pile up on it).
	if err := w.App.Close(); err != nil {
		t.Fatal(err)
	}
	w.App = nil
	a, err := app.Build(context.Background(), c, app.Deps{Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	w.App = a
	r := &hookRig{World: w, t: t, calls: map[string]int{}, done: make(chan string, 100000)}
	ep, err := startWebhook(context.Background(), w.App, func(rc jirahook.Rechecker) jirahook.Rechecker { return observedRechecker{rc, r} })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ep.close)
	r.ep, r.url = ep, "http://"+ep.addr+jirahook.Path
	if o.lead {
		r.lead()
	}
	return r
}

// lead runs the daemon's jobs (none scheduled) until the test ends, and
// returns once targeted syncs act here.
func (r *hookRig) lead() {
	r.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.App.Engine.Run(ctx, scheduler.Schedules{}) }()
	r.t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			r.t.Errorf("Run: %v", err)
		}
	})
	r.eventually("the jobs run", r.App.Engine.RunningJobs)
}

// observedRechecker is the engine as the receiver calls it, with each
// returned call recorded.
type observedRechecker struct {
	rc jirahook.Rechecker
	r  *hookRig
}

func (w observedRechecker) Recheck(ctx context.Context, key, cause string) error {
	err := w.rc.Recheck(ctx, key, cause)
	w.r.mu.Lock()
	w.r.calls[key]++
	if err != nil {
		w.r.errs = append(w.r.errs, err)
	}
	w.r.mu.Unlock()
	w.r.done <- key
	return err
}

func (r *hookRig) rechecks() (calls map[string]int, errs []error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	calls = make(map[string]int, len(r.calls))
	for k, v := range r.calls {
		calls[k] = v
	}
	return calls, append([]error(nil), r.errs...)
}

// send posts a webhook from the fake Jira, signed, and returns the answer.
func (r *hookRig) send(wh jiratest.Webhook) int {
	r.t.Helper()
	status, err := r.Jira.SendWebhook(context.Background(), r.url, []byte(hookSecret), wh)
	if err != nil {
		r.t.Fatal(err)
	}
	return status
}

// waitRecheck waits until the receiver's Recheck of key returned.
func (r *hookRig) waitRecheck(key string) {
	r.t.Helper()
	guard := time.After(time.Minute) // a failure guard, not a synchronisation
	for {
		select {
		case k := <-r.done:
			if k == key {
				return
			}
		case <-guard:
			r.t.Fatalf("no Recheck of %s", key)
		}
	}
}

// eventually waits for cond, which the daemon makes true on its own.
func (r *hookRig) eventually(what string, cond func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(time.Minute) // a failure guard
	for !cond() {
		if time.Now().After(deadline) {
			r.t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// botComment is the bot's living comment on key: its id and text.
func (r *hookRig) botComment(key string) (id, body string) {
	r.t.Helper()
	is, ok := r.Jira.Issue(key)
	if !ok {
		r.t.Fatalf("no issue %s", key)
	}
	for _, c := range is.Comments {
		if c.Author.AccountID == r.Jira.Bot().AccountID {
			id, body = c.ID, c.Body+string(c.ADF)
		}
	}
	return id, body
}

// echoes are the webhooks Jira fires for the bot's own writes since
// request n: for each issue edit, the issue update (by the bot, with the
// comment and any label change in its changelog), the comment event, and
// the entity property event.
func (r *hookRig) echoes(n int) []jiratest.Webhook {
	r.t.Helper()
	bot := r.Jira.Bot()
	var out []jiratest.Webhook
	for _, req := range r.Jira.Requests()[n:] {
		if req.Method != http.MethodPut || !strings.Contains(req.Path, "/issue/") || req.Status >= 300 {
			continue
		}
		key := strings.Split(strings.SplitAfter(req.Path, "/issue/")[1], "/")[0]
		var body struct {
			Update struct {
				Labels  []map[string]string `json:"labels"`
				Comment []json.RawMessage   `json:"comment"`
			} `json:"update"`
		}
		_ = json.Unmarshal(req.Body, &body)
		cid, _ := r.botComment(key)
		up := jiratest.Webhook{Key: key, User: &bot}
		for _, l := range body.Update.Labels {
			for op, name := range l {
				if op == "add" {
					up.Changes = append(up.Changes, jiratest.LabelChange(nil, []string{name}))
				} else {
					up.Changes = append(up.Changes, jiratest.LabelChange([]string{name}, nil))
				}
			}
		}
		if len(body.Update.Comment) > 0 {
			up.CommentID = cid
			out = append(out, jiratest.Webhook{Event: jirahook.EventCommentUpdated, Key: key, CommentID: cid})
		}
		out = append(out, up, jiratest.Webhook{Event: "issue_property_set", Key: key, User: &bot})
	}
	return out
}

// TestWebhookEditsTheLivingComment: a person fills in a missing field,
// Jira sends a signed webhook, and the bot's living comment is edited at
// once; the webhooks the bot's own edit fires cause nothing (no loop), a
// retried delivery neither.
func TestWebhookEditsTheLivingComment(t *testing.T) {
	t.Parallel()
	r := newHookRig(t, hookOptions{window: time.Millisecond, lead: true})
	ctx := context.Background()
	key := r.Keys[fortinet]
	if _, err := r.App.Engine.Sync(ctx, scheduler.SyncOptions{Full: true}); err != nil {
		t.Fatal(err)
	}
	cid, before := r.botComment(key)
	if cid == "" {
		t.Fatalf("the first sync left no comment on %s", key)
	}
	adds, edits := r.Jira.CommentWrites()
	n := len(r.Jira.Requests())

	rollback, _ := r.Jira.FieldID("Rollback Plan")
	if err := r.Jira.SetField(key, "Rollback Plan", "Restore the 7.2.6 image from the config backup"); err != nil {
		t.Fatal(err)
	}
	change := jiratest.Webhook{Key: key, User: &ann, Identifier: "delivery-1",
		Changes: []jiratest.WebhookChange{jiratest.FieldChange("Rollback Plan", rollback, "", "Restore the 7.2.6 image")}}
	if got := r.send(change); got != http.StatusAccepted {
		t.Fatalf("the person's change: %d, want 202", got)
	}
	r.waitRecheck(key)
	a2, e2 := r.Jira.CommentWrites()
	id, after := r.botComment(key)
	if a2 != adds || e2 != edits+1 || id != cid || after == before {
		t.Fatalf("comment writes: %d adds, %d edits (before %d, %d); comment %s→%s changed %v; want the living comment edited once",
			a2, e2, adds, edits, cid, id, after != before)
	}

	// Jira echoes the bot's edit; it retries the person's delivery too.
	echoes := r.echoes(n)
	if len(echoes) < 3 {
		t.Fatalf("%d echo webhooks for the bot's edit, want at least 3", len(echoes))
	}
	writes := r.Jira.Writes()
	change.Retry = 1
	for i, wh := range append(echoes, change) {
		if got := r.send(wh); got != http.StatusNoContent {
			t.Errorf("echo %d (%s by %v): %d, want 204", i, wh.Event, wh.User, got)
		}
	}
	// 204 means nothing was queued: no Recheck can follow.
	if calls, errs := r.rechecks(); calls[key] != 1 || len(errs) > 0 || r.Jira.Writes() != writes {
		t.Errorf("after the echoes: rechecks %v (errors %v), writes %d→%d; want no more", calls, errs, writes, r.Jira.Writes())
	}
}

// TestWebhookOutsideEveryScope: a ticket no project's JQL selects is read
// nowhere and written never, however authentic its webhook.
func TestWebhookOutsideEveryScope(t *testing.T) {
	t.Parallel()
	r := newHookRig(t, hookOptions{window: time.Millisecond, lead: true, edit: func(c *config.Config) {
		c.Projects[0].JQL = `project = SEC AND (labels is EMPTY OR labels not in ("not-a-patch"))`
	}})
	hr, err := r.Jira.AddIssue(jiratest.IssueSpec{Project: "HR", Summary: "Patch this: payroll export"})
	if err != nil {
		t.Fatal(err)
	}
	sec, err := r.Jira.AddIssue(jiratest.IssueSpec{Project: "SEC", Summary: "Patch this: printer", Labels: []string{"not-a-patch"}})
	if err != nil {
		t.Fatal(err)
	}
	writes, n := r.Jira.Writes(), len(r.Jira.Requests())
	for _, key := range []string{hr, sec} {
		if got := r.send(jiratest.Webhook{Event: jirahook.EventIssueCreated, Key: key, User: &ann}); got != http.StatusAccepted {
			t.Fatalf("%s: %d, want 202 (the receiver leaves scope to the engine)", key, got)
		}
		r.waitRecheck(key)
	}
	if calls, errs := r.rechecks(); calls[hr] != 1 || calls[sec] != 1 || len(errs) > 0 {
		t.Fatalf("rechecks %v, errors %v", calls, errs)
	}
	if got := r.Jira.Writes(); got != writes {
		t.Errorf("%d writes for tickets outside every scope", got-writes)
	}
	var jqls []string
	for _, req := range r.Jira.Requests()[n:] {
		if strings.Contains(req.Path, "/search") {
			q, _ := url.ParseQuery(req.Query)
			jqls = append(jqls, q.Get("jql"))
		}
	}
	want := []string{`(project = SEC AND (labels is EMPTY OR labels not in ("not-a-patch"))) AND key in ("` + sec + `")`, `(project = OPS) AND key in ("` + hr + `")`}
	for _, w := range want {
		if !anyHasPrefix(jqls, w) {
			t.Errorf("no search %q among %q", w, jqls)
		}
	}
}

func anyHasPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

// TestWebhookPollingIsTheSafetyNet: a webhook whose targeted sync fails,
// and a change whose webhook never came, are both written by the next
// scheduled sync, once.
func TestWebhookPollingIsTheSafetyNet(t *testing.T) {
	t.Parallel()
	r := newHookRig(t, hookOptions{window: time.Millisecond, lead: true})
	ctx := context.Background()
	if _, err := r.App.Engine.Sync(ctx, scheduler.SyncOptions{Full: true}); err != nil {
		t.Fatal(err)
	}
	failed, lost := r.Keys[fortinet], r.Keys["Patch this: OpenSSH regreSSHion on jump hosts"]
	_, failedBefore := r.botComment(failed)
	_, lostBefore := r.botComment(lost)
	// Each fills in a field its handoff lacks.
	if err := r.Jira.SetField(failed, "Rollback Plan", "Restore the 7.2.6 image"); err != nil {
		t.Fatal(err)
	}
	if err := r.Jira.SetField(lost, "Fixed Version", "9.8p1"); err != nil {
		t.Fatal(err)
	}
	_, edits := r.Jira.CommentWrites()
	// Jira refuses the targeted sync's search (the next search is the
	// scheduled sync's).
	r.Jira.Inject(jiratest.Fault{Status: http.StatusBadRequest, Path: "/search"})
	if got := r.send(jiratest.Webhook{Key: failed, User: &ann}); got != http.StatusAccepted {
		t.Fatalf("webhook: %d, want 202", got)
	}
	r.waitRecheck(failed)
	if _, errs := r.rechecks(); len(errs) != 1 {
		t.Fatalf("recheck errors %v, want the refused search", errs)
	}
	if _, e := r.Jira.CommentWrites(); e != edits {
		t.Fatalf("%d edits after a failed targeted sync", e-edits)
	}

	if _, err := r.App.Engine.Sync(ctx, scheduler.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	_, failedAfter := r.botComment(failed)
	_, lostAfter := r.botComment(lost)
	if _, e := r.Jira.CommentWrites(); e != edits+2 || failedAfter == failedBefore || lostAfter == lostBefore {
		t.Errorf("the scheduled sync made %d edits, want both tickets' comments edited", e-edits)
	}
}

// TestWebhookOnAStandby: a replica that does not lead accepts the webhook
// and leaves the ticket in the ledger's inbox; once it leads (or when the
// leader drains the shared inbox) the ticket is synced.
func TestWebhookOnAStandby(t *testing.T) {
	t.Parallel()
	r := newHookRig(t, hookOptions{window: time.Millisecond})
	ctx := context.Background()
	key := r.Keys[fortinet]
	if _, err := r.App.Engine.Sync(ctx, scheduler.SyncOptions{Full: true}); err != nil {
		t.Fatal(err)
	}
	_, before := r.botComment(key)
	if err := r.Jira.SetField(key, "Rollback Plan", "Restore the 7.2.6 image"); err != nil {
		t.Fatal(err)
	}
	_, edits := r.Jira.CommentWrites()
	if got := r.send(jiratest.Webhook{Key: key, User: &ann}); got != http.StatusAccepted {
		t.Fatalf("webhook: %d, want 202", got)
	}
	r.waitRecheck(key)
	if _, e := r.Jira.CommentWrites(); e != edits {
		t.Fatalf("a standby edited the comment")
	}
	if _, errs := r.rechecks(); len(errs) > 0 {
		t.Fatalf("the standby refused the recheck: %v", errs)
	}
	r.lead()
	r.eventually("the leader edits the comment", func() bool { _, e := r.Jira.CommentWrites(); return e == edits+1 })
	if _, after := r.botComment(key); after == before {
		t.Error("the comment did not change")
	}
}
