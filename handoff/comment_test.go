package handoff_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/patchbot/patchbot/handoff"
)

// evalOf is an evaluation with a missing-field finding for each field.
func evalOf(fields ...handoff.FieldID) handoff.Evaluation {
	var ev handoff.Evaluation
	for _, f := range fields {
		ev.Findings = append(ev.Findings, handoff.Finding{Kind: handoff.FindingMissing, Field: f})
	}
	ev.Fingerprint = handoff.FingerprintOf(ev.Findings)
	return ev
}

// TestDecideComment holds every transition of the living comment: each
// row is a trail as read from a ticket and the evaluation now.
func TestDecideComment(t *testing.T) {
	t.Parallel()
	const (
		rollback = handoff.FieldRollback
		tests    = handoff.FieldTestPlan
		owner    = handoff.FieldOwner
	)
	written := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	both, one := evalOf(rollback, tests), evalOf(tests)
	none := evalOf()
	fpBoth, fpOne := both.Fingerprint, one.Fingerprint
	for _, tc := range []struct {
		name  string
		trail handoff.Trail
		ev    handoff.Evaluation
		want  handoff.CommentPlan
	}{
		{"findings, nothing said yet: post, notifying",
			handoff.Trail{}, both,
			handoff.CommentPlan{Op: handoff.CommentPost, Notify: true, Changed: true, Labeled: true,
				Next: handoff.Trail{Fingerprint: fpBoth, Flagged: []handoff.FieldID{rollback, tests}, CommentUnknown: true}}},
		{"same findings as said: nothing",
			handoff.Trail{Fingerprint: fpBoth, Flagged: []handoff.FieldID{rollback, tests}, CommentID: "10", Written: written}, both,
			handoff.CommentPlan{Labeled: true,
				Next: handoff.Trail{Fingerprint: fpBoth, Flagged: []handoff.FieldID{rollback, tests}, CommentID: "10", Written: written}}},
		{"comment deleted by a person, same findings: nothing",
			handoff.Trail{Fingerprint: fpBoth, Flagged: []handoff.FieldID{rollback, tests}, Deleted: true, Written: written}, both,
			handoff.CommentPlan{Labeled: true,
				Next: handoff.Trail{Fingerprint: fpBoth, Flagged: []handoff.FieldID{rollback, tests}, Deleted: true, Written: written}}},
		{"comment deleted by a person, findings changed: post again",
			handoff.Trail{Fingerprint: fpBoth, Flagged: []handoff.FieldID{rollback, tests}, Deleted: true, Written: written}, one,
			handoff.CommentPlan{Op: handoff.CommentPost, Notify: true, Changed: true, Labeled: true,
				Next: handoff.Trail{Fingerprint: fpOne, Flagged: []handoff.FieldID{tests}, CommentUnknown: true}}},
		{"changed findings: edit in place without notifying, flagged fields kept",
			handoff.Trail{Fingerprint: fpBoth, Flagged: []handoff.FieldID{rollback, tests}, CommentID: "10", Written: written}, one,
			handoff.CommentPlan{Op: handoff.CommentEdit, Changed: true, Labeled: true,
				Next: handoff.Trail{Fingerprint: fpOne, Flagged: []handoff.FieldID{rollback, tests}, CommentID: "10"}}},
		{"changed findings, comment id unknown: edit, id still unknown (the tracker looks it up)",
			handoff.Trail{Fingerprint: fpOne, Flagged: []handoff.FieldID{tests}, CommentUnknown: true, Written: written}, evalOf(tests, owner),
			handoff.CommentPlan{Op: handoff.CommentEdit, Changed: true, Labeled: true,
				Next: handoff.Trail{Fingerprint: evalOf(tests, owner).Fingerprint, Flagged: []handoff.FieldID{tests, owner}, CommentUnknown: true}}},
		{"findings back after complete: new comment with the reopened note, notifying",
			handoff.Trail{Complete: true, CommentID: "10", Written: written}, one,
			handoff.CommentPlan{Op: handoff.CommentReopen, Notify: true, Changed: true, Labeled: true,
				Next: handoff.Trail{Fingerprint: fpOne, Flagged: []handoff.FieldID{tests}, CommentUnknown: true}}},
		{"findings back after complete with the comment deleted: a plain post",
			handoff.Trail{Complete: true, Deleted: true, Written: written}, one,
			handoff.CommentPlan{Op: handoff.CommentPost, Notify: true, Changed: true, Labeled: true,
				Next: handoff.Trail{Fingerprint: fpOne, Flagged: []handoff.FieldID{tests}, CommentUnknown: true}}},
		{"findings gone: edit into the complete note, notifying",
			handoff.Trail{Fingerprint: fpOne, Flagged: []handoff.FieldID{rollback, tests}, CommentID: "10", Written: written}, none,
			handoff.CommentPlan{Op: handoff.CommentComplete, Notify: true, Changed: true,
				Next: handoff.Trail{Complete: true, CommentID: "10"}}},
		{"findings gone, comment id unknown: complete, id still unknown",
			handoff.Trail{Fingerprint: fpOne, Flagged: []handoff.FieldID{tests}, CommentUnknown: true, Written: written}, none,
			handoff.CommentPlan{Op: handoff.CommentComplete, Notify: true, Changed: true,
				Next: handoff.Trail{Complete: true, CommentUnknown: true}}},
		{"complete already said: nothing (once)",
			handoff.Trail{Complete: true, CommentID: "10", Written: written}, none,
			handoff.CommentPlan{Next: handoff.Trail{Complete: true, CommentID: "10", Written: written}}},
		{"complete with no living comment (deleted by a person): the trail only",
			handoff.Trail{Fingerprint: fpOne, Flagged: []handoff.FieldID{tests}, Deleted: true, Written: written}, none,
			handoff.CommentPlan{Changed: true, Next: handoff.Trail{Complete: true, Deleted: true}}},
		{"complete with no comment ever posted: the trail only",
			handoff.Trail{Fingerprint: fpOne, Written: written}, none,
			handoff.CommentPlan{Changed: true, Next: handoff.Trail{Complete: true}}},
		{"no findings, nothing said: nothing",
			handoff.Trail{}, none,
			handoff.CommentPlan{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := handoff.DecideComment(tc.trail, tc.ev)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("DecideComment(%+v)\n got %+v\nwant %+v", tc.trail, got, tc.want)
			}
			// Deciding again from the trail the plan leaves says nothing.
			next := got.Next
			next.Written = written
			if again := handoff.DecideComment(next, tc.ev); again.Changed || again.Op != handoff.CommentNone {
				t.Errorf("decided again from the next trail: %+v", again)
			}
		})
	}
}

func TestTrailSame(t *testing.T) {
	t.Parallel()
	a := handoff.Trail{Fingerprint: "f", Flagged: []handoff.FieldID{"x", "y"}, CommentID: "1", Written: time.Unix(1, 0)}
	for _, tc := range []struct {
		name string
		b    handoff.Trail
		want bool
	}{
		{"written aside", handoff.Trail{Fingerprint: "f", Flagged: []handoff.FieldID{"x", "y"}, CommentID: "1"}, true},
		{"flagged order", handoff.Trail{Fingerprint: "f", Flagged: []handoff.FieldID{"y", "x"}, CommentID: "1"}, false},
		{"comment", handoff.Trail{Fingerprint: "f", Flagged: []handoff.FieldID{"x", "y"}, CommentUnknown: true}, false},
		{"deleted", handoff.Trail{Fingerprint: "f", Flagged: []handoff.FieldID{"x", "y"}, CommentID: "1", Deleted: true}, false},
	} {
		if got := a.Same(tc.b); got != tc.want {
			t.Errorf("%s: Same = %v, want %v", tc.name, got, tc.want)
		}
	}
	if !(handoff.Trail{}).Same(handoff.Trail{Flagged: []handoff.FieldID{}}) {
		t.Error("nil and empty Flagged differ")
	}
}
