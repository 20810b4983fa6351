package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/patchbot/patchbot/handoff/ports"
)

// The daily snapshots are the status page's trend: one row per day and
// project with the open, incomplete and overdue counts of a full
// evaluation. They are small (a row per project a day) and pruned by the
// writer, so the table holds a few months at most.

// RecordDay keeps the day's counts, once: a (day, project) that already
// has a row keeps it, so the first full evaluation of a day is that day's
// snapshot, and a restart or a second writer changes nothing. Rows of days
// before pruneBefore ("2006-01-02"; empty prunes nothing) are deleted in
// the same transaction. It returns how many rows it wrote. It is fenced
// like the watermarks: a snapshot is a leader's record.
func (l *Ledger) RecordDay(ctx context.Context, counts []ports.DayCount, pruneBefore string) (int, error) {
	for _, c := range counts {
		if err := checkDay(c.Day); err != nil {
			return 0, fmt.Errorf("store: record day: project %s: %w", c.Project, err)
		}
	}
	if pruneBefore != "" {
		if err := checkDay(pruneBefore); err != nil {
			return 0, fmt.Errorf("store: record day: prune: %w", err)
		}
	}
	written := 0
	err := l.inTx(ctx, true, func(tx *sql.Tx) error {
		written = 0
		for _, c := range counts {
			res, err := tx.ExecContext(ctx, `INSERT INTO snapshots (day, project, open, incomplete, overdue)
				VALUES ($1, $2, $3, $4, $5) ON CONFLICT (day, project) DO NOTHING`,
				c.Day, c.Project, c.Open, c.Incomplete, c.Overdue)
			if err != nil {
				return fmt.Errorf("%s %s: %w", c.Day, c.Project, err)
			}
			if n, err := res.RowsAffected(); err == nil {
				written += int(n)
			}
		}
		if pruneBefore == "" {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM snapshots WHERE day < $1`, pruneBefore); err != nil {
			return fmt.Errorf("prune before %s: %w", pruneBefore, err)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: record day: %w", err)
	}
	return written, nil
}

// Days lists the snapshots of the days from "2006-01-02" on (empty: all),
// by day and project.
func (l *Ledger) Days(ctx context.Context, from string) ([]ports.DayCount, error) {
	if from != "" {
		if err := checkDay(from); err != nil {
			return nil, fmt.Errorf("store: days: %w", err)
		}
	}
	rows, err := l.r.QueryContext(ctx, `SELECT day, project, open, incomplete, overdue FROM snapshots
		WHERE day >= $1 ORDER BY day, project`, from)
	if err != nil {
		return nil, fmt.Errorf("store: days from %s: %w", from, err)
	}
	var out []ports.DayCount
	for rows.Next() {
		var c ports.DayCount
		if err := rows.Scan(&c.Day, &c.Project, &c.Open, &c.Incomplete, &c.Overdue); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: days from %s: %w", from, err)
		}
		out = append(out, c)
	}
	if err := errors.Join(rows.Close(), rows.Err()); err != nil {
		return nil, fmt.Errorf("store: days from %s: %w", from, err)
	}
	return out, nil
}

// ActiveSnoozes lists the snoozes that still hold at the instant at (their
// end is after it), the first to end first.
func (l *Ledger) ActiveSnoozes(ctx context.Context, at time.Time) ([]ports.Snoozed, error) {
	n, err := toNanos(at)
	if err != nil {
		return nil, fmt.Errorf("store: active snoozes: %w", err)
	}
	rows, err := l.r.QueryContext(ctx, `SELECT ticket, until_at, snoozed_by, snoozed_at FROM snoozes
		WHERE until_at > $1 ORDER BY until_at, ticket`, n.Int64)
	if err != nil {
		return nil, fmt.Errorf("store: active snoozes: %w", err)
	}
	var out []ports.Snoozed
	for rows.Next() {
		var s ports.Snoozed
		var until, at sql.NullInt64
		if err := rows.Scan(&s.Key, &until, &s.By, &at); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: active snoozes: %w", err)
		}
		s.Until, s.At = fromNanos(until), fromNanos(at)
		out = append(out, s)
	}
	if err := errors.Join(rows.Close(), rows.Err()); err != nil {
		return nil, fmt.Errorf("store: active snoozes: %w", err)
	}
	return out, nil
}

// checkDay checks a calendar day written "2006-01-02", which sorts as text.
func checkDay(day string) error {
	if _, err := time.Parse(time.DateOnly, day); err != nil || len(day) != len(time.DateOnly) {
		return fmt.Errorf("day %q is not YYYY-MM-DD", day)
	}
	return nil
}
