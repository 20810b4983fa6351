package texts_test

import (
	"reflect"
	"testing"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/internal/handofftest"
	"github.com/patchbot/patchbot/handoff/richtext"
	"github.com/patchbot/patchbot/handoff/texts"
)

// TestComment: the living comment's body for each decided operation is
// the checklist, under the reopened or complete note when there is one.
func TestComment(t *testing.T) {
	t.Parallel()
	o := fxOpts()
	o.Ticked = []handoff.FieldID{handoff.FieldAffectedVersions}
	open, done := handofftest.Validation(), handofftest.Complete()
	checklist := texts.ValidationRequest(open, o)
	for _, tc := range []struct {
		op   handoff.CommentOp
		ev   handoff.Evaluation
		note richtext.Doc // the note above the checklist; none when empty
	}{
		{handoff.CommentPost, open, richtext.Doc{}},
		{handoff.CommentEdit, open, richtext.Doc{}},
		{handoff.CommentReopen, open, texts.Reopened(open, o)},
		{handoff.CommentComplete, done, texts.Complete(done, o)},
	} {
		t.Run(string(tc.op), func(t *testing.T) {
			t.Parallel()
			got := texts.Comment(tc.op, tc.ev, o)
			list := texts.ValidationRequest(tc.ev, o)
			if tc.note.Title == "" {
				if !reflect.DeepEqual(got, list) {
					t.Fatalf("%s is not the validation request", tc.op)
				}
				return
			}
			if got.Title != tc.note.Title || got.Summary != tc.note.Summary {
				t.Errorf("title %q / summary %q, want the note's %q / %q", got.Title, got.Summary, tc.note.Title, tc.note.Summary)
			}
			n := len(tc.note.Blocks)
			want := append(append(append([]richtext.Block(nil), tc.note.Blocks...), richtext.Heading(3, list.Title)), list.Blocks...)
			if !reflect.DeepEqual(got.Blocks, want) {
				t.Fatalf("blocks: the note (%d blocks), the checklist's title, the checklist; got %d blocks", n, len(got.Blocks))
			}
		})
	}
	if got := texts.Comment(handoff.CommentNone, open, o); !reflect.DeepEqual(got, richtext.Doc{}) {
		t.Errorf("CommentNone has a body: %+v", got)
	}
	if reflect.DeepEqual(texts.Comment(handoff.CommentReopen, open, o), checklist) {
		t.Error("the reopened comment is the bare checklist")
	}
}
