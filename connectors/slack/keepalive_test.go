package slack

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/patchbot/patchbot/connectors/internal/conntest"
	"github.com/patchbot/patchbot/connectors/slack/slacktest"
	"github.com/patchbot/patchbot/handoff/ports"
)

// TestConnectionsAreKept: slack-go stops reading an answer at the end of
// its JSON. When Slack answers chunked, the rest (a newline, the last
// chunk) is left unread and net/http drops the connection: every call
// would open a new one, with a TLS handshake. keepAlive reads the rest.
func TestConnectionsAreKept(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true,"url":"https://example.slack.com/","team":"T","user":"patchbot",`+
			`"team_id":"T0","user_id":"U0BOT","bot_id":"B0BOT"}`)
		w.(http.Flusher).Flush() // chunked, and the JSON is whole
		time.Sleep(50 * time.Millisecond)
		_, _ = io.WriteString(w, "\n") // the rest comes after the decoder stopped
	}))
	t.Cleanup(srv.Close)

	calls := func(wrap bool) int64 {
		hc, dials := conntest.Client(t)
		opt := slackgo.OptionHTTPClient(hc)
		if wrap {
			opt = slackgo.OptionHTTPClient(keepAlive{hc})
		}
		api := slackgo.New("xoxb-test", opt, slackgo.OptionAPIURL(srv.URL+"/"))
		for range 4 {
			if _, err := api.AuthTestContext(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		return dials.Load()
	}
	// 1, but net/http may refuse a reuse when its writer runs late.
	if n := calls(true); n > 2 {
		t.Errorf("through keepAlive: %d connections for 4 calls, want 1", n)
	}
	// The case keepAlive exists for: without it, one connection a call.
	if n := calls(false); n < 3 {
		t.Errorf("without keepAlive: %d connections for 4 calls; the test no longer shows the dropped connection", n)
	}
}

// roundTripFunc is an http.RoundTripper from a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestTrimmedPostAndUpdate: through keepAlive, slack-go gets the channel
// and ts of a post and an update, but not the message Slack echoes.
func TestTrimmedPostAndUpdate(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, nil)
	ctx := context.Background()

	// The connector, which always goes through keepAlive.
	m := ports.Message{To: ports.Recipient{Channel: "#sec-patching"}, Ref: "validation/SEC-9/a", Doc: para("SEC-9", "first")}
	rc, err := e.c.Send(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	msgs := e.srv.Messages(e.sec)
	if len(msgs) != 1 || rc.Channel != e.sec || rc.TS != msgs[0].TS || rc.TS == "" {
		t.Fatalf("receipt %+v, messages %+v", rc, msgs)
	}
	m.Doc = para("SEC-9 again", "second")
	if err := e.c.Update(ctx, rc, m); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.srv.Message(e.sec, rc.TS); got.Edits != 1 || got.Text != "SEC-9 again" {
		t.Errorf("after the update: %+v", got)
	}

	// slack-go itself, to see what it decodes.
	api := func(hc interface {
		Do(*http.Request) (*http.Response, error)
	}) *slackgo.Client {
		return slackgo.New(slacktest.DefaultToken, slackgo.OptionHTTPClient(hc), slackgo.OptionAPIURL(e.srv.URL()))
	}
	block := slackgo.NewSectionBlock(slackgo.NewTextBlockObject(slackgo.MarkdownType, "*SEC-10* needs a fixed version", false, false), nil, nil)
	post := func(hc interface {
		Do(*http.Request) (*http.Response, error)
	}) (string, string, slackgo.Message) {
		t.Helper()
		ch, ts, msg, err := api(hc).PostMessageWithResponseContext(ctx, e.sec,
			slackgo.MsgOptionText("SEC-10", false), slackgo.MsgOptionBlocks(block))
		if err != nil {
			t.Fatal(err)
		}
		return ch, ts, msg
	}
	ch, ts, msg := post(keepAlive{&http.Client{}})
	if stored, ok := e.srv.Message(e.sec, ts); !ok || ch != e.sec || stored.Text != "SEC-10" {
		t.Errorf("post through keepAlive: channel %q ts %q, stored %+v", ch, ts, stored)
	}
	if msg.Text != "" || len(msg.Blocks.BlockSet) != 0 {
		t.Errorf("post through keepAlive: slack-go decoded the echoed message: %+v", msg)
	}
	// Without keepAlive the fake's echo is decoded: the check above can fail.
	if _, _, msg := post(&http.Client{}); msg.Text != "SEC-10" || len(msg.Blocks.BlockSet) != 1 {
		t.Errorf("post without keepAlive: the fake echoes no message: %+v", msg)
	}

	ch, uts, text, err := api(keepAlive{&http.Client{}}).UpdateMessageContext(ctx, e.sec, ts,
		slackgo.MsgOptionText("SEC-10 updated", false), slackgo.MsgOptionBlocks(block))
	if err != nil || ch != e.sec || uts != ts || text != "SEC-10 updated" {
		t.Errorf("update through keepAlive: channel %q ts %q (want %q) text %q, %v", ch, uts, ts, text, err)
	}
}

// TestTrimKeepsErrors: Slack's error answers reach slack-go as they came.
func TestTrimKeepsErrors(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, nil)
	ctx := context.Background()
	api := slackgo.New(slacktest.DefaultToken, slackgo.OptionHTTPClient(keepAlive{&http.Client{}}), slackgo.OptionAPIURL(e.srv.URL()))

	var se slackgo.SlackErrorResponse
	_, _, err := api.PostMessageContext(ctx, "C0NOTHERE1", slackgo.MsgOptionText("x", false))
	if !errors.As(err, &se) || se.Err != "channel_not_found" {
		t.Errorf("post to an unknown channel: %v", err)
	}
	e.srv.FailWith("chat.update", "message_not_found")
	_, _, _, err = api.UpdateMessageContext(ctx, e.sec, "1.000001", slackgo.MsgOptionText("x", false))
	if !errors.As(err, &se) || se.Err != "message_not_found" {
		t.Errorf("update of a lost message: %v", err)
	}
	e.srv.RateLimit("chat.postMessage", 1, 7)
	var rl *slackgo.RateLimitedError
	_, _, err = api.PostMessageContext(ctx, e.sec, slackgo.MsgOptionText("x", false))
	if !errors.As(err, &rl) || rl.RetryAfter != 7*time.Second {
		t.Errorf("rate limited: %v", err)
	}
}

// TestTrimOnlyWhatItShould: which answers keepAlive trims, byte for byte.
func TestTrimOnlyWhatItShould(t *testing.T) {
	t.Parallel()
	const (
		echo    = `{"ok":true,"channel":"C1","ts":"1.2","message":{"text":"hi","blocks":[{"type":"section"}]},"warning":"w"}`
		trimmed = `{"ok":true,"channel":"C1","ts":"1.2","warning":"w"}`
		ctJSON  = "application/json; charset=utf-8"
	)
	big := `{"ok":true,"message":"` + strings.Repeat("x", maxTrim) + `"}`
	for _, tc := range []struct {
		name, path, ct string
		status         int
		body, want     string
	}{
		{"post", "/api/chat.postMessage", ctJSON, 200, echo, trimmed},
		{"update", "/api/chat.update", "application/json", 200, echo, trimmed},
		{"no charset, odd case", "/api/chat.postMessage", "Application/JSON", 200, echo, trimmed},
		{"other method", "/api/chat.postEphemeral", ctJSON, 200, echo, echo},
		{"other method, same end", "/api/xchat.update", ctJSON, 200, echo, echo},
		{"error answer", "/api/chat.postMessage", ctJSON, 200, `{"ok":false,"error":"channel_not_found","message":{}}`, ""},
		{"429", "/api/chat.postMessage", ctJSON, 429, `{"ok":true,"message":{}}`, ""},
		{"500", "/api/chat.update", ctJSON, 500, `{"ok":true,"message":{}}`, ""},
		{"html", "/api/chat.postMessage", "text/html", 200, `{"ok":true,"message":{}}`, ""},
		{"no content type", "/api/chat.postMessage", "", 200, `{"ok":true,"message":{}}`, ""},
		{"malformed", "/api/chat.postMessage", ctJSON, 200, `{"ok":true,"message":{"text":"hi"`, ""},
		{"too big", "/api/chat.postMessage", ctJSON, 200, big, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.ct != "" {
					w.Header().Set("Content-Type", tc.ct)
				} else {
					w.Header()["Content-Type"] = nil // no sniffing
				}
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}))
			t.Cleanup(srv.Close)
			req, _ := http.NewRequest(http.MethodPost, srv.URL+tc.path, strings.NewReader("token=x"))
			resp, err := keepAlive{srv.Client()}.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(resp.Body)
			if cerr := resp.Body.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			if want == "" {
				want = tc.body
			}
			if string(got) != want {
				if len(got) > 200 {
					got = append(got[:200], "..."...)
				}
				t.Errorf("got %q\nwant %.200q", got, want)
			}
		})
	}
}

// TestTrimReadError: a body that fails while it is read gives slack-go
// the bytes before the failure, then the error.
func TestTrimReadError(t *testing.T) {
	t.Parallel()
	boom := errors.New("connection reset by peer")
	const part = `{"ok":true,"channel":"C1","ts":"1.2","message":{"te`
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{
			StatusCode: http.StatusOK,
			Header:     http.Header{"Content-Type": {"application/json"}},
			Body:       io.NopCloser(io.MultiReader(strings.NewReader(part), iotest.ErrReader(boom))),
			Request:    r,
		}, nil
	})}

	req, _ := http.NewRequest(http.MethodPost, "https://slack.invalid/api/chat.postMessage", nil)
	resp, err := keepAlive{hc}.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body)
	if string(got) != part || !errors.Is(err, boom) {
		t.Errorf("read %q, %v; want %q, %v", got, err, part, boom)
	}
	_ = resp.Body.Close()

	api := slackgo.New("xoxb-test", slackgo.OptionHTTPClient(keepAlive{hc}), slackgo.OptionAPIURL("https://slack.invalid/api/"))
	if _, _, err := api.PostMessageContext(context.Background(), "C1", slackgo.MsgOptionText("x", false)); err == nil {
		t.Error("post with a failing answer: no error")
	}
}

// TestTrimmedConnectionsAreKept: a trimmed answer is read to its end, so
// its connection is kept as TestConnectionsAreKept's are.
func TestTrimmedConnectionsAreKept(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true,"channel":"C1","ts":"1.2","message":{"text":"x"}}`)
		w.(http.Flusher).Flush() // chunked, and the JSON is whole
		time.Sleep(20 * time.Millisecond)
		_, _ = io.WriteString(w, "\n")
	}))
	t.Cleanup(srv.Close)
	hc, dials := conntest.Client(t)
	api := slackgo.New("xoxb-test", slackgo.OptionHTTPClient(keepAlive{hc}), slackgo.OptionAPIURL(srv.URL+"/api/"))
	for range 4 {
		if _, ts, err := api.PostMessageContext(context.Background(), "C1", slackgo.MsgOptionText("x", false)); err != nil || ts != "1.2" {
			t.Fatal(ts, err)
		}
	}
	// 1, but net/http may refuse a reuse when its writer runs late.
	if n := dials.Load(); n > 2 {
		t.Errorf("%d connections for 4 posts, want 1", n)
	}
}
