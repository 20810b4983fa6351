package ports

import "time"

// The status page's view: what the engine hands the page (package
// connectors/statuspage) to show, as plain data. The page aggregates,
// filters, sorts and pages it; the engine only reports.

// StatusView is everything the page shows, as the engine sees it at one instant.
// The page filters, counts, sorts and pages it; the engine only reports.
type StatusView struct {
	// Now is the instant the view describes. Ages are the engine's (Days,
	// Feed.Age); Now names the "as of" time and the last day of the chart.
	// A zero Now means the handler's clock.
	Now time.Time
	// Tickets are the tickets in scope: open ones, and resolved ones that
	// still owe something (closure proof). Every ticket counts as open.
	Tickets []StatusTicket
	// Days are the daily snapshots the ledger keeps, in any order. The
	// chart uses the 84 days that end on Now's day; a missing day is a gap.
	Days []StatusSnapshot
	// Notice, when set, is shown under the "as of" line: what a reader
	// must know to trust the numbers ("no full evaluation since the
	// daemon started; the lists hold only the tickets read since").
	Notice string
	// Health is the bot's own state.
	Health StatusHealth
}

// StatusTicket is one ticket's row. Lane, Verdict and Overdue.Kind carry the
// core's values (handoff.Lane, handoff.Verdict, handoff.DueKind) as plain
// strings, so this package does not depend on the engine; unknown values
// are shown as they come.
type StatusTicket struct {
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
	Overdue []StatusOverdue
	// KEV is true when the ticket's CVE is in CISA's Known Exploited
	// Vulnerabilities catalogue, as far as the feed knows.
	KEV bool
	// Snoozes are the reminders someone has paused.
	Snoozes []StatusSnooze
}

// StatusOverdue is one item past due.
type StatusOverdue struct {
	Kind  string // "review_passed", "deadline_passed", "exception_expired", …
	Field string // the label of the date that passed ("review date"); optional
	Days  int    // whole days past due
}

// StatusSnooze is a paused reminder: who paused it, until when and why.
type StatusSnooze struct {
	Item   string // what is paused ("review_passed", or a label); "" for the whole ticket
	By     string
	Until  time.Time
	Reason string
}

// StatusSnapshot is one day's counts, recorded by the ledger once a day.
type StatusSnapshot struct {
	Day time.Time // the day; its date in the page's location is used
	// Project is the project counted; "" is a snapshot of all projects.
	// The chart adds up a day's snapshots of the projects the page shows
	// (all, or the filter's); a snapshot of all projects is shown only
	// when no project is filtered. Give either per-project snapshots or
	// totals, not both.
	Project                   string
	Open, Incomplete, Overdue int
}

// StatusHealth is the bot's own state.
type StatusHealth struct {
	Jobs     []StatusJob
	Feeds    []StatusFeed
	Degraded []StatusDegraded
}

// StatusJob is one scheduled job (sync, nag, digest, …).
type StatusJob struct {
	Name        string
	LastSuccess time.Time // zero: never succeeded
	LastError   string    // the last run's error, "" if it succeeded
}

// StatusFeed is one outside feed (KEV, EPSS).
type StatusFeed struct {
	Name      string
	Age       time.Duration // since the source last confirmed the copy; 0 with no copy
	Stale     bool          // older than the engine accepts
	LastError string
}

// StatusDegraded is a capability the bot runs without, and why ("slack: token
// revoked", "epss: feed stale, urgency from KEV only").
type StatusDegraded struct {
	Capability string
	Reason     string
}

// StatusDays is how many days of snapshots the status page's trend shows:
// twelve weeks.
const StatusDays = 84
