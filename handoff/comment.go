package handoff

// CommentOp is what happens to a ticket's living comment: the one comment
// the bot keeps on a ticket with the validation request's checklist.
type CommentOp string

// The comment operations.
const (
	// CommentNone: the comment stays as it is (the trail may still change).
	CommentNone CommentOp = ""
	// CommentPost: a new living comment with the checklist.
	CommentPost CommentOp = "post"
	// CommentEdit: the living comment edited in place to the new
	// checklist, without notifying watchers.
	CommentEdit CommentOp = "edit"
	// CommentReopen: findings are back after the handoff was complete; a
	// new comment, the reopened note above the checklist, so watchers
	// hear of it.
	CommentReopen CommentOp = "reopen"
	// CommentComplete: the living comment edited into the complete note
	// above the checklist (all ticked), notifying watchers, once.
	CommentComplete CommentOp = "complete"
)

// CommentPlan is the decision about a ticket's living comment, label and
// trail: what to write, and the trail once written.
type CommentPlan struct {
	Op CommentOp
	// Notify says watchers hear of the change: a new comment or the
	// completion. An edit in place is silent.
	Notify bool
	// Next is the trail once the plan is carried out, as far as the
	// engine can know it: the tracker adds what only it learns (the new
	// comment's id, a comment a person deleted, when it wrote).
	Next Trail
	// Changed says the plan writes something: a comment, or at least the
	// trail (Next differs from the trail decided from).
	Changed bool
	// Labeled says the ticket should carry the bot's label: its handoff
	// is incomplete.
	Labeled bool
}

// DecideComment decides, from the trail the bot left on a ticket and the
// ticket's evaluation now, what the bot says on the ticket:
//
//   - findings, nothing said yet, or the comment was deleted by a person
//     and the findings changed since: post the checklist as a new comment;
//   - the same findings as last said (also when a person deleted the
//     comment: the bot does not fight them): nothing;
//   - changed findings: edit the living comment in place without
//     notifying; the trail keeps every field flagged since the handoff was
//     last complete, so the checklist ticks off what arrived;
//   - findings back after the handoff was complete: a new comment with the
//     reopened note and the checklist, notifying watchers; it becomes the
//     living comment;
//   - findings gone: edit the living comment into the complete note with
//     the checklist, notifying, once; with no living comment (never
//     posted, or deleted by a person) only the trail says complete;
//   - no findings and nothing said, or complete already said: nothing.
func DecideComment(t Trail, ev Evaluation) CommentPlan {
	fp := ev.Fingerprint
	p := CommentPlan{Next: t, Labeled: fp != ""}
	switch {
	case fp != "" && fp == t.Fingerprint && !t.Complete:
		// Already said (or deleted by a person with these findings).
	case fp != "" && (!t.HasComment() || t.Deleted):
		p.Op, p.Notify = CommentPost, true
		p.Next = Trail{Fingerprint: fp, Flagged: flaggedFields(nil, ev.Findings), CommentUnknown: true}
	case fp != "" && t.Complete:
		p.Op, p.Notify = CommentReopen, true
		p.Next = Trail{Fingerprint: fp, Flagged: flaggedFields(nil, ev.Findings), CommentUnknown: true}
	case fp != "":
		p.Op = CommentEdit
		p.Next = Trail{Fingerprint: fp, Flagged: flaggedFields(t.Flagged, ev.Findings),
			CommentID: t.CommentID, CommentUnknown: t.CommentUnknown}
	case t.Fingerprint != "" && !t.Complete:
		p.Next = Trail{Complete: true, CommentID: t.CommentID, CommentUnknown: t.CommentUnknown, Deleted: t.Deleted}
		if t.HasComment() && !t.Deleted {
			p.Op, p.Notify = CommentComplete, true
		}
	}
	// A snooze is the owner's, not the findings': it outlives them.
	p.Next.Snooze = t.Snooze
	p.Changed = p.Op != CommentNone || !t.Same(p.Next)
	return p
}

// HasComment says whether the trail knows of a living comment, by id or
// as posted with its id unknown.
func (t Trail) HasComment() bool { return t.CommentID != "" || t.CommentUnknown }

// Same reports whether two trails say the same, when they were written
// aside.
func (t Trail) Same(u Trail) bool {
	if t.Fingerprint != u.Fingerprint || t.CommentID != u.CommentID || t.CommentUnknown != u.CommentUnknown ||
		t.Complete != u.Complete || t.Deleted != u.Deleted || len(t.Flagged) != len(u.Flagged) {
		return false
	}
	for i := range t.Flagged {
		if t.Flagged[i] != u.Flagged[i] {
			return false
		}
	}
	return true
}

// flaggedFields keeps before's fields, in order, and appends the fields
// of fs not among them.
func flaggedFields(before []FieldID, fs []Finding) []FieldID {
	var out []FieldID
	add := func(f FieldID) {
		if f == "" {
			return
		}
		for _, g := range out {
			if g == f {
				return
			}
		}
		out = append(out, f)
	}
	for _, f := range before {
		add(f)
	}
	for _, f := range fs {
		add(f.Field)
	}
	return out
}
