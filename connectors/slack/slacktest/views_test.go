package slacktest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

func plainText(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

// testModal has a datepicker, a text input and a user select.
func testModal(title string) slack.ModalViewRequest {
	reason := slack.NewInputBlock("reason", plainText("Reason"), nil, slack.NewPlainTextInputBlockElement(nil, "reason"))
	reason.Optional = true
	return slack.ModalViewRequest{
		Type: slack.VTModal, Title: plainText(title), Submit: plainText("Go"), CallbackID: "cb", PrivateMetadata: `{"key":"SEC-1"}`,
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewInputBlock("until", plainText("Until"), nil, slack.NewDatePickerBlockElement("until")),
			reason,
			slack.NewInputBlock("owner", plainText("Owner"), nil, slack.NewOptionsSelectBlockElement(slack.OptTypeUser, nil, "owner")),
		}},
	}
}

// clickTrigger delivers a click and returns the trigger_id it carries.
func clickTrigger(t *testing.T, s *Server, user string) string {
	t.Helper()
	id := s.Click(Click{User: user, Channel: "C1", MessageTS: "1.1", ActionID: "a", BlockID: "b", Value: "v"})
	env, err := s.Envelope(id)
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		TriggerID string `json:"trigger_id"`
	}
	if err := json.Unmarshal(env.Payload, &p); err != nil || p.TriggerID == "" {
		t.Fatalf("payload %s: %v", env.Payload, err)
	}
	return p.TriggerID
}

func TestViewsOpenTrigger(t *testing.T) {
	t.Parallel()
	s := New()
	defer s.Close()
	now := time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	api := newClient(s)

	trig := clickTrigger(t, s, "U1")
	if _, err := api.OpenView(trig, testModal("a title far over twenty-four")); err == nil || err.Error() != "invalid_arguments" {
		t.Errorf("long title: %v", err)
	}
	resp, err := api.OpenView(trig, testModal("Snooze"))
	if err != nil || resp.View.ID == "" || resp.View.Hash == "" {
		t.Fatalf("open: %+v %v", resp, err)
	}
	if _, err := api.OpenView(trig, testModal("Snooze")); err == nil || err.Error() != "exchanged_trigger_id" {
		t.Errorf("second use: %v", err)
	}
	if _, err := api.OpenView("trig-nope", testModal("Snooze")); err == nil || err.Error() != "invalid_trigger_id" {
		t.Errorf("unknown: %v", err)
	}
	late := clickTrigger(t, s, "U1")
	now = now.Add(TriggerTTL + time.Millisecond)
	if _, err := api.OpenView(late, testModal("Snooze")); err == nil || err.Error() != "expired_trigger_id" {
		t.Errorf("late: %v", err)
	}
	modals := s.Modals("U1")
	if len(modals) != 1 || modals[0].ID != resp.View.ID || modals[0].CallbackID != "cb" || modals[0].PrivateMetadata != `{"key":"SEC-1"}` {
		t.Errorf("modals = %+v", modals)
	}

	// views.update with the hash, and with a stale one.
	if _, err := api.UpdateView(testModal("Again"), "", "h-stale", resp.View.ID); err == nil || err.Error() != "hash_conflict" {
		t.Errorf("stale hash: %v", err)
	}
	if _, err := api.UpdateView(testModal("Again"), "", resp.View.Hash, resp.View.ID); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.View(resp.View.ID); v.Updates != 1 {
		t.Errorf("updates = %d", v.Updates)
	}
}

func TestSubmitStateAndAck(t *testing.T) {
	t.Parallel()
	s := New()
	defer s.Close()
	ctx := waitCtx(t)
	api := newClient(s)
	resp, err := api.OpenView(clickTrigger(t, s, "U1"), testModal("Snooze"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Submit(Submit{User: "U1", ViewID: resp.View.ID, Values: []Input{{Block: "nope", Action: "x", Value: "1"}}}); err == nil {
		t.Error("an input the view lacks was accepted")
	}
	c := startSocket(t, s)
	clicked := c.next(t, ctx) // the click that brought the trigger was queued
	if err := c.sm.Ack(*clicked.Request); err != nil {
		t.Fatal(err)
	}
	hostile := "<!channel> *bold* <https://evil|x> {code}"
	for i, ack := range []any{slack.NewErrorsViewSubmissionResponse(map[string]string{"until": "too far"}), nil} {
		id, err := s.Submit(Submit{User: "U1", ViewID: resp.View.ID, Values: []Input{
			{Block: "until", Action: "until", Value: "2026-08-01"},
			{Block: "reason", Action: "reason", Value: hostile},
		}})
		if err != nil {
			t.Fatal(err)
		}
		e := c.next(t, ctx)
		cb := e.Data.(slack.InteractionCallback)
		v := cb.View.State.Values
		if cb.Type != slack.InteractionTypeViewSubmission || cb.View.CallbackID != "cb" || cb.View.PrivateMetadata != `{"key":"SEC-1"}` ||
			v["until"]["until"].SelectedDate != "2026-08-01" || v["reason"]["reason"].Value != hostile || v["owner"]["owner"].SelectedUser != "" {
			t.Fatalf("submission %d = %+v", i, cb.View)
		}
		if ack == nil {
			err = c.sm.Ack(*e.Request)
		} else {
			err = c.sm.Ack(*e.Request, ack)
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.WaitAck(ctx, id); err != nil {
			t.Fatal(err)
		}
		vw, _ := s.View(resp.View.ID)
		if i == 0 && (vw.Closed || vw.Errors["until"] != "too far") {
			t.Errorf("after errors: %+v", vw)
		}
		if i == 1 && (!vw.Closed || vw.Errors != nil) {
			t.Errorf("after a plain ack: %+v", vw)
		}
	}
}

func TestViewsPublish(t *testing.T) {
	t.Parallel()
	s := New()
	defer s.Close()
	s.AddUser(User{ID: "U1", Name: "alice"})
	api := newClient(s)
	home := slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "hello", false, false), nil, nil),
	}}}
	if _, err := api.PublishView("U9", home, ""); err == nil || err.Error() != "user_not_found" {
		t.Errorf("unknown user: %v", err)
	}
	if _, err := api.PublishView("U1", slack.HomeTabViewRequest{Type: slack.VTModal}, ""); err == nil || err.Error() != "invalid_arguments" {
		t.Errorf("modal as home: %v", err)
	}
	first, err := api.PublishView("U1", home, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.PublishView("U1", home, "h-stale"); err == nil || err.Error() != "hash_conflict" {
		t.Errorf("stale: %v", err)
	}
	if _, err := api.PublishView("U1", home, first.View.Hash); err != nil {
		t.Fatal(err)
	}
	v, ok := s.Home("U1")
	if !ok || v.Updates != 1 || v.ID != first.View.ID || len(v.BlockTexts()) != 1 || v.BlockTexts()[0] != "hello" {
		t.Errorf("home = %+v %v", v, v.BlockTexts())
	}
}

func TestResponseURLAndEphemeral(t *testing.T) {
	t.Parallel()
	s := New()
	defer s.Close()
	s.AddUser(User{ID: "U1", Name: "alice"})
	ch := s.AddChannel("sec")
	api := newClient(s)
	_, ts, err := api.PostMessage(ch, slack.MsgOptionText("original", false))
	if err != nil {
		t.Fatal(err)
	}
	id := s.Click(Click{User: "U1", Channel: ch, MessageTS: ts, ActionID: "a", BlockID: "b", Value: "v"})
	env, _ := s.Envelope(id)
	var p struct {
		ResponseURL string        `json:"response_url"`
		Message     slack.Message `json:"message"`
	}
	if err := json.Unmarshal(env.Payload, &p); err != nil {
		t.Fatal(err)
	}
	if p.Message.Text != "original" || p.Message.Timestamp != ts {
		t.Errorf("payload message = %+v", p.Message)
	}
	if err := slack.PostWebhook(p.ResponseURL, &slack.WebhookMessage{Text: "just you", ResponseType: "ephemeral"}); err != nil {
		t.Fatal(err)
	}
	if err := slack.PostWebhook(p.ResponseURL, &slack.WebhookMessage{Text: "replaced", ReplaceOriginal: true}); err != nil {
		t.Fatal(err)
	}
	posts := s.ResponsePosts("U1")
	if len(posts) != 2 || posts[0].Message.Text != "just you" || posts[0].ResponseType != "ephemeral" || posts[0].Channel != ch || !posts[1].ReplaceOriginal {
		t.Errorf("posts = %+v", posts)
	}
	if m, _ := s.Message(ch, ts); m.Text != "replaced" || m.Edits != 1 {
		t.Errorf("message = %+v", m)
	}
	for range 3 {
		if err := slack.PostWebhook(p.ResponseURL, &slack.WebhookMessage{Text: "again"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := slack.PostWebhook(p.ResponseURL, &slack.WebhookMessage{Text: "sixth"}); err == nil {
		t.Error("a sixth use of a response_url was accepted")
	}

	if _, err := api.PostEphemeral(ch, "U1", slack.MsgOptionText("psst", false)); err != nil {
		t.Fatal(err)
	}
	if _, err := api.PostEphemeral("C404", "U1", slack.MsgOptionText("psst", false)); err == nil || err.Error() != "channel_not_found" {
		t.Errorf("unknown channel: %v", err)
	}
	if e := s.Ephemerals("U1"); len(e) != 1 || e[0].Message.Text != "psst" || e[0].Message.Channel != ch {
		t.Errorf("ephemerals = %+v", e)
	}
}
