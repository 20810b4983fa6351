// Package slack is patchbot's Slack connector: a thin adapter over
// github.com/slack-go/slack that satisfies the scheduler's Messenger. It resolves
// handoff owners to Slack users, posts the core's Block Kit renderings to
// channels, threads and DMs, updates them in place, and finds a message
// again by its ledger Ref after a crash.
//
// It owns Slack's failure modes: the start-up token and scope check, rate
// limits (wait and retry, never drop), pacing of about one post a second
// per channel, and the rule that a post is never retried blindly after a
// connection error (chat.postMessage has no idempotency key): it looks the
// message up by its Ref first. It does not decide what to say or to whom
// (the scheduler does) and never rewrites the core's texts: it sets no
// link_names or parse option that would turn escaped ticket text back into
// mentions. The token never appears in its errors or logs.
package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/patchbot/patchbot/connectors/internal/clock"
	"github.com/patchbot/patchbot/handoff/render/blockkit"
	"github.com/patchbot/patchbot/handoff/richtext"
)

// RequiredScopes are the bot token scopes the connector cannot work without.
var RequiredScopes = []string{"chat:write", "im:write", "users:read", "users:read.email"}

// RecommendedScopes are scopes the connector uses when granted: the history
// scopes let Lookup find a message after a crash; the read scopes let
// channel names ("#sec-patching") be resolved. Without them New logs a
// warning, and those features fail with a ScopeError when used.
var RecommendedScopes = []string{"channels:history", "groups:history", "im:history", "channels:read", "groups:read"}

// Options configures the connector.
type Options struct {
	// Token is the bot token (xoxb-...). Required; never logged.
	Token string
	// APIURL overrides Slack's API URL (for the fake); it ends in "/".
	APIURL string
	// FallbackChannel ("#name" or an id) receives messages for owners who
	// cannot be found in Slack. Required.
	FallbackChannel string
	// EscalationChannel ("#name" or an id) receives escalations that have no
	// manager to go to. Optional.
	EscalationChannel string
	// OwnerMap maps a Jira account id, user name, key or email (compared
	// case-insensitively) to a Slack user id ("U...") or email. It is how
	// owners are found when Jira Cloud hides their emails.
	OwnerMap map[string]string
	// LookupTTL is how long an email lookup (hit or miss) is cached;
	// default 24h.
	LookupTTL time.Duration
	// PerChannelInterval is the minimum gap between two posts to one
	// channel; default 1s (Slack allows about one message a second per
	// channel). Negative disables pacing.
	PerChannelInterval time.Duration
	// Logger receives structured logs; default discards them.
	Logger *slog.Logger
	// HTTPClient is the client used; default has a 30s timeout.
	HTTPClient *http.Client
	// Now and Sleep let tests own time; defaults are the wall clock and a
	// context-aware sleep.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// Errors callers may branch on.
var (
	// ErrAuth means Slack rejected the token (invalid_auth, not_authed,
	// token_revoked, account_inactive...).
	ErrAuth = errors.New("slack: the bot token was rejected")
	// ErrUncertain means a post may or may not have reached Slack (the
	// connection failed after sending) and the message carried no Ref to
	// look it up by, so it was not retried.
	ErrUncertain = errors.New("slack: post outcome unknown")
	// ErrNoRecipient means a message had neither a channel nor a user.
	ErrNoRecipient = errors.New("slack: message has no channel and no user")
	// ErrChannelNotFound means a channel name or id does not exist or the
	// bot cannot see it.
	ErrChannelNotFound = errors.New("slack: channel not found")
)

// ScopeError says which scopes the token lacks.
type ScopeError struct {
	// Missing lists the scopes to add.
	Missing []string
	// Method is the API method that needed them ("auth.test" at start-up).
	Method string
}

// Error names the missing scopes and the fix.
func (e *ScopeError) Error() string {
	return fmt.Sprintf("slack: %s: the bot token lacks the scope(s) %s: add them under OAuth & Permissions and reinstall the app",
		e.Method, strings.Join(e.Missing, ", "))
}

// Connector is the Slack adapter. It is safe for concurrent use.
type Connector struct {
	api   *slackgo.Client
	token string
	log   *slog.Logger
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error

	ownerMap  map[string]string
	ttl       time.Duration
	interval  time.Duration
	botUserID string
	scopes    []string

	fallback   string // channel id
	escalation string // channel id, may be empty
	pace       *pacer
	// render renders a Doc for Slack; tests replace it to exercise the
	// connector's own splitting with oversized renderings.
	render func(richtext.Doc) []blockkit.Message

	mu       sync.Mutex
	emails   map[string]cached // lower-case email -> lookup result
	dms      map[string]string // user id -> DM channel id
	channels map[string]string // channel name -> id

	// unreachable are the owners last found not reachable in Slack, so
	// that is logged when it starts and when it ends (owners.go).
	unreachable map[string]bool
}

type cached struct {
	userID string // empty for a miss
	name   string
	at     time.Time
}

// New checks the token with auth.test, checks the granted scopes, resolves
// the fallback and escalation channels, and returns a connector. A bad
// token is ErrAuth; missing scopes are a *ScopeError naming them.
func New(ctx context.Context, o Options) (*Connector, error) {
	if o.Token == "" {
		return nil, errors.New("slack: no bot token configured")
	}
	if o.FallbackChannel == "" {
		return nil, errors.New("slack: no fallback channel configured (where messages for owners not found in Slack go)")
	}
	c := &Connector{
		token:    o.Token,
		log:      o.Logger,
		now:      o.Now,
		sleep:    o.Sleep,
		ttl:      o.LookupTTL,
		interval: o.PerChannelInterval,
		ownerMap: map[string]string{},
		emails:   map[string]cached{},
		dms:      map[string]string{},
		channels: map[string]string{},
		render:   blockkit.Render,
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.sleep == nil {
		c.sleep = clock.Sleep
	}
	if c.ttl <= 0 {
		c.ttl = 24 * time.Hour
	}
	switch {
	case c.interval == 0:
		c.interval = time.Second
	case c.interval < 0:
		c.interval = 0
	}
	var bad []string
	for k, v := range o.OwnerMap {
		v = strings.TrimSpace(v)
		if !userIDRE.MatchString(v) && !emailRE.MatchString(v) {
			bad = append(bad, fmt.Sprintf("%q: %q", k, v))
		}
		c.ownerMap[strings.ToLower(strings.TrimSpace(k))] = v
	}
	if len(bad) > 0 {
		slices.Sort(bad)
		return nil, fmt.Errorf("slack: owner map entries must map to a Slack user id (U…) or an email: %s", strings.Join(bad, ", "))
	}
	c.pace = newPacer(c.interval, c.now, c.sleep)
	hc := o.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	opts := []slackgo.Option{slackgo.OptionHTTPClient(keepAlive{hc})}
	if o.APIURL != "" {
		opts = append(opts, slackgo.OptionAPIURL(o.APIURL))
	}
	c.api = slackgo.New(o.Token, opts...)

	if err := c.checkAuth(ctx); err != nil {
		return nil, err
	}
	var err error
	if c.fallback, err = c.ResolveChannel(ctx, o.FallbackChannel); err != nil {
		return nil, fmt.Errorf("slack: fallback channel %q: %w", o.FallbackChannel, err)
	}
	if o.EscalationChannel != "" {
		if c.escalation, err = c.ResolveChannel(ctx, o.EscalationChannel); err != nil {
			return nil, fmt.Errorf("slack: escalation channel %q: %w", o.EscalationChannel, err)
		}
	}
	return c, nil
}

// checkAuth runs auth.test and reads the granted scopes from the
// x-oauth-scopes header.
func (c *Connector) checkAuth(ctx context.Context) error {
	var resp *slackgo.AuthTestResponse
	err := c.retry(ctx, "auth.test", func() error {
		var err error
		resp, err = c.api.AuthTestContext(ctx)
		return err
	})
	if err != nil {
		return c.wrap("auth.test", err)
	}
	c.botUserID = resp.UserID
	header := resp.Header.Get("X-OAuth-Scopes")
	if header == "" {
		c.log.Warn("slack: auth.test did not report the token's scopes; not checking them")
		return nil
	}
	for _, s := range strings.Split(header, ",") {
		if s = strings.TrimSpace(s); s != "" {
			c.scopes = append(c.scopes, s)
		}
	}
	var missing []string
	for _, s := range RequiredScopes {
		if !slices.Contains(c.scopes, s) {
			missing = append(missing, s)
		}
	}
	if len(missing) > 0 {
		return &ScopeError{Missing: missing, Method: "auth.test"}
	}
	var absent []string
	for _, s := range RecommendedScopes {
		if !slices.Contains(c.scopes, s) {
			absent = append(absent, s)
		}
	}
	if len(absent) > 0 {
		c.log.Warn("slack: token lacks recommended scopes; crash recovery by Lookup or channel-name resolution may fail",
			"missing", strings.Join(absent, ","))
	}
	c.log.Info("slack: connected", "bot_user", resp.UserID, "team", resp.TeamID)
	return nil
}

// Ping checks that Slack answers and still accepts the token (auth.test,
// one try), for a readiness probe. A rate limit counts as reachable.
func (c *Connector) Ping(ctx context.Context) error {
	_, err := c.api.AuthTestContext(ctx)
	if kind, _ := classify(ctx, err); err != nil && kind == failRateLimit {
		return nil
	}
	return c.wrap("auth.test", err)
}

// Fallback is the recipient for messages about owners not found in Slack.
func (c *Connector) Fallback() Recipient {
	return Recipient{Channel: c.fallback, Reachable: true, Name: "fallback channel"}
}

// Escalation is the escalation channel, or the fallback channel when none
// is configured.
func (c *Connector) Escalation() Recipient {
	if c.escalation == "" {
		return c.Fallback()
	}
	return Recipient{Channel: c.escalation, Reachable: true, Name: "escalation channel"}
}

// BotUserID is the bot's own Slack user id, as auth.test reported it.
func (c *Connector) BotUserID() string { return c.botUserID }
