package texts

import (
	"testing"
	"time"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/intake"
	"github.com/patchbot/patchbot/handoff/internal/handofftest"
)

// flaggedEvals evaluates n generated tickets (genInputs, seed 1) and keeps
// the flagged ones, as BenchmarkValidationRequestRender does.
func flaggedEvals(n int) []handoff.Evaluation {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	var evs []handoff.Evaluation
	for _, in := range handofftest.Inputs(n, 1) {
		if ev := handoff.Evaluate(intake.Read(in), handoff.DefaultPolicy(), now, time.UTC); ev.Fingerprint != "" {
			evs = append(evs, ev)
		}
	}
	return evs
}

// BenchmarkValidationRequest builds (without rendering) the validation
// request of every flagged ticket among 1,000 mixed ones.
func BenchmarkValidationRequest(b *testing.B) {
	evs := flaggedEvals(1000)
	o := Options{Now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), Loc: time.UTC}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, ev := range evs {
			ValidationRequest(ev, o)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(evs)), "ns/request")
}
