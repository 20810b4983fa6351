package statuspage

import (
	"context"

	"github.com/patchbot/patchbot/handoff/ports"
)

// Source gives the page what the engine knows now. The handler calls it
// once per request; it must be safe for concurrent use. An error is logged
// and answered 503 without its text.
type Source interface {
	StatusView(ctx context.Context) (View, error)
}

// SourceFunc lets a plain func be a Source.
type SourceFunc func(ctx context.Context) (View, error)

// StatusView calls f.
func (f SourceFunc) StatusView(ctx context.Context) (View, error) { return f(ctx) }

// The view's types are the ports' (handoff/ports), so that the engine,
// which builds the view, depends on no adapter.
type (
	View     = ports.StatusView
	Ticket   = ports.StatusTicket
	Overdue  = ports.StatusOverdue
	Snooze   = ports.StatusSnooze
	Snapshot = ports.StatusSnapshot
	Health   = ports.StatusHealth
	Job      = ports.StatusJob
	Feed     = ports.StatusFeed
	Degraded = ports.StatusDegraded
)
