package statuspage

import (
	"context"
	"time"
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

// View is everything the page shows, as the engine sees it at one instant.
// The page filters, counts, sorts and pages it; the engine only reports.
type View struct {
	// Now is the instant the view describes. Ages are the engine's (Days,
	// Feed.Age); Now names the "as of" time and the last day of the chart.
	// A zero Now means the handler's clock.
	Now time.Time
	// Tickets are the tickets in scope: open ones, and resolved ones that
	// still owe something (closure proof). Every ticket counts as open.
	Tickets []Ticket
	// Days are the daily snapshots the ledger keeps, in any order. The
	// chart uses the 84 days that end on Now's day; a missing day is a gap.
	Days []Snapshot
	// Notice, when set, is shown under the "as of" line: what a reader
	// must know to trust the numbers ("no full evaluation since the
	// daemon started; the lists hold only the tickets read since").
	Notice string
	// Health is the bot's own state.
	Health Health
}

// Ticket is one ticket's row. Lane, Verdict and Overdue.Kind carry the
// core's values (handoff.Lane, handoff.Verdict, handoff.DueKind) as plain
// strings, so this package does not depend on the engine; unknown values
// are shown as they come.
type Ticket struct {
	Key     string // "SEC-12"
	Project string // "SEC"
	Summary string
	URL     string // the ticket in Jira; only http(s) links are followed
	Lane    string // "patch_now", …; "" when the lane is not recognised
	Verdict string // "owner_ready", "validation_request", "closure_proof_missing"
	Owner   string // display name or account; "" when nobody owns it
	// Missing are the labels of the required fields the handoff lacks
	// ("fixed version", "rollback plan"). A ticket with any is incomplete.
	Missing []string
	// Overdue are the items past due now; a ticket with any is overdue.
	Overdue []Overdue
	// KEV is true when the ticket's CVE is in CISA's Known Exploited
	// Vulnerabilities catalogue, as far as the feed knows.
	KEV bool
	// Snoozes are the reminders someone has paused.
	Snoozes []Snooze
}

// Overdue is one item past due.
type Overdue struct {
	Kind  string // "review_passed", "deadline_passed", "exception_expired", …
	Field string // the label of the date that passed ("review date"); optional
	Days  int    // whole days past due
}

// Snooze is a paused reminder: who paused it, until when and why.
type Snooze struct {
	Item   string // what is paused ("review_passed", or a label); "" for the whole ticket
	By     string
	Until  time.Time
	Reason string
}

// Snapshot is one day's counts, recorded by the ledger once a day.
type Snapshot struct {
	Day time.Time // the day; its date in the page's location is used
	// Project is the project counted; "" is a snapshot of all projects.
	// The chart adds up a day's snapshots of the projects the page shows
	// (all, or the filter's); a snapshot of all projects is shown only
	// when no project is filtered. Give either per-project snapshots or
	// totals, not both.
	Project                   string
	Open, Incomplete, Overdue int
}

// Health is the bot's own state.
type Health struct {
	Jobs     []Job
	Feeds    []Feed
	Degraded []Degraded
}

// Job is one scheduled job (sync, nag, digest, …).
type Job struct {
	Name        string
	LastSuccess time.Time // zero: never succeeded
	LastError   string    // the last run's error, "" if it succeeded
}

// Feed is one outside feed (KEV, EPSS).
type Feed struct {
	Name      string
	Age       time.Duration // since the source last confirmed the copy; 0 with no copy
	Stale     bool          // older than the engine accepts
	LastError string
}

// Degraded is a capability the bot runs without, and why ("slack: token
// revoked", "epss: feed stale, urgency from KEV only").
type Degraded struct {
	Capability string
	Reason     string
}
