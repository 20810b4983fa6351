package slack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/patchbot/patchbot/connectors/slack/slacktest"
	"github.com/patchbot/patchbot/handoff/ports"
)

// A connection lost after Slack stored the post must not double-post: the
// connector looks the message up by its Ref and returns it.
func TestConnectionDropAfterPostNoDoublePost(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		thread bool
	}{{"channel", false}, {"thread reply", true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := mustEnv(t, nil)
			ctx := context.Background()
			to := ports.Recipient{Channel: e.sec}
			var thread string
			if tc.thread {
				parent, err := e.c.Send(ctx, ports.Message{To: to, Ref: "parent", Doc: para("p", "p")})
				if err != nil {
					t.Fatal(err)
				}
				thread = parent.TS
			}
			e.srv.ResetCalls()
			e.srv.DropAfterStore("chat.postMessage")
			rc, err := e.c.Send(ctx, ports.Message{To: to, Ref: "dropped", ThreadTS: thread, Doc: para("t", "x")})
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if n := e.srv.CallCount("chat.postMessage"); n != 1 {
				t.Errorf("%d post calls, want 1 (no blind retry)", n)
			}
			lookups := e.srv.CallCount("conversations.history") + e.srv.CallCount("conversations.replies")
			if lookups == 0 {
				t.Error("the post was not looked up")
			}
			var stored []slacktest.Message
			if tc.thread {
				stored = e.srv.Replies(e.sec, thread)
			} else {
				stored = e.srv.Messages(e.sec)
			}
			if len(stored) != 1 || stored[0].TS != rc.TS {
				t.Fatalf("stored %d messages, want exactly 1 with ts %s", len(stored), rc.TS)
			}
		})
	}
}

// A connection lost before Slack stored anything: the lookup finds nothing
// and the post is made once.
func TestConnectionDropBeforePostPostsOnce(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, nil)
	e.srv.Inject(slacktest.Fault{Method: "chat.postMessage", Drop: true})
	rc, err := e.c.Send(context.Background(), ports.Message{To: ports.Recipient{Channel: e.sec}, Ref: "lost", Doc: para("t", "x")})
	if err != nil {
		t.Fatal(err)
	}
	if msgs := e.srv.Messages(e.sec); len(msgs) != 1 || msgs[0].TS != rc.TS {
		t.Fatalf("stored %d messages, want 1", len(msgs))
	}
	if n := e.srv.CallCount("chat.postMessage"); n != 2 {
		t.Errorf("%d post calls, want 2 (lost, then after the lookup)", n)
	}
}

// A timeout: the fake does not store a post whose client gave up.
func TestTimeoutLooksUpThenPosts(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, func(o *Options) { o.HTTPClient = &http.Client{Timeout: 150 * time.Millisecond} })
	e.srv.Inject(slacktest.Fault{Method: "chat.postMessage", Delay: 2 * time.Second})
	if _, err := e.c.Send(context.Background(), ports.Message{To: ports.Recipient{Channel: e.sec}, Ref: "slow", Doc: para("t", "x")}); err != nil {
		t.Fatal(err)
	}
	if msgs := e.srv.Messages(e.sec); len(msgs) != 1 {
		t.Fatalf("stored %d messages, want 1", len(msgs))
	}
}

func TestConnectionDropWithoutRefIsUncertain(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, nil)
	e.srv.DropAfterStore("chat.postMessage")
	_, err := e.c.Send(context.Background(), ports.Message{To: ports.Recipient{Channel: e.sec}, Doc: para("t", "x")})
	if !errors.Is(err, ErrUncertain) {
		t.Fatalf("err = %v, want ErrUncertain", err)
	}
	if n := e.srv.CallCount("chat.postMessage"); n != 1 {
		t.Errorf("%d post calls, want 1", n)
	}
}

func TestServerErrorThenLookupFails(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, nil)
	e.srv.Inject(slacktest.Fault{Method: "chat.postMessage", Status: http.StatusInternalServerError})
	e.srv.FailWith("conversations.history", "internal_error")
	_, err := e.c.Send(context.Background(), ports.Message{To: ports.Recipient{Channel: e.sec}, Ref: "r", Doc: para("t", "x")})
	if !errors.Is(err, ErrUncertain) {
		t.Fatalf("err = %v, want ErrUncertain (cannot tell, so do not repost)", err)
	}
	if n := e.srv.CallCount("chat.postMessage"); n != 1 {
		t.Errorf("%d post calls, want 1", n)
	}
}

// After a crash a new connector finds what the old one sent.
func TestLookupAfterRestart(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, nil)
	ctx := context.Background()
	since := e.clk.Now()
	ch := ports.Recipient{Channel: "#sec-patching"}
	dm := ports.Recipient{UserID: alice, Reachable: true}
	sentCh, err := e.c.Send(ctx, ports.Message{To: ch, Ref: "validation/SEC-9/x", Doc: para("t", "x")})
	if err != nil {
		t.Fatal(err)
	}
	sentDM, err := e.c.Send(ctx, ports.Message{To: dm, Ref: "reminder/U0ALICE01/2026-11-26", Doc: para("t", "x")})
	if err != nil {
		t.Fatal(err)
	}
	sentDigest, err := e.c.Send(ctx, ports.Message{To: ch, Ref: "digest/2026-W48", Doc: digestDoc(120)})
	if err != nil {
		t.Fatal(err)
	}

	again, err := New(ctx, e.opts) // a fresh process: no caches
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		to   ports.Recipient
		ref  string
		want ports.Receipt
	}{
		{ch, "validation/SEC-9/x", sentCh},
		{dm, "reminder/U0ALICE01/2026-11-26", sentDM},
		{ch, "digest/2026-W48", sentDigest},
	} {
		got, found, err := again.Lookup(ctx, tc.to, tc.ref, since)
		if err != nil || !found || got != tc.want {
			t.Errorf("Lookup(%q) = %+v %v %v, want %+v", tc.ref, got, found, err, tc.want)
		}
	}
	if _, found, err := again.Lookup(ctx, ch, "never/sent", since); found || err != nil {
		t.Errorf("Lookup(never sent) = %v, %v", found, err)
	}
	if _, found, err := again.Lookup(ctx, ch, "validation/SEC-9/x", e.clk.Now().Add(time.Hour)); found || err != nil {
		t.Errorf("Lookup before since = %v, %v", found, err)
	}
}

func TestLookupNeedsHistoryScope(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, nil)
	e.srv.SetScopes("chat:write", "im:write", "users:read", "users:read.email", "channels:read")
	_, _, err := e.c.Lookup(context.Background(), ports.Recipient{Channel: e.sec}, "r", time.Time{})
	var se *ScopeError
	if !errors.As(err, &se) || se.Missing[0] != "channels:history" {
		t.Fatalf("err = %v, want a ScopeError naming channels:history", err)
	}
}

// A follow-up posted into a ticket's thread weeks old is found after a
// restart, though the contract's Lookup does not say which thread.
func TestLookupFollowUpInOldThread(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, nil)
	ctx := context.Background()
	to := ports.Recipient{Channel: e.sec}
	parent, err := e.c.Send(ctx, ports.Message{To: to, Ref: "validation/SEC-4/a", Doc: para("SEC-4", "first")})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 30 { // the channel moves on
		e.clk.Advance(12 * time.Hour)
		if _, err := e.c.Send(ctx, ports.Message{To: to, Ref: fmt.Sprintf("other/%d", i), Doc: para("x", "y")}); err != nil {
			t.Fatal(err)
		}
	}
	since := e.clk.Now()
	reply, err := e.c.Send(ctx, ports.Message{To: to, Ref: "reopened/SEC-4/b", ThreadTS: parent.TS, Doc: para("SEC-4 again", "second")})
	if err != nil {
		t.Fatal(err)
	}
	again, err := New(ctx, e.opts)
	if err != nil {
		t.Fatal(err)
	}
	got, found, err := again.Lookup(ctx, to, "reopened/SEC-4/b", since.Add(-5*time.Minute))
	if err != nil || !found || got.TS != reply.TS {
		t.Fatalf("Lookup = %+v %v %v, want ts %s", got, found, err, reply.TS)
	}
}

// A recipient given as an email (a manager from config) is looked up.
func TestSendToEmailRecipient(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, nil)
	ctx := context.Background()
	if _, err := e.c.Send(ctx, ports.Message{To: ports.Recipient{UserID: "dave@example.com"}, Ref: "esc/1", Doc: para("x", "y")}); err != nil {
		t.Fatal(err)
	}
	if len(e.srv.DMs(dave)) != 1 {
		t.Error("no DM to dave")
	}
	if _, err := e.c.Send(ctx, ports.Message{To: ports.Recipient{UserID: "boss@example.com"}, Ref: "esc/2", Doc: para("x", "y")}); err != nil {
		t.Fatal(err)
	}
	if len(e.srv.Messages(e.fallback)) != 1 {
		t.Error("an unknown email did not go to the fallback channel")
	}
}
