package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/patchbot/patchbot/cmd/patchbot/app"
	"github.com/patchbot/patchbot/config"
)

// check without --post posts nothing: it needs Jira, and Slack only to
// look the owners up. The first step of a first run on a site with history
// is to try check with Jira alone, so check goes on without Slack when it
// is not configured or cannot be used, and says so.

// loadForCheck is load, except that a check that posts nothing accepts a
// config whose only problems are that Slack is not configured: no usable
// token (or a token variable that is not set) and no fallback channel.
// note then says what was let pass.
func loadForCheck(path string, post bool, errOut io.Writer) (cfg *config.Config, note string, ok bool) {
	cfg, err := config.Load(path)
	if err == nil {
		return cfg, "", true
	}
	var errs config.Errors
	if !post && cfg != nil && errors.As(err, &errs) && onlySlackMissing(cfg, errs) {
		return cfg, "Slack is not configured (" + strings.ReplaceAll(err.Error(), "\n", "; ") + ")", true
	}
	fmt.Fprintln(errOut, err)
	return nil, "", false
}

// onlySlackMissing reports whether every problem is Slack's token not
// being there (or its required fallback channel, with no token either).
func onlySlackMissing(cfg *config.Config, errs config.Errors) bool {
	if cfg.Slack.Token.IsSet() {
		return false
	}
	for _, e := range errs {
		switch {
		case e.Path == "slack.token" || e.Path == "slack.token_file":
		case e.Path == "slack.fallback_channel" && cfg.Slack.FallbackChannel == "":
		default:
			return false
		}
	}
	return true
}

// buildForCheck wires the app for check. Without --post, a Slack that is
// not configured or fails to connect is left out: the app is built
// offline, and note says why owners were not looked up in Slack.
func buildForCheck(ctx context.Context, cfg *config.Config, post bool, errOut io.Writer) (a *app.App, note string, ok bool) {
	d := app.Deps{DryRun: !post, Logger: app.Logger(cfg.Log, errOut)}
	if !post && !cfg.Slack.Token.IsSet() {
		d.Offline = true
		a, ok := build(ctx, cfg, d, errOut)
		return a, "Slack is not configured (no slack.token)", ok
	}
	a, err := app.Build(ctx, cfg, d)
	if err == nil {
		return a, "", true
	}
	if post || !errors.Is(err, app.ErrSlack) {
		fmt.Fprintln(errOut, "patchbot:", err)
		return nil, "", false
	}
	d.Offline = true
	a, ok = build(ctx, cfg, d, errOut)
	return a, fmt.Sprintf("Slack could not be used (%v)", err), ok
}

// printNoSlack says what a check without Slack did not do.
func printNoSlack(w io.Writer, note string) {
	if note == "" {
		return
	}
	fmt.Fprintf(w, "note: %s: owners were not looked up in Slack. A real run sends each message to its owner in Slack, or to the fallback channel when the owner is not found there.\n", note)
}
