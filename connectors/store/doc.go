// Package store is patchbot's ledger: what was said to whom and when, and
// where each job got to. It has two drivers behind one type, *Ledger:
//
//   - SQLite (Open): one file, modernc.org/sqlite (pure Go, no cgo), the
//     default for one replica.
//   - PostgreSQL (OpenPostgres): jackc/pgx v5 through database/sql, for
//     several replicas of which one leads.
//
// *Ledger satisfies every one of the scheduler's small ledger ports
// (SendLog, OpenIntents, SendHistory, ThreadLog, Watermarks, RunLog,
// Snoozes) without importing the scheduler: they speak in the types of
// handoff/ports. The conformance suite in storetest holds both drivers to
// the same semantics.
//
// The package owns the ledger's schema and its migrations (versioned,
// forward-only, the same tables on both drivers, applied at open under a
// lock), the translation between handoff/ports values and rows, the job
// locks, leadership and fencing, the inbox of inbound work, and Copy. It
// must not decide anything: whether a reminder is due, whether an intent
// left open by a crash went out, or how long history must be kept are the
// scheduler's calls. It reads no clock except to fill in a time the caller
// left zero (WithClock replaces it) and to time leases.
//
// # One set of queries
//
// The statements that read and write data are plain SQL with $N
// placeholders, INSERT … ON CONFLICT and RETURNING, which both databases
// accept as written; only connection setup, DDL, locks and leadership are
// the driver's. Times are stored as BIGINT Unix nanoseconds in UTC rather
// than in a database time type, so both round-trip them exactly.
//
// # Leadership: a lease row, not a session advisory lock
//
// On PostgreSQL, replicas campaign for one row of the leader table: the
// leader holds it until expires_at (the database's clock, so replica
// clocks never meet) and renews it every TTL/3; a standby tries every
// TTL/5 and takes it only once it has expired, with the next epoch. The
// alternative, a session advisory lock held on a dedicated connection,
// hands over at once when a leader dies cleanly, but its life is the TCP
// session's: a leader that is paused, or cut off by a partition, keeps the
// lock until the server notices the dead connection (tcp keepalives, two
// hours by default), and nobody leads meanwhile; and a leader cannot tell
// from its own side when the server dropped it. A lease bounds both sides
// by time alone:
//
//   - the leader counts its lease from before it asked for the renewal, on
//     its monotonic clock, and gives up Bounds.Stop = TTL − TTL/5 after the
//     last renewal that succeeded (the daemon then stops its jobs, so it
//     stops sending), before the lease can run out for the others;
//   - a standby leads at most Bounds.Takeover = TTL + TTL/5 after the
//     leader's last renewal: with the default TTL of 15s, 12s and 18s. The
//     daemon's stated bound for a failover is 30s.
//
// The price is a takeover that waits for the lease even when the leader
// died at once (kill -9), and one small write every TTL/3.
//
// # Fencing
//
// The epoch of the term a handle won is its fencing token. Every write a
// leader makes (IntendAll, DoneAll, Forget, SetWatermark, SetLastRun,
// Claim, Ack) first reads the current epoch in its own transaction — on
// PostgreSQL FOR SHARE, so a takeover, which updates that row, waits for
// the write to commit and no write of an old leader can land after it —
// and fails with ErrFenced when it is not the handle's. Each intent
// records the epoch that made it. A paused old leader therefore can never
// record an intent, or mark one done, after a takeover; what it had
// already sent when it stopped is found again by the new leader's
// recovery (the intent and the Ref looked up in Slack). What no fence can
// stop is a message already on its way to Slack when the pause began; the
// leader's guard (it stops TTL/5 before its lease runs out) is what keeps
// that window closed in practice.
//
// A handle that never campaigned (the CLI) writes unfenced, as before.
// SQLite has one writer on one host: its Campaign is an flock on a file
// next to the ledger, the epoch goes up by one for each term, and a term
// ends only with Release or the process; the fence is the same check.
package store
