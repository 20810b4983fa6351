// Package drain closes HTTP answers so that their connection is kept.
//
// The JSON decoders of go-jira and slack-go stop at the end of the value
// and close the body: whatever is left unread (a newline, a chunked body's
// last chunk) makes net/http drop the connection, and the next request
// opens a new one, with a TLS handshake. Close reads the rest first —
// boundedly, in size and in time, so a server that holds the end of a
// body back costs at most Wait, not the client's whole timeout.
package drain

import (
	"io"
	"time"
)

// Limits of what Close reads past an answer: beyond them, dropping the
// connection is cheaper.
const (
	Max  = 256 << 10
	Wait = time.Second
)

// Close reads what is left of body, up to Max bytes and for at most Wait,
// and closes it.
func Close(body io.ReadCloser) error {
	// Closing an answer's body from another goroutine ends a Read that is
	// waiting on the connection.
	t := time.AfterFunc(Wait, func() { _ = body.Close() })
	_, _ = io.Copy(io.Discard, io.LimitReader(body, Max))
	t.Stop()
	return body.Close()
}
