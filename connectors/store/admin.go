package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/patchbot/patchbot/handoff/ports"
)

// Filter selects sends for Sends. Zero fields match everything.
type Filter struct {
	Kind      string
	Recipient string
	// Item keeps sends that covered this item.
	Item string
	// OpenOnly keeps intents not yet marked done.
	OpenOnly bool
	// Limit caps the result; 0 means no cap.
	Limit int
}

// Sends lists sends matching f, newest intent first: the `patchbot
// ledger` view.
func (s *Ledger) Sends(ctx context.Context, f Filter) ([]ports.Send, error) {
	var where []string
	var args []any
	add := func(cond string, arg any) {
		args = append(args, arg)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.Kind != "" {
		add("s.kind = $%d", f.Kind)
	}
	if f.Recipient != "" {
		add("s.recipient = $%d", f.Recipient)
	}
	if f.Item != "" {
		add("s.id IN (SELECT send_id FROM send_items WHERE item = $%d)", f.Item)
	}
	if f.OpenOnly {
		where = append(where, "s.done_at IS NULL")
	}
	q := `SELECT ` + sendCols + ` FROM sends s`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY s.intended_at DESC, s.id DESC`
	if f.Limit > 0 {
		args = append(args, f.Limit)
		q += fmt.Sprintf(` LIMIT $%d`, len(args))
	}
	sends, err := querySends(ctx, s.r, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list sends: %w", err)
	}
	return sends, nil
}

// KindStats counts one kind's sends.
type KindStats struct {
	Kind string
	Open int // intended, not yet marked done
	Done int
}

// Stats is a summary of the ledger for metrics and the CLI.
type Stats struct {
	// Kinds is per send kind, sorted by kind.
	Kinds   []KindStats
	Threads int
	Snoozes int
}

// Stats counts sends by kind and state, threads and snoozes.
func (s *Ledger) Stats(ctx context.Context) (Stats, error) {
	var st Stats
	rows, err := s.r.QueryContext(ctx, `SELECT kind,
			SUM(CASE WHEN done_at IS NULL THEN 1 ELSE 0 END),
			SUM(CASE WHEN done_at IS NULL THEN 0 ELSE 1 END)
		FROM sends GROUP BY kind ORDER BY kind`)
	if err != nil {
		return Stats{}, fmt.Errorf("store: stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k KindStats
		if err := rows.Scan(&k.Kind, &k.Open, &k.Done); err != nil {
			return Stats{}, fmt.Errorf("store: stats: %w", err)
		}
		st.Kinds = append(st.Kinds, k)
	}
	if err := rows.Err(); err != nil {
		return Stats{}, fmt.Errorf("store: stats: %w", err)
	}
	if err := s.r.QueryRowContext(ctx, `SELECT
			(SELECT COUNT(*) FROM threads), (SELECT COUNT(*) FROM snoozes)`).Scan(&st.Threads, &st.Snoozes); err != nil {
		return Stats{}, fmt.Errorf("store: stats: %w", err)
	}
	return st, nil
}

// Prune deletes done sends sent before olderThan, with their items, and
// reports how many went. Open intents are kept whatever their age: they
// are unresolved, not history. Reminder counting and escalation read
// History, so olderThan must lie well beyond the longest backoff and
// escalation window, or long-overdue items would start over at the first
// reminder.
func (s *Ledger) Prune(ctx context.Context, olderThan time.Time) (int64, error) {
	n, err := toNanos(olderThan)
	if err != nil {
		return 0, fmt.Errorf("store: prune: %w", err)
	}
	if !n.Valid {
		return 0, nil
	}
	res, err := s.w.ExecContext(ctx,
		`DELETE FROM sends WHERE done_at IS NOT NULL AND done_at < $1`, n)
	if err != nil {
		return 0, fmt.Errorf("store: prune before %s: %w", olderThan.UTC().Format(time.RFC3339), err)
	}
	c, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: prune: %w", err)
	}
	return c, nil
}
