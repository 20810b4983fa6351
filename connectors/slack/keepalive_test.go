package slack

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/patchbot/patchbot/connectors/internal/conntest"
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
