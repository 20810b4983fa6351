package ports

import "time"

// DayCount is one project's handoff counts on one day, as the ledger keeps
// them for the status page's trend: the engine records one per project a
// day, from a full evaluation of the project's tickets.
type DayCount struct {
	// Day is the calendar day in the team's time zone, "2006-01-02".
	Day     string
	Project string
	// Open counts the tickets in scope; Incomplete those whose handoff
	// misses required fields; Overdue those with an item past due.
	Open, Incomplete, Overdue int
}

// Snoozed is one ticket's snooze as the ledger holds it: reminders about
// the ticket are silenced until Until, at the request of By.
type Snoozed struct {
	Key   string
	Until time.Time
	By    string
	// At is when the snooze was asked for.
	At time.Time
}
