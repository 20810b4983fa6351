package slack

import (
	"io"
	"net/http"
)

// maxDrain bounds what is read past an answer to keep its connection:
// more than that, and dropping the connection is cheaper.
const maxDrain = 256 << 10

// keepAlive is the client slack-go calls. slack-go decodes an answer with
// a json.Decoder, which stops at the end of the JSON value, and closes the
// body: the unread rest (a newline, a chunked body's last chunk) makes
// net/http drop the connection, so every call would open a new one, with
// a TLS handshake. Closing through keepAlive reads the rest first.
type keepAlive struct{ c *http.Client }

func (k keepAlive) Do(req *http.Request) (*http.Response, error) {
	resp, err := k.c.Do(req)
	if resp != nil && resp.Body != nil {
		resp.Body = drainOnClose{resp.Body}
	}
	return resp, err
}

type drainOnClose struct{ io.ReadCloser }

func (d drainOnClose) Close() error {
	_, _ = io.Copy(io.Discard, io.LimitReader(d.ReadCloser, maxDrain))
	return d.ReadCloser.Close()
}
