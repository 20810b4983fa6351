package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Snoozed is one ticket's snooze as the ledger holds it.
type Snoozed struct {
	Key string
	// Until is when reminders resume, in UTC; it may have passed.
	Until time.Time
	// By is who snoozed it; At when, in UTC.
	By string
	At time.Time
}

// Snoozes lists every snooze held, ended ones too, by the time it ends
// and then by ticket: the `patchbot snooze --list` view. Whether one still
// applies is the caller's comparison with its own clock.
func (s *Ledger) Snoozes(ctx context.Context) ([]Snoozed, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT ticket, until_at, snoozed_by, snoozed_at FROM snoozes ORDER BY until_at, ticket`)
	if err != nil {
		return nil, fmt.Errorf("store: list snoozes: %w", err)
	}
	defer rows.Close()
	var out []Snoozed
	for rows.Next() {
		var z Snoozed
		var until, at sql.NullInt64
		if err := rows.Scan(&z.Key, &until, &z.By, &at); err != nil {
			return nil, fmt.Errorf("store: list snoozes: %w", err)
		}
		z.Until, z.At = fromNanos(until), fromNanos(at)
		out = append(out, z)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list snoozes: %w", err)
	}
	return out, nil
}
