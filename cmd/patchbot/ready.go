package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// Readiness pings are cached: a probe's answer is reused for
// probeMaxAge, and callers that come while a ping is out share it. A
// burst of /readyz calls (a kubelet, a load balancer, a person's curl
// loop) then costs at most one Jira and one Slack request per period,
// instead of one each per call taken from the sync's request budget.
const (
	probeMaxAge  = 30 * time.Second
	probeTimeout = 5 * time.Second
)

// cachedProbe answers a probe from its last result while that is younger
// than maxAge, and otherwise pings once for all concurrent callers.
type cachedProbe struct {
	ping    probe
	maxAge  time.Duration
	timeout time.Duration
	now     func() time.Time

	flight singleflight.Group
	mu     sync.Mutex
	at     time.Time // when the last answer came; zero: none yet
	err    error
}

func newCachedProbe(p probe, now func() time.Time) *cachedProbe {
	return &cachedProbe{ping: p, maxAge: probeMaxAge, timeout: probeTimeout, now: now}
}

// cached returns the last answer (err) while it is fresh.
func (c *cachedProbe) cached() (fresh bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at.IsZero() || c.now().Sub(c.at) >= c.maxAge {
		return false, nil
	}
	return true, c.err
}

// check is the probe through the cache. The shared ping runs on a
// context of its own (the caller's values, its own timeout): one caller
// going away does not fail the others waiting for the same answer.
func (c *cachedProbe) check(ctx context.Context) error {
	if fresh, err := c.cached(); fresh {
		return err
	}
	ch := c.flight.DoChan("ping", func() (any, error) {
		// A caller that found the cache stale just as the previous
		// flight landed finds it fresh here, and does not ping again.
		if fresh, err := c.cached(); fresh {
			return nil, err
		}
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.timeout)
		defer cancel()
		err := c.ping(pctx)
		c.mu.Lock()
		c.at, c.err = c.now(), err
		c.mu.Unlock()
		return nil, err
	})
	select {
	case r := <-ch:
		return r.Err
	case <-ctx.Done():
		return fmt.Errorf("no answer yet: %w", ctx.Err())
	}
}

// bind binds the HTTP address before anything else starts, so that a
// port already in use ends the command at once, naming the address and
// the setting it came from, rather than leaving a daemon running without
// its probes and metrics.
func bind(addr, setting string, errOut io.Writer) (net.Listener, bool) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintf(errOut, "patchbot: cannot listen on %s (%s): %v\n", addr, setting, err)
		return nil, false
	}
	return ln, true
}
