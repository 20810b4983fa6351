// Package store is patchbot's ledger: what was said to whom and when, and
// where each job got to, on a single SQLite file (modernc.org/sqlite, pure
// Go, no cgo). *SQLite satisfies every one of the scheduler's small ledger
// ports (SendLog, OpenIntents, SendHistory, ThreadLog, Watermarks, RunLog,
// Snoozes) without importing the scheduler: they speak in the types of
// handoff/ports.
//
// The package owns the ledger's file, its schema and its migrations, and the
// translation between the Send/Receipt values of handoff/ports and rows. It
// must not decide anything: whether a reminder is due, whether an intent left
// open by a crash went out, or how long history must be kept are the
// scheduler's calls. It talks to no network and reads no clock except to fill in a time
// the caller left zero (and that clock can be replaced with WithClock).
//
// # Portability
//
// The statements that read and write data are plain SQL with $N
// placeholders, INSERT … ON CONFLICT and RETURNING, which PostgreSQL
// accepts as written; only the connection setup (pragmas, DSN) and the
// DDL's id column (INTEGER PRIMARY KEY AUTOINCREMENT) are SQLite's. A PostgreSQL backend
// for several replicas would reuse the queries with its own DDL and
// connection setup. Times are stored as INTEGER Unix nanoseconds in UTC
// rather than in a database time type, so both backends round-trip them
// exactly.
package store
