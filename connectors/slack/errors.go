package slack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	slackgo "github.com/slack-go/slack"
)

// How many times an idempotent call is tried after connection errors or
// 5xx answers, and the first pause between tries. Rate limits are not
// counted: they are waited out for as long as the context allows.
const (
	maxTransientTries = 3
	transientBackoff  = 500 * time.Millisecond
	// defaultRetryAfter is the wait for a 429 without a usable Retry-After.
	defaultRetryAfter = time.Second
)

// failure is how an error from slack-go should be handled.
type failure int

const (
	failPermanent failure = iota // Slack answered with an error: do not retry
	failRateLimit                // 429: wait and retry, never give up
	failTransient                // 5xx, connection error, timeout: outcome unknown
	failCanceled                 // our context ended
)

// classify sorts an error from slack-go, and the wait a rate limit asks.
func classify(ctx context.Context, err error) (failure, time.Duration) {
	var rl *slackgo.RateLimitedError
	var sc slackgo.StatusCodeError
	var se slackgo.SlackErrorResponse
	switch {
	case ctx.Err() != nil:
		return failCanceled, 0
	case errors.As(err, &rl):
		if rl.RetryAfter <= 0 {
			return failRateLimit, defaultRetryAfter
		}
		return failRateLimit, rl.RetryAfter
	case errors.As(err, &sc):
		switch {
		case sc.Code == http.StatusTooManyRequests:
			return failRateLimit, defaultRetryAfter
		case sc.Code >= 500:
			return failTransient, 0
		}
		return failPermanent, 0
	case errors.As(err, &se):
		if se.Err == "ratelimited" {
			return failRateLimit, defaultRetryAfter
		}
		return failPermanent, 0
	}
	// A transport error, a timeout, or a body cut short.
	return failTransient, 0
}

// retry runs an idempotent call: rate limits are waited out, connection
// errors and 5xx retried a few times with backoff.
func (c *Connector) retry(ctx context.Context, method string, call func() error) error {
	transient := 0
	for attempt := 1; ; attempt++ {
		err := call()
		if err == nil {
			return nil
		}
		kind, wait := classify(ctx, err)
		switch kind {
		case failRateLimit:
			c.log.Warn("slack: rate limited; waiting", "method", method, "retry_after", wait, "attempt", attempt)
		case failTransient:
			transient++
			if transient >= maxTransientTries {
				return fmt.Errorf("after %d tries: %w", transient, err)
			}
			wait = transientBackoff << (transient - 1)
			c.log.Warn("slack: call failed; retrying", "method", method, "err", c.redact(err.Error()), "attempt", attempt)
		default:
			return err
		}
		if err := c.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// wrap adds the method to an error and maps Slack's error codes to the
// package's sentinels; the token is scrubbed from the message.
func (c *Connector) wrap(method string, err error) error {
	if err == nil {
		return nil
	}
	var se slackgo.SlackErrorResponse
	var out error
	if errors.As(err, &se) {
		switch se.Err {
		case "missing_scope":
			needed := strings.Split(se.Needed, ",")
			if se.Needed == "" {
				needed = []string{"(Slack did not say which)"}
			}
			return &ScopeError{Missing: needed, Method: method}
		case "invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive", "no_permission", "ekm_access_denied":
			out = fmt.Errorf("slack: %s: %w (%s)", method, ErrAuth, se.Err)
		case "channel_not_found":
			out = fmt.Errorf("slack: %s: %w (%s)", method, ErrChannelNotFound, se.Err)
		}
		if out != nil {
			return &scrubbed{msg: c.redact(out.Error()), errs: []error{out, err}}
		}
	}
	out = fmt.Errorf("slack: %s: %w", method, err)
	return &scrubbed{msg: c.redact(out.Error()), errs: []error{out}}
}

// redact removes the token from a text.
func (c *Connector) redact(s string) string {
	if c.token == "" {
		return s
	}
	return strings.ReplaceAll(s, c.token, "xoxb-REDACTED")
}

// scrubbed is an error whose message has had the token removed, keeping the
// chain for errors.Is and errors.As.
type scrubbed struct {
	msg  string
	errs []error
}

func (e *scrubbed) Error() string   { return e.msg }
func (e *scrubbed) Unwrap() []error { return e.errs }
