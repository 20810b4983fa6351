package drain_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/patchbot/patchbot/connectors/internal/conntest"
	"github.com/patchbot/patchbot/connectors/internal/drain"
)

// server answers a JSON value, then, after tail, the rest of the body.
func server(t *testing.T, tail time.Duration) *httptest.Server {
	t.Helper()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"ok":true}`)
		w.(http.Flusher).Flush() // chunked, and the JSON is whole
		select {
		case <-time.After(tail):
		case <-release:
		case <-r.Context().Done():
		}
		_, _ = io.WriteString(w, "\n")
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	return srv
}

// read gets one answer and reads its JSON value only, as the clients'
// decoders do, then closes it with close.
func read(t *testing.T, c *http.Client, url string, close func(io.ReadCloser) error) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, len(`{"ok":true}`))
	if _, err := io.ReadFull(resp.Body, buf); err != nil {
		t.Fatal(err)
	}
	_ = close(resp.Body)
}

func TestCloseKeepsTheConnection(t *testing.T) {
	t.Parallel()
	srv := server(t, 50*time.Millisecond)
	c, dials := conntest.Client(t)
	for range 4 {
		read(t, c, srv.URL, drain.Close)
	}
	if n := dials.Load(); n > 2 { // 1, but net/http may refuse a reuse when its writer runs late
		t.Errorf("drain.Close: %d connections for 4 answers, want 1", n)
	}
	// What drain.Close is for: closed unread, each answer costs one.
	c, dials = conntest.Client(t)
	for range 4 {
		read(t, c, srv.URL, io.ReadCloser.Close)
	}
	if n := dials.Load(); n < 3 {
		t.Errorf("plain Close: %d connections for 4 answers; the test no longer shows the dropped connection", n)
	}
}

// TestCloseWaitsBoundedly: a server that holds the end of a body back
// costs Wait, not the client's timeout.
func TestCloseWaitsBoundedly(t *testing.T) {
	t.Parallel()
	srv := server(t, time.Minute)
	c, _ := conntest.Client(t)
	start := time.Now()
	read(t, c, srv.URL, drain.Close)
	if d := time.Since(start); d > drain.Wait+5*time.Second {
		t.Errorf("closing took %v with the tail held back; want about drain.Wait (%v)", d, drain.Wait)
	}
}
