package slacktest

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// waitCtx bounds a test's waits; nothing waits on time to synchronise.
func waitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// sockClient is slack-go's Socket Mode client run against the fake; the
// envelopes it receives come out on reqs, unacked.
type sockClient struct {
	sm     *socketmode.Client
	reqs   chan socketmode.Event
	hellos chan socketmode.Event
}

func startSocket(t *testing.T, s *Server) *sockClient {
	t.Helper()
	api := slack.New(DefaultToken, slack.OptionAPIURL(s.URL()), slack.OptionAppLevelToken(DefaultAppToken))
	c := &sockClient{sm: socketmode.New(api), reqs: make(chan socketmode.Event, 16), hellos: make(chan socketmode.Event, 16)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = c.sm.RunContext(ctx)
	}()
	go func() {
		for {
			select {
			case e := <-c.sm.Events:
				switch e.Type {
				case socketmode.EventTypeInteractive, socketmode.EventTypeSlashCommand, socketmode.EventTypeEventsAPI:
					c.reqs <- e
				case socketmode.EventTypeHello:
					c.hellos <- e
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return c
}

func (c *sockClient) next(t *testing.T, ctx context.Context) socketmode.Event {
	t.Helper()
	select {
	case e := <-c.reqs:
		return e
	case <-ctx.Done():
		t.Fatal("no envelope arrived")
	}
	return socketmode.Event{}
}

func TestSocketModeHelloDeliverAck(t *testing.T) {
	t.Parallel()
	s := New()
	defer s.Close()
	ctx := waitCtx(t)
	c := startSocket(t, s)
	select {
	case h := <-c.hellos:
		if h.Request.ConnectionInfo.AppID != AppID || h.Request.NumConnections != 1 {
			t.Errorf("hello = %+v", h.Request)
		}
	case <-ctx.Done():
		t.Fatal("no hello")
	}
	ch := s.AddChannel("sec")
	id := s.Click(Click{User: "U1", Channel: ch, MessageTS: "1.000001", ActionID: "go", BlockID: "b", Value: "v"})
	e := c.next(t, ctx)
	cb, ok := e.Data.(slack.InteractionCallback)
	if !ok || e.Request.EnvelopeID != id || cb.Type != slack.InteractionTypeBlockActions {
		t.Fatalf("event = %#v", e)
	}
	act := cb.ActionCallback.BlockActions[0]
	if act.ActionID != "go" || act.Value != "v" || cb.User.ID != "U1" || cb.Container.ChannelID != ch ||
		cb.Container.MessageTs != "1.000001" || cb.TriggerID == "" || !strings.HasPrefix(cb.ResponseURL, "http://127.0.0.1") || act.ActionTs == "" {
		t.Errorf("payload = %+v / %+v", cb, act)
	}
	if !e.Request.AcceptsResponsePayload || e.Request.RetryAttempt != 0 {
		t.Errorf("request = %+v", e.Request)
	}
	if err := c.sm.Ack(*e.Request, map[string]any{"x": 1}); err != nil {
		t.Fatal(err)
	}
	got, err := s.WaitAck(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Acked || string(got.Ack) != `{"x":1}` || got.Deliveries != 1 {
		t.Errorf("envelope = %+v", got)
	}
}

func TestSocketModeDisconnectReconnects(t *testing.T) {
	t.Parallel()
	for _, reason := range []string{"refresh_requested", "warning", "link_disabled"} {
		t.Run(reason, func(t *testing.T) {
			t.Parallel()
			s := New()
			defer s.Close()
			ctx := waitCtx(t)
			startSocket(t, s)
			if err := s.WaitConnected(ctx, 1); err != nil {
				t.Fatal(err)
			}
			if !s.Disconnect(reason) {
				t.Fatal("no connection to disconnect")
			}
			if err := s.WaitConnected(ctx, 2); err != nil {
				t.Fatal(err)
			}
			if n := s.CallCount("apps.connections.open"); n != 2 {
				t.Errorf("apps.connections.open called %d times, want 2", n)
			}
		})
	}
}

func TestSocketModeLostAckRedelivered(t *testing.T) {
	t.Parallel()
	s := New()
	defer s.Close()
	ctx := waitCtx(t)
	c := startSocket(t, s)
	if err := s.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}
	s.LoseNextAck()
	id := s.Command(Command{User: "U1", Channel: "C1", Text: "help"})
	first := c.next(t, ctx)
	if err := c.sm.Ack(*first.Request); err != nil {
		t.Fatal(err)
	}
	again := c.next(t, ctx) // on the second connection
	if again.Request.EnvelopeID != id || again.Request.RetryAttempt != 1 || again.Request.RetryReason != "timeout" {
		t.Fatalf("re-delivery = %+v", again.Request)
	}
	if s.Connections() < 2 {
		t.Errorf("connections = %d, want a reconnect", s.Connections())
	}
	if err := c.sm.Ack(*again.Request); err != nil {
		t.Fatal(err)
	}
	got, err := s.WaitAck(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Deliveries != 2 {
		t.Errorf("deliveries = %d, want 2", got.Deliveries)
	}
}

func TestSocketModeDropRedeliversUnacked(t *testing.T) {
	t.Parallel()
	s := New()
	defer s.Close()
	ctx := waitCtx(t)
	c := startSocket(t, s)
	if err := s.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}
	id := s.AppHomeOpened("U1")
	first := c.next(t, ctx) // not acked
	ev, ok := first.Data.(slackevents.EventsAPIEvent)
	if !ok {
		t.Fatalf("data = %T", first.Data)
	}
	home, ok := ev.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent)
	if !ok || home.User != "U1" || home.Tab != "home" || ev.TeamID != TeamID {
		t.Fatalf("event = %+v / %+v", ev, ev.InnerEvent.Data)
	}
	if first.Request.AcceptsResponsePayload {
		t.Error("events_api envelopes take no response payload")
	}
	if !s.DropConnection() {
		t.Fatal("no connection")
	}
	again := c.next(t, ctx)
	if again.Request.EnvelopeID != id || again.Request.RetryAttempt != 1 {
		t.Fatalf("re-delivery = %+v", again.Request)
	}
	// Redeliver on the same connection counts up again.
	s.Redeliver()
	third := c.next(t, ctx)
	if third.Request.RetryAttempt != 2 {
		t.Errorf("retry_attempt = %d, want 2", third.Request.RetryAttempt)
	}
	if err := c.sm.Ack(*third.Request); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WaitAck(ctx, id); err != nil {
		t.Fatal(err)
	}
}

func TestSocketModePingPong(t *testing.T) {
	t.Parallel()
	s := New()
	defer s.Close()
	ctx := waitCtx(t)
	if err := s.Ping(ctx); err == nil {
		t.Error("ping without a connection succeeded")
	}
	startSocket(t, s)
	if err := s.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestAppsConnectionsOpenTokens(t *testing.T) {
	t.Parallel()
	s := New()
	defer s.Close()
	for _, tc := range []struct {
		name, token, want string
	}{
		{"none", "", "not_authed"},
		{"bot token", DefaultToken, "not_allowed_token_type"},
		{"other app token", "xapp-1-other", "invalid_auth"},
		{"app token", DefaultAppToken, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := slack.New(DefaultToken, slack.OptionAPIURL(s.URL()), slack.OptionAppLevelToken(tc.token))
			_, url, err := api.StartSocketModeContext(t.Context())
			if tc.want != "" {
				if err == nil || err.Error() != tc.want {
					t.Fatalf("err = %v, want %s", err, tc.want)
				}
				return
			}
			if err != nil || !strings.HasPrefix(url, "ws://127.0.0.1:") || !strings.Contains(url, "ticket=") {
				t.Fatalf("url %q, err %v", url, err)
			}
		})
	}
}

func TestDeliverBeforeConnectWaits(t *testing.T) {
	t.Parallel()
	s := New()
	defer s.Close()
	ctx := waitCtx(t)
	id := s.Command(Command{User: "U1", Channel: "C1", Text: "mine"})
	c := startSocket(t, s)
	e := c.next(t, ctx)
	cmd, ok := e.Data.(slack.SlashCommand)
	if !ok || e.Request.EnvelopeID != id || e.Request.RetryAttempt != 0 {
		t.Fatalf("event = %+v", e)
	}
	if cmd.Command != "/patchbot" || cmd.Text != "mine" || cmd.UserID != "U1" || cmd.ChannelID != "C1" || cmd.TriggerID == "" || cmd.ResponseURL == "" {
		t.Errorf("command = %+v", cmd)
	}
}

func TestWaitAckUnknownAndTimeout(t *testing.T) {
	t.Parallel()
	s := New()
	defer s.Close()
	if _, err := s.WaitAck(t.Context(), "nope"); err == nil {
		t.Error("unknown envelope")
	}
	id := s.Deliver(EnvelopeInteractive, json.RawMessage(`{}`))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.WaitAck(ctx, id); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}
