package texts

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/patchbot/patchbot/handoff/render/plain"
)

func TestBacklogListsKeysAndCountsTheRest(t *testing.T) {
	t.Parallel()
	keys := make([]string, 70)
	for i := range keys {
		keys[i] = fmt.Sprintf("SEC-%d", i+1)
	}
	since := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	doc := Backlog(keys, since, Options{Wording: DefaultWording()})
	txt := plain.Render(doc)
	if !strings.Contains(doc.Summary, "70 tickets created before 2026-10-01 have incomplete handoffs") {
		t.Errorf("summary = %q", doc.Summary)
	}
	if !strings.Contains(txt, "SEC-60") || strings.Contains(txt, "SEC-61\n") || !strings.Contains(txt, "and 10 more") {
		t.Errorf("want 60 keys listed and 10 counted:\n%s", txt)
	}
	one := Backlog(keys[:1], since, Options{Wording: DefaultWording()})
	if !strings.Contains(one.Summary, "1 ticket created before 2026-10-01 has an incomplete handoff") {
		t.Errorf("singular summary = %q", one.Summary)
	}
	w, err := DefaultWording().Merge(map[string]string{"bl.title": "Altlasten"})
	if err != nil {
		t.Fatal(err)
	}
	if got := Backlog(keys, since, Options{Wording: w}).Title; got != "Altlasten" {
		t.Errorf("config wording not used: title %q", got)
	}
}
