package texts

import (
	"testing"
	"time"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/intake"
	"github.com/patchbot/patchbot/handoff/internal/handofftest"
	"github.com/patchbot/patchbot/handoff/render/adf"
	"github.com/patchbot/patchbot/handoff/render/blockkit"
	"github.com/patchbot/patchbot/handoff/render/plain"
	"github.com/patchbot/patchbot/handoff/richtext"
)

// BenchmarkValidationRequestRender builds and renders (Slack, Jira ADF,
// plain text) the validation request of every flagged ticket among 1,000
// mixed ones, as a full sync does for each flagged ticket.
func BenchmarkValidationRequestRender(b *testing.B) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	var evs []handoff.Evaluation
	for _, in := range handofftest.Inputs(1000, 1) {
		if ev := handoff.Evaluate(intake.Read(in), handoff.DefaultPolicy(), now, time.UTC); ev.Fingerprint != "" {
			evs = append(evs, ev)
		}
	}
	o := Options{Now: now, Loc: time.UTC}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, ev := range evs {
			d := ValidationRequest(ev, o)
			blockkit.Render(d)
			adf.Render(d)
			plain.Render(d)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(evs)), "ns/request")
}

// renderBenchDocs are the validation requests of the flagged tickets
// among 1,000 mixed ones, as a full sync renders them; with linked set,
// each ticket has its browse link, as the Jira connector reads it.
func renderBenchDocs(tb testing.TB, linked bool) []richtext.Doc {
	tb.Helper()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	o := Options{Now: now, Loc: time.UTC}
	var docs []richtext.Doc
	for _, in := range handofftest.Inputs(1000, 1) {
		if linked {
			in.Ticket.URL = "https://example.atlassian.net/browse/" + in.Ticket.Key
		}
		if ev := handoff.Evaluate(intake.Read(in), handoff.DefaultPolicy(), now, time.UTC); ev.Fingerprint != "" {
			docs = append(docs, ValidationRequest(ev, o))
		}
	}
	if len(docs) < 100 {
		tb.Fatalf("%d flagged tickets", len(docs))
	}
	return docs
}

// BenchmarkRenderADF renders each of those requests as ADF.
//
//	go test ./handoff -run '^$' -bench RenderADF -benchmem
func BenchmarkRenderADF(b *testing.B) {
	docs := renderBenchDocs(b, false)
	n := 0
	for _, d := range docs {
		n += len(adf.Render(d))
	}
	b.SetBytes(int64(n / len(docs)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		adf.Render(docs[i%len(docs)])
		i++
	}
}

// BenchmarkRenderSlack renders for Slack the same validation requests,
// without and with the tickets' links, and a digest long enough to split
// into several messages.
//
//	go test ./handoff -run '^$' -bench RenderSlack -benchmem
func BenchmarkRenderSlack(b *testing.B) {
	sets := []struct {
		name string
		docs []richtext.Doc
	}{
		{"validation", renderBenchDocs(b, false)},
		{"validation_linked", renderBenchDocs(b, true)},
		{"digest120", []richtext.Doc{DigestBriefs(handofftest.BriefsOf(handofftest.ManyDigest(120)), fxOpts())}},
	}
	for _, set := range sets {
		n := 0
		for _, d := range set.docs {
			for _, m := range blockkit.Render(d) {
				n += len(m.Blocks)
			}
		}
		b.Run(set.name, func(b *testing.B) {
			b.SetBytes(int64(n / len(set.docs)))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				blockkit.Render(set.docs[i%len(set.docs)])
				i++
			}
		})
	}
}

func fxOpts() Options { return Options{Now: handofftest.Now, Loc: handofftest.Loc} }
