package handoff

import (
	"testing"
	"time"
)

// BenchmarkValidationRequestRender builds and renders (Slack, Jira ADF,
// plain text) the validation request of every flagged ticket among 1,000
// mixed ones, as a full sync does for each flagged ticket.
func BenchmarkValidationRequestRender(b *testing.B) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	var evs []Evaluation
	for _, in := range genInputs(1000, 1) {
		if ev := Evaluate(Read(in), DefaultPolicy(), now, time.UTC); ev.Fingerprint != "" {
			evs = append(evs, ev)
		}
	}
	o := TextOptions{Now: now, Loc: time.UTC}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, ev := range evs {
			d := ValidationRequest(ev, o)
			RenderSlack(d)
			RenderADF(d)
			RenderText(d)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(evs)), "ns/request")
}
