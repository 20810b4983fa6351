package scheduler

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// The jobs.
const (
	JobSync     = "sync"
	JobFullSync = "full_sync"
	JobNag      = "nag"
	JobDigest   = "digest"
)

// Schedule is one job's parsed schedule (config parses and validates the
// specs). Cron is evaluated on the naive wall clock of Loc and carries no
// zone of its own; a zero Schedule leaves the job off.
type Schedule struct {
	Spec string
	Cron cron.Schedule
	Loc  *time.Location
}

// Schedules are the jobs' schedules.
type Schedules struct {
	Sync, FullSync, Nag, Digest Schedule
	// ShutdownGrace bounds how long Run waits for a running job after its
	// context is cancelled. Default 30s.
	ShutdownGrace time.Duration
	// RetryAfter is how long a failed nag or digest waits before the
	// catch-up check tries it again. Default 15m.
	RetryAfter time.Duration
}

type job struct {
	name  string
	sched cron.Schedule // evaluated on the naive wall clock of loc
	loc   *time.Location
	run   func(context.Context) (*Report, error)
	// catchUp: runs missed while down (or lost to a DST gap, or failed)
	// are run late rather than skipped.
	catchUp bool

	mu          sync.Mutex // held while running: cron and catch-up never overlap
	lastAttempt time.Time
	// syncs, when set, is held by either sync job while it runs, so an
	// incremental and a full sync never work on the same tickets at once
	// (each could find the other's open intent and post it too). The
	// incremental sync skips its turn when the lock is taken; the full
	// sync, which comes rarely, waits for it.
	syncs    *sync.Mutex
	waitSync bool
}

// Run starts the jobs and blocks until ctx is cancelled. At start it
// resolves intents left open by a crash, syncs once, and runs any nag or
// digest missed while the daemon was down. Each job gets a context that is
// cancelled with ctx; Run then waits up to ShutdownGrace for it.
func (e *Engine) Run(ctx context.Context, s Schedules) error {
	if s.ShutdownGrace == 0 {
		s.ShutdownGrace = 30 * time.Second
	}
	if s.RetryAfter == 0 {
		s.RetryAfter = 15 * time.Minute
	}
	jobs := e.jobs(s)
	if _, err := e.Recover(ctx); err != nil {
		e.log.Error("recovering open intents failed; sends stay guarded by the ledger", "err", err)
	}
	defer e.serveRechecks(ctx)()
	logger := cronLogger{e.log}
	c := cron.New(cron.WithLocation(e.opt.Location), cron.WithChain(cron.Recover(logger), cron.SkipIfStillRunning(logger)))
	for _, j := range jobs {
		j := j
		c.Schedule(zoned{j.sched, j.loc}, cron.FuncJob(func() { e.runJob(ctx, j, false) }))
	}
	c.Schedule(cron.Every(time.Minute), cron.FuncJob(func() { e.catchUp(ctx, jobs, s.RetryAfter) }))

	for _, j := range jobs {
		if j.name == JobSync {
			e.runJob(ctx, j, false)
		}
	}
	e.catchUp(ctx, jobs, s.RetryAfter)
	c.Start()
	<-ctx.Done()
	stopped := c.Stop()
	select {
	case <-stopped.Done():
	case <-time.After(s.ShutdownGrace):
		e.log.Warn("a job did not stop within the grace period", "grace", s.ShutdownGrace)
	}
	return nil
}

// DryRun reports whether the engine only plans: the value in effect,
// from the config or forced by the caller.
func (e *Engine) DryRun() bool { return e.opt.DryRun }

func (e *Engine) jobs(s Schedules) []*job {
	var jobs []*job
	add := func(name string, sc Schedule, catchUp bool, run func(context.Context) (*Report, error)) {
		if sc.Cron == nil {
			return
		}
		loc := sc.Loc
		if loc == nil {
			loc = e.opt.Location
		}
		jobs = append(jobs, &job{name: name, sched: sc.Cron, loc: loc, run: run, catchUp: catchUp})
	}
	// A dry-run daemon logs each action it would take: its log is what
	// an operator reads before turning the dry run off.
	var planned func(Action, bool)
	if e.opt.DryRun {
		planned = e.logPlanned
	}
	add(JobSync, s.Sync, false, func(ctx context.Context) (*Report, error) {
		return e.Sync(ctx, SyncOptions{CountsOnly: true, OnAction: planned})
	})
	add(JobFullSync, s.FullSync, false, func(ctx context.Context) (*Report, error) {
		return e.Sync(ctx, SyncOptions{Full: true, CountsOnly: true, OnAction: planned})
	})
	syncs := &sync.Mutex{}
	for _, j := range jobs {
		switch j.name {
		case JobSync:
			j.syncs = syncs
		case JobFullSync:
			j.syncs, j.waitSync = syncs, true
		}
	}
	add(JobNag, s.Nag, true, func(ctx context.Context) (*Report, error) {
		return e.Nag(ctx, NagOptions{CountsOnly: true, OnAction: planned})
	})
	add(JobDigest, s.Digest, true, func(ctx context.Context) (*Report, error) {
		return e.Digest(ctx, DigestOptions{CountsOnly: true, OnAction: planned})
	})
	return jobs
}

// runJob runs one job unless it is already running, records a successful
// run, and logs the outcome.
func (e *Engine) runJob(ctx context.Context, j *job, late bool) {
	if !j.mu.TryLock() {
		return
	}
	defer j.mu.Unlock()
	if j.syncs != nil {
		if j.waitSync {
			j.syncs.Lock()
		} else if !j.syncs.TryLock() {
			e.log.Info("job skipped: the other sync is running", "job", j.name)
			return
		}
		defer j.syncs.Unlock()
	}
	start := e.opt.Now()
	j.lastAttempt = start
	rep, err := j.run(ctx)
	log := e.log.With("job", j.name, "late", late, "took", e.opt.Now().Sub(start).Round(time.Millisecond))
	switch {
	case ctx.Err() != nil:
		log.Warn("job stopped by shutdown; the next run picks up where it stopped")
	case errors.Is(err, ErrBusy):
		log.Warn("job skipped: another patchbot process is running it on this ledger; the next run does it")
	case err != nil:
		log.Error("job failed; nothing is lost, the next run retries", "err", err)
	default:
		log.Info("job done", rep.summary()...)
		e.afterJob(ctx, j.name, rep) // home.go
		if j.catchUp && !e.opt.DryRun {
			if err := e.opt.Runs.SetLastRun(ctx, j.name, start); err != nil {
				log.Error("could not record the run", "err", err)
			}
		}
	}
}

// catchUp runs a catch-up job whose last scheduled time has passed
// without a successful run. The first start of a new install only records
// the time, so it does not post a digest on the spot.
func (e *Engine) catchUp(ctx context.Context, jobs []*job, retry time.Duration) {
	now := e.opt.Now()
	for _, j := range jobs {
		if !j.catchUp || ctx.Err() != nil {
			continue
		}
		last, err := e.opt.Runs.LastRun(ctx, j.name)
		if err != nil {
			e.log.Error("catch-up: could not read the last run", "job", j.name, "err", err)
			continue
		}
		if last.IsZero() {
			if !e.opt.DryRun {
				if err := e.opt.Runs.SetLastRun(ctx, j.name, now); err != nil {
					e.log.Error("catch-up: could not record the first start", "job", j.name, "err", err)
				}
			}
			continue
		}
		if !missed(j.sched, j.loc, last, now) || now.Sub(j.lastAttempt) < retry {
			continue
		}
		e.runJob(ctx, j, true)
	}
}

// missed reports whether a run of sched fell due after last and by now. It
// compares naive wall-clock times in loc, so a run that a spring DST gap
// skipped (02:30 on the change day) counts as due once the clock passes
// 02:30, and the repeated hour in autumn does not make a second one due.
func missed(sched cron.Schedule, loc *time.Location, last, now time.Time) bool {
	return !sched.Next(wall(last, loc)).After(wall(now, loc))
}

// wall is t's wall-clock reading in loc, as a UTC time.
func wall(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), time.UTC)
}

// zoned evaluates a schedule in its own location (CRON_TZ).
type zoned struct {
	s   cron.Schedule
	loc *time.Location
}

func (z zoned) Next(t time.Time) time.Time {
	if ss, ok := z.s.(*cron.SpecSchedule); ok {
		c := *ss
		c.Location = z.loc
		return c.Next(t)
	}
	return z.s.Next(t)
}

// cronLogger adapts slog to robfig/cron's logger.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append([]any{"err", err}, kv...)...)
}
