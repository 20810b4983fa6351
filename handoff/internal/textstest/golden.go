package textstest

import (
	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/internal/handofftest"
	"github.com/patchbot/patchbot/handoff/richtext"
	"github.com/patchbot/patchbot/handoff/texts"
)

func fxOpts() texts.Options { return texts.Options{Now: handofftest.Now, Loc: handofftest.Loc} }

// Golden is every text the bot sends, from fixed fixtures.
func Golden() []struct {
	Name string
	Doc  richtext.Doc
} {
	o := fxOpts()
	ticked := fxOpts()
	ticked.Ticked = []handoff.FieldID{handoff.FieldAffectedVersions, handoff.FieldUrgencyDriver}
	slack := fxOpts()
	slack.OwnerSlackID = "U0DANA"
	return []struct {
		Name string
		Doc  richtext.Doc
	}{
		{"validation_request", texts.ValidationRequest(handofftest.Validation(), ticked)},
		{"validation_request_no_lane", texts.ValidationRequest(handofftest.NoLane(), o)},
		{"reopened", texts.Reopened(handofftest.Validation(), o)},
		{"complete", texts.Complete(handofftest.Complete(), ticked)},
		{"heads_up", texts.HeadsUp(handofftest.Dana, handofftest.HeadsUpItems(), slack)},
		{"reminder", texts.Reminder(handofftest.Dana, handofftest.ReminderItems(), slack)},
		{"escalation", texts.Escalation(handofftest.Dana, handofftest.ReminderItems(), 2, slack)},
		{"digest", texts.DigestBriefs(handofftest.BriefsOf(handofftest.DigestItems()), o)},
		{"digest_empty", texts.DigestBriefs(nil, o)},
		{"personal_digest", texts.PersonalDigestBriefs(handofftest.Dana, handofftest.BriefsOf(handofftest.DigestItems()[:2]), slack)},
		{"hostile_validation_request", texts.ValidationRequest(handofftest.Hostile(), slack)},
	}
}
