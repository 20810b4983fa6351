package slack

import (
	"io"
	"net/http"

	"github.com/patchbot/patchbot/connectors/internal/drain"
)

// keepAlive is the client slack-go calls: closing an answer's body reads
// its rest first (drain.Close), so the connection is kept for the next
// call instead of a new one (and a TLS handshake) each. The answers
// themselves reach slack-go as they came.
type keepAlive struct{ c *http.Client }

func (k keepAlive) Do(req *http.Request) (*http.Response, error) {
	resp, err := k.c.Do(req)
	if resp != nil && resp.Body != nil {
		resp.Body = drainOnClose{resp.Body}
	}
	return resp, err
}

type drainOnClose struct{ io.ReadCloser }

func (d drainOnClose) Close() error { return drain.Close(d.ReadCloser) }
