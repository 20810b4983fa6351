// Package app wires patchbot together: it turns a loaded config into the
// Jira and Slack connectors, the ledger and the engine. It holds no
// business logic; the CLI and the demo both build the daemon through it, so
// the demo runs exactly the code a deployment runs.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/patchbot/patchbot/config"
	"github.com/patchbot/patchbot/connectors/jira"
	"github.com/patchbot/patchbot/connectors/slack"
	"github.com/patchbot/patchbot/connectors/store"
	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/ports"
	"github.com/patchbot/patchbot/scheduler"
)

// Deps are what the caller may supply instead of the defaults.
type Deps struct {
	Logger *slog.Logger
	// HTTPClient is used for Jira and Slack (default: their own).
	HTTPClient *http.Client
	// Now is the clock (default time.Now).
	Now func() time.Time
	// DryRun forces a dry run whatever the config says.
	DryRun bool
	// Offline skips Slack: the CLI's check prints what it would post
	// without a Slack token. Sends then fail.
	Offline bool
	// Registry receives the metrics (default a new registry).
	Registry *prometheus.Registry
	// Sleep replaces the connectors' waits (tests, the demo's simulated
	// days); default real timers.
	Sleep func(ctx context.Context, d time.Duration) error
}

// App is the wired daemon.
type App struct {
	Config    *config.Config
	Engine    *scheduler.Engine
	Jira      *jira.Client
	Slack     *slack.Connector // nil when offline
	Store     *store.Ledger
	Feeds     *Feeds // the public feeds (feeds.go); nil when off
	Registry  *prometheus.Registry
	Logger    *slog.Logger
	Schedules scheduler.Schedules
}

// Build connects to Jira and Slack, opens the ledger and builds the
// engine. Any failure closes what was opened and names the part that
// failed.
func Build(ctx context.Context, cfg *config.Config, d Deps) (a *App, err error) {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
		d.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	loc, err := cfg.Schedules.Location()
	if err != nil {
		return nil, fmt.Errorf("config: schedules.timezone: %w", err)
	}
	for _, w := range cfg.Warnings() {
		d.Logger.Warn("config warning", "warning", w)
	}
	a = &App{Config: cfg, Registry: d.Registry, Logger: d.Logger}
	defer func() {
		if err != nil {
			_ = a.Close()
		}
	}()

	a.Jira, err = jira.New(ctx, jiraOptions(cfg, d))
	if err != nil {
		return a, fmt.Errorf("jira: %w", err)
	}
	var messenger scheduler.Messenger = offline{}
	if !d.Offline {
		a.Slack, err = slack.New(ctx, slackOptions(cfg, d))
		if err != nil {
			return a, fmt.Errorf("%w: %w", ErrSlack, err)
		}
		messenger = a.Slack
	}
	// The error names the file, or the database without its password.
	a.Store, err = store.OpenDriver(ctx, cfg.Store.Driver, cfg.Store.Target(), store.WithClock(d.Now))
	if err != nil {
		return a, err
	}
	opt, err := engineOptions(cfg, loc)
	if err != nil {
		return a, err
	}
	opt.Tracker, opt.Messenger, opt.Locker = a.Jira, messenger, a.Store
	if a.Feeds = buildFeeds(ctx, cfg, d); a.Feeds != nil { // feeds.go
		opt.Intel = a.Feeds
	}
	opt.Inbox = inboxFor(cfg.Webhook.Enabled(), a.Store) // webhook.go
	opt.Sends, opt.Intents, opt.History, opt.Threads, opt.Watermarks, opt.Runs, opt.Snoozes = a.Store, a.Store, a.Store, a.Store, a.Store, a.Store, a.Store
	opt.Interact = interactOptions(cfg, a) // interact.go
	opt.Now, opt.Logger = d.Now, d.Logger
	opt.DryRun = opt.DryRun || d.DryRun
	opt.Metrics = scheduler.NewMetrics(d.Registry)
	a.Engine, err = scheduler.New(opt)
	if err != nil {
		return a, err
	}
	a.enableStatus() // status.go
	crons, err := cfg.Schedules.Parse()
	if err != nil {
		return a, err
	}
	sched := func(c config.Cron) scheduler.Schedule {
		return scheduler.Schedule{Spec: c.Spec, Cron: c.Schedule, Loc: c.Location}
	}
	a.Schedules = scheduler.Schedules{
		Sync: sched(crons.Sync), FullSync: sched(crons.FullSync),
		Nag: sched(crons.Nag), Digest: sched(crons.Digest),
	}
	return a, nil
}

// Elector campaigns for the ledger's leadership with the configured lease:
// the daemon runs its jobs only while it leads (on SQLite, at once).
func (a *App) Elector() scheduler.Elector {
	return elector{l: a.Store, o: store.LeaseOptions{TTL: a.Config.Store.LeaseTTL, Logger: a.Logger.With("service", "leadership")}}
}

type elector struct {
	l *store.Ledger
	o store.LeaseOptions
}

func (e elector) Campaign(ctx context.Context) (scheduler.Term, error) {
	t, err := e.l.Campaign(ctx, e.o)
	if err != nil {
		return nil, err // not a nil *Leadership in a non-nil Term
	}
	return t, nil
}

// Close closes the ledger.
func (a *App) Close() error {
	if a == nil || a.Store == nil {
		return nil
	}
	return a.Store.Close()
}

func jiraOptions(cfg *config.Config, d Deps) jira.Options {
	o := jira.Options{
		BaseURL:           cfg.Jira.URL,
		Deployment:        jira.Deployment(strings.ReplaceAll(cfg.Jira.Deployment, config.DeploymentAuto, "")),
		PageSize:          cfg.Jira.PageSize,
		RequestsPerSecond: cfg.Jira.RequestsPerSecond,
		MaxRetries:        cfg.Jira.MaxRetries,
		Label:             cfg.Jira.Label,
		PropertyKey:       cfg.Jira.PropertyKey,
		Logger:            d.Logger.With("service", "jira"),
		HTTPClient:        d.HTTPClient,
		Now:               d.Now,
		Sleep:             d.Sleep,
	}
	if o.HTTPClient == nil && cfg.Jira.Timeout > 0 {
		o.HTTPClient = &http.Client{Timeout: cfg.Jira.Timeout}
	}
	// Cloud authenticates with email + API token, Data Center with a
	// personal access token: the email says which.
	if cfg.Jira.Email != "" {
		o.Email, o.Token = cfg.Jira.Email, cfg.Jira.Token.Value()
	} else {
		o.PAT = cfg.Jira.Token.Value()
	}
	for _, p := range cfg.Projects {
		o.Projects = append(o.Projects, jira.Project{Name: p.Name, JQL: p.JQL, Fields: p.Fields, UseDescription: p.UseDescription})
	}
	return o
}

func slackOptions(cfg *config.Config, d Deps) slack.Options {
	return slack.Options{
		Token:              cfg.Slack.Token.Value(),
		APIURL:             cfg.Slack.APIURL,
		FallbackChannel:    cfg.Slack.FallbackChannel,
		EscalationChannel:  cfg.Slack.EscalationChannel,
		OwnerMap:           cfg.Slack.OwnerMap,
		LookupTTL:          cfg.Slack.LookupTTL,
		PerChannelInterval: cfg.Slack.PerChannelInterval,
		Logger:             d.Logger.With("service", "slack"),
		HTTPClient:         d.HTTPClient,
		Now:                d.Now,
		Sleep:              d.Sleep,
	}
}

// engineOptions maps the config onto the engine's options.
func engineOptions(cfg *config.Config, loc *time.Location) (scheduler.Options, error) {
	wording, err := cfg.Wording.Merged()
	if err != nil {
		return scheduler.Options{}, err
	}
	opt := scheduler.Options{
		Wording:   wording,
		Location:  loc,
		DryRun:    cfg.Safety.DryRun,
		MaxWrites: cfg.Safety.MaxWritesPerCycle,
		Since:     cfg.Safety.Since,
	}
	var errs []error
	for _, p := range cfg.Projects {
		pol, err := cfg.Policy(p.Name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		channels := map[handoff.Lane]string{handoff.LaneUnknown: cfg.Slack.Channel(p.Name, "")}
		for _, l := range handoff.Lanes() {
			channels[l] = cfg.Slack.Channel(p.Name, string(l))
		}
		opt.Projects = append(opt.Projects, scheduler.Project{Name: p.Name, Policy: pol, Channels: channels, EscalateTo: p.EscalateTo})
	}
	n := cfg.Nag
	opt.Nag = scheduler.NagPolicy{
		Backoff:           n.Backoff,
		ThenEvery:         n.ThenEveryDays,
		EscalateAfter:     n.EscalateAfter,
		EscalationChannel: cfg.Slack.EscalationChannel,
		PersonalDigest:    n.PersonalDigest,
		DigestChannel:     cfg.Slack.DigestChannel,
		Escalate: func(project string, owner handoff.Person) string {
			return cfg.Escalation(project, owner.User.AccountID, owner.User.Name, owner.User.Email, strings.ToLower(owner.Text))
		},
	}
	if q, ok, err := quiet(n.QuietHours, loc); err != nil {
		errs = append(errs, fmt.Errorf("config: nag.quiet_hours: %w", err))
	} else if ok {
		opt.Nag.QuietHours = &q
	}
	for owner, oq := range n.OwnerQuietHours {
		q, ok, err := quiet(oq, loc)
		if err != nil {
			errs = append(errs, fmt.Errorf("config: nag.owner_quiet_hours.%s: %w", owner, err))
		} else if ok {
			if opt.Nag.OwnerQuiet == nil {
				opt.Nag.OwnerQuiet = map[string]scheduler.QuietHours{}
			}
			opt.Nag.OwnerQuiet[owner] = q
		}
	}
	return opt, errors.Join(errs...)
}

// quiet converts "HH:MM" quiet hours; both empty means none.
func quiet(q config.QuietHours, def *time.Location) (scheduler.QuietHours, bool, error) {
	if q.Start == "" && q.End == "" {
		return scheduler.QuietHours{}, false, nil
	}
	start, err := minutes(q.Start)
	if err != nil {
		return scheduler.QuietHours{}, false, err
	}
	end, err := minutes(q.End)
	if err != nil {
		return scheduler.QuietHours{}, false, err
	}
	loc := def
	if q.Timezone != "" {
		if loc, err = time.LoadLocation(q.Timezone); err != nil {
			return scheduler.QuietHours{}, false, err
		}
	}
	return scheduler.QuietHours{Start: start, End: end, Loc: loc}, true, nil
}

func minutes(hhmm string) (int, error) {
	h, m, ok := strings.Cut(hhmm, ":")
	hi, err1 := strconv.Atoi(h)
	mi, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hi < 0 || hi > 24 || mi < 0 || mi > 59 {
		return 0, fmt.Errorf("%q is not HH:MM", hhmm)
	}
	return hi*60 + mi, nil
}

// offline is the messenger used when Slack is not configured for a
// one-shot check: it resolves nobody and sends nothing.
type offline struct{}

var errOffline = errors.New("slack is not configured for this command")

func (offline) Owner(context.Context, handoff.Person) (ports.Recipient, error) {
	return ports.Recipient{Reachable: true}, nil
}
func (offline) Send(context.Context, ports.Message) (ports.Receipt, error) {
	return ports.Receipt{}, errOffline
}
func (offline) Update(context.Context, ports.Receipt, ports.Message) error { return errOffline }
func (offline) Lookup(context.Context, ports.Recipient, string, time.Time) (ports.Receipt, bool, error) {
	return ports.Receipt{}, false, errOffline
}

// Logger builds the daemon's logger from the config.
func Logger(cfg config.Log, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.SlogLevel()}
	if cfg.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
