package demo

import (
	"bytes"
	"context"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/patchbot/patchbot/connectors/slack/slacktest"
	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/scheduler"
)

// These tests run the real daemon code — connectors, ledger, engine —
// against the fake Jira and Slack over simulated days.

// tuesday is 10:00 on a Tuesday in Berlin: no DST change nearby.
var tuesday = time.Date(2026, 11, 24, 10, 0, 0, 0, mustZone("Europe/Berlin"))

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

func newWorld(t *testing.T) *World {
	t.Helper()
	w, err := NewWorld(context.Background(), Options{Now: tuesday, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	return w
}

// ref is the ledger reference a Slack message carries in its metadata.
func ref(m slacktest.Message) string {
	if m.Metadata == nil {
		return ""
	}
	r, _ := m.Metadata.EventPayload["ref"].(string)
	return r
}

// sent lists the Slack messages whose ref starts with prefix.
func sent(w *World, prefix string) []slacktest.Message {
	var out []slacktest.Message
	for _, m := range w.Slack.All() {
		if strings.HasPrefix(ref(m), prefix) {
			out = append(out, m)
		}
	}
	return out
}

// botComments counts the comments the bot wrote on a ticket.
func botComments(t *testing.T, w *World, key string) int {
	t.Helper()
	is, ok := w.Jira.Issue(key)
	if !ok {
		t.Fatalf("no issue %s", key)
	}
	n := 0
	for _, c := range is.Comments {
		if c.Author.AccountID == w.Jira.Bot().AccountID {
			n++
		}
	}
	return n
}

func mentions(m slacktest.Message, key string) bool {
	return slices.ContainsFunc(m.Texts(), func(s string) bool { return strings.Contains(s, key) })
}

// plan runs a dry-run check of every ticket: what the daemon should say.
func plan(t *testing.T, w *World) *scheduler.Report {
	t.Helper()
	rep, err := w.App.Engine.Sync(context.Background(), scheduler.SyncOptions{Full: true, DryRun: true, Keep: true})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestDaemonFlagsOnceFixesAndReflags(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	e := w.App.Engine

	want := plan(t, w)
	flagged := map[string]bool{}
	for _, r := range want.Results {
		if r.Evaluation.Fingerprint != "" {
			flagged[r.Evaluation.Handoff.Ticket.Key] = true
		}
	}
	if len(flagged) < 10 || len(flagged) == len(want.Results) {
		t.Fatalf("the seed should have both complete and incomplete tickets; flagged %d of %d", len(flagged), len(want.Results))
	}

	if _, err := e.Sync(ctx, scheduler.SyncOptions{Full: true}); err != nil {
		t.Fatal(err)
	}
	for _, r := range want.Results {
		key := r.Evaluation.Handoff.Ticket.Key
		wantN := 0
		if flagged[key] {
			wantN = 1
		}
		if got := botComments(t, w, key); got != wantN {
			t.Errorf("%s: %d bot comments after the first sync, want %d", key, got, wantN)
		}
		if got := len(sent(w, "validation/"+key+"/")); got != wantN {
			t.Errorf("%s: %d Slack validation requests, want %d", key, got, wantN)
		}
	}

	// The same cycle again says nothing: not Jira, not Slack.
	writes, msgs := w.Jira.Writes(), len(w.Slack.All())
	w.Clock.Advance(5 * time.Minute)
	if _, err := e.Sync(ctx, scheduler.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Sync(ctx, scheduler.SyncOptions{Full: true}); err != nil {
		t.Fatal(err)
	}
	if w.Jira.Writes() != writes || len(w.Slack.All()) != msgs {
		t.Fatalf("repeated cycles wrote %d Jira writes and %d Slack messages, want none", w.Jira.Writes()-writes, len(w.Slack.All())-msgs)
	}

	// A person fills in what was missing: the living checklist says
	// complete (an edit, not a new comment) and Slack is not pinged.
	key := w.Keys["CVE-2026-21413 Fortinet FortiOS SSL-VPN heap overflow"]
	w.Clock.Advance(time.Hour)
	must(t, w.Jira.SetField(key, "Rollback Plan", "Restore the config backup"))
	must(t, w.Jira.SetField(key, "Test Plan", "HA secondary first"))
	w.Clock.Advance(time.Minute)
	if _, err := e.Sync(ctx, scheduler.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := botComments(t, w, key); got != 1 {
		t.Fatalf("after the fix: %d bot comments, want the one living comment", got)
	}
	is, _ := w.Jira.Issue(key)
	if body := is.Comments[len(is.Comments)-1].Body; !strings.Contains(body, "complete") {
		t.Fatalf("the living comment does not say complete:\n%s", body)
	}
	if got := len(sent(w, "validation/"+key+"/")); got != 1 {
		t.Fatalf("after the fix: %d validation requests, want still 1", got)
	}

	// It regresses to the very same gap: a new comment so watchers hear
	// of it, and a Slack follow-up in the ticket's thread.
	w.Clock.Advance(time.Hour)
	must(t, w.Jira.SetField(key, "Rollback Plan", nil))
	w.Clock.Advance(time.Minute)
	if _, err := e.Sync(ctx, scheduler.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := botComments(t, w, key); got != 2 {
		t.Fatalf("after the regression: %d bot comments, want 2", got)
	}
	msgsFor := sent(w, "validation/"+key+"/")
	if len(msgsFor) != 2 {
		t.Fatalf("after the regression: %d validation requests, want 2", len(msgsFor))
	}
	if msgsFor[1].ThreadTS != msgsFor[0].TS {
		t.Fatalf("the follow-up is not in the ticket's thread: thread %q, first ts %q", msgsFor[1].ThreadTS, msgsFor[0].TS)
	}
}

func TestDaemonRemindsOnCadenceEscalatesAndDigests(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	e := w.App.Engine
	// Review date was yesterday; owner Ana (reachable by email lookup).
	key := w.Keys["Printer firmware advisory — monitor, review date passed"]
	ana := people["ana"].slackID

	nag := func() {
		t.Helper()
		if _, err := e.Nag(ctx, scheduler.NagOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// The item is the passed review date; its reminders and escalations
	// are counted in the ledger and checked against what Slack holds.
	var item string
	for _, r := range plan(t, w).Results {
		for _, d := range r.Due {
			if d.Key == key && d.Kind == handoff.DueReviewPassed {
				item = d.Brief().ItemKey()
			}
		}
	}
	if item == "" {
		t.Fatalf("%s has no passed review date", key)
	}
	count := func(kind string) int {
		t.Helper()
		hist, err := w.App.Store.History(ctx, item)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, s := range hist {
			if s.Kind != kind {
				continue
			}
			n++
			ms := sent(w, s.Ref)
			if len(ms) != 1 || !mentions(ms[0], key) {
				t.Fatalf("%s %s: %d Slack messages naming %s, want 1", kind, s.Ref, len(ms), key)
			}
			if kind == "reminder" && ms[0].Channel != w.Slack.DMChannel(ana) {
				t.Fatalf("reminder %s went to %s, not the owner's DM", s.Ref, ms[0].Channel)
			}
		}
		return n
	}
	dmsAbout := func() int { return count("reminder") }
	escalationsAbout := func() int { return count("escalation") }

	for _, step := range []struct {
		day         int
		dms, escals int // running totals about this ticket
	}{
		{0, 1, 0}, // reminded the day after the review date
		{1, 2, 0}, // again after 1 day
		{2, 2, 0}, // backoff: 2 days after the 2nd
		{3, 3, 0}, // 3rd reminder
		{4, 3, 1}, // 3 reminders ignored: escalated
		{5, 3, 1},
		{7, 4, 1}, // 4 days after the 3rd
	} {
		w.Clock.Advance(time.Duration(step.day)*24*time.Hour - w.Clock.Now().Sub(tuesday))
		nag()
		nag() // a second run the same day says nothing new
		if got := dmsAbout(); got != step.dms {
			t.Errorf("day +%d: %d DMs to the owner about %s, want %d", step.day, got, key, step.dms)
		}
		if got := escalationsAbout(); got != step.escals {
			t.Errorf("day +%d: %d escalations about %s, want %d", step.day, got, key, step.escals)
		}
	}

	// The digest lists exactly the overdue items, no more and no fewer.
	want := map[string]bool{}
	for _, r := range plan(t, w).Results {
		for _, d := range r.Due {
			if d.Kind != handoff.DueSoon {
				want[d.Key] = true
			}
		}
	}
	if _, err := e.Digest(ctx, scheduler.DigestOptions{}); err != nil {
		t.Fatal(err)
	}
	digest := sent(w, "digest/#patch-digest/")
	if len(digest) == 0 {
		t.Fatal("no digest was posted")
	}
	var text bytes.Buffer
	for _, m := range digest {
		for _, s := range m.Texts() {
			text.WriteString(s + "\n")
		}
	}
	got := map[string]bool{}
	for _, k := range regexp.MustCompile(`\b(SEC|OPS)-\d+\b`).FindAllString(text.String(), -1) {
		got[k] = true
	}
	if !equalSets(got, want) {
		t.Fatalf("digest lists %v, want exactly the overdue items %v", keys(got), keys(want))
	}
}

func TestRestartBetweenIntentAndSendSendsExactlyOnce(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		faults []slacktest.Fault
	}{
		{"killed before Slack stored the post", []slacktest.Fault{
			{Method: "chat.postMessage", Delay: 5 * time.Second},
		}},
		{"killed after Slack stored the post, before the answer", []slacktest.Fault{
			{Method: "chat.postMessage", DropAfter: true},
			{Method: "conversations.history", Status: 500, Times: 50},
			{Method: "conversations.history", Delay: 5 * time.Second, Times: 50},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			ctx := context.Background()
			dry, err := w.App.Engine.Nag(ctx, scheduler.NagOptions{DryRun: true})
			if err != nil {
				t.Fatal(err)
			}
			planned := dry.Count(scheduler.ActSlack, "")
			if planned < 3 {
				t.Fatalf("the seed should give several reminders, planned %d", planned)
			}

			for _, f := range tc.faults {
				w.Slack.Inject(f)
			}
			// The kill comes once the first intent is on record (its post
			// is then held or dropped by the fault), not after a fixed
			// time a loaded machine may not reach the post in.
			kill, cancel := context.WithCancel(ctx)
			killed := make(chan struct{})
			go func() {
				defer close(killed)
				defer cancel()
				for end := time.Now().Add(30 * time.Second); time.Now().Before(end); {
					if open, err := w.App.Store.Open(ctx); err == nil && len(open) > 0 {
						time.Sleep(100 * time.Millisecond)
						return
					}
					select {
					case <-kill.Done():
						return
					case <-time.After(5 * time.Millisecond):
					}
				}
			}()
			_, err = w.App.Engine.Nag(kill, scheduler.NagOptions{})
			cancel()
			<-killed
			if err == nil {
				t.Fatal("the killed run reported no error")
			}
			if open, err := w.App.Store.Open(ctx); err != nil || len(open) == 0 {
				t.Fatalf("no intent was left open by the kill (%v)", err)
			}

			w.Slack.ClearFaults()
			if err := w.Restart(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := w.App.Engine.Recover(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := w.App.Engine.Nag(ctx, scheduler.NagOptions{}); err != nil {
				t.Fatal(err)
			}
			byRef := map[string]int{}
			for _, m := range sent(w, "") {
				if r := ref(m); strings.HasPrefix(r, "nag/") || strings.HasPrefix(r, "escalation/") {
					byRef[r]++
				}
			}
			for r, n := range byRef {
				if n != 1 {
					t.Errorf("%s sent %d times, want exactly once", r, n)
				}
			}
			if len(byRef) != planned {
				t.Errorf("%d reminders went out over the kill and restart, want the %d planned", len(byRef), planned)
			}
			if open, _ := w.App.Store.Open(ctx); len(open) != 0 {
				t.Errorf("intents still open after the restart: %+v", open)
			}
		})
	}
}

func TestDemoTranscript(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := Run(context.Background(), Options{Out: &out, Now: tuesday, Dir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{"[Jira SEC-", "[Slack #patching] validation", "reminder", "[Slack #patch-digest] digest", "escalation", "0 Jira writes, 0 Slack messages"} {
		if !strings.Contains(s, want) {
			t.Errorf("the transcript lacks %q", want)
		}
	}
	for _, leak := range []string{jiraToken, slackBot} {
		if strings.Contains(s, leak) {
			t.Errorf("the transcript shows a token")
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func equalSets(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
