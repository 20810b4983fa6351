package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"time"
)

// leaderName is the one leadership a ledger has.
const leaderName = "patchbot"

// DefaultLeaseTTL is how long a PostgreSQL leadership lease lasts without
// a renewal.
const DefaultLeaseTTL = 15 * time.Second

// ErrFenced is the error of a write refused because a newer leader than
// the writer's has taken over. Match it with errors.Is; the error itself
// is a *FencedError.
var ErrFenced = errors.New("fenced: a newer leader has taken over")

// FencedError says which leadership terms met.
type FencedError struct {
	Epoch   int64 // the writer's
	Current int64 // the newer leader's
}

func (e *FencedError) Error() string {
	return fmt.Sprintf("fenced: this replica led as epoch %d and epoch %d has taken over; it writes nothing more until it leads again", e.Epoch, e.Current)
}

// Is makes errors.Is(err, ErrFenced) match.
func (e *FencedError) Is(target error) bool { return target == ErrFenced }

// LeaseOptions configure Campaign.
type LeaseOptions struct {
	// TTL is how long a lease lasts without a renewal (default 15s). The
	// leader renews every TTL/3; a standby tries every TTL/5.
	TTL time.Duration
	// Holder names this replica in the leader row (default host/pid).
	Holder string
	Logger *slog.Logger
}

func (o *LeaseOptions) defaults() {
	if o.TTL <= 0 {
		o.TTL = DefaultLeaseTTL
	}
	if o.Holder == "" {
		host, _ := os.Hostname()
		o.Holder = host + "/" + strconv.Itoa(os.Getpid()) + "/" + strconv.FormatUint(rand.Uint64()%1e6, 10)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// Bounds are the times a lease of this TTL guarantees.
type Bounds struct {
	// Renew is how often the leader renews its lease.
	Renew time.Duration
	// Poll is how often a standby tries to take the lease.
	Poll time.Duration
	// Stop is how long after its last successful renewal a leader that
	// cannot reach the database gives up (TTL less a guard of TTL/5, so
	// that it has stopped before the lease can expire for the others).
	Stop time.Duration
	// Takeover bounds how long after a leader dies a standby leads: the
	// lease runs out, and the next try takes it.
	Takeover time.Duration
}

// LeaseBounds are the bounds of a lease of ttl (0: the default).
func LeaseBounds(ttl time.Duration) Bounds {
	if ttl <= 0 {
		ttl = DefaultLeaseTTL
	}
	return Bounds{Renew: ttl / 3, Poll: ttl / 5, Stop: ttl - ttl/5, Takeover: ttl + ttl/5}
}

// Leadership is one term of leadership, won by Campaign.
type Leadership struct {
	epoch int64
	done  chan struct{}

	mu  sync.Mutex
	err error

	once    sync.Once
	stop    context.CancelFunc // ends the heartbeat
	stopped chan struct{}      // closed when the heartbeat has ended
	release func(ctx context.Context) error
}

// Epoch is the term's number: each new leader's is higher.
func (t *Leadership) Epoch() int64 { return t.epoch }

// Done is closed when the term ends: the lease was lost (Err says why) or
// released.
func (t *Leadership) Done() <-chan struct{} { return t.done }

// Err is why the term ended; nil while it lasts and after Release.
func (t *Leadership) Err() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.err
}

// end closes Done once, recording why.
func (t *Leadership) end(err error) {
	t.once.Do(func() {
		t.mu.Lock()
		t.err = err
		t.mu.Unlock()
		close(t.done)
	})
}

// Release ends the term and gives the lease up at once, so a standby
// takes over at its next try instead of waiting for the lease to run out.
func (t *Leadership) Release(ctx context.Context) error {
	t.stop()
	<-t.stopped
	t.end(nil)
	return t.release(ctx)
}

// Campaign blocks until this handle leads the ledger, or ctx ends. The
// returned term's epoch fences this handle's writes from then on: once a
// newer leader exists, IntendAll, DoneAll, Forget and the other writes a
// leader makes fail with ErrFenced. Only the daemon campaigns; a handle
// that never did (the CLI) writes unfenced.
//
// On PostgreSQL the leadership is a lease row (see the package doc); on
// SQLite, which has one writer on one host, it is an flock on a file next
// to the ledger, and the term lasts until Release or the process ends.
func (l *Ledger) Campaign(ctx context.Context, o LeaseOptions) (*Leadership, error) {
	o.defaults()
	t, err := l.d.campaign(ctx, l, o)
	if err != nil {
		return nil, err
	}
	l.epoch.Store(t.epoch)
	return t, nil
}

// pgNow is PostgreSQL's clock as Unix nanoseconds: every lease time is the
// database's, so the replicas' clocks never meet.
const pgNow = `(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000000)::BIGINT`

const (
	// qAcquire takes the lease when there is none or it ran out, with
	// the next epoch. The update waits for writes holding the row FOR
	// SHARE (the fence), so none of the old leader's can commit after it.
	qAcquire = `INSERT INTO leader (name, holder, epoch, expires_at) VALUES ($1, $2, 1, ` + pgNow + ` + $3)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, epoch = leader.epoch + 1, expires_at = excluded.expires_at
		WHERE leader.expires_at < ` + pgNow + `
		RETURNING epoch`
	qRenew   = `UPDATE leader SET expires_at = ` + pgNow + ` + $3 WHERE name = $1 AND epoch = $2`
	qRelease = `UPDATE leader SET expires_at = 0 WHERE name = $1 AND epoch = $2`
)

// campaignLease is the PostgreSQL campaign: try to take the lease every
// Poll, then renew it every Renew from a goroutine until it is lost or
// released.
func campaignLease(ctx context.Context, db *sql.DB, o LeaseOptions) (*Leadership, error) {
	b := LeaseBounds(o.TTL)
	var epoch int64
	for {
		sent := time.Now()
		err := db.QueryRowContext(ctx, qAcquire, leaderName, o.Holder, o.TTL.Nanoseconds()).Scan(&epoch)
		if err == nil {
			return startLease(db, o, b, epoch, sent), nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if !errors.Is(err, sql.ErrNoRows) {
			o.Logger.Warn("leadership: could not try the lease; trying again", "err", err, "every", b.Poll)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(b.Poll):
		}
	}
}

// startLease starts the heartbeat of a lease won at sent.
func startLease(db *sql.DB, o LeaseOptions, b Bounds, epoch int64, sent time.Time) *Leadership {
	hb, stop := context.WithCancel(context.Background())
	t := &Leadership{epoch: epoch, done: make(chan struct{}), stop: stop, stopped: make(chan struct{})}
	t.release = func(ctx context.Context) error {
		if _, err := db.ExecContext(ctx, qRelease, leaderName, epoch); err != nil {
			return fmt.Errorf("store: release leadership (epoch %d): %w", epoch, err)
		}
		return nil
	}
	log := o.Logger.With("epoch", epoch)
	go func() {
		defer close(t.stopped)
		// The lease runs out for the others at the database's renewal
		// time + TTL; this replica counts from before it asked, on its
		// monotonic clock, and stops a guard earlier.
		deadline := sent.Add(b.Stop)
		expire := time.NewTimer(time.Until(deadline))
		defer expire.Stop()
		renew := time.NewTicker(b.Renew)
		defer renew.Stop()
		for {
			select {
			case <-hb.Done():
				return
			case <-expire.C:
				t.end(fmt.Errorf("leadership lost: the lease (epoch %d) was not renewed for %s; the database did not answer", epoch, b.Stop))
				return
			case <-renew.C:
			}
			sent := time.Now()
			rctx, cancel := context.WithDeadline(hb, deadline)
			res, err := db.ExecContext(rctx, qRenew, leaderName, epoch, o.TTL.Nanoseconds())
			cancel()
			var n int64
			if err == nil {
				n, err = res.RowsAffected()
			}
			switch {
			case err != nil:
				log.Warn("leadership: could not renew the lease; trying again", "err", err, "gives_up_in", time.Until(deadline).Round(time.Millisecond))
			case n == 0:
				t.end(fmt.Errorf("leadership lost: %w", ErrFenced))
				return
			default:
				deadline = sent.Add(b.Stop)
				expire.Reset(time.Until(deadline))
			}
		}
	}()
	return t
}

// campaignFile is the SQLite campaign: an flock on <ledger>.leader.lock,
// tried every Poll; then the epoch goes up by one.
func (b sqliteBackend) campaign(ctx context.Context, l *Ledger, o LeaseOptions) (*Leadership, error) {
	bounds := LeaseBounds(o.TTL)
	path := b.path + ".leader.lock"
	for {
		release, ok, err := flock(path)
		if err != nil {
			return nil, fmt.Errorf("store: campaign: %w", err)
		}
		if ok {
			epoch, err := l.bumpEpoch(ctx, o.Holder)
			if err != nil {
				release()
				return nil, err
			}
			_, stop := context.WithCancel(context.Background())
			t := &Leadership{epoch: epoch, done: make(chan struct{}), stop: stop, stopped: make(chan struct{})}
			close(t.stopped)
			t.release = func(context.Context) error { release(); return nil }
			return t, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(bounds.Poll):
		}
	}
}

// bumpEpoch starts the next term on SQLite.
func (l *Ledger) bumpEpoch(ctx context.Context, holder string) (int64, error) {
	var epoch int64
	err := l.w.QueryRowContext(ctx, `INSERT INTO leader (name, holder, epoch, expires_at) VALUES ($1, $2, 1, 0)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, epoch = leader.epoch + 1
		RETURNING epoch`, leaderName, holder).Scan(&epoch)
	if err != nil {
		return 0, fmt.Errorf("store: campaign: %w", err)
	}
	return epoch, nil
}
