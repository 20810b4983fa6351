// Package scheduler runs patchbot's jobs — sync, nag and digest — and the
// reconcile step that turns "what the tickets say now" plus "what the ledger
// says was already said" into "what to say". It owns the order of writes and
// the exactly-once rules; it knows Jira, Slack and the store only through the
// small interfaces in ports.go, and the domain only through package handoff.
//
// Every job, and the CLI's check, goes through the same evaluate → decide →
// act path; a dry run stops before act and reports what it would have done.
package scheduler

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/texts"
)

// Project is one watched Jira scope.
type Project struct {
	Name   string
	Policy handoff.Policy
	// Channel routes this project's validation requests, per lane; the
	// empty lane is the project default.
	Channels map[handoff.Lane]string
	// EscalateTo is the project's escalation target (a Slack user id,
	// email or channel); the nag policy's channel is used when empty.
	EscalateTo string
}

// NagPolicy is how owners are reminded.
type NagPolicy struct {
	// Backoff is the number of days to wait after the 1st, 2nd, ... reminder
	// before the next; past its end ThenEvery repeats, so a long-overdue
	// item never goes quiet. Default 1, 2, 4, 7, then every 7.
	Backoff   []int
	ThenEvery int
	// EscalateAfter is how many reminders an item gets before it is
	// escalated (0: never). Escalations repeat every EscalateEvery days.
	EscalateAfter int
	EscalateEvery int
	// Escalate picks the escalation target for an owner's item in a
	// project (a Slack user id, email or channel). When nil: the owner's
	// entry in Managers, the project's EscalateTo, EscalationChannel.
	Escalate          func(project string, owner handoff.Person) string
	EscalationChannel string
	Managers          map[string]string
	// QuietHours, when set, holds owner DMs back while the owner's local
	// time is inside the window; OwnerQuiet overrides it per owner key
	// (Jira account id, user name, email or owner text).
	QuietHours *QuietHours
	OwnerQuiet map[string]QuietHours
	// DigestChannel receives the weekly digest.
	DigestChannel string
	// PersonalDigest also DMs each owner their share of the digest.
	PersonalDigest bool
}

// QuietHours is a daily window [Start, End) in minutes after local
// midnight; it may wrap midnight. Loc is the owner's zone (default the
// engine's).
type QuietHours struct {
	Start, End int
	Loc        *time.Location
}

// Options configures an Engine.
type Options struct {
	Tracker   Tracker
	Messenger Messenger
	// The ledger's ports (ports.go); the store satisfies them all.
	Sends      SendLog
	Intents    OpenIntents
	History    SendHistory
	Threads    ThreadLog
	Watermarks Watermarks
	Runs       RunLog
	Snoozes    Snoozes

	Projects []Project
	Nag      NagPolicy
	Wording  texts.Wording
	// Location is the team's time zone: days, weeks and quiet hours are
	// counted there.
	Location *time.Location
	Now      func() time.Time
	Logger   *slog.Logger
	Metrics  *Metrics
	// DryRun plans and reports every action and performs none.
	DryRun bool
	// MaxWrites caps the tickets acted on per sync cycle (0: no cap); the
	// rest are picked up by the next cycle.
	MaxWrites int
	// Since: tickets created before it are not commented on; they are
	// reported once in a backlog summary instead.
	Since time.Time
	// Overlap is subtracted from the watermark of an incremental sync to
	// absorb clock skew and Jira's minute-resolution JQL. Default 2m.
	Overlap time.Duration
	// BacklogChannel receives the one-time backlog summary (default: the
	// nag policy's digest channel).
	BacklogChannel string
	// Locker, when set, keeps two processes from running one kind of job
	// on the same ledger at once (the store's file lock); nil locks
	// nothing.
	Locker Locker
	// Intel, when set, says what the public feeds (KEV, EPSS) know of the
	// CVEs each ticket names, before it is evaluated (intel.go); nil: the
	// feeds are off.
	Intel Intel
	// Interact configures the answers people give from Slack
	// (interact.go); without it the engine answers none.
	Interact InteractOptions
	// Inbox, when set, holds the targeted syncs a standby receives, for
	// the leader (recheck.go); nil: a standby refuses them.
	Inbox Inbox
}

// Locker is a lock per kind of job, shared by the processes that use one
// ledger.
type Locker interface {
	// TryLock takes the job's lock; ok is false when another holder has it.
	TryLock(job string) (release func(), ok bool, err error)
}

// ErrBusy is the error of a job another process is running on the same
// ledger: this run does nothing, and the next one (or a retry) does it.
var ErrBusy = errors.New("another patchbot process is running this job on the same ledger; stop it (or wait) and run again")

// lock takes the lock of a kind of job ("sync", "nag", "digest") unless a
// dry run, which writes nothing.
func (e *Engine) lock(kind string, dry bool) (func(), error) {
	if kind == "sync" {
		// A sync never runs beside a targeted one (recheck.go).
		return e.lockSync(dry)
	}
	if dry || e.opt.Locker == nil {
		return func() {}, nil
	}
	release, ok, err := e.opt.Locker.TryLock(kind)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", kind, err)
	}
	if !ok {
		return nil, fmt.Errorf("%s: %w", kind, ErrBusy)
	}
	return release, nil
}

// Engine runs the jobs. It is safe for one job of each kind at a time;
// the daemon never overlaps a job with itself.
type Engine struct {
	opt      Options
	log      *slog.Logger
	projects map[string]Project

	mu     sync.Mutex
	status Status

	// ix is the state of answers from Slack (interact.go).
	ix interactState

	// board is the status view's rows (status_view.go); nil until
	// EnableStatus.
	board *board

	// rechecks keeps targeted syncs apart from the syncs (recheck.go).
	rechecks rechecks
}

// Status is what /readyz and the CLI report about the engine.
type Status struct {
	LastSync      time.Time // last fully successful sync
	LastSyncError string
	LastNag       time.Time
	LastDigest    time.Time
}

// ErrPartial is returned (wrapped) when a cycle finished but some tickets
// or projects failed; the watermark did not move past them.
var ErrPartial = errors.New("cycle incomplete")

// New checks the options and returns an engine.
func New(opt Options) (*Engine, error) {
	if opt.Tracker == nil {
		return nil, errors.New("scheduler: a tracker is required")
	}
	if opt.Messenger == nil {
		return nil, errors.New("scheduler: a messenger is required")
	}
	for _, p := range []struct {
		name string
		port any
	}{
		{"Sends", opt.Sends}, {"Intents", opt.Intents}, {"History", opt.History}, {"Threads", opt.Threads},
		{"Watermarks", opt.Watermarks}, {"Runs", opt.Runs}, {"Snoozes", opt.Snoozes},
	} {
		if p.port == nil {
			return nil, fmt.Errorf("scheduler: the ledger port Options.%s is required", p.name)
		}
	}
	if len(opt.Projects) == 0 {
		return nil, errors.New("scheduler: no projects configured")
	}
	if opt.Location == nil {
		opt.Location = time.UTC
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Overlap == 0 {
		opt.Overlap = 2 * time.Minute
	}
	if len(opt.Nag.Backoff) == 0 {
		opt.Nag.Backoff = []int{1, 2, 4, 7}
	}
	if opt.Nag.ThenEvery == 0 {
		opt.Nag.ThenEvery = opt.Nag.Backoff[len(opt.Nag.Backoff)-1]
	}
	if opt.Nag.EscalateEvery == 0 {
		opt.Nag.EscalateEvery = 7
	}
	if opt.Wording == nil {
		opt.Wording = texts.DefaultWording()
	}
	if opt.BacklogChannel == "" {
		opt.BacklogChannel = opt.Nag.DigestChannel
	}
	e := &Engine{opt: opt, log: opt.Logger, projects: map[string]Project{}}
	for _, p := range opt.Projects {
		if _, dup := e.projects[p.Name]; dup {
			return nil, fmt.Errorf("scheduler: project %q configured twice", p.Name)
		}
		e.projects[p.Name] = p
	}
	return e, nil
}

// Status returns a snapshot of the engine's status.
func (e *Engine) Status() Status {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.status
}

func (e *Engine) setStatus(f func(*Status)) {
	e.mu.Lock()
	f(&e.status)
	e.mu.Unlock()
}

// Location is the team's time zone.
func (e *Engine) Location() *time.Location { return e.opt.Location }

// textOptions are the text options for an instant.
func (e *Engine) textOptions(now time.Time) texts.Options {
	return texts.Options{Wording: e.opt.Wording, Now: now, Loc: e.opt.Location}
}

// day is the calendar day of t in the team's location, as YYYY-MM-DD.
func (e *Engine) day(t time.Time) string { return t.In(e.opt.Location).Format("2006-01-02") }

// week is the ISO week of t in the team's location, as YYYY-Www.
func (e *Engine) week(t time.Time) string {
	y, w := t.In(e.opt.Location).ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}
