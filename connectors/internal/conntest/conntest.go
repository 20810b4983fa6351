// Package conntest gives tests an HTTP client that counts the connections
// it opens, to check that the connectors keep theirs.
package conntest

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// Client returns a client with its own transport, and the number of
// connections it has dialled so far.
func Client(t testing.TB) (*http.Client, *atomic.Int64) {
	t.Helper()
	dials := new(atomic.Int64)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	d := &net.Dialer{Timeout: 5 * time.Second}
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return d.DialContext(ctx, network, addr)
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: time.Minute}, dials
}
