package jira

import (
	"strings"
	"testing"
	"time"

	"github.com/patchbot/patchbot/handoff"
)

// A snooze written back to the ticket is read back whole, and a trail
// without one reads as before.
func TestTrailSnoozeRoundTrip(t *testing.T) {
	t.Parallel()
	until := time.Date(2026, 7, 1, 0, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	in := handoff.Trail{Fingerprint: "fp", CommentID: "10001", Snooze: &handoff.Snooze{
		Until: until, By: "U0ALICE", Name: "alice", Reason: `waiting for the vendor <!channel> "quoted"`, At: until.Add(-48 * time.Hour)}}
	raw := encodeTrail(in)
	if !strings.Contains(string(raw), `"snooze":{`) {
		t.Fatalf("no snooze in %s", raw)
	}
	out, ok := decodeTrail(raw)
	if !ok || out.Snooze == nil {
		t.Fatalf("decoded %+v, %v", out, ok)
	}
	if z := out.Snooze; !z.Until.Equal(until) || z.By != "U0ALICE" || z.Name != "alice" || z.Reason != in.Snooze.Reason || !z.At.Equal(in.Snooze.At) {
		t.Errorf("snooze = %+v", *z)
	}
	plain, ok := decodeTrail(encodeTrail(handoff.Trail{Fingerprint: "fp"}))
	if !ok || plain.Snooze != nil || strings.Contains(string(encodeTrail(handoff.Trail{})), "snooze") {
		t.Errorf("a trail without a snooze: %+v", plain)
	}
}
