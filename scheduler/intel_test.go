package scheduler

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/render/plain"
)

// fakeIntel is what the feeds know, by CVE id; it counts lookups.
type fakeIntel struct {
	known   map[string]handoff.CVEIntel
	lookups []string
}

var cveID = regexp.MustCompile(`CVE-\d{4}-\d{4,}`)

func (f *fakeIntel) CVEs(text string) []string { return cveID.FindAllString(text, -1) }

func (f *fakeIntel) Lookup(id string) handoff.CVEIntel {
	f.lookups = append(f.lookups, id)
	return f.known[id]
}

var feedDay = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)

func newFeeds() *fakeIntel {
	return &fakeIntel{known: map[string]handoff.CVEIntel{
		"CVE-2026-1111": {KEV: true, KEVAdded: feedDay, KEVDue: feedDay.AddDate(0, 0, 21), Ransomware: true},
		"CVE-2026-2222": {HasEPSS: true, EPSS: 0.94, Percentile: 0.99, ScoreDate: feedDay},
	}}
}

// TestSyncPassesIntel: the engine finds the CVE ids a ticket names (its
// advisory field, then its summary), asks the feeds about each once, and
// evaluates the handoff knowing the answer; the request it posts says so.
func TestSyncPassesIntel(t *testing.T) {
	t.Parallel()
	feeds := newFeeds()
	r := newRig(t, func(o *Options) { o.Intel = feeds })
	f := complete(t0)
	f[handoff.FieldAdvisory] = handoff.FieldValue{Text: "CVE-2026-1111"}
	delete(f, handoff.FieldUrgencyDriver)
	delete(f, handoff.FieldExploitation)
	delete(f, handoff.FieldExposure)
	delete(f, handoff.FieldCriticality)
	delete(f, handoff.FieldKEV)
	delete(f, handoff.FieldEPSS)
	delete(f, handoff.FieldSourceConfidence)
	in := input("SEC-1", handoff.LaneMonitor, t0.AddDate(0, 0, -1), f)
	in.Ticket.Summary = "Watch CVE-2026-2222 and CVE-2026-1111 on the jump hosts"
	r.jira.put(in)

	rep, err := r.eng.Sync(context.Background(), SyncOptions{Keep: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 1 {
		t.Fatalf("%d results, want 1", len(rep.Results))
	}
	ev := rep.Results[0].Evaluation
	var ids []string
	for _, c := range ev.Handoff.Intel.CVEs {
		ids = append(ids, c.ID)
	}
	if strings.Join(ids, " ") != "CVE-2026-1111 CVE-2026-2222" {
		t.Fatalf("intel for %v, want the advisory's CVE then the summary's, once each", ids)
	}
	if strings.Join(feeds.lookups, " ") != "CVE-2026-1111 CVE-2026-2222" {
		t.Errorf("lookups %v, want one per CVE id", feeds.lookups)
	}
	kinds := map[handoff.FindingKind]bool{}
	for _, f := range ev.Findings {
		kinds[f.Kind] = true
	}
	if !kinds[handoff.FindingKEVLane] || !kinds[handoff.FindingEPSSMonitor] {
		t.Fatalf("findings %+v, want the KEV listing and the EPSS score on monitor", ev.Findings)
	}
	if len(r.slack.sent) != 1 {
		t.Fatalf("%d Slack messages, want the validation request", len(r.slack.sent))
	}
	text := plain.Render(r.slack.sent[0].Doc)
	for _, want := range []string{"KEV-listed since 2026-11-02 (CVE-2026-1111)", "CVE-2026-1111: KEV since 2026-11-02, known ransomware use",
		"CVE-2026-2222: EPSS 0.94, 99th percentile on 2026-11-02"} {
		if !strings.Contains(text, want) {
			t.Errorf("the validation request lacks %q:\n%s", want, text)
		}
	}

	// The same answer again: nothing new is said.
	r.clock.Add(5 * time.Minute)
	r.sync(t)
	if len(r.slack.sent) != 1 || r.jira.comments["SEC-1"] != 1 {
		t.Fatalf("an unchanged ticket and unchanged feeds were posted again: %v", r.slack.refs())
	}
}

// TestSyncWithoutFeeds: with no Intel, or feeds that know none of the
// ticket's CVEs, the evaluation is the one without feeds.
func TestSyncWithoutFeeds(t *testing.T) {
	t.Parallel()
	prints := map[string]string{}
	for name, in := range map[string]Intel{"off": nil, "unknown": &fakeIntel{}} {
		r := newRig(t, func(o *Options) { o.Intel = in })
		f := complete(t0)
		f[handoff.FieldAdvisory] = handoff.FieldValue{Text: "CVE-2026-1111"}
		delete(f, handoff.FieldReviewTrigger)
		delete(f, handoff.FieldReviewDate)
		r.jira.put(input("SEC-1", handoff.LaneMonitor, t0.AddDate(0, 0, -1), f))
		rep, err := r.eng.Sync(context.Background(), SyncOptions{Keep: true})
		if err != nil {
			t.Fatal(err)
		}
		prints[name] = rep.Results[0].Evaluation.Fingerprint
		if text := plain.Render(r.slack.sent[0].Doc); strings.Contains(text, "KEV") && strings.Contains(text, "public feeds") {
			t.Errorf("%s: feed text without feed data:\n%s", name, text)
		}
	}
	if prints["off"] != prints["unknown"] || prints["off"] == "" {
		t.Fatalf("fingerprints %v: feeds that know nothing changed the evaluation", prints)
	}
}

// TestNagMarksKEV: the owner's reminder lists the KEV-listed item first,
// marked, though it is the less overdue.
func TestNagMarksKEV(t *testing.T) {
	t.Parallel()
	r := newRig(t, func(o *Options) { o.Intel = newFeeds() })
	for _, tc := range []struct {
		key, advisory string
		late          int
	}{{"SEC-1", "GHSA-xxxx", 9}, {"SEC-2", "CVE-2026-1111", 2}} {
		f := complete(t0)
		f[handoff.FieldAdvisory] = handoff.FieldValue{Text: tc.advisory}
		f[handoff.FieldReviewDate] = handoff.FieldValue{Text: t0.AddDate(0, 0, -tc.late).Format("2006-01-02")}
		r.jira.put(input(tc.key, handoff.LanePatchNow, t0.AddDate(0, 0, -20), f))
	}
	if _, err := r.eng.Nag(context.Background(), NagOptions{}); err != nil {
		t.Fatal(err)
	}
	var text string
	for _, s := range r.slack.sent {
		if strings.HasPrefix(s.Ref, "nag/") {
			text = plain.Render(s.Doc)
		}
	}
	kev, other := strings.Index(text, "SEC-2"), strings.Index(text, "SEC-1")
	if kev < 0 || other < 0 || kev > other || !strings.Contains(text, "KEV since 2026-11-02 (patch now) · SEC-2") {
		t.Fatalf("the reminder does not list the KEV-listed SEC-2 first, marked:\n%s", text)
	}
}
