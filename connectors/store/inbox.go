package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"
)

// InboxItem is one piece of inbound work (a webhook, a Slack interaction)
// recorded by whichever replica received it, for the leader to handle.
type InboxItem struct {
	ID       int64
	Kind     string // e.g. "jira.webhook", "slack.interaction"
	Key      string // what it is about, e.g. a ticket key
	Payload  []byte
	Enqueued time.Time
}

// Enqueue records inbound work for the leader. Any replica may call it, a
// standby included: it is not fenced. A pending item of the same kind and
// key is coalesced into one, which keeps its place and takes the new
// payload (a second webhook about a ticket asks for the same recheck).
func (l *Ledger) Enqueue(ctx context.Context, kind, key string, payload []byte) error {
	if kind == "" {
		return fmt.Errorf("store: enqueue %s: empty kind", key)
	}
	if payload == nil {
		payload = []byte{}
	}
	_, err := l.w.ExecContext(ctx, `INSERT INTO inbox (kind, key, payload, enqueued_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (kind, key) WHERE claimed_epoch IS NULL DO UPDATE SET payload = excluded.payload`,
		kind, key, payload, l.now().UnixNano())
	if err != nil {
		return fmt.Errorf("store: enqueue %s %s: %w", kind, key, err)
	}
	return nil
}

// Claim hands the leader up to n pending items, oldest first, marking
// them claimed by its epoch; it is fenced like the sends. Items an earlier
// leader claimed and never acknowledged (it died handling them) are
// pending again for a newer one. Handle them, then Ack them.
func (l *Ledger) Claim(ctx context.Context, n int) ([]InboxItem, error) {
	if n <= 0 {
		return nil, nil
	}
	epoch := l.epoch.Load()
	var items []InboxItem
	err := l.inTx(ctx, true, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE inbox SET claimed_epoch = $1
			WHERE id IN (SELECT id FROM inbox WHERE claimed_epoch IS NULL OR claimed_epoch < $1 ORDER BY id LIMIT $2)
			RETURNING id, kind, key, payload, enqueued_at`, epoch, n)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var it InboxItem
			var at sql.NullInt64
			if err := rows.Scan(&it.ID, &it.Kind, &it.Key, &it.Payload, &at); err != nil {
				return err
			}
			it.Enqueued = fromNanos(at)
			items = append(items, it)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: claim inbox: %w", err)
	}
	slices.SortFunc(items, func(a, b InboxItem) int { return int(a.ID - b.ID) })
	return items, nil
}

// Ack removes handled items; ids already gone are skipped. It is fenced:
// a deposed leader's acknowledgement must not drop work the new one
// claimed again.
func (l *Ledger) Ack(ctx context.Context, ids ...int64) error {
	if len(ids) == 0 {
		return nil
	}
	err := l.inTx(ctx, true, func(tx *sql.Tx) error {
		for start := 0; start < len(ids); start += itemsChunk {
			ph, args := inList(ids[start:min(start+itemsChunk, len(ids))])
			if _, err := tx.ExecContext(ctx, `DELETE FROM inbox WHERE id IN (`+ph+`)`, args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: ack %d inbox items: %w", len(ids), err)
	}
	return nil
}
