package app

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/patchbot/patchbot/config"
	"github.com/patchbot/patchbot/connectors/slack/interact"
	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/scheduler"
)

// Answers from Slack: with an app-level token (slack.app_token) people
// answer patchbot over Socket Mode (connectors/slack/interact), and the
// engine decides; without one nothing here runs and no button is shown.

// interactOptions are the engine's options for answers from Slack; none
// (no action log) without an app-level token.
func interactOptions(cfg *config.Config, a *App) scheduler.InteractOptions {
	if !cfg.Interactive() {
		return scheduler.InteractOptions{}
	}
	o := scheduler.InteractOptions{
		Actions: a.Store,
		Snoozes: a.Store,
		Users:   cfg.Interact.Users,
		Groups:  cfg.Interact.UserGroups,
		Channel: firstSet(cfg.Slack.EscalationChannel, cfg.Slack.FallbackChannel),
		Manager: func(project string, owner handoff.Person) string {
			p, _ := cfg.Project(project)
			for _, k := range []string{owner.User.AccountID, owner.User.Name, owner.User.Email, strings.ToLower(owner.Text)} {
				if m := p.Managers[k]; k != "" && m != "" {
					return m
				}
			}
			return ""
		},
		MaxSnoozeDays: map[handoff.Lane]int{},
	}
	if a.Slack != nil {
		o.Directory = a.Slack // a nil *Connector would be a non-nil Directory
	}
	for lane, days := range cfg.Interact.SnoozeDays() {
		if lane == "*" {
			lane = string(handoff.LaneUnknown)
		}
		o.MaxSnoozeDays[handoff.Lane(lane)] = days
	}
	return o
}

func firstSet(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// InteractDeps are what a caller may supply to the Socket Mode adapter
// (tests, the demo).
type InteractDeps struct {
	// HTTPClient is used for Slack's Web API and response URLs.
	HTTPClient *http.Client
	// ResponseURLPrefix is the prefix a response_url must have (the fake
	// Slack's); default Slack's own.
	ResponseURLPrefix string
	// Now is the clock of the adapter's dedupe windows.
	Now func() time.Time
}

// Interact builds the Socket Mode adapter over the engine's answers, or
// returns nil when no app-level token is configured. It does not connect:
// Run it (Serve does that for a replica while it leads).
func (a *App) Interact(d InteractDeps) (*interact.App, error) {
	cfg := a.Config
	if !cfg.Interactive() || a.Slack == nil {
		return nil, nil
	}
	return interact.New(interact.Options{
		BotToken:          cfg.Slack.Token.Value(),
		AppToken:          cfg.Slack.AppToken.Value(),
		Engine:            a.Engine.Answers(),
		APIURL:            cfg.Slack.APIURL,
		HTTPClient:        d.HTTPClient,
		Logger:            a.Logger.With("service", "slack-interact"),
		Now:               d.Now,
		ResponseURLPrefix: d.ResponseURLPrefix,
	})
}

// ServeInteract runs the Socket Mode adapter until ctx ends, with the
// engine's buttons and App Home tabs on while it runs, and off again when
// it stops (so that no button is ever left that nobody answers). It
// returns at once, doing nothing, without an app-level token; stop waits
// for the adapter (and the answers it acked) to finish.
func (a *App) ServeInteract(ctx context.Context, d InteractDeps) (stop func(), err error) {
	ix, err := a.Interact(d)
	if err != nil || ix == nil {
		return func() {}, err
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	a.Engine.SetInteractive(ix)
	go func() {
		defer close(done)
		defer a.Engine.SetInteractive(nil)
		if err := ix.Run(ctx); err != nil {
			a.Logger.Error("slack socket mode stopped: no buttons until a restart", "err", err)
		}
	}()
	a.Logger.Info("slack socket mode: people can answer from Slack", slog.Int("authorised_users", len(a.Config.Interact.Users)),
		slog.Int("authorised_groups", len(a.Config.Interact.UserGroups)))
	return func() { cancel(); <-done }, nil
}
