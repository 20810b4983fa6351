package store

import (
	"context"
	"database/sql"
	"sync"
)

// Statements are prepared once per query text and database handle, and
// reused: SQLite compiles a statement on every prepare, which cost more
// than running it for the ledger's small queries (about half of a sync's
// ledger time on a 10,000-ticket site). A statement prepared on the single
// writer connection is reused inside that connection's transactions by
// database/sql (Tx.StmtContext).
type stmtCache struct {
	mu    sync.Mutex
	stmts map[stmtKey]*sql.Stmt
}

type stmtKey struct {
	db *sql.DB
	q  string
}

func (c *stmtCache) get(ctx context.Context, db *sql.DB, q string) (*sql.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.stmts[stmtKey{db, q}]; ok {
		return st, nil
	}
	st, err := db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if c.stmts == nil {
		c.stmts = map[stmtKey]*sql.Stmt{}
	}
	c.stmts[stmtKey{db, q}] = st
	return st, nil
}

// cached returns a statement prepared before, if there is one.
func (c *stmtCache) cached(db *sql.DB, q string) (*sql.Stmt, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, ok := c.stmts[stmtKey{db, q}]
	return st, ok
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.stmts {
		_ = st.Close()
	}
	c.stmts = nil
}

// prepared runs queries through cached statements, on a database handle or
// inside a transaction. It has the methods of *sql.DB and *sql.Tx the store
// uses, so call sites read the same.
type prepared struct {
	s  *SQLite
	db *sql.DB
	tx *sql.Tx
}

// on runs queries on a database handle (s.r or s.w).
func (s *SQLite) on(db *sql.DB) prepared { return prepared{s: s, db: db} }

// in runs queries inside a transaction on the writer.
func (s *SQLite) in(tx *sql.Tx) prepared { return prepared{s: s, db: s.w, tx: tx} }

// stmt returns the statement for q. Inside a transaction it must not
// prepare on the database handle: the writer has one connection, which the
// transaction holds, so that would wait for itself. There a statement
// prepared before (warmed at Open) is reused, and any other is prepared
// for this transaction only.
func (p prepared) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if p.tx == nil {
		return p.s.stmts.get(ctx, p.db, q)
	}
	if st, ok := p.s.stmts.cached(p.db, q); ok {
		return p.tx.StmtContext(ctx, st), nil
	}
	return p.tx.PrepareContext(ctx, q)
}

// warm prepares the statements the writer runs inside transactions on
// every send, so the ledger's hot path never compiles SQL.
func (s *SQLite) warm(ctx context.Context) error {
	for _, q := range []string{qInsertSend, qInsertItem, qMarkDone, qSetThread} {
		if _, err := s.stmts.get(ctx, s.w, q); err != nil {
			return err
		}
	}
	return nil
}

// QueryContext runs a query that returns rows.
func (p prepared) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	st, err := p.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// QueryRowContext runs a query that returns at most one row. A statement
// that fails to prepare is run unprepared, so its error reaches Scan.
func (p prepared) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	st, err := p.stmt(ctx, q)
	if err != nil {
		if p.tx != nil {
			return p.tx.QueryRowContext(ctx, q, args...)
		}
		return p.db.QueryRowContext(ctx, q, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// ExecContext runs a statement that returns no rows.
func (p prepared) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	st, err := p.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}
