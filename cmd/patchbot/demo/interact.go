package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/patchbot/patchbot/cmd/patchbot/app"
	"github.com/patchbot/patchbot/config"
	"github.com/patchbot/patchbot/connectors/slack/slacktest"
	"github.com/patchbot/patchbot/handoff/ports"
	"github.com/patchbot/patchbot/handoff/render/plain"
	"github.com/patchbot/patchbot/scheduler"
)

// Owners answering in Slack: the demo's Slack app gets an app-level
// token, the daemon connects over Socket Mode (the real slack-go client,
// to the fake's WebSocket), its messages carry buttons, and an owner
// clicks them: the fake delivers the clicks and modal submissions as
// Slack does.

// EnableAnswers gives the world's Slack app an app-level token, rebuilds
// the daemon over the same ledger and fakes (as a restart with the new
// config would), and runs the Socket Mode adapter until stop.
func (w *World) EnableAnswers(ctx context.Context) (stop func(), err error) {
	w.Config.Slack.AppToken = config.NewSecret(slacktest.DefaultAppToken)
	if err := w.Restart(ctx); err != nil {
		return nil, err
	}
	// Counted before the adapter starts: read after, a connection made in
	// between would already be in the count, and the wait would be for
	// one more that never comes.
	want := w.Slack.Connections() + 1
	stop, err = w.App.ServeInteract(ctx, app.InteractDeps{ResponseURLPrefix: w.Slack.ResponseURLPrefix(), Now: w.Clock.Now})
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := w.Slack.WaitConnected(wctx, want); err != nil {
		stop()
		return nil, fmt.Errorf("socket mode did not connect: %w", err)
	}
	return stop, nil
}

// Button is a button found on a message the bot posted.
type Button struct {
	Message slacktest.Message
	Click   slacktest.Click
}

// FindButton finds the newest message in a channel (a DM included) that
// carries button b for ticket key.
func (w *World) FindButton(channel, key string, b ports.Button) (Button, bool) {
	msgs := w.Slack.Messages(channel)
	for i := len(msgs) - 1; i >= 0; i-- {
		if c, ok := buttonIn(msgs[i].Blocks, key, b); ok {
			c.Channel, c.MessageTS = msgs[i].Channel, msgs[i].TS
			return Button{Message: msgs[i], Click: c}, true
		}
	}
	return Button{}, false
}

// firstButton finds the first button b in a message's blocks, and its
// ticket.
func firstButton(blocks json.RawMessage, b ports.Button) (string, slacktest.Click, bool) {
	var bs []struct {
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"elements"`
	}
	_ = json.Unmarshal(blocks, &bs)
	for _, bl := range bs {
		for _, el := range bl.Elements {
			var v struct {
				Key string `json:"key"`
			}
			if el.ActionID == string(b) && json.Unmarshal([]byte(el.Value), &v) == nil {
				c, ok := buttonIn(blocks, v.Key, b)
				return v.Key, c, ok
			}
		}
	}
	return "", slacktest.Click{}, false
}

// buttonIn finds button b for ticket key in a message's blocks.
func buttonIn(blocks json.RawMessage, key string, b ports.Button) (slacktest.Click, bool) {
	var bs []struct {
		Type     string `json:"type"`
		BlockID  string `json:"block_id"`
		Elements []struct {
			ActionID string          `json:"action_id"`
			Value    string          `json:"value"`
			Text     json.RawMessage `json:"text"`
		} `json:"elements"`
	}
	if len(blocks) == 0 || json.Unmarshal(blocks, &bs) != nil {
		return slacktest.Click{}, false
	}
	for _, bl := range bs {
		if bl.Type != "actions" {
			continue
		}
		for _, el := range bl.Elements {
			var v struct {
				Key string `json:"key"`
			}
			if el.ActionID == string(b) && json.Unmarshal([]byte(el.Value), &v) == nil && v.Key == key {
				var label struct {
					Text string `json:"text"`
				}
				_ = json.Unmarshal(el.Text, &label)
				return slacktest.Click{ActionID: el.ActionID, BlockID: bl.BlockID, Value: el.Value, Text: label.Text}, true
			}
		}
	}
	return slacktest.Click{}, false
}

// Press clicks a button as user and waits until the adapter has answered
// them privately (the engine's work is done by then).
func (w *World) Press(ctx context.Context, user string, b Button) error {
	c := b.Click
	c.User = user
	before := len(w.Slack.ResponsePosts(user))
	w.Slack.Click(c)
	return w.waitAnswer(ctx, user, before)
}

// waitAnswer waits for a private answer to user beyond the first n.
func (w *World) waitAnswer(ctx context.Context, user string, n int) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return w.Slack.WaitFor(ctx, func() bool { return len(w.Slack.ResponsePosts(user)) > n })
}

// LastAnswer is the text of the last private answer to user (links shown
// as their text).
func (w *World) LastAnswer(user string) string {
	posts := w.Slack.ResponsePosts(user)
	if len(posts) == 0 {
		return ""
	}
	return plainBlocks(posts[len(posts)-1].Message)
}

// FindButtonAnywhere finds the newest message (thread replies included)
// that carries button b for ticket key.
func (w *World) FindButtonAnywhere(key string, b ports.Button) (Button, bool) {
	all := w.Slack.All()
	for i := len(all) - 1; i >= 0; i-- {
		if c, ok := buttonIn(all[i].Blocks, key, b); ok {
			c.Channel, c.MessageTS = all[i].Channel, all[i].TS
			return Button{Message: all[i], Click: c}, true
		}
	}
	return Button{}, false
}

// mrkdwnLink is a Slack link, <url|text>.
var mrkdwnLink = regexp.MustCompile(`<[^|<>]+\|([^<>]+)>`)

// plainBlocks is a message's block texts as a reader sees them.
func plainBlocks(m slacktest.Message) string {
	return mrkdwnLink.ReplaceAllString(strings.Join(m.BlockTexts(), "\n"), "$1")
}

// firstLines is the first n lines of s.
func firstLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = append(lines[:n], "…")
	}
	return strings.Join(lines, "\n")
}

// personName is a seeded person's name by Slack id.
func personName(slackID string) string {
	for _, p := range people {
		if p.slackID == slackID {
			return strings.Fields(p.jira.DisplayName)[0]
		}
	}
	return slackID
}

// OpenModal clicks a button that opens a modal and returns the modal.
func (w *World) OpenModal(ctx context.Context, user string, b Button) (slacktest.View, error) {
	c := b.Click
	c.User = user
	before := len(w.Slack.Modals(user))
	w.Slack.Click(c)
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := w.Slack.WaitFor(wctx, func() bool { return len(w.Slack.Modals(user)) > before }); err != nil {
		return slacktest.View{}, fmt.Errorf("no modal opened for %s: %w", user, err)
	}
	m := w.Slack.Modals(user)
	return m[len(m)-1], nil
}

// SubmitModal submits a modal with the inputs (block id = action id =
// input) and waits for the answer: the modal's errors, or the private
// answer once the engine has done it.
func (w *World) SubmitModal(ctx context.Context, user string, v slacktest.View, inputs map[string]string) (errs map[string]string, err error) {
	var values []slacktest.Input
	for k, val := range inputs {
		values = append(values, slacktest.Input{Block: k, Action: k, Value: val})
	}
	before := len(w.Slack.ResponsePosts(user))
	id, err := w.Slack.Submit(slacktest.Submit{User: user, ViewID: v.ID, Values: values})
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := w.Slack.WaitAck(wctx, id); err != nil {
		return nil, err
	}
	if got, _ := w.Slack.View(v.ID); len(got.Errors) > 0 && !got.Closed {
		return got.Errors, nil
	}
	return nil, w.waitAnswer(ctx, user, before)
}

// playAnswers is the demo's scene of owners answering in Slack.
func (w *World) playAnswers(ctx context.Context, t *transcript) error {
	t.section("7. owners answer in Slack: the buttons, a modal and the App Home tab (Socket Mode, slack.app_token set)")
	stop, err := w.EnableAnswers(ctx)
	if err != nil {
		return err
	}
	defer stop()
	e := w.App.Engine
	w.Clock.Advance(24 * time.Hour)
	rep, err := e.Nag(ctx, scheduler.NagOptions{})
	if err != nil {
		return err
	}
	// The first owner reminded today, and the first item of their reminder.
	var bo, key string
	var snooze Button
	for _, a := range rep.Actions {
		if a.Send != "reminder" || a.To.UserID == "" || bo == people["bo"].slackID {
			continue
		}
		msgs := w.Slack.DMs(a.To.UserID)
		if len(msgs) == 0 {
			continue
		}
		m := msgs[len(msgs)-1]
		if k, c, ok := firstButton(m.Blocks, ports.ButtonSnooze); ok {
			c.Channel, c.MessageTS = m.Channel, m.TS
			bo, key, snooze = a.To.UserID, k, Button{Message: m, Click: c}
		}
	}
	if bo == "" {
		return errors.New("no reminder with a Snooze button")
	}
	name := personName(bo)
	fmt.Fprintf(t.out, "%s's reminder now carries buttons on each item: %s\n", name, strings.Join(buttonLabels(snooze.Message.Blocks), " · "))

	modal, err := w.OpenModal(ctx, bo, snooze)
	if err != nil {
		return err
	}
	until := w.Clock.Now().AddDate(0, 0, 3).Format(time.DateOnly)
	reason := "Waiting for the vendor's hotfix; the mitigation stays in place meanwhile."
	fmt.Fprintf(t.out, "\n%s clicks Snooze… on %s, picks %s and types: %q\n", name, key, until, reason)
	if errs, err := w.SubmitModal(ctx, bo, modal, map[string]string{"until": until, "reason": reason}); err != nil || errs != nil {
		return fmt.Errorf("snooze: %v %v", errs, err)
	}
	fmt.Fprintln(t.out, app.Indent("(privately) "+w.LastAnswer(bo), "  │ "))
	fmt.Fprintf(t.out, "\n[Jira %s] comment by patchbot (snooze), and the snooze kept on the ticket's trail\n", key)
	fmt.Fprintln(t.out, app.Indent(t.lastComment(key), "  │ "))

	w.Clock.Advance(24 * time.Hour)
	if rep, err = e.Nag(ctx, scheduler.NagOptions{}); err != nil {
		return err
	}
	mentioned := 0
	for _, a := range rep.Actions {
		if strings.Contains(plain.Render(a.Doc), key) {
			mentioned++
		}
	}
	fmt.Fprintf(t.out, "\nnext day's nag: %d messages, %d about %s (snoozed)\n", len(rep.Actions), mentioned, key)

	citrix := w.Keys["Citrix NetScaler memory leak — vendor fix pending"]
	owner := people["bo"].slackID
	fmt.Fprintf(t.out, "\nBo fills in the SOC monitoring on %s; the next sync asks again for what is left, now with buttons\n", citrix)
	if err := w.Jira.SetField(citrix, "SOC Monitoring", "SOC watches the ADC logs for the leak's indicators (rule SOC-5120)"); err != nil {
		return err
	}
	w.Clock.Advance(10 * time.Minute)
	if _, err := e.Sync(ctx, scheduler.SyncOptions{}); err != nil {
		return err
	}
	recheck, ok := w.FindButtonAnywhere(citrix, ports.ButtonRecheck)
	if !ok {
		return errors.New("no Recheck button on the Citrix validation request")
	}
	fmt.Fprintln(t.out, app.Indent(firstLines(plainBlocks(recheck.Message), 6)+"\n[ "+strings.Join(buttonLabels(recheck.Message.Blocks), " ] [ ")+" ]", "  │ "))
	fmt.Fprintf(t.out, "\nBo adds the vendor ask in Jira and clicks Recheck now on that message\n")
	if err := w.Jira.SetField(citrix, "Vendor Ask", "Asked Citrix for the fixed build's date (case 0815)"); err != nil {
		return err
	}
	w.Clock.Advance(2 * time.Minute)
	if err := w.Press(ctx, owner, recheck); err != nil {
		return err
	}
	fmt.Fprintln(t.out, app.Indent("(privately) "+w.LastAnswer(owner), "  │ "))
	if m, ok := w.Slack.Message(recheck.Message.Channel, recheck.Message.TS); ok {
		fmt.Fprintf(t.out, "the message was updated in place (%d edit):\n%s\n", m.Edits, app.Indent(plainBlocks(m), "  │ "))
	}
	fmt.Fprintf(t.out, "and the living comment on %s was edited by the same sync:\n%s\n", citrix, app.Indent(firstLines(t.lastComment(citrix), 3), "  │ "))

	if err := e.RefreshHomes(ctx); err != nil {
		return err
	}
	if home, ok := w.Slack.Home(owner); ok {
		fmt.Fprintf(t.out, "\nBo's App Home tab (views.publish, refreshed after the nag and the sync) lists his open items, each with the same buttons:\n%s\n",
			app.Indent(firstLines(mrkdwnLink.ReplaceAllString(strings.Join(home.BlockTexts(), "\n"), "$1"), 8), "  │ "))
	}
	return nil
}

// channelID is the id of a #name the world created.
func (w *World) channelID(name string) string {
	for id, n := range w.channels {
		if n == name {
			return id
		}
	}
	return ""
}

// buttonLabels lists the labels of the first actions block.
func buttonLabels(blocks json.RawMessage) []string {
	var bs []struct {
		Type     string `json:"type"`
		Elements []struct {
			Text json.RawMessage `json:"text"`
		} `json:"elements"`
	}
	_ = json.Unmarshal(blocks, &bs)
	for _, b := range bs {
		if b.Type == "actions" {
			var out []string
			for _, el := range b.Elements {
				var label struct {
					Text string `json:"text"`
				}
				_ = json.Unmarshal(el.Text, &label)
				out = append(out, label.Text)
			}
			return out
		}
	}
	return nil
}
