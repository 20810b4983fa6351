package interact

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// RequiredScopes are the bot token scopes the adapter uses: chat:write to
// update messages and post ephemerally, im:write to answer in a DM what has
// no channel (a click in the App Home tab), commands for /patchbot.
var RequiredScopes = []string{"chat:write", "commands", "im:write"}

// Options configures the adapter.
type Options struct {
	// BotToken is the bot token (xoxb-…). Required; never logged.
	BotToken string
	// AppToken is the app-level token (xapp-…) with the connections:write
	// scope that opens Socket Mode connections. Required; never logged.
	AppToken string
	// Engine answers the requests. Required.
	Engine Engine
	// APIURL overrides Slack's API URL (for the fake); it ends in "/".
	APIURL string
	// HTTPClient is used for the Web API and response URLs; default has a
	// 30s timeout.
	HTTPClient *http.Client
	// Logger receives structured logs; default discards them.
	Logger *slog.Logger
	// Now is the clock of the dedupe windows; default the wall clock.
	Now func() time.Time
	// Command is the slash command, default "/patchbot".
	Command string
	// SubmitBudget is how long a modal submission waits for the engine
	// before the modal is closed and the answer comes privately instead;
	// default 2s (Slack waits 3s for the ack).
	SubmitBudget time.Duration
	// WorkTimeout bounds one action's work after its ack; default 30s.
	WorkTimeout time.Duration
	// RememberFor is how long handled envelopes and clicks are remembered
	// against re-deliveries; default 15 minutes. RememberMax bounds how
	// many; default 10,000.
	RememberFor time.Duration
	RememberMax int
	// DoubleClick is the window in which a second click of the same button
	// on the same message by the same person counts as the first; default
	// 5s.
	DoubleClick time.Duration
	// ResponseURLPrefix: a response_url from a payload is posted to only
	// when it starts with this; default "https://hooks.slack.com/".
	ResponseURLPrefix string
}

// Errors callers may branch on.
var (
	// ErrAuth means Slack rejected the app-level token.
	ErrAuth = errors.New("interact: the app-level token was rejected")
	// ErrConfig means the options are unusable.
	ErrConfig = errors.New("interact: bad options")
)

// App is the Socket Mode adapter. Create it with New, then Run it.
type App struct {
	api    *slack.Client
	sm     *socketmode.Client
	engine Engine
	log    *slog.Logger
	now    func() time.Time
	http   *http.Client

	command      string
	budget       time.Duration
	workTimeout  time.Duration
	hookPrefix   string
	handled      *recent // envelope ids and click identities
	doubleClicks *recent // (button, user, message, value) within DoubleClick

	started atomic.Bool
	work    sync.WaitGroup // actions running after their ack
	homeMu  sync.Mutex     // one Home publish at a time
}

// New checks the options and builds the adapter; it does not connect.
func New(o Options) (*App, error) {
	var problems []string
	if !strings.HasPrefix(o.BotToken, "xoxb-") {
		problems = append(problems, "BotToken must be a bot token (xoxb-…)")
	}
	if !strings.HasPrefix(o.AppToken, "xapp-") {
		problems = append(problems, "AppToken must be an app-level token (xapp-…) with connections:write")
	}
	if o.Engine == nil {
		problems = append(problems, "Engine is required")
	}
	if o.Command != "" && !strings.HasPrefix(o.Command, "/") {
		problems = append(problems, fmt.Sprintf("Command %q must start with /", o.Command))
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrConfig, strings.Join(problems, "; "))
	}
	a := &App{
		engine:      o.Engine,
		log:         o.Logger,
		now:         o.Now,
		http:        o.HTTPClient,
		command:     o.Command,
		budget:      o.SubmitBudget,
		workTimeout: o.WorkTimeout,
		hookPrefix:  o.ResponseURLPrefix,
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.http == nil {
		a.http = &http.Client{Timeout: 30 * time.Second}
	}
	if a.command == "" {
		a.command = "/patchbot"
	}
	a.budget = orDefault(a.budget, 2*time.Second)
	a.workTimeout = orDefault(a.workTimeout, 30*time.Second)
	if a.hookPrefix == "" {
		a.hookPrefix = "https://hooks.slack.com/"
	}
	limit := o.RememberMax
	if limit <= 0 {
		limit = 10000
	}
	a.handled = newRecent(orDefault(o.RememberFor, 15*time.Minute), limit)
	a.doubleClicks = newRecent(orDefault(o.DoubleClick, 5*time.Second), limit)

	opts := []slack.Option{slack.OptionAppLevelToken(o.AppToken), slack.OptionHTTPClient(a.http)}
	if o.APIURL != "" {
		opts = append(opts, slack.OptionAPIURL(o.APIURL))
	}
	a.api = slack.New(o.BotToken, opts...)
	a.sm = socketmode.New(a.api, socketmode.OptionLog(slog.NewLogLogger(a.log.Handler(), slog.LevelDebug)))
	return a, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Run connects over Socket Mode and serves until ctx ends (then it returns
// nil, after the actions already acked have finished). It reconnects by
// itself when Slack asks or the connection drops; it returns an error only
// when it cannot go on (ErrAuth when the app-level token is rejected). Run
// it once.
func (a *App) Run(ctx context.Context) error {
	if !a.started.CompareAndSwap(false, true) {
		return errors.New("interact: Run called twice")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer a.work.Wait()
	runErr := make(chan error, 1)
	go func() { runErr <- a.sm.RunContext(ctx) }()
	for {
		select {
		case <-ctx.Done():
			<-runErr
			return nil
		case err := <-runErr:
			if ctx.Err() != nil {
				return nil
			}
			if isAuthError(err) {
				return fmt.Errorf("%w: %w", ErrAuth, err)
			}
			return fmt.Errorf("interact: socket mode: %w", err)
		case evt := <-a.sm.Events:
			a.handle(ctx, evt)
		}
	}
}

func isAuthError(err error) bool {
	switch err.Error() {
	case "invalid_auth", "not_authed", "token_revoked", "account_inactive", "not_allowed_token_type":
		return true
	}
	return false
}

// handle takes one event from the Socket Mode client. It runs on Run's
// goroutine: it acks at once and leaves longer work to spawned goroutines.
func (a *App) handle(ctx context.Context, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnected:
		a.log.Info("slack socket mode connected")
	case socketmode.EventTypeConnecting, socketmode.EventTypeHello:
		a.log.Debug("slack socket mode", "event", string(evt.Type))
	case socketmode.EventTypeConnectionError, socketmode.EventTypeIncomingError, socketmode.EventTypeErrorWriteFailed:
		a.log.Warn("slack socket mode", "event", string(evt.Type), "err", fmt.Sprint(evt.Data))
	case socketmode.EventTypeInvalidAuth:
		a.log.Error("slack socket mode: the app-level token was rejected")
	case socketmode.EventTypeErrorBadMessage:
		a.badMessage(ctx, evt)
	case socketmode.EventTypeInteractive, socketmode.EventTypeSlashCommand, socketmode.EventTypeEventsAPI:
		a.envelope(ctx, evt)
	}
}

// badMessage acks an envelope slack-go could not parse, so that Slack
// stops re-delivering it.
func (a *App) badMessage(ctx context.Context, evt socketmode.Event) {
	bad, _ := evt.Data.(*socketmode.ErrorBadMessage)
	if bad == nil {
		return
	}
	var head struct {
		EnvelopeID string `json:"envelope_id"`
		Type       string `json:"type"`
	}
	_ = json.Unmarshal(bad.Message, &head)
	a.log.Warn("slack socket mode: unreadable envelope", "type", cut(head.Type, 40), "err", bad.Cause)
	if head.EnvelopeID != "" {
		a.ack(ctx, &socketmode.Request{EnvelopeID: head.EnvelopeID}, nil)
	}
}

// envelope dedupes and dispatches one delivery.
func (a *App) envelope(ctx context.Context, evt socketmode.Event) {
	req := evt.Request
	if req == nil {
		return
	}
	if !a.handled.first("env:"+req.EnvelopeID, a.now()) {
		a.log.Debug("slack: envelope delivered again", "envelope", req.EnvelopeID, "attempt", req.RetryAttempt)
		a.ack(ctx, req, nil)
		return
	}
	switch data := evt.Data.(type) {
	case slack.InteractionCallback:
		a.interactive(ctx, req, data)
	case slack.SlashCommand:
		a.spawn(ctx, func(ctx context.Context) { a.slash(ctx, data) })
		a.ack(ctx, req, nil)
	case slackevents.EventsAPIEvent:
		if home, ok := data.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent); ok && home.Tab == "home" && home.User != "" {
			by := Actor{UserID: home.User, TeamID: data.TeamID}
			a.spawn(ctx, func(ctx context.Context) {
				if err := a.publishHome(ctx, by); err != nil {
					a.log.Error("slack: publishing the home tab", "user", by.UserID, "err", err)
				}
			})
		}
		a.ack(ctx, req, nil)
	default:
		a.ack(ctx, req, nil)
	}
}

// interactive handles a block_actions or view_submission payload.
func (a *App) interactive(ctx context.Context, req *socketmode.Request, cb slack.InteractionCallback) {
	in, err := parseInteraction(cb)
	if errors.Is(err, errNotOurs) {
		a.log.Debug("slack: interaction ignored", "type", string(cb.Type))
		a.ack(ctx, req, nil)
		return
	}
	if err != nil {
		a.log.Warn("slack: interaction ignored", "type", string(cb.Type), "err", err)
		a.ack(ctx, req, nil)
		return
	}
	if in.submit != nil {
		sub := *in.submit
		a.spawn(ctx, func(ctx context.Context) { a.submit(ctx, req, sub) })
		return
	}
	for _, c := range in.clicks {
		if !a.freshClick(c) {
			a.log.Debug("slack: click already handled", "button", string(c.button), "user", c.by.UserID, "ticket", c.target.Key)
			continue
		}
		a.spawn(ctx, func(ctx context.Context) { a.click(ctx, c) })
	}
	a.ack(ctx, req, nil)
}

// freshClick reports whether a click is new: not a re-delivery of one
// handled (same action_ts), and not a double click (same button, person,
// message and value within the DoubleClick window).
func (a *App) freshClick(c click) bool {
	now := a.now()
	where := c.at.View
	if where == "" {
		where = c.at.Channel + "/" + c.at.TS
	}
	id := strings.Join([]string{string(c.button), c.by.UserID, where, c.actionTS}, "|")
	if c.actionTS != "" && !a.handled.first("click:"+id, now) {
		return false
	}
	dbl := strings.Join([]string{string(c.button), c.by.UserID, where, c.value}, "|")
	return a.doubleClicks.first(dbl, now)
}

// spawn runs fn after the ack, with its own deadline: the work goes on
// when Run's context ends, and Run waits for it.
func (a *App) spawn(ctx context.Context, fn func(context.Context)) {
	a.work.Add(1)
	go func() {
		defer a.work.Done()
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.workTimeout)
		defer cancel()
		fn(wctx)
	}()
}

// ack acknowledges an envelope, with an optional response payload (an
// untyped nil for none: the ack then has no "payload" at all).
func (a *App) ack(ctx context.Context, req *socketmode.Request, payload any) {
	if err := a.sm.AckCtx(ctx, req.EnvelopeID, payload); err != nil {
		a.log.Error("slack: ack", "envelope", req.EnvelopeID, "err", err)
	}
}
