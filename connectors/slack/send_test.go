package slack

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/patchbot/patchbot/connectors/slack/slacktest"
	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/ports"
)

func TestChannelPost(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, nil)
	rc, err := e.c.Send(context.Background(), ports.Message{
		To:  ports.Recipient{Channel: "#sec-patching", UserID: alice, Reachable: true},
		Ref: "validation/SEC-1/abc",
		Doc: para("SEC-1 needs a few things", "Affected versions are missing."),
	})
	if err != nil {
		t.Fatal(err)
	}
	msgs := e.srv.Messages(e.sec)
	if len(msgs) != 1 {
		t.Fatalf("%d messages in #sec-patching, want 1", len(msgs))
	}
	m := msgs[0]
	if rc != (ports.Receipt{Channel: e.sec, TS: m.TS, Parts: 1}) {
		t.Errorf("receipt = %+v, message ts %s", rc, m.TS)
	}
	if m.Text != "SEC-1 needs a few things" || !strings.Contains(strings.Join(m.BlockTexts(), "\n"), "Affected versions are missing.") {
		t.Errorf("message = %q / %q", m.Text, m.BlockTexts())
	}
	if m.Metadata == nil || m.Metadata.EventType != MetadataEventType || m.Metadata.EventPayload["ref"] != "validation/SEC-1/abc" {
		t.Errorf("metadata = %+v", m.Metadata)
	}
	if got := m.Params.Get("unfurl_links"); got != "false" {
		t.Errorf("unfurl_links = %q, want false", got)
	}
	for _, p := range []string{"link_names", "parse"} {
		if _, set := m.Params[p]; set {
			t.Errorf("%s was set: %q", p, m.Params.Get(p))
		}
	}
}

func TestDMViaConversationsOpen(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, nil)
	ctx := context.Background()
	to, err := e.c.Owner(ctx, person("", handoff.User{Email: "alice@example.com"}))
	if err != nil {
		t.Fatal(err)
	}
	for i, ref := range []string{"reminder/U0ALICE01/2026-11-26", "reminder/U0ALICE01/2026-11-27"} {
		rc, err := e.c.Send(ctx, ports.Message{To: to, Ref: ref, Doc: para("Reminder", "SEC-1 is overdue.")})
		if err != nil {
			t.Fatal(err)
		}
		if rc.Channel != e.srv.DMChannel(alice) || !strings.HasPrefix(rc.Channel, "D") {
			t.Errorf("send %d went to %q, want the DM %q", i, rc.Channel, e.srv.DMChannel(alice))
		}
	}
	if got := len(e.srv.DMs(alice)); got != 2 {
		t.Errorf("%d DMs to alice, want 2", got)
	}
	if n := e.srv.CallCount("conversations.open"); n != 1 {
		t.Errorf("conversations.open called %d times, want 1 (cached)", n)
	}
	if _, err := e.c.Send(ctx, ports.Message{Ref: "x", Doc: para("a", "b")}); err != ErrNoRecipient {
		t.Errorf("no recipient: err = %v", err)
	}
}

func TestThreadReply(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, nil)
	ctx := context.Background()
	to := ports.Recipient{Channel: e.sec}
	parent, err := e.c.Send(ctx, ports.Message{To: to, Ref: "validation/SEC-2/f1", Doc: para("SEC-2", "first")})
	if err != nil {
		t.Fatal(err)
	}
	reply, err := e.c.Send(ctx, ports.Message{To: to, Ref: "reopened/SEC-2/f2", ThreadTS: parent.TS, Doc: para("SEC-2 again", "second")})
	if err != nil {
		t.Fatal(err)
	}
	if top := e.srv.Messages(e.sec); len(top) != 1 {
		t.Errorf("%d top-level messages, want 1 (the follow-up is threaded)", len(top))
	}
	rs := e.srv.Replies(e.sec, parent.TS)
	if len(rs) != 1 || rs[0].TS != reply.TS || rs[0].ThreadTS != parent.TS {
		t.Fatalf("replies = %+v, want the follow-up %s under %s", rs, reply.TS, parent.TS)
	}
}

func TestUpdateInPlace(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, nil)
	ctx := context.Background()
	m := ports.Message{To: ports.Recipient{Channel: e.sec}, Ref: "validation/SEC-3/f1", Doc: para("SEC-3: 3 missing", "a, b, c")}
	rc, err := e.c.Send(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	m.Doc = para("SEC-3: 1 missing", "c")
	if err := e.c.Update(ctx, rc, m); err != nil {
		t.Fatal(err)
	}
	got, _ := e.srv.Message(e.sec, rc.TS)
	if got.Edits != 1 || got.Text != "SEC-3: 1 missing" {
		t.Errorf("after update: edits %d text %q", got.Edits, got.Text)
	}
	if n := e.srv.CallCount("chat.postMessage"); n != 1 {
		t.Errorf("%d posts, want 1 (update does not repost)", n)
	}
	if err := e.c.Update(ctx, ports.Receipt{Channel: e.sec, TS: "1.000001"}, m); err == nil {
		t.Error("updating a message that does not exist succeeded")
	}
}

func TestPacingPerChannel(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, nil) // default PerChannelInterval: 1s
	ctx := context.Background()
	for i := range 5 {
		if _, err := e.c.Send(ctx, ports.Message{To: ports.Recipient{Channel: e.sec}, Ref: "p" + string(rune('a'+i)), Doc: para("t", "x")}); err != nil {
			t.Fatal(err)
		}
	}
	total, waits := e.clk.Slept()
	if total != 4*time.Second {
		t.Errorf("waited %v (%v), want 4s for 5 posts to one channel", total, waits)
	}
	// The fake stamps messages with the same clock: consecutive posts are
	// at least a second apart.
	msgs := e.srv.Messages(e.sec)
	for i := 1; i < len(msgs); i++ {
		if gap := tsTime(msgs[i].TS).Sub(tsTime(msgs[i-1].TS)); gap < time.Second {
			t.Errorf("posts %d and %d are %v apart", i, i+1, gap)
		}
	}
	// Other channels are not held back.
	before, _ := e.clk.Slept()
	for _, ch := range []string{e.fallback, e.escalation} {
		if _, err := e.c.Send(ctx, ports.Message{To: ports.Recipient{Channel: ch}, Ref: "o" + ch, Doc: para("t", "x")}); err != nil {
			t.Fatal(err)
		}
	}
	if after, _ := e.clk.Slept(); after != before {
		t.Errorf("posts to other channels waited %v", after-before)
	}
}

// TestPacingWallClock measures pacing with the real clock.
func TestPacingWallClock(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, func(o *Options) {
		o.PerChannelInterval = 100 * time.Millisecond
		o.Now, o.Sleep = nil, nil
	})
	e.srv.SetClock(time.Now)
	start := time.Now()
	for i := range 4 {
		if _, err := e.c.Send(context.Background(), ports.Message{To: ports.Recipient{Channel: e.sec}, Ref: "w" + string(rune('a'+i)), Doc: para("t", "x")}); err != nil {
			t.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	if elapsed < 300*time.Millisecond {
		t.Errorf("4 posts at 100ms pacing took %v, want ≥ 300ms", elapsed)
	}
	t.Logf("4 posts to one channel at 100ms pacing: %v", elapsed)
}

func TestRateLimitHonoured(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, func(o *Options) { o.PerChannelInterval = -1 })
	e.srv.RateLimit("chat.postMessage", 2, 7)
	rc, err := e.c.Send(context.Background(), ports.Message{To: ports.Recipient{Channel: e.sec}, Ref: "rl", Doc: para("t", "x")})
	if err != nil {
		t.Fatal(err)
	}
	total, waits := e.clk.Slept()
	if total != 14*time.Second || len(waits) != 2 {
		t.Errorf("waits = %v, want two of 7s (Retry-After)", waits)
	}
	if n := e.srv.CallCount("chat.postMessage"); n != 3 {
		t.Errorf("%d post calls, want 3 (two 429s, one success)", n)
	}
	if msgs := e.srv.Messages(e.sec); len(msgs) != 1 || msgs[0].TS != rc.TS {
		t.Errorf("messages = %d, want exactly the one posted", len(msgs))
	}
}

// TestRateLimitWallClock measures a real Retry-After wait.
func TestRateLimitWallClock(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, func(o *Options) { o.Now, o.Sleep = nil, nil })
	e.srv.SetClock(time.Now)
	e.srv.RateLimit("chat.postMessage", 1, 1)
	start := time.Now()
	if _, err := e.c.Send(context.Background(), ports.Message{To: ports.Recipient{Channel: e.sec}, Ref: "rlw", Doc: para("t", "x")}); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	if elapsed < time.Second {
		t.Errorf("took %v, want ≥ 1s (Retry-After: 1)", elapsed)
	}
	t.Logf("post after a 429 with Retry-After 1: %v", elapsed)
}

func TestSendErrors(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, nil)
	ctx := context.Background()
	_, err := e.c.Send(ctx, ports.Message{To: ports.Recipient{Channel: "C0NOTHERE1"}, Ref: "x", Doc: para("t", "x")})
	if err == nil || !strings.Contains(err.Error(), "channel_not_found") {
		t.Errorf("unknown channel: %v", err)
	}
	e.srv.FailWith("chat.postMessage", "invalid_auth")
	_, err = e.c.Send(ctx, ports.Message{To: ports.Recipient{Channel: e.sec}, Ref: "y", Doc: para("t", "x")})
	if err == nil || !strings.Contains(err.Error(), "invalid_auth") || strings.Contains(err.Error(), slacktest.DefaultToken) {
		t.Errorf("revoked token: %v", err)
	}
	if n := e.srv.CallCount("chat.postMessage"); n != 2 {
		t.Errorf("%d post calls, want 2 (Slack errors are not retried)", n)
	}
}

func tsTime(ts string) time.Time {
	sec, frac, _ := strings.Cut(ts, ".")
	s, _ := strconv.ParseInt(sec, 10, 64)
	f, _ := strconv.ParseInt((frac + "000000")[:6], 10, 64)
	return time.UnixMicro(s*1e6 + f)
}

// Against a Slack that answers bursts with 429: the default pacing never
// trips it; with pacing off every 429 is waited out and no post is lost.
func TestPacingAvoidsAndRateLimitsNeverDrop(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		interval time.Duration
		want429  bool
	}{{"paced", 0, false}, {"unpaced", -1, true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := mustEnv(t, func(o *Options) { o.PerChannelInterval = tc.interval })
			e.srv.EnforcePostRate(time.Second)
			for i := range 10 {
				if _, err := e.c.Send(context.Background(), ports.Message{To: ports.Recipient{Channel: e.sec}, Ref: strconv.Itoa(i), Doc: para("t", "x")}); err != nil {
					t.Fatal(err)
				}
			}
			if n := len(e.srv.Messages(e.sec)); n != 10 {
				t.Errorf("%d messages, want 10", n)
			}
			limited := 0
			for _, c := range e.srv.Calls("chat.postMessage") {
				if c.Status == 429 {
					limited++
				}
			}
			if (limited > 0) != tc.want429 {
				t.Errorf("%d answers were 429", limited)
			}
			total, _ := e.clk.Slept()
			t.Logf("10 posts to one channel: %d × 429, waited %v", limited, total)
		})
	}
}
