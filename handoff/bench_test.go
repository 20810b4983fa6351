package handoff_test

import (
	"testing"
	"time"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/intake"
	"github.com/patchbot/patchbot/handoff/internal/handofftest"
)

// BenchmarkEvaluate100k reads, evaluates, fingerprints and checks due
// items for 100,000 mixed tickets per op.
func BenchmarkEvaluate100k(b *testing.B) {
	inputs := handofftest.Inputs(100_000, 1)
	p := handoff.DefaultPolicy()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		loc = time.UTC
	}
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, loc)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		findings, due := 0, 0
		for _, in := range inputs {
			ev := handoff.Evaluate(intake.Read(in), p, now, loc)
			findings += len(ev.Findings)
			due += len(handoff.DueItems(ev, p, now, loc))
		}
		if findings == 0 || due == 0 {
			b.Fatalf("findings %d due %d: the mix is not mixed", findings, due)
		}
	}
}

func TestBenchMixIsMixed(t *testing.T) {
	t.Parallel()
	p := handoff.DefaultPolicy()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	verdicts := map[handoff.Verdict]int{}
	lanes := map[handoff.Lane]int{}
	const n = 5000
	for _, in := range handofftest.Inputs(n, 1) {
		ev := handoff.Evaluate(intake.Read(in), p, now, time.UTC)
		verdicts[ev.Verdict]++
		lanes[ev.Lane]++
	}
	if len(lanes) != len(handoff.Lanes()) || verdicts[handoff.VerdictReady] < n/10 || verdicts[handoff.VerdictValidationRequest] < n/10 || verdicts[handoff.VerdictClosureProof] == 0 {
		t.Errorf("lanes %v verdicts %v", lanes, verdicts)
	}
	t.Logf("lanes %v verdicts %v", lanes, verdicts)
}
