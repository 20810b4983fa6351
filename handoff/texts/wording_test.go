package texts

import (
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"text/template"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/internal/handofftest"
	"github.com/patchbot/patchbot/handoff/render/plain"
)

func TestDefaultWordingParses(t *testing.T) {
	t.Parallel()
	for i, line := range strings.Split(defaultWordingFile, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if _, _, ok := strings.Cut(line, ":"); !ok {
			t.Errorf("wording_default.txt:%d: no \"key: text\"", i+1)
		}
	}
	w := DefaultWording()
	if len(w) < 50 {
		t.Fatalf("only %d entries", len(w))
	}
	for i, line := range strings.Split(defaultWordingFile, "\n") {
		k, src, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || strings.HasPrefix(k, "#") {
			continue
		}
		if _, err := checkTemplate(k, strings.TrimSpace(src)); err != nil {
			t.Errorf("wording_default.txt:%d: %s: %v", i+1, k, err)
		}
		if w[strings.TrimSpace(k)] == nil {
			t.Errorf("wording_default.txt:%d: %s is not in DefaultWording", i+1, k)
		}
	}
	// A fresh copy each time: changing one does not change the next.
	w["vr.title"] = nil
	if DefaultWording()["vr.title"] == nil {
		t.Error("DefaultWording shares its map")
	}
}

// TestWordingHasEveryKey: every key the texts say exists in the defaults,
// both the literal keys in the source and the keys built from lanes,
// situations, finding kinds, due kinds and sections.
func TestWordingHasEveryKey(t *testing.T) {
	t.Parallel()
	w := DefaultWording()
	need := map[string]bool{}
	lit := regexp.MustCompile(`(?:say|word)\("([a-z_]+\.[a-z_]+)"`)
	for _, f := range []string{"texts.go", "texts_ticket.go", "texts_handoff.go", "texts_due.go", "texts_digest.go"} {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range lit.FindAllStringSubmatch(string(src), -1) {
			need[m[1]] = true
		}
	}
	for _, l := range handoff.Lanes() {
		need["lane."+string(l)] = true
	}
	for _, s := range []handoff.Situation{handoff.SituationUrgentPatch, handoff.SituationPlannedWindow, handoff.SituationAffectedVersion, handoff.SituationBlockedChange,
		handoff.SituationNoSafePatch, handoff.SituationMonitor, handoff.SituationExceptionReview, handoff.SituationClosureEvidence} {
		need["action."+string(s)] = true
		need["ask."+string(s)] = true
	}
	for _, k := range []handoff.FindingKind{handoff.FindingMissing, handoff.FindingUnfilled, handoff.FindingInvalid, handoff.FindingNoLane, handoff.FindingOwnerUnreachable} {
		need["fix."+string(k)] = true
	}
	for _, k := range []handoff.DueKind{handoff.DueSoon, handoff.DueReviewPassed, handoff.DueDeadlinePassed, handoff.DueExceptionExpired, handoff.DueBlockedReview, handoff.DueResolvedWithoutProof} {
		need["due."+string(k)] = true
		need["do."+string(k)] = true
	}
	for _, f := range handoff.Fields() {
		need["section."+sectionOf(f.ID)] = true
	}
	var missing []string
	for k := range need {
		if _, ok := w[k]; !ok {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("default wording lacks %v", missing)
	}
}

func TestWordingMerge(t *testing.T) {
	t.Parallel()
	base := DefaultWording()
	got, err := base.Merge(map[string]string{"vr.title": "Needs info: {{.Key}}", "lane.patch_now": "urgent patching"})
	if err != nil {
		t.Fatal(err)
	}
	if base["vr.title"] == got["vr.title"] || base["vr.title"] != DefaultWording()["vr.title"] {
		t.Errorf("merge did not apply, or changed its receiver")
	}
	o := fxOpts()
	o.Wording = got
	doc := ValidationRequest(handofftest.Validation(), o)
	if doc.Title != "Needs info: SEC-101" || !strings.Contains(plain.Render(doc), "urgent patching") {
		t.Errorf("override not used: %q", doc.Title)
	}

	_, err = base.Merge(map[string]string{
		"vr.titel":     "typo",
		"rm.title":     "{{.Count",
		"hu.title":     "{{.Nobody}}",
		"dg.none":      "  ",
		"co.title":     "{{plural .Count}}",
		"lane.monitor": "watch",
	})
	if err == nil {
		t.Fatal("bad overrides accepted")
	}
	for _, k := range []string{`"vr.titel": unknown key`, `"rm.title"`, `"hu.title"`, `"dg.none": empty`, `"co.title"`} {
		if !strings.Contains(err.Error(), k) {
			t.Errorf("error does not name %s: %v", k, err)
		}
	}
	if strings.Contains(err.Error(), "lane.monitor") {
		t.Errorf("a good override was reported: %v", err)
	}
}

// TestBrokenWordingFallsBack: a Wording built by hand, bypassing Merge,
// never breaks a text; the default sentence is used instead.
func TestBrokenWordingFallsBack(t *testing.T) {
	t.Parallel()
	o := fxOpts()
	nope := template.Must(template.New("rm.title").Option("missingkey=error").Parse("{{.Nope}}"))
	o.Wording = Wording{"vr.title": nil, "rm.title": nope}
	if got := ValidationRequest(handofftest.Validation(), o).Title; got != "Validation request: SEC-101 (CVE-2026-20481)" {
		t.Errorf("title = %q", got)
	}
	if got := Reminder(handofftest.Dana, handofftest.ReminderItems(), o).Title; got != "Overdue: 2 patch items for Dana Ruiz" {
		t.Errorf("title = %q", got)
	}
}
