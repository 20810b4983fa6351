package handoff

import (
	"testing"
	"time"
)

// Whatever the comment decision, the next trail keeps the owner's snooze:
// a snooze outlives the findings it was asked over.
func TestDecideCommentKeepsSnooze(t *testing.T) {
	t.Parallel()
	z := &Snooze{Until: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), By: "U1", Reason: "vendor"}
	withFindings := Evaluation{Fingerprint: "fp2", Findings: []Finding{{Field: FieldRollback}}}
	for _, tc := range []struct {
		name  string
		trail Trail
		ev    Evaluation
	}{
		{"first post", Trail{}, withFindings},
		{"edit", Trail{Fingerprint: "fp1", CommentID: "1"}, withFindings},
		{"reopen", Trail{Complete: true, CommentID: "1"}, withFindings},
		{"complete", Trail{Fingerprint: "fp1", CommentID: "1"}, Evaluation{}},
		{"nothing", Trail{Fingerprint: "fp2", CommentID: "1"}, withFindings},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := tc.trail
			tr.Snooze = z
			p := DecideComment(tr, tc.ev)
			if p.Next.Snooze != z {
				t.Errorf("next trail snooze = %v, want %v", p.Next.Snooze, z)
			}
		})
	}
	if !(Trail{Snooze: z}).Snoozed(z.Until.Add(-time.Second)) || (Trail{Snooze: z}).Snoozed(z.Until) || (Trail{}).Snoozed(z.Until) {
		t.Error("Snoozed is wrong at the edges")
	}
}
