package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/patchbot/patchbot/handoff/ports"
)

// The actions table audits what people answered from Slack (a snooze, a
// "not my ticket", an acknowledged heads-up, a recheck): who did what to
// which ticket, until when and why. Its id makes an answer idempotent: the
// engine derives it from the answer itself, so a re-delivery, a double
// click or a retry after a reconnect is recorded once.

// RecordAction records an answer once: an id already on record keeps its
// row and existed is true.
func (l *Ledger) RecordAction(ctx context.Context, a ports.ActionRecord) (existed bool, err error) {
	until, err := toNanos(a.Until)
	if err != nil {
		return false, fmt.Errorf("store: record action %s on %s: %w", a.Kind, a.Key, err)
	}
	at, err := toNanos(a.At)
	if err != nil || !at.Valid {
		return false, fmt.Errorf("store: record action %s on %s: a time is required (%v)", a.Kind, a.Key, err)
	}
	res, err := l.exec(ctx, false, `INSERT INTO actions (id, kind, ticket, item, actor, actor_name, until_at, note, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`,
		a.ID, a.Kind, a.Key, a.Item, a.Actor, a.ActorName, until, a.Note, at)
	if err != nil {
		return false, fmt.Errorf("store: record action %s on %s: %w", a.Kind, a.Key, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: record action %s on %s: %w", a.Kind, a.Key, err)
	}
	return n == 0, nil
}

// Action is the answer recorded under id, if any.
func (l *Ledger) Action(ctx context.Context, id string) (ports.ActionRecord, bool, error) {
	rows, err := l.actions(ctx, `WHERE id = $1`, id)
	if err != nil || len(rows) == 0 {
		return ports.ActionRecord{}, false, err
	}
	return rows[0], true, nil
}

// Actions lists the answers about a ticket, oldest first.
func (l *Ledger) Actions(ctx context.Context, key string) ([]ports.ActionRecord, error) {
	return l.actions(ctx, `WHERE ticket = $1 ORDER BY at, id`, key)
}

// Acknowledged reports whether a heads-up about an item was acknowledged.
func (l *Ledger) Acknowledged(ctx context.Context, item string) (bool, error) {
	var n int
	if err := l.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM actions WHERE kind = 'ack' AND item = $1`, item).Scan(&n); err != nil {
		return false, fmt.Errorf("store: acknowledged %s: %w", item, err)
	}
	return n > 0, nil
}

func (l *Ledger) actions(ctx context.Context, where string, arg string) ([]ports.ActionRecord, error) {
	rows, err := l.r.QueryContext(ctx, `SELECT id, kind, ticket, item, actor, actor_name, until_at, note, at FROM actions `+where, arg)
	if err != nil {
		return nil, fmt.Errorf("store: actions %s: %w", arg, err)
	}
	defer rows.Close()
	var out []ports.ActionRecord
	for rows.Next() {
		var a ports.ActionRecord
		var until, at sql.NullInt64
		if err := rows.Scan(&a.ID, &a.Kind, &a.Key, &a.Item, &a.Actor, &a.ActorName, &until, &a.Note, &at); err != nil {
			return nil, fmt.Errorf("store: actions %s: %w", arg, err)
		}
		a.Until, a.At = fromNanos(until), fromNanos(at)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: actions %s: %w", arg, err)
	}
	return out, nil
}
