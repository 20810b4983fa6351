package scheduler

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/ports"
)

var berlin = mustLoc("Europe/Berlin")

func mustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// t0 is a Tuesday morning in Berlin.
var t0 = time.Date(2026, 11, 24, 9, 0, 0, 0, berlin)

// complete returns mapped fields that satisfy every lane's policy, with
// dates well in the future (and a validation in the past).
func complete(now time.Time) map[handoff.FieldID]handoff.FieldValue {
	f := map[handoff.FieldID]handoff.FieldValue{}
	for _, s := range handoff.Fields() {
		f[s.ID] = handoff.FieldValue{Text: "given: " + string(s.ID)}
	}
	future := now.AddDate(0, 2, 0).Format("2006-01-02")
	f[handoff.FieldDeadline] = handoff.FieldValue{Text: future}
	f[handoff.FieldReviewDate] = handoff.FieldValue{Text: future}
	f[handoff.FieldExceptionExpiry] = handoff.FieldValue{Text: future}
	f[handoff.FieldValidatedAt] = handoff.FieldValue{Text: now.AddDate(0, 0, -1).Format("2006-01-02")}
	f[handoff.FieldPatchLink] = handoff.FieldValue{Text: "https://vendor.example/advisory"}
	f[handoff.FieldEPSS] = handoff.FieldValue{Text: "0.42"}
	f[handoff.FieldKEV] = handoff.FieldValue{Text: "yes"}
	f[handoff.FieldOwner] = handoff.FieldValue{Text: "Ana Owner", Users: []handoff.User{{AccountID: "acc-ana", DisplayName: "Ana Owner", Email: "ana@example.com"}}}
	f[handoff.FieldExceptionOwner] = f[handoff.FieldOwner]
	delete(f, handoff.FieldBlocker)
	delete(f, handoff.FieldBlockerRisk)
	delete(f, handoff.FieldUnblock)
	return f
}

func input(key string, lane handoff.Lane, created time.Time, fields map[handoff.FieldID]handoff.FieldValue) handoff.Input {
	fields[handoff.FieldLane] = handoff.FieldValue{Text: strings.ReplaceAll(string(lane), "_", " ")}
	return handoff.Input{
		Ticket: handoff.Ticket{Key: key, Summary: "Patch " + key, URL: "https://jira.example/browse/" + key,
			Status: "In Progress", StatusCategory: handoff.StatusIndeterminate, Created: created, Updated: created},
		Fields: fields,
	}
}

type rig struct {
	clock *clock
	jira  *fakeTracker
	slack *fakeMessenger
	led   *memLedger
	eng   *Engine
}

func newRig(t *testing.T, mod func(*Options)) *rig {
	t.Helper()
	c := &clock{t: t0}
	r := &rig{clock: c, jira: newFakeTracker(c.Now), slack: newFakeMessenger(), led: newMemLedger()}
	r.slack.users["acc-ana"] = "UANA"
	opt := Options{
		Tracker: r.jira, Messenger: r.slack, Location: berlin, Now: c.Now,
		Projects: []Project{{Name: "SEC", Policy: handoff.DefaultPolicy(), Channels: map[handoff.Lane]string{"": "#patching"}}},
		Nag:      NagPolicy{DigestChannel: "#patch-digest", EscalationChannel: "#patch-escalations", EscalateAfter: 3},
	}
	r.led.plug(&opt)
	if mod != nil {
		mod(&opt)
	}
	e, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	r.eng = e
	return r
}

func (r *rig) sync(t *testing.T) *Report {
	t.Helper()
	rep, err := r.eng.Sync(context.Background(), SyncOptions{})
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	return rep
}

func TestSyncFlagsOnceFixesAndReflags(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	f := complete(t0)
	delete(f, handoff.FieldRollback)
	r.jira.put(input("SEC-1", handoff.LanePatchNow, t0.AddDate(0, 0, -1), f))

	r.sync(t)
	if got := r.jira.comments["SEC-1"]; got != 1 {
		t.Fatalf("first sync: %d checklist writes, want 1", got)
	}
	if got := r.slack.count("validation/SEC-1/"); got != 1 {
		t.Fatalf("first sync: %d Slack validation requests, want 1", got)
	}

	// Nothing changed: nothing is said, however often the cycle runs.
	for i := 0; i < 3; i++ {
		r.clock.Add(5 * time.Minute)
		r.sync(t)
	}
	if r.jira.comments["SEC-1"] != 1 || r.slack.count("validation/") != 1 {
		t.Fatalf("unchanged ticket was posted again: comments %d, slack %v", r.jira.comments["SEC-1"], r.slack.refs())
	}

	// Fixed: the checklist says complete, Slack is not pinged.
	r.clock.Add(time.Hour)
	fixed := complete(t0)
	in := input("SEC-1", handoff.LanePatchNow, t0.AddDate(0, 0, -1), fixed)
	in.Ticket.Updated = r.clock.Now()
	r.jira.put(in)
	r.sync(t)
	if r.jira.comments["SEC-1"] != 2 || r.slack.count("validation/") != 1 {
		t.Fatalf("fixed ticket: comments %d (want 2), slack %v (want 1)", r.jira.comments["SEC-1"], r.slack.refs())
	}
	if tr := r.jira.tickets["SEC-1"].Trail; tr.Fingerprint != "" || !tr.Complete {
		t.Fatalf("trail after fix = %+v, want complete with no fingerprint", tr)
	}

	// Regressed to the very same findings: a new episode, heard again.
	r.clock.Add(time.Hour)
	in = input("SEC-1", handoff.LanePatchNow, t0.AddDate(0, 0, -1), f)
	in.Ticket.Updated = r.clock.Now()
	r.jira.put(in)
	r.sync(t)
	if r.jira.comments["SEC-1"] != 3 || r.slack.count("validation/SEC-1/") != 2 {
		t.Fatalf("regression: comments %d (want 3), slack %v (want 2)", r.jira.comments["SEC-1"], r.slack.refs())
	}
	// The second Slack message is threaded under the first.
	if r.slack.sent[1].ThreadTS != r.slack.sent[0].TS {
		t.Fatalf("regression message thread = %q, want %q", r.slack.sent[1].ThreadTS, r.slack.sent[0].TS)
	}
}

func TestSyncCompleteTicketSaysNothing(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	for _, l := range handoff.Lanes() {
		r.jira.put(input("SEC-"+string(l), l, t0.AddDate(0, 0, -1), complete(t0)))
	}
	rep := r.sync(t)
	if rep.Flagged != 0 || len(r.slack.sent) != 0 || len(r.jira.comments) != 0 {
		for _, res := range rep.Results {
			t.Log(res.Evaluation.Handoff.Ticket.Key, res.Evaluation.Findings)
		}
		t.Fatalf("complete tickets: flagged %d, slack %v, comments %v", rep.Flagged, r.slack.refs(), r.jira.comments)
	}
}

func TestSyncLostLedgerPostsNothing(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	f := complete(t0)
	delete(f, handoff.FieldFixedVersion)
	r.jira.put(input("SEC-2", handoff.LanePatchNow, t0, f))
	r.sync(t)

	// The database is lost; the trail on the ticket still says what was posted.
	r2 := newRig(t, nil)
	r2.jira = r.jira
	r2.eng.opt.Tracker = r.jira
	r2.clock.Set(r.clock.Now().Add(time.Hour))
	r2.sync(t)
	if r.jira.comments["SEC-2"] != 1 || len(r2.slack.sent) != 0 {
		t.Fatalf("after losing the ledger: comments %d (want 1), slack %v (want none)", r.jira.comments["SEC-2"], r2.slack.refs())
	}
}

func TestSyncSlackFailureAfterJiraIsRetriedOnce(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	f := complete(t0)
	delete(f, handoff.FieldTestPlan)
	r.jira.put(input("SEC-3", handoff.LanePatchNow, t0, f))

	r.slack.sendErr = errors.New("slack: ratelimited and out of retries")
	if _, err := r.eng.Sync(context.Background(), SyncOptions{}); !errors.Is(err, ErrPartial) {
		t.Fatalf("sync with Slack down: err = %v, want ErrPartial", err)
	}
	if r.led.marks["SEC"] != (time.Time{}) {
		t.Fatalf("watermark moved past a ticket that failed: %v", r.led.marks["SEC"])
	}
	r.slack.sendErr = nil
	r.clock.Add(5 * time.Minute)
	r.sync(t)
	r.clock.Add(5 * time.Minute)
	r.sync(t)
	if got := r.slack.count("validation/SEC-3/"); got != 1 {
		t.Fatalf("validation requests after recovery = %d, want exactly 1 (%v)", got, r.slack.refs())
	}
	if r.jira.comments["SEC-3"] != 1 {
		t.Fatalf("checklist writes = %d, want 1", r.jira.comments["SEC-3"])
	}
}

func TestSyncConnectionDropAfterPostIsNotReposted(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	f := complete(t0)
	delete(f, handoff.FieldRollback)
	r.jira.put(input("SEC-4", handoff.LanePatchNow, t0, f))
	r.slack.dropAfterSend = 1 // Slack stored the post, the answer was lost
	if _, err := r.eng.Sync(context.Background(), SyncOptions{}); err == nil {
		t.Fatal("sync with a dropped connection reported no error")
	}
	r.clock.Add(5 * time.Minute)
	r.sync(t)
	if got := r.slack.count("validation/SEC-4/"); got != 1 {
		t.Fatalf("posts = %d, want 1: a lost answer must be looked up, not reposted", got)
	}
	if open, _ := r.led.Open(context.Background()); len(open) != 0 {
		t.Fatalf("intents still open: %+v", open)
	}
	// The message found again becomes the ticket's thread, as a post
	// answered in time would have.
	if th, ok, _ := r.led.Thread(context.Background(), "SEC-4"); !ok || th != r.slack.sent[0].Receipt {
		t.Fatalf("thread after the lookup = %+v (found %v), want %+v", th, ok, r.slack.sent[0].Receipt)
	}
}

func TestSyncWatermarkAndScanFailure(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	r.jira.put(input("SEC-5", handoff.LaneMonitor, t0, complete(t0)))
	r.jira.scanErr = errors.New("jira: search: 503 after 4 retries")
	if _, err := r.eng.Sync(context.Background(), SyncOptions{}); !errors.Is(err, ErrPartial) {
		t.Fatalf("err = %v, want ErrPartial", err)
	}
	if !r.led.marks["SEC"].IsZero() {
		t.Fatal("a failed scan moved the watermark")
	}
	r.jira.scanErr = nil
	r.sync(t)
	if !r.led.marks["SEC"].Equal(t0) {
		t.Fatalf("watermark = %v, want the cycle start %v", r.led.marks["SEC"], t0)
	}
	r.clock.Add(10 * time.Minute)
	r.sync(t)
	last := r.jira.scans[len(r.jira.scans)-1]
	if want := t0.Add(-2 * time.Minute); !last.UpdatedSince.Equal(want) {
		t.Fatalf("incremental scan since %v, want watermark minus overlap %v", last.UpdatedSince, want)
	}
}

func TestSyncWriteCapDefersTheRest(t *testing.T) {
	t.Parallel()
	r := newRig(t, func(o *Options) { o.MaxWrites = 2 })
	for _, k := range []string{"SEC-10", "SEC-11", "SEC-12", "SEC-13", "SEC-14"} {
		f := complete(t0)
		delete(f, handoff.FieldRollback)
		r.jira.put(input(k, handoff.LanePatchNow, t0, f))
	}
	rep := r.sync(t)
	if len(r.jira.comments) != 2 || rep.Deferred != 3 {
		t.Fatalf("first capped cycle: %d tickets written, %d deferred; want 2 and 3", len(r.jira.comments), rep.Deferred)
	}
	if !r.led.marks["SEC"].IsZero() {
		t.Fatal("watermark moved although tickets were deferred")
	}
	r.clock.Add(5 * time.Minute)
	r.sync(t)
	r.clock.Add(5 * time.Minute)
	r.sync(t)
	if len(r.jira.comments) != 5 || r.slack.count("validation/") != 5 {
		t.Fatalf("after three cycles: %d written, %d slack; want 5 and 5", len(r.jira.comments), r.slack.count("validation/"))
	}
}

func TestSyncBacklogIsSummarisedNotCommented(t *testing.T) {
	t.Parallel()
	since := t0.AddDate(0, -1, 0)
	r := newRig(t, func(o *Options) { o.Since = since })
	for i, created := range []time.Time{since.AddDate(0, -6, 0), since.AddDate(0, -2, 0), since.AddDate(0, 0, 3)} {
		f := complete(t0)
		delete(f, handoff.FieldOwner)
		r.jira.put(input("SEC-"+string(rune('A'+i)), handoff.LanePatchNow, created, f))
	}
	r.sync(t)
	r.clock.Add(time.Hour)
	r.sync(t)
	if len(r.jira.comments) != 1 || r.jira.comments["SEC-C"] != 1 {
		t.Fatalf("comments = %v, want only the new ticket SEC-C", r.jira.comments)
	}
	if got := r.slack.count("backlog/"); got != 1 {
		t.Fatalf("backlog summaries = %d, want exactly 1 over two cycles", got)
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	t.Parallel()
	r := newRig(t, func(o *Options) { o.DryRun = true })
	f := complete(t0)
	delete(f, handoff.FieldRollback)
	r.jira.put(input("SEC-6", handoff.LanePatchNow, t0, f))
	rep := r.sync(t)
	if len(r.jira.comments) != 0 || len(r.slack.sent) != 0 || len(r.led.sends) != 0 {
		t.Fatalf("dry run wrote: comments %v, slack %v, ledger %d", r.jira.comments, r.slack.refs(), len(r.led.sends))
	}
	if rep.Count(ActComment, "") != 1 || rep.Count(ActSlack, "validation") != 1 {
		t.Fatalf("dry run planned %d comments and %d messages, want 1 and 1", rep.Count(ActComment, ""), rep.Count(ActSlack, "validation"))
	}
}

// TestActionReportedAfterItIsOnRecord: a caller that prints each action as
// it comes (the CLI) sees a Slack send only once the ledger has it done,
// so a print that stops the process leaves nothing to look up again.
func TestActionReportedAfterItIsOnRecord(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	f := complete(t0)
	delete(f, handoff.FieldRollback)
	r.jira.put(input("SEC-7", handoff.LanePatchNow, t0, f))
	seen := 0
	show := func(a Action, dry bool) {
		if a.Kind != ActSlack {
			return
		}
		seen++
		open, err := r.led.Open(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range open {
			if s.Ref == a.Ref {
				t.Errorf("%s reported while its intent is still open", a.Ref)
			}
		}
	}
	if _, err := r.eng.Sync(context.Background(), SyncOptions{CountsOnly: true, OnAction: show}); err != nil {
		t.Fatal(err)
	}
	if seen != 1 {
		t.Fatalf("%d Slack actions reported, want 1", seen)
	}
}

// TestRecoverRecordsTheThread: a validation request found in Slack by the
// start-up recovery becomes its ticket's thread, as a post answered in
// time would have; a ticket that has a thread keeps it.
func TestRecoverRecordsTheThread(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t, nil)
	for _, key := range []string{"SEC-8", "SEC-9"} {
		ref := "validation/" + key + "/fp/0"
		if _, _, err := r.led.Intend(ctx, ports.Send{Kind: "validation", Ref: ref, Recipient: "#patching", Items: []string{key}, Intended: t0}); err != nil {
			t.Fatal(err)
		}
		// Slack stored the post; the answer was lost with the process.
		if _, err := r.slack.Send(ctx, ports.Message{To: recipientFor("#patching"), Ref: ref}); err != nil {
			t.Fatal(err)
		}
	}
	older := ports.Receipt{Channel: "#patching", TS: "1600000000.000001", Parts: 1}
	if err := r.led.SetThread(ctx, "SEC-9", older); err != nil {
		t.Fatal(err)
	}
	if n, err := r.eng.Recover(ctx); err != nil || n != 2 {
		t.Fatalf("Recover = %d, %v; want 2 resolved", n, err)
	}
	if th, ok, _ := r.led.Thread(ctx, "SEC-8"); !ok || th != r.slack.sent[0].Receipt {
		t.Errorf("SEC-8 thread = %+v (%v), want the recovered post %+v", th, ok, r.slack.sent[0].Receipt)
	}
	if th, _, _ := r.led.Thread(ctx, "SEC-9"); th != older {
		t.Errorf("SEC-9 thread = %+v, want its earlier thread %+v kept", th, older)
	}
}
