package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/patchbot/patchbot/scheduler"
)

// sendCols is the column list every send query selects, in scanSend's order.
const sendCols = `s.id, s.ref, s.kind, s.recipient, s.level, s.intended_at, s.done_at, s.channel, s.ts`

// The statements every send runs; prepared once at Open (prepared.go).
const (
	// ON CONFLICT DO NOTHING + RETURNING yields no row when the Ref is
	// taken; the transaction holds the write lock, so the existing row
	// read next cannot change under us.
	qInsertSend = `INSERT INTO sends (ref, kind, recipient, level, intended_at, done_at, channel, ts)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (ref) DO NOTHING RETURNING id`
	qInsertItem = `INSERT INTO send_items (send_id, item) VALUES ($1, $2)`
	qMarkDone   = `UPDATE sends SET done_at = $1, channel = $2, ts = $3 WHERE id = $4 AND done_at IS NULL`
	qSetThread  = `INSERT INTO threads (ticket, channel, ts, parts) VALUES ($1, $2, $3, $4)
		ON CONFLICT (ticket) DO UPDATE SET channel = excluded.channel, ts = excluded.ts, parts = excluded.parts`
)

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Intend records the intent to send s before it goes out. When a send with
// the same Ref exists (open or done) it returns that one with existed=true
// and writes nothing. A zero s.Intended is filled from the clock. Items are
// kept as a set: the returned record has them sorted and deduplicated.
func (s *SQLite) Intend(ctx context.Context, in scheduler.Send) (scheduler.Send, bool, error) {
	wrap := func(err error) error { return fmt.Errorf("store: intend %s: %w", in.Ref, err) }
	if in.Ref == "" {
		return scheduler.Send{}, false, wrap(errors.New("empty ref"))
	}
	if in.Intended.IsZero() {
		in.Intended = s.now()
	}
	intended, err := toNanos(in.Intended)
	if err != nil {
		return scheduler.Send{}, false, wrap(err)
	}
	done, err := toNanos(in.Done)
	if err != nil {
		return scheduler.Send{}, false, wrap(err)
	}
	items := normItems(in.Items)

	var rec scheduler.Send
	var existed bool
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		// ON CONFLICT DO NOTHING + RETURNING yields no row when the Ref is
		// taken; the transaction holds the write lock, so the existing row
		// read next cannot change under us.
		var id int64
		err := s.in(tx).QueryRowContext(ctx, qInsertSend,
			in.Ref, in.Kind, in.Recipient, in.Level, intended, done, in.Channel, in.TS).Scan(&id)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			existed = true
			sends, err := querySends(ctx, s.in(tx), `SELECT `+sendCols+` FROM sends s WHERE s.ref = $1`, in.Ref)
			if err != nil {
				return err
			}
			if len(sends) != 1 {
				return fmt.Errorf("ref conflicted but %d rows found", len(sends))
			}
			rec = sends[0]
			return nil
		case err != nil:
			return err
		}
		for _, item := range items {
			if _, err := s.in(tx).ExecContext(ctx, qInsertItem, id, item); err != nil {
				return fmt.Errorf("item %s: %w", item, err)
			}
		}
		rec = in
		rec.ID = id
		rec.Items = items
		rec.Intended = fromNanos(intended)
		rec.Done = fromNanos(done)
		return nil
	})
	if err != nil {
		return scheduler.Send{}, false, wrap(err)
	}
	return rec, existed, nil
}

// Done marks an intent as sent, with where it went. A non-empty thread
// names the ticket whose Slack thread the message starts: it is recorded
// in the same transaction, so a crash never leaves a send done without
// its thread. Marking a send done again with the same receipt is a no-op,
// so a retried call is safe; a different receipt is an error. An unknown id
// is ErrNotFound.
func (s *SQLite) Done(ctx context.Context, id int64, r scheduler.Receipt, at time.Time, thread string) error {
	wrap := func(err error) error { return fmt.Errorf("store: done send %d: %w", id, err) }
	if at.IsZero() {
		at = s.now()
	}
	n, err := toNanos(at)
	if err != nil {
		return wrap(err)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := s.in(tx).ExecContext(ctx, qMarkDone, n, r.Channel, r.TS, id)
		if err != nil {
			return wrap(err)
		}
		c, err := res.RowsAffected()
		if err != nil {
			return wrap(err)
		}
		if c != 1 {
			// Done already (a retried call): its thread was recorded then,
			// and a newer one since must not be put back.
			thread = ""
			var ch, ts string
			err = s.in(tx).QueryRowContext(ctx, `SELECT channel, ts FROM sends WHERE id = $1`, id).Scan(&ch, &ts)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				return wrap(ErrNotFound)
			case err != nil:
				return wrap(err)
			case ch != r.Channel || ts != r.TS:
				return wrap(fmt.Errorf("already done as %s/%s, not %s/%s", ch, ts, r.Channel, r.TS))
			}
		}
		if thread == "" {
			return nil
		}
		if _, err := s.in(tx).ExecContext(ctx, qSetThread, thread, r.Channel, r.TS, r.Parts); err != nil {
			return fmt.Errorf("store: set thread %s: %w", thread, err)
		}
		return nil
	})
}

// Forget drops an open intent that was never sent, so the same Ref can be
// tried again. Forgetting an id that is gone is a no-op (a retried call
// reaches the state it wanted); forgetting a done send is an error, since
// that would erase what was said.
func (s *SQLite) Forget(ctx context.Context, id int64) error {
	wrap := func(err error) error { return fmt.Errorf("store: forget send %d: %w", id, err) }
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := s.in(tx).ExecContext(ctx, `DELETE FROM sends WHERE id = $1 AND done_at IS NULL`, id)
		if err != nil {
			return wrap(err)
		}
		if c, err := res.RowsAffected(); err != nil || c == 1 {
			return wrapNil(wrap, err)
		}
		var done sql.NullInt64
		err = s.in(tx).QueryRowContext(ctx, `SELECT done_at FROM sends WHERE id = $1`, id).Scan(&done)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return nil
		case err != nil:
			return wrap(err)
		default:
			return wrap(fmt.Errorf("already done at %s; only open intents can be forgotten",
				fromNanos(done).Format(time.RFC3339Nano)))
		}
	})
}

// Open lists intents recorded but never marked done, oldest first.
func (s *SQLite) Open(ctx context.Context) ([]scheduler.Send, error) {
	sends, err := querySends(ctx, s.on(s.r),
		`SELECT `+sendCols+` FROM sends s WHERE s.done_at IS NULL ORDER BY s.intended_at, s.id`)
	if err != nil {
		return nil, fmt.Errorf("store: open intents: %w", err)
	}
	return sends, nil
}

// History lists the done sends that covered item, oldest first (by when
// they were sent). Each send carries all its items, not only this one.
func (s *SQLite) History(ctx context.Context, item string) ([]scheduler.Send, error) {
	sends, err := querySends(ctx, s.on(s.r), `SELECT `+sendCols+`
		FROM send_items i JOIN sends s ON s.id = i.send_id
		WHERE i.item = $1 AND s.done_at IS NOT NULL
		ORDER BY s.done_at, s.id`, item)
	if err != nil {
		return nil, fmt.Errorf("store: history %s: %w", item, err)
	}
	return sends, nil
}

// querySends runs a query selecting sendCols and fills in each send's items.
func querySends(ctx context.Context, q querier, query string, args ...any) ([]scheduler.Send, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var sends []scheduler.Send
	for rows.Next() {
		var sd scheduler.Send
		var intended, done sql.NullInt64
		if err := rows.Scan(&sd.ID, &sd.Ref, &sd.Kind, &sd.Recipient, &sd.Level,
			&intended, &done, &sd.Channel, &sd.TS); err != nil {
			rows.Close()
			return nil, err
		}
		sd.Intended, sd.Done = fromNanos(intended), fromNanos(done)
		sends = append(sends, sd)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := loadItems(ctx, q, sends); err != nil {
		return nil, fmt.Errorf("items: %w", err)
	}
	return sends, nil
}

// itemsChunk bounds the ids in one IN list, well under any backend's limit
// on bound parameters.
const itemsChunk = 500

// loadItems fills Items for sends, one query per chunk of ids rather than
// one per send.
func loadItems(ctx context.Context, q querier, sends []scheduler.Send) error {
	if len(sends) == 0 {
		return nil
	}
	at := make(map[int64]int, len(sends))
	for i, sd := range sends {
		at[sd.ID] = i
	}
	for start := 0; start < len(sends); start += itemsChunk {
		chunk := sends[start:min(start+itemsChunk, len(sends))]
		ph := make([]string, len(chunk))
		args := make([]any, len(chunk))
		for i, sd := range chunk {
			ph[i] = fmt.Sprintf("$%d", i+1)
			args[i] = sd.ID
		}
		rows, err := q.QueryContext(ctx, `SELECT send_id, item FROM send_items
			WHERE send_id IN (`+strings.Join(ph, ", ")+`) ORDER BY send_id, item`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var item string
			if err := rows.Scan(&id, &item); err != nil {
				rows.Close()
				return err
			}
			i := at[id]
			sends[i].Items = append(sends[i].Items, item)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// normItems sorts and deduplicates items, dropping empty ones.
func normItems(items []string) []string {
	out := slices.DeleteFunc(slices.Clone(items), func(s string) bool { return s == "" })
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) == 0 {
		return nil
	}
	return out
}

// wrapNil wraps err when it is not nil.
func wrapNil(wrap func(error) error, err error) error {
	if err == nil {
		return nil
	}
	return wrap(err)
}
