package interact

import (
	"context"
	"errors"
	"strings"

	"github.com/patchbot/patchbot/handoff/richtext"
	"github.com/slack-go/slack"
)

// click carries out a button click after its ack.
func (a *App) click(ctx context.Context, c click) {
	log := a.log.With("button", string(c.button), "ticket", c.target.Key, "user", c.by.UserID)
	switch c.button {
	case ButtonSnooze:
		a.openModal(ctx, c, snoozeModal(c))
	case ButtonDisown:
		a.openModal(ctx, c, disownModal(c))
	case ButtonRecheck:
		res, err := a.engine.Recheck(ctx, RecheckRequest{Key: c.target.Key, Item: c.target.Item, By: c.by})
		a.answer(ctx, c.at, c.target, c.by, res, err)
	case ButtonAcknowledge:
		item := c.target.Item
		if item == "" {
			item = c.target.Key
		}
		res, err := a.engine.Acknowledge(ctx, item, c.by)
		a.answer(ctx, c.at, c.target, c.by, res, err)
	default:
		log.Warn("slack: unknown button")
	}
}

// openModal opens a modal with the click's trigger (valid for three
// seconds after the click, which is why the ack comes first and the
// modal right after).
func (a *App) openModal(ctx context.Context, c click, view slack.ModalViewRequest) {
	if _, err := a.api.OpenViewContext(ctx, c.trigger, view); err != nil {
		a.log.Error("slack: opening a modal", "callback", view.CallbackID, "ticket", c.target.Key, "user", c.by.UserID, "err", err)
		a.tell(ctx, c.at, c.by.UserID, failed(c.target.Key))
	}
}

// answer carries out the engine's answer to an action: the message the
// button was on is replaced (or the Home tab republished), and the reply
// is told privately.
func (a *App) answer(ctx context.Context, at origin, t target, by Actor, res Result, err error) {
	if err != nil {
		a.tellError(ctx, at, t.Key, by, err)
		return
	}
	if at.Home {
		if err := a.publishHome(ctx, by); err != nil {
			a.log.Error("slack: republishing the home tab", "user", by.UserID, "err", err)
		}
	} else if res.Update != nil {
		a.replace(ctx, at, t, *res.Update, res.Buttons)
	}
	if !empty(res.Reply) {
		a.tell(ctx, at, by.UserID, res.Reply)
	}
}

// tellError tells the actor privately why nothing happened, without the
// error's text: "not yours", the engine's refusal, an unknown ticket, or
// that it failed (logged).
func (a *App) tellError(ctx context.Context, at origin, key string, by Actor, err error) {
	var ref *Refusal
	switch {
	case errors.Is(err, ErrNotAllowed):
		a.log.Info("slack: not allowed", "ticket", key, "user", by.UserID)
		a.tell(ctx, at, by.UserID, notYours(key))
	case errors.As(err, &ref):
		a.tell(ctx, at, by.UserID, refused(key, ref))
	case errors.Is(err, ErrNotFound):
		a.tell(ctx, at, by.UserID, notFound(key))
	default:
		a.log.Error("slack: the engine failed", "ticket", key, "user", by.UserID, "err", err)
		a.tell(ctx, at, by.UserID, failed(key))
	}
}

// tell shows a Doc to one person privately.
func (a *App) tell(ctx context.Context, at origin, user string, d richtext.Doc) {
	a.show(ctx, at, user, render(d))
}

// show posts privately: through the response URL when there is one, else
// as an ephemeral message in the channel, else in the person's DM with the
// app (a click in the App Home tab has no channel).
func (a *App) show(ctx context.Context, at origin, user string, r rendered) {
	if len(r.blocks) > maxMessageBlocks {
		r.blocks = r.blocks[:maxMessageBlocks]
	}
	if a.hookOK(at.ResponseURL) {
		err := slack.PostWebhookCustomHTTPContext(ctx, at.ResponseURL, a.http, &slack.WebhookMessage{
			Text: r.text, Blocks: &slack.Blocks{BlockSet: r.blocks}, ResponseType: slack.ResponseTypeEphemeral,
		})
		if err == nil {
			return
		}
		a.log.Warn("slack: response url", "user", user, "err", err)
	}
	if at.Channel != "" {
		_, err := a.api.PostEphemeralContext(ctx, at.Channel, user, slack.MsgOptionText(r.text, false), slack.MsgOptionBlocks(r.blocks...))
		if err == nil {
			return
		}
		a.log.Warn("slack: ephemeral message", "user", user, "channel", at.Channel, "err", err)
	}
	ch, _, _, err := a.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{user}})
	if err == nil {
		_, _, err = a.api.PostMessageContext(ctx, ch.ID, slack.MsgOptionText(r.text, false), slack.MsgOptionBlocks(r.blocks...))
	}
	if err != nil {
		a.log.Error("slack: could not answer privately", "user", user, "err", err)
	}
}

// replace puts the engine's new rendering, and the buttons it keeps, in
// place of the message the button was on.
func (a *App) replace(ctx context.Context, at origin, t target, d richtext.Doc, buttons []Button) {
	r := render(d)
	if len(r.blocks) >= maxMessageBlocks {
		r.blocks = r.blocks[:maxMessageBlocks-1]
	}
	if ab := Actions(t.Key, t.Item, buttons...); ab != nil {
		r.blocks = append(r.blocks, ab)
	}
	var err error
	switch {
	case at.Ephemeral && a.hookOK(at.ResponseURL):
		err = slack.PostWebhookCustomHTTPContext(ctx, at.ResponseURL, a.http, &slack.WebhookMessage{
			Text: r.text, Blocks: &slack.Blocks{BlockSet: r.blocks}, ResponseType: slack.ResponseTypeEphemeral, ReplaceOriginal: true,
		})
	case at.Channel != "" && at.TS != "" && !at.Ephemeral:
		_, _, _, err = a.api.UpdateMessageContext(ctx, at.Channel, at.TS, slack.MsgOptionText(r.text, false), slack.MsgOptionBlocks(r.blocks...))
	}
	if err != nil {
		a.log.Error("slack: updating the message", "ticket", t.Key, "channel", at.Channel, "ts", at.TS, "err", err)
	}
}

// hookOK reports whether a response URL may be posted to: only Slack's own
// (the prefix), so a payload cannot point the adapter anywhere else.
func (a *App) hookOK(u string) bool {
	return u != "" && strings.HasPrefix(u, a.hookPrefix)
}
