package interact

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/patchbot/patchbot/handoff/richtext"
	"github.com/slack-go/slack/socketmode"
)

// The two modals: Snooze… (a day and a reason) and Not my ticket (who owns
// it, and a note). What a person types is passed to the engine verbatim.

// maxTyped bounds what a person can type in a modal's text input.
const maxTyped = 1000

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

// modal is the frame both modals share: title, buttons, the metadata that
// says what it is about, and an intro rendered by the core's renderer.
func modal(callback, title, submit string, c click, intro rendered, inputs ...slack.Block) slack.ModalViewRequest {
	meta, _ := json.Marshal(modalMeta{target: c.target, At: c.at})
	blocks := append(intro.blocks, inputs...)
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: callback, PrivateMetadata: string(meta),
		Title: plain(title), Submit: plain(submit), Close: plain("Cancel"),
		Blocks: slack.Blocks{BlockSet: blocks},
	}
}

func snoozeModal(c click) slack.ModalViewRequest {
	until := slack.NewDatePickerBlockElement(string(FieldUntil))
	reason := slack.NewPlainTextInputBlockElement(plain("Why, and what it waits for"), string(FieldReason))
	reason.Multiline, reason.MaxLength = true, maxTyped
	reasonBlock := slack.NewInputBlock(string(FieldReason), plain("Reason"),
		plain("Needed to snooze past a deadline or an exception's expiry."), reason)
	reasonBlock.Optional = true
	return modal(callbackSnooze, "Snooze reminders", "Snooze", c,
		render(say(richtext.Text("Reminders about "), richtext.Strong(c.target.Key), richtext.Text(" stop until the day you pick."))),
		slack.NewInputBlock(string(FieldUntil), plain("Until"), nil, until),
		reasonBlock)
}

func disownModal(c click) slack.ModalViewRequest {
	owner := slack.NewOptionsSelectBlockElement(slack.OptTypeUser, plain("Pick a person"), string(FieldOwner))
	ownerBlock := slack.NewInputBlock(string(FieldOwner), plain("Who owns it?"), nil, owner)
	ownerBlock.Optional = true
	note := slack.NewPlainTextInputBlockElement(plain("Anything the analyst should know"), string(FieldNote))
	note.Multiline, note.MaxLength = true, maxTyped
	noteBlock := slack.NewInputBlock(string(FieldNote), plain("Note"), nil, note)
	noteBlock.Optional = true
	return modal(callbackDisown, "Not my ticket", "Send", c,
		render(say(richtext.Text("Tell patchbot who owns "), richtext.Strong(c.target.Key), richtext.Text(", so that it asks them instead."))),
		ownerBlock, noteBlock)
}

// firstField is the input a modal's general errors show under.
func (s submission) firstField() Field {
	if s.callback == callbackDisown {
		return FieldOwner
	}
	return FieldUntil
}

// has reports whether the submitted modal has the input f.
func (s submission) has(f Field) bool {
	if s.callback == callbackDisown {
		return f == FieldOwner || f == FieldNote
	}
	return f == FieldUntil || f == FieldReason
}

// check validates the form itself (not the policy: that is the engine's).
func (s submission) check() (time.Time, map[string]string) {
	switch s.callback {
	case callbackSnooze:
		day, err := time.Parse(time.DateOnly, s.until)
		if err != nil {
			return time.Time{}, map[string]string{string(FieldUntil): "Pick a day."}
		}
		return day, nil
	default:
		if s.owner == "" && strings.TrimSpace(s.note) == "" {
			return time.Time{}, map[string]string{string(FieldOwner): "Name the owner, or say in the note whose it is."}
		}
		return time.Time{}, nil
	}
}

// outcome is the engine's answer to a submission.
type outcome struct {
	res Result
	err error
}

// submit handles a modal submission: the engine's answer goes into the
// ack when it comes within the budget (a refusal shows in the modal, next
// to its input); otherwise the modal closes and the answer comes
// privately when it is ready.
func (a *App) submit(ctx context.Context, req *socketmode.Request, s submission) {
	day, errs := s.check()
	if errs != nil {
		a.ack(ctx, req, slack.NewErrorsViewSubmissionResponse(errs))
		return
	}
	done := make(chan outcome, 1)
	go func() {
		var o outcome
		switch s.callback {
		case callbackSnooze:
			o.res, o.err = a.engine.Snooze(ctx, SnoozeRequest{Key: s.meta.Key, Item: s.meta.Item, Until: day, Reason: s.reason, By: s.by})
		default:
			o.res, o.err = a.engine.Disown(ctx, DisownRequest{Key: s.meta.Key, Item: s.meta.Item, Suggested: s.owner, Note: s.note, By: s.by})
		}
		done <- o
	}()
	budget := time.NewTimer(a.budget)
	defer budget.Stop()
	select {
	case o := <-done:
		if errs := a.modalErrors(s, o.err); errs != nil {
			a.ack(ctx, req, slack.NewErrorsViewSubmissionResponse(errs))
			return
		}
		a.ack(ctx, req, nil)
		a.answer(ctx, s.meta.At, s.meta.target, s.by, o.res, nil)
	case <-budget.C:
		a.ack(ctx, req, nil) // the modal closes; the answer follows privately
		o := <-done
		a.answer(ctx, s.meta.At, s.meta.target, s.by, o.res, o.err)
	}
}

// modalErrors turns the engine's no into errors shown in the modal, which
// stays open with what was typed: a refusal next to its input; "not
// yours", an unknown ticket or a failure under the first input.
func (a *App) modalErrors(s submission, err error) map[string]string {
	if err == nil {
		return nil
	}
	first := string(s.firstField())
	var ref *Refusal
	switch {
	case errors.As(err, &ref):
		f := string(ref.Field)
		if !s.has(ref.Field) {
			f = first
		}
		return map[string]string{f: refusalText(ref)}
	case errors.Is(err, ErrNotAllowed):
		a.log.Info("slack: not allowed", "ticket", s.meta.Key, "user", s.by.UserID)
		return map[string]string{first: s.meta.Key + " is not yours to change: only its owner, their manager or the people configured for it can."}
	case errors.Is(err, ErrNotFound):
		return map[string]string{first: "patchbot does not watch " + s.meta.Key + "."}
	default:
		a.log.Error("slack: the engine failed", "ticket", s.meta.Key, "user", s.by.UserID, "err", err)
		return map[string]string{first: "patchbot could not save this just now. Try again in a minute."}
	}
}
