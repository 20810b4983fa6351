package slack

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/patchbot/patchbot/connectors/slack/slacktest"
	"github.com/patchbot/patchbot/handoff/ports"
)

// The connector satisfies the scheduler's port.

func TestNewChecksToken(t *testing.T) {
	t.Parallel()
	const secret = "xoxb-111-222-wrongsecretvalue"
	e, err := newEnv(t, func(o *Options) { o.Token = secret })
	if err == nil {
		t.Fatal("New accepted a bad token")
	}
	if !errors.Is(err, ErrAuth) {
		t.Errorf("err = %v, want ErrAuth", err)
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("the error shows the token: %v", err)
	}
	if !strings.Contains(err.Error(), "invalid_auth") {
		t.Errorf("the error does not say what Slack said: %v", err)
	}
	if strings.Contains(e.logs.String(), secret) {
		t.Errorf("the logs show the token")
	}
}

func TestNewNamesMissingScopes(t *testing.T) {
	t.Parallel()
	srvScopes := []string{"chat:write", "users:read", "channels:read"}
	srv := slacktest.New()
	defer srv.Close()
	srv.SetScopes(srvScopes...)
	srv.AddChannel("patch-fallback")
	_, err := New(context.Background(), Options{Token: slacktest.DefaultToken, APIURL: srv.URL(), FallbackChannel: "#patch-fallback"})
	var se *ScopeError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want a *ScopeError", err)
	}
	if want := []string{"im:write", "users:read.email"}; !slices.Equal(se.Missing, want) {
		t.Errorf("Missing = %v, want %v", se.Missing, want)
	}
	for _, s := range []string{"im:write", "users:read.email", "reinstall"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
}

func TestRuntimeMissingScopeIsNamed(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, nil)
	e.srv.SetScopes("chat:write", "users:read", "users:read.email", "channels:read") // im:write revoked
	_, err := e.c.Send(context.Background(), ports.Message{To: ports.Recipient{UserID: alice}, Ref: "r", Doc: para("x", "y")})
	var se *ScopeError
	if !errors.As(err, &se) || !slices.Equal(se.Missing, []string{"im:write"}) || se.Method != "conversations.open" {
		t.Fatalf("err = %v (%#v), want a ScopeError naming im:write on conversations.open", err, se)
	}
}

func TestNewResolvesChannels(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, nil)
	if got := e.c.Fallback().Channel; got != e.fallback {
		t.Errorf("fallback = %q, want %q", got, e.fallback)
	}
	if r := e.c.Escalation(); r.Channel != e.escalation {
		t.Errorf("escalation = %v, want %q", r, e.escalation)
	}
	ctx := context.Background()
	for _, ref := range []string{"#sec-patching", "sec-patching", " #SEC-patching ", e.sec} {
		id, err := e.c.ResolveChannel(ctx, ref)
		if err != nil || id != e.sec {
			t.Errorf("ResolveChannel(%q) = %q, %v; want %q", ref, id, err, e.sec)
		}
	}
	if n := e.srv.CallCount("conversations.list"); n != 1 {
		t.Errorf("conversations.list called %d times, want 1 (names are cached)", n)
	}
	if _, err := e.c.ResolveChannel(ctx, "#no-such-channel"); !errors.Is(err, ErrChannelNotFound) {
		t.Errorf("unknown channel: err = %v, want ErrChannelNotFound", err)
	}
	r, err := e.c.Channel(ctx, "#sec-patching")
	if err != nil || r.Channel != e.sec || !r.Reachable || r.Name != "#sec-patching" {
		t.Errorf("Channel = %+v, %v", r, err)
	}
}

func TestNewUnknownFallbackChannel(t *testing.T) {
	t.Parallel()
	_, err := newEnv(t, func(o *Options) { o.FallbackChannel = "#nowhere" })
	if !errors.Is(err, ErrChannelNotFound) || !strings.Contains(err.Error(), "#nowhere") {
		t.Fatalf("err = %v, want ErrChannelNotFound naming #nowhere", err)
	}
}

func TestNewRejectsBadOwnerMap(t *testing.T) {
	t.Parallel()
	_, err := newEnv(t, func(o *Options) { o.OwnerMap = map[string]string{"acc-1": "alice", "acc-2": alice} })
	if err == nil || !strings.Contains(err.Error(), `"acc-1": "alice"`) || strings.Contains(err.Error(), "acc-2") {
		t.Fatalf("err = %v, want one naming acc-1 only", err)
	}
}

func TestPing(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, nil)
	ctx := context.Background()
	if err := e.c.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
	e.srv.RateLimit("auth.test", 1, 30)
	if err := e.c.Ping(ctx); err != nil {
		t.Errorf("Ping when rate limited: %v", err)
	}
	e.srv.SetToken("xoxb-rotated")
	if err := e.c.Ping(ctx); !errors.Is(err, ErrAuth) {
		t.Errorf("Ping with a revoked token: %v", err)
	}
}
