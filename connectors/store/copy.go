package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
)

// copied are the tables Copy carries, parents first, with their columns.
// The leader row and the schema's history stay with each database.
var copied = []struct{ table, cols, order string }{
	{"sends", "id, ref, kind, recipient, level, intended_at, done_at, channel, ts, epoch", "id"},
	{"send_items", "send_id, item", "send_id, item"},
	{"threads", "ticket, channel, ts, parts", "ticket"},
	{"watermarks", "project, at", "project"},
	{"last_runs", "job, at", "job"},
	{"snoozes", "ticket, until_at, snoozed_by, snoozed_at", "ticket"},
	{"inbox", "id, kind, key, payload, enqueued_at, claimed_epoch", "id"},
	{"snapshots", "day, project, open, incomplete, overdue", "day, project"},
	{"actions", "id, kind, ticket, item, actor, actor_name, until_at, note, at", "id"},
}

// CopyCounts is how many rows Copy carried, per table.
type CopyCounts map[string]int

// Copy copies every record of src into dst (an SQLite ledger into
// PostgreSQL, or back): sends with their ids and items, threads,
// watermarks, last runs, snoozes, the inbox and the daily snapshots. dst
// must hold no sends, threads or snoozes yet; it is written in one
// transaction, so a failed copy leaves it as it was. Both were opened, so
// both are at this build's schema version.
func Copy(ctx context.Context, dst, src *Ledger) (CopyCounts, error) {
	wrap := func(err error) error { return fmt.Errorf("store: copy %s into %s: %w", src.name, dst.name, err) }
	var n int
	if err := dst.r.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM sends) + (SELECT COUNT(*) FROM threads) + (SELECT COUNT(*) FROM snoozes)`).Scan(&n); err != nil {
		return nil, wrap(err)
	}
	if n > 0 {
		return nil, wrap(fmt.Errorf("the destination already holds %d records: copy into an empty ledger (a new database or schema)", n))
	}
	counts := CopyCounts{}
	err := dst.inTx(ctx, false, func(tx *sql.Tx) error {
		for _, c := range copied {
			k, err := copyTable(ctx, tx, src, c.table, c.cols, c.order)
			if err != nil {
				return fmt.Errorf("%s: %w", c.table, err)
			}
			counts[c.table] = k
		}
		if dst.driver == DriverPostgres {
			// Explicit ids leave the identity sequences behind.
			for _, t := range []string{"sends", "inbox"} {
				if _, err := tx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('`+t+`', 'id'),
					(SELECT COALESCE(MAX(id), 0) + 1 FROM `+t+`), false)`); err != nil {
					return fmt.Errorf("%s: move the id sequence: %w", t, err)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrap(err)
	}
	return counts, nil
}

// copyTable copies one table's rows from src into tx.
func copyTable(ctx context.Context, tx *sql.Tx, src *Ledger, table, cols, order string) (int, error) {
	ncols := strings.Count(cols, ",") + 1
	ph := make([]string, ncols)
	for i := range ph {
		ph[i] = "$" + strconv.Itoa(i+1)
	}
	ins, err := tx.PrepareContext(ctx, `INSERT INTO `+table+` (`+cols+`) VALUES (`+strings.Join(ph, ", ")+`)`)
	if err != nil {
		return 0, err
	}
	rows, err := src.r.QueryContext(ctx, `SELECT `+cols+` FROM `+table+` ORDER BY `+order)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	vals := make([]any, ncols)
	ptrs := make([]any, ncols)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		if _, err := ins.ExecContext(ctx, vals...); err != nil {
			return n, fmt.Errorf("row %d: %w", n+1, err)
		}
		n++
	}
	return n, rows.Err()
}
