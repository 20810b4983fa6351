package slack

import (
	"io"
	"net/http"

	"github.com/patchbot/patchbot/connectors/internal/drain"
)

// keepAlive is the client slack-go calls: closing an answer's body reads
// its rest first (drain.Close), so the connection is kept for the next
// call instead of a new one (and a TLS handshake) each. The answers of
// chat.postMessage and chat.update reach slack-go without the message
// they echo (trimBody, trimMessage).
type keepAlive struct{ c *http.Client }

func (k keepAlive) Do(req *http.Request) (*http.Response, error) {
	resp, err := k.c.Do(req)
	switch {
	case resp == nil || resp.Body == nil:
	case err == nil && trimsMessage(req, resp):
		resp.Body = &trimBody{body: resp.Body, size: resp.ContentLength}
		// The trim changes the length, as net/http's unzipping does.
		resp.ContentLength = -1
		resp.Header.Del("Content-Length")
	default:
		resp.Body = drainOnClose{resp.Body}
	}
	return resp, err
}

type drainOnClose struct{ io.ReadCloser }

func (d drainOnClose) Close() error { return drain.Close(d.ReadCloser) }
