package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/patchbot/patchbot/handoff/ports"
)

// Thread is the Slack thread kept for a ticket's follow-ups; ok is false
// when the ticket has none yet.
func (s *Ledger) Thread(ctx context.Context, key string) (ports.Receipt, bool, error) {
	var r ports.Receipt
	err := s.r.QueryRowContext(ctx,
		`SELECT channel, ts, parts FROM threads WHERE ticket = $1`, key).Scan(&r.Channel, &r.TS, &r.Parts)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ports.Receipt{}, false, nil
	case err != nil:
		return ports.Receipt{}, false, fmt.Errorf("store: thread %s: %w", key, err)
	}
	return r, true, nil
}

// Threads is Thread for several tickets at once; a ticket without a thread
// is absent from the map.
func (s *Ledger) Threads(ctx context.Context, keys []string) (map[string]ports.Receipt, error) {
	out := make(map[string]ports.Receipt, len(keys))
	for start := 0; start < len(keys); start += itemsChunk {
		chunk := keys[start:min(start+itemsChunk, len(keys))]
		ph, args := inList(chunk)
		rows, err := s.r.QueryContext(ctx,
			`SELECT ticket, channel, ts, parts FROM threads WHERE ticket IN (`+ph+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("store: threads of %d tickets: %w", len(keys), err)
		}
		for rows.Next() {
			var key string
			var r ports.Receipt
			if err := rows.Scan(&key, &r.Channel, &r.TS, &r.Parts); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: threads of %d tickets: %w", len(keys), err)
			}
			out[key] = r
		}
		if err := errors.Join(rows.Close(), rows.Err()); err != nil {
			return nil, fmt.Errorf("store: threads of %d tickets: %w", len(keys), err)
		}
	}
	return out, nil
}

// SetThread records (or replaces) the Slack thread for a ticket.
func (s *Ledger) SetThread(ctx context.Context, key string, r ports.Receipt) error {
	_, err := s.w.ExecContext(ctx, qSetThread, key, r.Channel, r.TS, r.Parts)
	if err != nil {
		return fmt.Errorf("store: set thread %s: %w", key, err)
	}
	return nil
}

// Watermark is where the last successful incremental sync of project got
// to, in UTC; zero when it never synced (or was reset).
func (s *Ledger) Watermark(ctx context.Context, project string) (time.Time, error) {
	t, err := s.getTime(ctx, `SELECT at FROM watermarks WHERE project = $1`, project)
	if err != nil {
		return time.Time{}, fmt.Errorf("store: watermark %s: %w", project, err)
	}
	return t, nil
}

// SetWatermark moves project's watermark to t. A zero t clears it, so the
// next sync is a full reconcile.
func (s *Ledger) SetWatermark(ctx context.Context, project string, t time.Time) error {
	err := s.setTime(ctx, t,
		`DELETE FROM watermarks WHERE project = $1`,
		`INSERT INTO watermarks (project, at) VALUES ($1, $2)
			ON CONFLICT (project) DO UPDATE SET at = excluded.at`, project)
	if err != nil {
		return fmt.Errorf("store: set watermark %s: %w", project, err)
	}
	return nil
}

// LastRun is when job last completed, in UTC; zero when it never has.
func (s *Ledger) LastRun(ctx context.Context, job string) (time.Time, error) {
	t, err := s.getTime(ctx, `SELECT at FROM last_runs WHERE job = $1`, job)
	if err != nil {
		return time.Time{}, fmt.Errorf("store: last run %s: %w", job, err)
	}
	return t, nil
}

// SetLastRun records when job last completed; a zero t clears it.
func (s *Ledger) SetLastRun(ctx context.Context, job string, t time.Time) error {
	err := s.setTime(ctx, t,
		`DELETE FROM last_runs WHERE job = $1`,
		`INSERT INTO last_runs (job, at) VALUES ($1, $2)
			ON CONFLICT (job) DO UPDATE SET at = excluded.at`, job)
	if err != nil {
		return fmt.Errorf("store: set last run %s: %w", job, err)
	}
	return nil
}

// Snooze silences reminders about ticket key until a time, recording who
// asked. A later snooze replaces an earlier one; a zero until is Unsnooze.
func (s *Ledger) Snooze(ctx context.Context, key string, until time.Time, by string) error {
	if until.IsZero() {
		return s.Unsnooze(ctx, key)
	}
	u, err := toNanos(until)
	if err != nil {
		return fmt.Errorf("store: snooze %s: %w", key, err)
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO snoozes (ticket, until_at, snoozed_by, snoozed_at)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (ticket) DO UPDATE SET until_at = excluded.until_at,
			snoozed_by = excluded.snoozed_by, snoozed_at = excluded.snoozed_at`,
		key, u, by, s.now().UnixNano())
	if err != nil {
		return fmt.Errorf("store: snooze %s: %w", key, err)
	}
	return nil
}

// SnoozedUntil is the time reminders about ticket key are silenced until,
// in UTC; zero when it is not snoozed. A past time is returned as stored:
// whether it still applies is the caller's comparison with its own clock.
func (s *Ledger) SnoozedUntil(ctx context.Context, key string) (time.Time, error) {
	t, err := s.getTime(ctx, `SELECT until_at FROM snoozes WHERE ticket = $1`, key)
	if err != nil {
		return time.Time{}, fmt.Errorf("store: snoozed until %s: %w", key, err)
	}
	return t, nil
}

// Unsnooze lifts a ticket's snooze; lifting none is a no-op.
func (s *Ledger) Unsnooze(ctx context.Context, key string) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM snoozes WHERE ticket = $1`, key); err != nil {
		return fmt.Errorf("store: unsnooze %s: %w", key, err)
	}
	return nil
}

// getTime reads one nanosecond column; no row is the zero time.
func (s *Ledger) getTime(ctx context.Context, query string, key string) (time.Time, error) {
	var n sql.NullInt64
	err := s.r.QueryRowContext(ctx, query, key).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	return fromNanos(n), nil
}

// setTime upserts a keyed time, or deletes the key when t is zero; it is
// fenced like the sends (a watermark or last run is a leader's record).
func (s *Ledger) setTime(ctx context.Context, t time.Time, del, upsert string, key string) error {
	n, err := toNanos(t)
	if err != nil {
		return err
	}
	if !n.Valid {
		_, err = s.exec(ctx, true, del, key)
		return err
	}
	_, err = s.exec(ctx, true, upsert, key, n)
	return err
}
