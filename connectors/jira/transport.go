package jira

import (
	"context"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// polite is the HTTP transport under go-jira (which treats every non-2xx
// as an error and never retries). It shares one rate limiter across all
// requests, honours 429 and 503 with Retry-After or X-RateLimit-Reset,
// slows down while Jira says X-RateLimit-NearLimit, and retries 5xx and
// network errors with exponential backoff and jitter, on idempotent
// requests only: a POST that may have gone through is left to the caller,
// who checks before posting again. Waits never run past the context
// deadline.
type polite struct {
	next    http.RoundTripper
	limiter *rate.Limiter
	rps     rate.Limit
	retries int
	log     *slog.Logger
	sleep   func(context.Context, time.Duration) error
	now     func() time.Time

	mu       sync.Mutex
	slowTill time.Time
}

// Backoff bounds for retries without a server-given wait.
const (
	backoffBase = 500 * time.Millisecond
	backoffMax  = 30 * time.Second
	// nearLimitFor is how long the limiter runs at half rate after Jira
	// says the site is near its limit.
	nearLimitFor = time.Minute
)

func newPolite(next http.RoundTripper, o Options) *polite {
	lim := rate.Inf
	burst := 1
	if o.RequestsPerSecond > 0 {
		lim = rate.Limit(o.RequestsPerSecond)
		burst = int(math.Ceil(o.RequestsPerSecond))
	}
	return &polite{next: next, limiter: rate.NewLimiter(lim, burst), rps: lim, retries: o.MaxRetries,
		log: o.Logger, sleep: o.Sleep, now: o.Now}
}

// onceKey marks a request's context: the request must not be repeated by
// the transport even though its method is idempotent (an issue edit that
// adds a comment). The caller checks before trying again.
type onceKey struct{}

// once marks ctx's requests as not to be repeated blindly.
func once(ctx context.Context) context.Context { return context.WithValue(ctx, onceKey{}, true) }

// retryable says whether req may be sent again after a failure that may
// have reached Jira.
func retryable(req *http.Request) bool {
	if req.Context().Value(onceKey{}) != nil {
		return false
	}
	return idempotent(req.Method)
}

func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// probeKey marks a readiness probe's context: it does not wait on the
// shared rate limit, which is the jobs' budget (the probe is cached by
// its caller, so it costs at most one request a cache period).
type probeKey struct{}

// probe marks ctx as a readiness probe's.
func probe(ctx context.Context) context.Context { return context.WithValue(ctx, probeKey{}, true) }

// RoundTrip sends req, waiting and retrying as described on polite.
func (p *polite) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	probing := ctx.Value(probeKey{}) != nil
	for attempt := 0; ; attempt++ {
		p.restoreRate()
		if !probing {
			if err := p.limiter.Wait(ctx); err != nil {
				return nil, err
			}
		}
		r := req
		if attempt > 0 && req.Body != nil && req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			r = req.Clone(ctx)
			r.Body = body
		}
		resp, err := p.next.RoundTrip(r)
		wait, retry := p.decide(req, resp, err, attempt)
		if !retry {
			if resp != nil && strings.EqualFold(resp.Header.Get("X-RateLimit-NearLimit"), "true") {
				p.slowDown()
			}
			return resp, err
		}
		if dl, ok := ctx.Deadline(); ok && p.now().Add(wait).After(dl) {
			// Waiting would outlive the caller: answer what we have.
			return resp, err
		}
		if resp != nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			_ = resp.Body.Close()
		}
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		p.log.Warn("jira: retrying", "method", req.Method, "endpoint", req.URL.Path, "status", status,
			"attempt", attempt+1, "wait", wait, "err", err)
		if err := p.sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// decide says whether to retry and after how long.
func (p *polite) decide(req *http.Request, resp *http.Response, err error, attempt int) (time.Duration, bool) {
	if attempt >= p.retries || req.Context().Err() != nil {
		return 0, false
	}
	if err != nil {
		return p.backoff(attempt), retryable(req)
	}
	switch s := resp.StatusCode; {
	case s == http.StatusTooManyRequests:
		// Jira refused the request without acting on it: safe for any method.
		return p.serverWait(resp, attempt), true
	case s == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != "":
		return p.serverWait(resp, attempt), retryable(req)
	case s >= 500:
		return p.backoff(attempt), retryable(req)
	}
	return 0, false
}

// serverWait reads Retry-After (seconds or HTTP date), then
// X-RateLimit-Reset (an ISO 8601 instant), else backs off.
func (p *polite) serverWait(resp *http.Response, attempt int) time.Duration {
	if v := strings.TrimSpace(resp.Header.Get("Retry-After")); v != "" {
		if n, err := strconv.ParseFloat(v, 64); err == nil && n >= 0 {
			return time.Duration(n * float64(time.Second))
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(p.now()), 0)
		}
	}
	if v := strings.TrimSpace(resp.Header.Get("X-RateLimit-Reset")); v != "" {
		for _, layout := range []string{time.RFC3339, "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05.000Z0700"} {
			if t, err := time.Parse(layout, v); err == nil {
				return max(t.Sub(p.now()), 0)
			}
		}
	}
	return p.backoff(attempt)
}

// backoff is exponential with full jitter in [d/2, d).
func (p *polite) backoff(attempt int) time.Duration {
	d := backoffBase << min(attempt, 10)
	if d > backoffMax {
		d = backoffMax
	}
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

func (p *polite) slowDown() {
	if p.rps == rate.Inf {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.slowTill.IsZero() {
		p.log.Warn("jira: near the rate limit; halving the request rate", "for", nearLimitFor)
		p.limiter.SetLimit(p.rps / 2)
	}
	p.slowTill = p.now().Add(nearLimitFor)
}

func (p *polite) restoreRate() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.slowTill.IsZero() && p.now().After(p.slowTill) {
		p.limiter.SetLimit(p.rps)
		p.slowTill = time.Time{}
	}
}
