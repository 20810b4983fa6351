package main

import (
	"context"

	"github.com/patchbot/patchbot/cmd/patchbot/app"
)

// interactWhileLeading wraps the daemon's leadership callback: with an
// app-level token (slack.app_token), the Socket Mode adapter runs while
// this replica leads — the leader alone acts on answers, as it alone runs
// the jobs — and stops when it stands by or shuts down, its buttons going
// with it. Without a token it is next itself: the daemon runs as before.
func interactWhileLeading(ctx context.Context, a *app.App, next func(bool)) func(bool) {
	if !a.Config.Interactive() || a.Slack == nil {
		return next
	}
	var stop func()
	return func(on bool) {
		next(on)
		switch {
		case on && stop == nil:
			s, err := a.ServeInteract(ctx, app.InteractDeps{})
			if err != nil {
				a.Logger.Error("slack socket mode not started: no buttons", "err", err)
				return
			}
			stop = s
		case !on && stop != nil:
			stop()
			stop = nil
		}
	}
}
