package interact

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/patchbot/patchbot/connectors/slack/slacktest"
	"github.com/patchbot/patchbot/handoff/richtext"
)

const item1 = "SEC-1/review_passed/2026-05-20"

func TestClickRecheckUpdatesMessage(t *testing.T) {
	t.Parallel()
	eng := newEngine()
	eng.recheck = func(key string, by Actor) (Result, error) {
		up := doc("SEC-1 rechecked: still needs a rollback plan")
		return Result{Reply: doc("Still missing: rollback plan"), Update: &up, Buttons: []Button{ButtonRecheck, ButtonSnooze}}, nil
	}
	h := start(t, eng)
	ts := h.post(item1, ButtonSnooze, ButtonRecheck, ButtonDisown)
	h.acked(h.click(alice, ts, ButtonRecheck))
	h.settle()

	calls := eng.callsTo("Recheck")
	if len(calls) != 1 || calls[0].key != "SEC-1" || calls[0].item != item1 || calls[0].by != (Actor{UserID: alice, TeamID: slacktest.TeamID, Name: "alice"}) {
		t.Fatalf("calls = %+v", calls)
	}
	m, _ := h.s.Message(h.ch, ts)
	if m.Edits != 1 || !strings.Contains(joined(m), "still needs a rollback plan") {
		t.Errorf("message = %d edits: %s", m.Edits, joined(m))
	}
	// The updated message keeps the buttons the engine named, for the same target.
	c := clickOn(t, m.Blocks, ButtonSnooze)
	if tg, err := decodeTarget(c.Value); err != nil || tg != (target{Key: "SEC-1", Item: item1}) {
		t.Errorf("target = %+v %v", tg, err)
	}
	if strings.Contains(string(m.Blocks), string(ButtonDisown)) {
		t.Error("a button the engine dropped is still there")
	}
	posts := h.posts(alice)
	if len(posts) != 1 || posts[0].ResponseType != "ephemeral" || posts[0].ReplaceOriginal || !strings.Contains(joined(posts[0].Message), "Still missing: rollback plan") {
		t.Errorf("private answer = %+v", posts)
	}
	if n := len(h.s.Messages(h.ch)); n != 1 {
		t.Errorf("%d messages in the channel, want only the original", n)
	}
}

func TestReconnectMidActionRunsOnce(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		break_ func(*harness)
	}{
		{"ack lost with the connection", func(h *harness) { h.s.LoseNextAck() }},
		{"refresh requested", nil},
		{"connection dropped", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			eng := newEngine()
			eng.gate = make(chan struct{})
			eng.recheck = func(string, Actor) (Result, error) {
				up := doc("rechecked")
				return Result{Update: &up}, nil
			}
			h := start(t, eng)
			ts := h.post(item1, ButtonRecheck)
			if tc.break_ != nil {
				tc.break_(h)
			}
			id := h.click(alice, ts, ButtonRecheck)
			h.waitStarted("Recheck") // the action is under way
			switch tc.name {
			case "refresh requested":
				h.s.Disconnect("refresh_requested")
			case "connection dropped":
				h.acked(id)
				h.s.DropConnection()
			}
			must(t, h.s.WaitConnected(h.ctx, 2))
			env := h.acked(id)
			if tc.name == "ack lost with the connection" && (env.Deliveries != 2 || env.RetryAttempt != 1) {
				t.Errorf("envelope = %+v, want a re-delivery", env)
			}
			close(eng.gate)
			h.settle()
			if n := len(eng.callsTo("Recheck")); n != 1 {
				t.Errorf("Recheck ran %d times, want 1", n)
			}
			if m, _ := h.s.Message(h.ch, ts); m.Edits != 1 {
				t.Errorf("message edited %d times, want 1", m.Edits)
			}
		})
	}
}

func TestDoubleClickRunsOnce(t *testing.T) {
	t.Parallel()
	eng := newEngine()
	h := start(t, eng)
	ts := h.post(item1, ButtonRecheck, ButtonAcknowledge)
	first := h.click(alice, ts, ButtonRecheck)
	second := h.click(alice, ts, ButtonRecheck)
	other := h.click(bob, ts, ButtonRecheck) // someone else's click is their own
	ack := h.click(alice, ts, ButtonAcknowledge)
	for _, id := range []string{first, second, other, ack} {
		h.acked(id)
	}
	h.settle()
	if n := len(eng.callsTo("Recheck")); n != 2 {
		t.Errorf("Recheck ran %d times, want 2 (alice once, bob once)", n)
	}
	if n := len(eng.callsTo("Acknowledge")); n != 1 {
		t.Errorf("Acknowledge ran %d times", n)
	}

	// The same click delivered again under a new envelope id (a retry after
	// a reconnect), long after the double-click window: still once.
	env, err := h.s.Envelope(first)
	must(t, err)
	h.clock.add(time.Minute)
	h.acked(h.s.Deliver(slacktest.EnvelopeInteractive, env.Payload))
	h.settle()
	if n := len(eng.callsTo("Recheck")); n != 2 {
		t.Errorf("a re-delivered click ran again: %d", n)
	}

	// A new click after the window is a new request.
	h.acked(h.click(alice, ts, ButtonRecheck))
	h.settle()
	if n := len(eng.callsTo("Recheck")); n != 3 {
		t.Errorf("Recheck ran %d times, want 3", n)
	}
}

// openModal clicks a button that opens a modal and returns the modal.
func (h *harness) openModal(user, ts string, b Button) slacktest.View {
	h.t.Helper()
	h.acked(h.click(user, ts, b))
	h.settle()
	modals := h.s.Modals(user)
	if len(modals) == 0 {
		h.t.Fatalf("no modal opened; calls: %+v", h.s.Calls("views.open"))
	}
	return modals[len(modals)-1]
}

func TestSnoozeModalHostileTextStaysText(t *testing.T) {
	t.Parallel()
	eng := newEngine()
	eng.snooze = func(r SnoozeRequest) (Result, error) {
		up := say(richtext.Text("Snoozed until "+r.Until.Format(time.DateOnly)+": "), richtext.Text(r.Reason))
		return Result{Reply: say(richtext.Text("Snoozed. Your reason: "), richtext.Text(r.Reason)), Update: &up}, nil
	}
	h := start(t, eng)
	ts := h.post(item1, ButtonSnooze)
	v := h.openModal(alice, ts, ButtonSnooze)
	if v.CallbackID != callbackSnooze || !strings.Contains(v.PrivateMetadata, item1) {
		t.Fatalf("modal = %+v", v)
	}
	if eng.total() != 0 {
		t.Errorf("opening the modal called the engine")
	}
	id, err := h.s.Submit(slacktest.Submit{User: alice, ViewID: v.ID, Values: []slacktest.Input{
		{Block: "until", Action: "until", Value: "2026-08-01"},
		{Block: "reason", Action: "reason", Value: hostile},
	}})
	must(t, err)
	env := h.acked(id)
	h.settle()
	if env.Ack != nil {
		t.Errorf("ack payload = %s, want none (the modal closes)", env.Ack)
	}
	if vw, _ := h.s.View(v.ID); !vw.Closed {
		t.Error("the modal stayed open")
	}
	calls := eng.callsTo("Snooze")
	want := SnoozeRequest{Key: "SEC-1", Item: item1, Until: time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC), Reason: hostile,
		By: Actor{UserID: alice, TeamID: slacktest.TeamID, Name: "alice"}}
	if len(calls) != 1 || calls[0].snooze != want {
		t.Fatalf("snooze = %+v, want %+v", calls, want)
	}
	m, _ := h.s.Message(h.ch, ts)
	if m.Edits != 1 {
		t.Errorf("message edits = %d", m.Edits)
	}
	posts := h.posts(alice)
	if len(posts) != 1 || !strings.Contains(joined(posts[0].Message), "&lt;!channel&gt;") {
		t.Errorf("private answer = %+v", posts)
	}
	texts, mentions := h.allText()
	if len(mentions) > 0 {
		t.Errorf("hostile text became mentions: %q", mentions)
	}
	for _, s := range texts {
		if strings.Contains(s, "<https://evil") || strings.Contains(s, "<!channel>") {
			t.Errorf("unescaped hostile text in %q", s)
		}
	}
}

func TestSnoozeRefusalsShowInTheModal(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		err       error
		until     string
		wantBlock string
		wantText  string
		calls     int
	}{
		{"policy bound on the reason", &Refusal{Field: FieldReason, Reason: "Past the deadline (2026-07-01): say why."}, "2026-08-01", "reason", "Past the deadline (2026-07-01): say why.", 1},
		{"refusal about another field", fmt.Errorf("policy: %w", &Refusal{Field: FieldOwner, Reason: "Too long for this lane."}), "2026-08-01", "until", "Too long for this lane.", 1},
		{"not yours", fmt.Errorf("engine: %w", ErrNotAllowed), "2026-08-01", "until", "not yours", 1},
		{"unknown ticket", ErrNotFound, "2026-08-01", "until", "does not watch SEC-1", 1},
		{"engine failure", errors.New("db: disk on fire at /var/lib/patchbot"), "2026-08-01", "until", "could not save", 1},
		{"no day picked", nil, "", "until", "Pick a day.", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			eng := newEngine()
			eng.snooze = func(SnoozeRequest) (Result, error) { return Result{}, tc.err }
			h := start(t, eng)
			ts := h.post(item1, ButtonSnooze)
			v := h.openModal(bob, ts, ButtonSnooze)
			id, err := h.s.Submit(slacktest.Submit{User: bob, ViewID: v.ID, Values: []slacktest.Input{
				{Block: "until", Action: "until", Value: tc.until}, {Block: "reason", Action: "reason", Value: ""},
			}})
			must(t, err)
			env := h.acked(id)
			h.settle()
			var got struct {
				ResponseAction string            `json:"response_action"`
				Errors         map[string]string `json:"errors"`
			}
			must(t, json.Unmarshal(env.Ack, &got))
			if got.ResponseAction != "errors" || len(got.Errors) != 1 || !strings.Contains(got.Errors[tc.wantBlock], tc.wantText) {
				t.Errorf("ack = %s", env.Ack)
			}
			if strings.Contains(string(env.Ack), "disk on fire") {
				t.Error("the engine's error text reached the person")
			}
			if vw, _ := h.s.View(v.ID); vw.Closed {
				t.Error("the modal closed on a refusal")
			}
			if n := len(eng.callsTo("Snooze")); n != tc.calls {
				t.Errorf("Snooze calls = %d, want %d", n, tc.calls)
			}
			if m, _ := h.s.Message(h.ch, ts); m.Edits != 0 {
				t.Error("the message changed on a refusal")
			}
		})
	}
}

func TestSlowEngineClosesModalAndAnswersLater(t *testing.T) {
	t.Parallel()
	eng := newEngine()
	eng.snooze = func(SnoozeRequest) (Result, error) {
		return Result{}, &Refusal{Field: FieldReason, Reason: "Past the exception's expiry: say why."}
	}
	h := start(t, eng, func(o *Options) { o.SubmitBudget = time.Millisecond })
	ts := h.post(item1, ButtonSnooze)
	v := h.openModal(alice, ts, ButtonSnooze)
	eng.mu.Lock()
	eng.gate = make(chan struct{})
	eng.mu.Unlock()
	id, err := h.s.Submit(slacktest.Submit{User: alice, ViewID: v.ID, Values: []slacktest.Input{{Block: "until", Action: "until", Value: "2026-09-01"}}})
	must(t, err)
	env := h.acked(id) // the engine is held: the budget ran out first
	if env.Ack != nil {
		t.Errorf("ack = %s, want none", env.Ack)
	}
	close(eng.gate)
	h.settle()
	posts := h.posts(alice)
	if len(posts) != 1 || !strings.Contains(joined(posts[0].Message), "say why") {
		t.Errorf("later answer = %+v", posts)
	}
}

func TestNotYoursPrivately(t *testing.T) {
	t.Parallel()
	eng := newEngine()
	eng.recheck = func(string, Actor) (Result, error) { return Result{}, fmt.Errorf("auth: %w", ErrNotAllowed) }
	eng.ack = eng.recheck
	h := start(t, eng)
	ts := h.post(item1, ButtonRecheck, ButtonAcknowledge)
	h.acked(h.click(bob, ts, ButtonRecheck))
	h.acked(h.click(bob, ts, ButtonAcknowledge))
	h.settle()
	posts := h.posts(bob)
	if len(posts) != 2 {
		t.Fatalf("bob was told %d things: %+v", len(posts), posts)
	}
	for _, p := range posts {
		if p.ResponseType != "ephemeral" || !strings.Contains(joined(p.Message), "not yours") {
			t.Errorf("answer = %+v", p)
		}
	}
	if m, _ := h.s.Message(h.ch, ts); m.Edits != 0 {
		t.Error("the message changed")
	}
	if len(h.s.Messages(h.ch)) != 1 || len(h.posts(alice)) != 0 {
		t.Error("someone else heard of it")
	}
}

func TestDisownModal(t *testing.T) {
	t.Parallel()
	eng := newEngine()
	eng.disown = func(r DisownRequest) (Result, error) {
		return Result{Reply: doc("Thanks: the analyst will ask them.")}, nil
	}
	h := start(t, eng)
	ts := h.post(item1, ButtonDisown)
	v := h.openModal(bob, ts, ButtonDisown)
	if v.CallbackID != callbackDisown || !strings.Contains(string(v.JSON), `"users_select"`) {
		t.Fatalf("modal = %s", v.JSON)
	}
	// Neither an owner nor a note: the form asks for one, the engine hears nothing.
	id, err := h.s.Submit(slacktest.Submit{User: bob, ViewID: v.ID})
	must(t, err)
	if env := h.acked(id); !strings.Contains(string(env.Ack), `"owner"`) {
		t.Errorf("ack = %s", env.Ack)
	}
	id, err = h.s.Submit(slacktest.Submit{User: bob, ViewID: v.ID, Values: []slacktest.Input{
		{Block: "owner", Action: "owner", Value: alice}, {Block: "note", Action: "note", Value: hostile},
	}})
	must(t, err)
	h.acked(id)
	h.settle()
	calls := eng.callsTo("Disown")
	want := DisownRequest{Key: "SEC-1", Item: item1, Suggested: alice, Note: hostile, By: Actor{UserID: bob, TeamID: slacktest.TeamID, Name: "bob"}}
	if len(calls) != 1 || calls[0].disown != want {
		t.Fatalf("disown = %+v", calls)
	}
	if posts := h.posts(bob); len(posts) != 1 || !strings.Contains(joined(posts[0].Message), "analyst will ask") {
		t.Errorf("answer = %+v", posts)
	}
}

func TestAcknowledgeRemovesButtons(t *testing.T) {
	t.Parallel()
	eng := newEngine()
	eng.ack = func(item string, by Actor) (Result, error) {
		up := doc("Heads-up acknowledged by alice")
		return Result{Update: &up}, nil
	}
	h := start(t, eng)
	ts := h.post(item1, ButtonAcknowledge, ButtonSnooze)
	h.acked(h.click(alice, ts, ButtonAcknowledge))
	h.settle()
	if c := eng.callsTo("Acknowledge"); len(c) != 1 || c[0].key != item1 {
		t.Errorf("calls = %+v", c)
	}
	m, _ := h.s.Message(h.ch, ts)
	if strings.Contains(string(m.Blocks), actionsBlockPrefix) || !strings.Contains(joined(m), "acknowledged") {
		t.Errorf("message = %s", m.Blocks)
	}
}

func TestForeignPayloadsAckedAndIgnored(t *testing.T) {
	t.Parallel()
	eng := newEngine()
	h := start(t, eng)
	ts := h.post(item1, ButtonRecheck)
	ids := []string{
		// our action id with a value we never made
		h.s.Click(slacktest.Click{User: alice, Channel: h.ch, MessageTS: ts, ActionID: string(ButtonRecheck), BlockID: "x", Value: `{"key":"<!channel>"}`}),
		h.s.Click(slacktest.Click{User: alice, Channel: h.ch, MessageTS: ts, ActionID: string(ButtonRecheck), BlockID: "x", Value: "garbage"}),
		// someone else's button
		h.s.Click(slacktest.Click{User: alice, Channel: h.ch, MessageTS: ts, ActionID: "other_app", BlockID: "x", Value: "1"}),
		// shapes slack-go cannot read at all, and an empty interactive
		h.s.Deliver(slacktest.EnvelopeInteractive, json.RawMessage(`{"type":"block_actions","actions":"nope"}`)),
		h.s.Deliver(slacktest.EnvelopeInteractive, json.RawMessage(`{}`)),
		h.s.Deliver(slacktest.EnvelopeEvents, json.RawMessage(`{"type":"event_callback","event":{"type":"reaction_added"}}`)),
	}
	for _, id := range ids {
		h.acked(id)
	}
	h.settle()
	if eng.total() != 0 {
		t.Errorf("engine calls: %+v", eng.calls)
	}
}

func TestRunRejectsBadAppToken(t *testing.T) {
	t.Parallel()
	s := slacktest.New()
	defer s.Close()
	s.SetAppToken("xapp-1-the-real-one")
	app, err := New(Options{BotToken: slacktest.DefaultToken, AppToken: slacktest.DefaultAppToken, APIURL: s.URL(), Engine: newEngine()})
	must(t, err)
	if err := app.Run(t.Context()); !errors.Is(err, ErrAuth) {
		t.Errorf("Run = %v, want ErrAuth", err)
	}
	if err := app.Run(t.Context()); err == nil {
		t.Error("a second Run was accepted")
	}
}

func TestNewChecksOptions(t *testing.T) {
	t.Parallel()
	good := Options{BotToken: "xoxb-1", AppToken: "xapp-1", Engine: newEngine()}
	for _, tc := range []struct {
		name string
		mod  func(*Options)
		want string
	}{
		{"bot token", func(o *Options) { o.BotToken = "xapp-1" }, "BotToken"},
		{"app token", func(o *Options) { o.AppToken = "xoxb-1" }, "AppToken"},
		{"engine", func(o *Options) { o.Engine = nil }, "Engine"},
		{"command", func(o *Options) { o.Command = "patchbot" }, "Command"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := good
			tc.mod(&o)
			_, err := New(o)
			if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v", err)
			}
			if err != nil && (strings.Contains(err.Error(), "xoxb-1") || strings.Contains(err.Error(), "xapp-1")) {
				t.Error("a token in the error")
			}
		})
	}
	if _, err := New(good); err != nil {
		t.Errorf("good options: %v", err)
	}
}

func TestActionsBlock(t *testing.T) {
	t.Parallel()
	if Actions("SEC-1", "", Button("nope")) != nil {
		t.Error("a block of unknown buttons")
	}
	raw, err := json.Marshal(Actions("SEC-1", item1, ButtonSnooze, ButtonRecheck, ButtonDisown, ButtonAcknowledge))
	must(t, err)
	var got struct {
		Type     string `json:"type"`
		BlockID  string `json:"block_id"`
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
			Text     struct{ Text string }
		}
	}
	must(t, json.Unmarshal(raw, &got))
	var labels []string
	for _, e := range got.Elements {
		labels = append(labels, e.Text.Text)
		if tg, err := decodeTarget(e.Value); err != nil || tg != (target{Key: "SEC-1", Item: item1}) {
			t.Errorf("%s value %q: %+v %v", e.ActionID, e.Value, tg, err)
		}
	}
	if got.Type != "actions" || !strings.HasPrefix(got.BlockID, actionsBlockPrefix) ||
		!slices.Equal(labels, []string{"Snooze…", "Recheck now", "Not my ticket", "Acknowledge"}) {
		t.Errorf("block = %s", raw)
	}
	long := strings.Repeat("x", 3000)
	b := Actions("SEC-1", long, ButtonRecheck).(interface{ ID() string })
	if len(b.ID()) > maxBlockID {
		t.Errorf("block id of %d characters", len(b.ID()))
	}
	raw, _ = json.Marshal(Actions("SEC-1", long, ButtonRecheck))
	if !strings.Contains(string(raw), `{\"key\":\"SEC-1\"}`) {
		t.Errorf("an oversized item was not dropped from the value: %.200s", raw)
	}
}

func TestDecodeTargetRejects(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"", "SEC-1", `{"key":""}`, `{"key":"sec-1"}`, `{"key":"<!channel>"}`, `{"key":"SEC-1","item":"a\nb"}`,
		`{"key":"SEC-1","item":"` + strings.Repeat("x", maxItem+1) + `"}`, `[1]`} {
		if tg, err := decodeTarget(v); err == nil {
			t.Errorf("%q accepted as %+v", v, tg)
		}
	}
}

var _ = richtext.Doc{}
