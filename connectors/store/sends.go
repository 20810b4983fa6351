package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/patchbot/patchbot/handoff/ports"
)

// sendCols is the column list every send query selects, in scanSend's order.
const sendCols = `s.id, s.ref, s.kind, s.recipient, s.level, s.intended_at, s.done_at, s.channel, s.ts`

// The statements every send runs.
const (
	// ON CONFLICT DO NOTHING + RETURNING yields no row when the Ref is
	// taken; the transaction holds the write lock, so the existing row
	// read next cannot change under us.
	// epoch is the leadership term that recorded the intent (0: a
	// handle that never campaigned, such as the CLI).
	qInsertSend = `INSERT INTO sends (ref, kind, recipient, level, intended_at, done_at, channel, ts, epoch)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (ref) DO NOTHING RETURNING id`
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
func (s *Ledger) Intend(ctx context.Context, in ports.Send) (ports.Send, bool, error) {
	got, err := s.IntendAll(ctx, []ports.Send{in})
	if err != nil {
		return ports.Send{}, false, err
	}
	return got[0].Send, got[0].Existed, nil
}

// IntendAll is Intend for several sends in one transaction: all are
// recorded, in order, or none. A Ref given twice is recorded once; the
// second comes back as existing. Once a newer leader than this handle's
// exists, it records nothing and fails with ErrFenced (so do DoneAll and
// Forget).
func (s *Ledger) IntendAll(ctx context.Context, ins []ports.Send) ([]ports.Intended, error) {
	if len(ins) == 0 {
		return nil, nil
	}
	out := make([]ports.Intended, len(ins))
	failed := false
	err := s.inTx(ctx, true, func(tx *sql.Tx) error {
		// Prepared once for the batch; the transaction closes them.
		send, err := tx.PrepareContext(ctx, qInsertSend)
		if err != nil {
			return err
		}
		item, err := tx.PrepareContext(ctx, qInsertItem)
		if err != nil {
			return err
		}
		for i, in := range ins {
			if out[i], err = s.intend(ctx, tx, send, item, in); err != nil {
				failed = true
				return fmt.Errorf("store: intend %q (send %d of %d): %w", in.Ref, i+1, len(ins), err)
			}
		}
		return nil
	})
	if err != nil && !failed {
		err = batchErr("intend", ins[0].Ref, len(ins), err)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// intend is Intend inside tx, with the transaction's statements that
// insert a send and an item.
func (s *Ledger) intend(ctx context.Context, tx *sql.Tx, send, item *sql.Stmt, in ports.Send) (ports.Intended, error) {
	if in.Ref == "" {
		return ports.Intended{}, errors.New("empty ref")
	}
	if in.Intended.IsZero() {
		in.Intended = s.now()
	}
	intended, err := toNanos(in.Intended)
	if err != nil {
		return ports.Intended{}, err
	}
	done, err := toNanos(in.Done)
	if err != nil {
		return ports.Intended{}, err
	}
	// ON CONFLICT DO NOTHING + RETURNING yields no row when the Ref is
	// taken; the transaction holds the write lock, so the existing row
	// read next cannot change under us.
	var id int64
	err = send.QueryRowContext(ctx,
		in.Ref, in.Kind, in.Recipient, in.Level, intended, done, in.Channel, in.TS, s.epoch.Load()).Scan(&id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		sends, err := querySends(ctx, tx, `SELECT `+sendCols+` FROM sends s WHERE s.ref = $1`, in.Ref)
		if err != nil {
			return ports.Intended{}, err
		}
		if len(sends) != 1 {
			return ports.Intended{}, fmt.Errorf("ref conflicted but %d rows found", len(sends))
		}
		return ports.Intended{Send: sends[0], Existed: true}, nil
	case err != nil:
		return ports.Intended{}, err
	}
	items := normItems(in.Items)
	for _, it := range items {
		if _, err := item.ExecContext(ctx, id, it); err != nil {
			return ports.Intended{}, fmt.Errorf("item %s: %w", it, err)
		}
	}
	rec := in
	rec.ID = id
	rec.Items = items
	rec.Intended = fromNanos(intended)
	rec.Done = fromNanos(done)
	return ports.Intended{Send: rec}, nil
}

// Done marks an intent as sent, with where it went. A non-empty thread
// names the ticket whose Slack thread the message starts: it is recorded
// in the same transaction, so a crash never leaves a send done without
// its thread. Marking a send done again with the same receipt is a no-op,
// so a retried call is safe; a different receipt is an error. An unknown id
// is ErrNotFound.
func (s *Ledger) Done(ctx context.Context, id int64, r ports.Receipt, at time.Time, thread string) error {
	return s.DoneAll(ctx, []ports.Completion{{ID: id, Receipt: r, At: at, Thread: thread}})
}

// DoneAll is Done for several sends in one transaction: all are marked, or
// none (the first error says which send it was).
func (s *Ledger) DoneAll(ctx context.Context, cs []ports.Completion) error {
	if len(cs) == 0 {
		return nil
	}
	failed := false
	err := s.inTx(ctx, true, func(tx *sql.Tx) error {
		// Prepared once for the batch; the transaction closes it.
		mark, err := tx.PrepareContext(ctx, qMarkDone)
		if err != nil {
			return err
		}
		for _, c := range cs {
			if err := s.done(ctx, tx, mark, c); err != nil {
				failed = true
				return fmt.Errorf("store: done send %d: %w", c.ID, err)
			}
		}
		return nil
	})
	if err != nil && !failed {
		err = batchErr("done send", strconv.FormatInt(cs[0].ID, 10), len(cs), err)
	}
	return err
}

// batchErr names the sends of a transaction that failed as a whole (to
// begin or to commit).
func batchErr(what, first string, n int, err error) error {
	if n == 1 {
		return fmt.Errorf("store: %s %s: %w", what, first, err)
	}
	return fmt.Errorf("store: %s %s and %d more: %w", what, first, n-1, err)
}

// done is Done inside tx, with the transaction's statement that marks a
// send done.
func (s *Ledger) done(ctx context.Context, tx *sql.Tx, mark *sql.Stmt, c ports.Completion) error {
	at, r, thread := c.At, c.Receipt, c.Thread
	if at.IsZero() {
		at = s.now()
	}
	n, err := toNanos(at)
	if err != nil {
		return err
	}
	res, err := mark.ExecContext(ctx, n, r.Channel, r.TS, c.ID)
	if err != nil {
		return err
	}
	affected, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if affected != 1 {
		// Done already (a retried call): its thread was recorded then,
		// and a newer one since must not be put back.
		thread = ""
		var ch, ts string
		err = tx.QueryRowContext(ctx, `SELECT channel, ts FROM sends WHERE id = $1`, c.ID).Scan(&ch, &ts)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return ErrNotFound
		case err != nil:
			return err
		case ch != r.Channel || ts != r.TS:
			return fmt.Errorf("already done as %s/%s, not %s/%s", ch, ts, r.Channel, r.TS)
		}
	}
	if thread == "" {
		return nil
	}
	if _, err := tx.ExecContext(ctx, qSetThread, thread, r.Channel, r.TS, r.Parts); err != nil {
		return fmt.Errorf("set thread %s: %w", thread, err)
	}
	return nil
}

// Forget drops an open intent that was never sent, so the same Ref can be
// tried again. Forgetting an id that is gone is a no-op (a retried call
// reaches the state it wanted); forgetting a done send is an error, since
// that would erase what was said.
func (s *Ledger) Forget(ctx context.Context, id int64) error {
	wrap := func(err error) error { return fmt.Errorf("store: forget send %d: %w", id, err) }
	return s.inTx(ctx, true, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sends WHERE id = $1 AND done_at IS NULL`, id)
		if err != nil {
			return wrap(err)
		}
		if c, err := res.RowsAffected(); err != nil || c == 1 {
			return wrapNil(wrap, err)
		}
		var done sql.NullInt64
		err = tx.QueryRowContext(ctx, `SELECT done_at FROM sends WHERE id = $1`, id).Scan(&done)
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
func (s *Ledger) Open(ctx context.Context) ([]ports.Send, error) {
	sends, err := querySends(ctx, s.r,
		`SELECT `+sendCols+` FROM sends s WHERE s.done_at IS NULL ORDER BY s.intended_at, s.id`)
	if err != nil {
		return nil, fmt.Errorf("store: open intents: %w", err)
	}
	return sends, nil
}

// History lists the done sends that covered item, oldest first (by when
// they were sent). Each send carries all its items, not only this one.
func (s *Ledger) History(ctx context.Context, item string) ([]ports.Send, error) {
	sends, err := querySends(ctx, s.r, `SELECT `+sendCols+`
		FROM send_items i JOIN sends s ON s.id = i.send_id
		WHERE i.item = $1 AND s.done_at IS NOT NULL
		ORDER BY s.done_at, s.id`, item)
	if err != nil {
		return nil, fmt.Errorf("store: history %s: %w", item, err)
	}
	return sends, nil
}

// querySends runs a query selecting sendCols and fills in each send's items.
func querySends(ctx context.Context, q querier, query string, args ...any) ([]ports.Send, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var sends []ports.Send
	for rows.Next() {
		var sd ports.Send
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
func loadItems(ctx context.Context, q querier, sends []ports.Send) error {
	if len(sends) == 0 {
		return nil
	}
	at := make(map[int64]int, len(sends))
	for i, sd := range sends {
		at[sd.ID] = i
	}
	for start := 0; start < len(sends); start += itemsChunk {
		chunk := sends[start:min(start+itemsChunk, len(sends))]
		ids := make([]int64, len(chunk))
		for i, sd := range chunk {
			ids[i] = sd.ID
		}
		ph, args := inList(ids)
		rows, err := q.QueryContext(ctx, `SELECT send_id, item FROM send_items
			WHERE send_id IN (`+ph+`) ORDER BY send_id, item`, args...)
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

// inList is the placeholders ($1, $2, …) and arguments of an IN list of
// vals.
func inList[T any](vals []T) (string, []any) {
	var b strings.Builder
	args := make([]any, len(vals))
	for i, v := range vals {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(i+1))
		args[i] = v
	}
	return b.String(), args
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
