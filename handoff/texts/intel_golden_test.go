package texts_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/internal/handofftest"
	"github.com/patchbot/patchbot/handoff/render/plain"
	"github.com/patchbot/patchbot/handoff/richtext"
	"github.com/patchbot/patchbot/handoff/texts"
)

// What the feeds said about the fixtures' CVEs.
var (
	kevSince = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	hotCVE   = handoff.CVEIntel{ID: "CVE-2026-20481", KEV: true, KEVAdded: kevSince, KEVDue: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC),
		Ransomware: true, HasEPSS: true, EPSS: 0.943, Percentile: 0.9912, ScoreDate: time.Date(2026, 11, 19, 0, 0, 0, 0, time.UTC)}
	coldCVE = handoff.CVEIntel{ID: "CVE-2026-20482", HasEPSS: true, EPSS: 0.031, Percentile: 0.42}
)

// monitorKEV is a KEV-listed pair of CVEs left on a monitor lane with no
// urgency driver: the KEV and EPSS findings, and the feeds' suggestion.
func monitorKEV() handoff.Evaluation {
	h := handofftest.Planned()
	h.Lane = handoff.LaneMonitor
	h.Scope.Advisory = handofftest.V("CVE-2026-20481, CVE-2026-20482")
	h.Intel = handoff.Intel{CVEs: []handoff.CVEIntel{hotCVE, coldCVE}}
	return handoff.Evaluate(h, handoff.DefaultPolicy(), handofftest.Now, handofftest.Loc)
}

// plannedNotExploited says "not exploited" of a KEV-listed CVE, with a
// deadline past KEV's due date (BOD 22-01 on): no suggestion, the driver
// is there.
func plannedNotExploited() handoff.Evaluation {
	h := handofftest.Planned()
	h.Scope.Advisory = handofftest.V("CVE-2026-20481")
	h.Urgency.Driver = handofftest.V("Not exploited, not exposed; standard maintenance")
	h.Change.Deadline = handofftest.Day(2026, 12, 20)
	h.Intel = handoff.Intel{CVEs: []handoff.CVEIntel{hotCVE}}
	p := handoff.DefaultPolicy()
	p.Intel.KEVDue = true
	return handoff.Evaluate(h, p, handofftest.Now, handofftest.Loc)
}

// kevDue marks the items whose ticket is KEV-listed.
func kevDue(items []handoff.Due, keys ...string) []handoff.Due {
	for i := range items {
		for _, k := range keys {
			if items[i].Key == k {
				items[i].KEVSince = kevSince
			}
		}
	}
	return items
}

func intelGolden() []struct {
	Name string
	Doc  richtext.Doc
} {
	o := texts.Options{Now: handofftest.Now, Loc: handofftest.Loc}
	slack := o
	slack.OwnerSlackID = "U0DANA"
	digest := kevDue(handofftest.DigestItems(), "SEC-077", "SEC-150")
	return []struct {
		Name string
		Doc  richtext.Doc
	}{
		{"feeds_validation_request_monitor", texts.ValidationRequest(monitorKEV(), o)},
		{"feeds_validation_request_not_exploited", texts.ValidationRequest(plannedNotExploited(), o)},
		{"feeds_reminder", texts.Reminder(handofftest.Dana, kevDue(handofftest.ReminderItems(), "SEC-077"), slack)},
		{"feeds_heads_up", texts.HeadsUp(handofftest.Dana, kevDue(handofftest.HeadsUpItems(), "SEC-130"), slack)},
		{"feeds_escalation", texts.Escalation(handofftest.Dana, kevDue(handofftest.ReminderItems(), "SEC-077"), 2, slack)},
		{"feeds_digest", texts.DigestBriefs(handofftest.BriefsOf(digest), o)},
		{"feeds_personal_digest", texts.PersonalDigestBriefs(handofftest.Dana, handofftest.BriefsOf(digest[:2]), slack)},
	}
}

// TestGoldenFeeds holds the texts that carry what the feeds said; the
// goldens without feed data (TestGolden) stay byte for byte as they were.
func TestGoldenFeeds(t *testing.T) {
	dir := filepath.Join("testdata", "golden")
	for _, tc := range intelGolden() {
		t.Run(tc.Name, func(t *testing.T) {
			for ext, got := range renderings(t, tc.Doc) {
				path := filepath.Join(dir, tc.Name+ext)
				if *updateGolden {
					if err := os.WriteFile(path, got, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run: go test ./handoff/texts -run GoldenFeeds -update)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from the golden file; if the change is intended run: go test ./handoff/texts -run GoldenFeeds -update\n--- got ---\n%s", path, got)
				}
			}
		})
	}
}

// TestFeedSuggestion: the validation request offers what the feeds say
// only where the urgency driver is missing and the feeds know a CVE, and
// never writes it into the handoff.
func TestFeedSuggestion(t *testing.T) {
	t.Parallel()
	o := texts.Options{Now: handofftest.Now, Loc: handofftest.Loc}
	const said = "KEV since 2026-11-02, known ransomware use; EPSS 0.94, 99th percentile on 2026-11-19"
	ev := monitorKEV()
	text := plain.Render(texts.ValidationRequest(ev, o))
	for _, want := range []string{said, "CVE-2026-20482: EPSS 0.031, 42nd percentile\n", "patchbot has not filled it in",
		"KEV-listed since 2026-11-02 (CVE-2026-20481): patch now or mitigate first, or say why"} {
		if !strings.Contains(text, want) {
			t.Errorf("the validation request lacks %q:\n%s", want, text)
		}
	}
	if ev.Handoff.Urgency.Driver.Present() || strings.Contains(text, "Urgency driver: KEV") {
		t.Error("the suggestion was filled into the handoff")
	}
	for name, edit := range map[string]func(h *handoff.Handoff){
		"driver given":    func(h *handoff.Handoff) { h.Urgency.Exposure = handofftest.V("internet-facing") },
		"feeds know none": func(h *handoff.Handoff) { h.Intel = handoff.Intel{CVEs: []handoff.CVEIntel{{ID: "CVE-2026-1"}}} },
		"no feed data":    func(h *handoff.Handoff) { h.Intel = handoff.Intel{} },
		"resolved": func(h *handoff.Handoff) {
			h.Ticket.StatusCategory, h.Ticket.Resolved = handoff.StatusDone, handofftest.Now
		},
	} {
		ev := monitorKEV()
		edit(&ev.Handoff)
		if text := plain.Render(texts.ValidationRequest(ev, o)); strings.Contains(text, "public feeds") {
			t.Errorf("%s: the validation request offers the feeds' suggestion:\n%s", name, text)
		}
	}
}

// TestKEVFirst: KEV-listed items come first in every owner text and
// digest, marked; the rest keep their order.
func TestKEVFirst(t *testing.T) {
	t.Parallel()
	o := texts.Options{Now: handofftest.Now, Loc: handofftest.Loc}
	items := kevDue(handofftest.ReminderItems(), "SEC-077") // 1 day overdue, after SEC-101's 2 without the listing
	for name, doc := range map[string]richtext.Doc{
		"reminder":        texts.Reminder(handofftest.Dana, items, o),
		"escalation":      texts.Escalation(handofftest.Dana, items, 1, o),
		"digest":          texts.DigestBriefs(handofftest.BriefsOf(items), o),
		"personal digest": texts.PersonalDigestBriefs(handofftest.Dana, handofftest.BriefsOf(items), o),
	} {
		text := plain.Render(doc)
		kev, other := strings.Index(text, "SEC-077"), strings.Index(text, "SEC-101")
		if kev < 0 || other < 0 || kev > other {
			t.Errorf("%s: the KEV-listed SEC-077 is not listed first:\n%s", name, text)
		}
		if strings.Count(text, "KEV since 2026-11-02 (") != 1 {
			t.Errorf("%s: want exactly one KEV mark:\n%s", name, text)
		}
	}
}
