package faulttest

import (
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
)

// resetProxy sits between a client and a fake server and, on request,
// resets the client's TCP connection (RST, not a clean close): before
// forwarding (the server never saw the request) or after it (the server
// acted on it, the answer is lost). Neither fake can do this itself.
type resetProxy struct {
	*httptest.Server
	proxy *httputil.ReverseProxy

	mu     sync.Mutex
	resets []reset
	fired  int
}

// reset is one injected connection reset.
type reset struct {
	// Path and Method limit it to matching requests (empty: any).
	Path, Method string
	// After forwards the request first and resets instead of answering.
	After bool
}

func newResetProxy(target string) *resetProxy {
	u, err := url.Parse(target)
	if err != nil {
		panic(err)
	}
	p := &resetProxy{proxy: httputil.NewSingleHostReverseProxy(u)}
	// A request whose client gave up (a timeout) is no news here.
	p.proxy.ErrorLog = log.New(io.Discard, "", 0)
	p.Server = httptest.NewServer(http.HandlerFunc(p.serve))
	return p
}

// Inject queues resets; each answers one matching request, in order.
func (p *resetProxy) Inject(rs ...reset) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.resets = append(p.resets, rs...)
}

// Fired reports how many resets happened.
func (p *resetProxy) Fired() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fired
}

func (p *resetProxy) take(r *http.Request) (reset, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, rs := range p.resets {
		if rs.Path != "" && !strings.Contains(r.URL.Path, rs.Path) || rs.Method != "" && rs.Method != r.Method {
			continue
		}
		p.resets = append(p.resets[:i], p.resets[i+1:]...)
		p.fired++
		return rs, true
	}
	return reset{}, false
}

func (p *resetProxy) serve(w http.ResponseWriter, r *http.Request) {
	rs, ok := p.take(r)
	if !ok {
		p.proxy.ServeHTTP(w, r)
		return
	}
	if rs.After {
		// Let the server act on the request; throw its answer away.
		p.proxy.ServeHTTP(httptest.NewRecorder(), r)
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("resetProxy: cannot hijack")
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // close with RST: "connection reset by peer"
	}
	_ = conn.Close()
}
