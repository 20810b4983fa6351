package interact

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/slack-go/slack"
)

// Reading interaction payloads into requests. Everything in a payload is
// checked before use: a button value must be one the adapter made, and a
// modal's private metadata one it wrote.

// origin is where an interaction came from, and so where to answer.
type origin struct {
	// Channel and TS are the message the button was on (TS empty for a
	// slash command); Ephemeral says only its user saw it.
	Channel   string `json:"ch,omitempty"`
	TS        string `json:"ts,omitempty"`
	Ephemeral bool   `json:"eph,omitempty"`
	// View is the view the button was in; Home says it is the App Home tab.
	View string `json:"view,omitempty"`
	Home bool   `json:"home,omitempty"`
	// ResponseURL answers privately in place (and replaces an ephemeral
	// message); Slack's, valid for 30 minutes and five posts.
	ResponseURL string `json:"url,omitempty"`
}

// click is one button click.
type click struct {
	button   Button
	target   target
	value    string
	by       Actor
	trigger  string
	actionTS string
	at       origin
}

// The modals' callback ids.
const (
	callbackSnooze = "patchbot_snooze"
	callbackDisown = "patchbot_disown"
)

// modalMeta is a modal's private_metadata: what the modal is about and
// where the button that opened it was.
type modalMeta struct {
	target
	At origin `json:"at"`
}

// submission is a modal's submission.
type submission struct {
	callback string
	meta     modalMeta
	by       Actor
	// The inputs, verbatim (what the person typed is data).
	until, reason, owner, note string
}

// interaction is a parsed payload: clicks on patchbot's buttons, or a
// submission of one of its modals; neither for anything else.
type interaction struct {
	clicks []click
	submit *submission
}

var errNotOurs = errors.New("not a patchbot interaction")

// decodeInteraction reads a raw interactive payload as slack-go does and
// parses it. The fuzz target drives it.
func decodeInteraction(raw []byte) (interaction, error) {
	var cb slack.InteractionCallback
	if err := json.Unmarshal(raw, &cb); err != nil {
		return interaction{}, fmt.Errorf("decoding interaction: %w", err)
	}
	return parseInteraction(cb)
}

// parseInteraction turns a payload into requests.
func parseInteraction(cb slack.InteractionCallback) (interaction, error) {
	if cb.User.ID == "" {
		return interaction{}, errors.New("interaction without a user")
	}
	by := Actor{UserID: cb.User.ID, TeamID: cb.User.TeamID, Name: cb.User.Name}
	if by.TeamID == "" {
		by.TeamID = cb.Team.ID
	}
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		at := origin{ResponseURL: cb.ResponseURL}
		switch cb.Container.Type {
		case "view":
			at.View = cb.Container.ViewID
			at.Home = cb.View.Type == slack.VTHomeTab
		default:
			at.Channel, at.TS, at.Ephemeral = cb.Container.ChannelID, cb.Container.MessageTs, cb.Container.IsEphemeral
			if at.Channel == "" {
				at.Channel = cb.Channel.ID
			}
		}
		var in interaction
		for _, act := range cb.ActionCallback.BlockActions {
			if act == nil || !known(Button(act.ActionID)) {
				continue
			}
			t, err := decodeTarget(act.Value)
			if err != nil {
				return interaction{}, err
			}
			in.clicks = append(in.clicks, click{
				button: Button(act.ActionID), target: t, value: act.Value, by: by,
				trigger: cb.TriggerID, actionTS: act.ActionTs, at: at,
			})
		}
		if len(in.clicks) == 0 {
			return interaction{}, errNotOurs
		}
		return in, nil
	case slack.InteractionTypeViewSubmission:
		if cb.View.CallbackID != callbackSnooze && cb.View.CallbackID != callbackDisown {
			return interaction{}, errNotOurs
		}
		var meta modalMeta
		if err := json.Unmarshal([]byte(cb.View.PrivateMetadata), &meta); err != nil {
			return interaction{}, fmt.Errorf("modal metadata: %w", err)
		}
		if err := meta.target.check(); err != nil {
			return interaction{}, err
		}
		s := &submission{callback: cb.View.CallbackID, meta: meta, by: by}
		if cb.View.State != nil {
			v := cb.View.State.Values
			s.until = v[string(FieldUntil)][string(FieldUntil)].SelectedDate
			s.reason = v[string(FieldReason)][string(FieldReason)].Value
			s.owner = v[string(FieldOwner)][string(FieldOwner)].SelectedUser
			s.note = v[string(FieldNote)][string(FieldNote)].Value
		}
		return interaction{submit: s}, nil
	}
	return interaction{}, errNotOurs
}
