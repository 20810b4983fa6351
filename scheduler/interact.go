package scheduler

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/ports"
	"github.com/patchbot/patchbot/handoff/richtext"
	"github.com/patchbot/patchbot/handoff/texts"
)

// What people answer from Slack — a snooze, a recheck, "not my ticket",
// an acknowledged heads-up, their own list of open items — comes in
// through the Socket Mode adapter (connectors/slack/interact) as a request
// to the engine. The engine decides: who may do it, what the policy
// allows, what the ledger and the ticket get, what to say back. Answers
// is the adapter's view of the engine; its methods are in this file,
// snooze.go and home.go.

// InteractOptions configures the answers people give from Slack. With no
// Actions port the engine answers nothing (Answers' methods fail) and puts
// no buttons on its messages.
type InteractOptions struct {
	// Actions audits every answer, once (the store).
	Actions ActionLog
	// Snoozes writes a snooze to the ledger (the store).
	Snoozes SnoozeWriter
	// Directory lists the members of a Slack user group (the Slack
	// connector); nil when no group is configured.
	Directory Directory
	// Users (Slack user ids) and Groups (Slack user group ids) may answer
	// for every ticket, besides its owner and the owner's manager.
	Users, Groups []string
	// Manager is an owner's configured manager in a project (a Slack user
	// id or an email), "" for none.
	Manager func(project string, owner handoff.Person) string
	// Channel is told when someone says a ticket is not theirs and the
	// project names no escalation target (the escalation channel, else
	// the fallback channel).
	Channel string
	// MaxSnoozeDays bounds a snooze per lane; the LaneUnknown entry is the
	// bound of every lane not named (default 14 days).
	MaxSnoozeDays map[handoff.Lane]int
	// HomeTTL is how long the list behind the App Home tabs is reused
	// before the tickets are read again (default one minute).
	HomeTTL time.Duration
}

// ActionLog is the ledger's audit of answers from Slack.
type ActionLog interface {
	// RecordAction records an answer once by its ID; existed says it was
	// on record already.
	RecordAction(ctx context.Context, a ports.ActionRecord) (existed bool, err error)
	// Acknowledged reports whether a heads-up about an item was
	// acknowledged.
	Acknowledged(ctx context.Context, item string) (bool, error)
}

// SnoozeWriter writes a ticket's snooze to the ledger.
type SnoozeWriter interface {
	Snooze(ctx context.Context, key string, until time.Time, by string) error
}

// Directory resolves a Slack user group to its members' user ids.
type Directory interface {
	GroupMembers(ctx context.Context, group string) ([]string, error)
}

// HomePublisher publishes a person's App Home tab (the Socket Mode
// adapter, which asks the engine for the items).
type HomePublisher interface {
	PublishHome(ctx context.Context, user string) error
}

// interactState is the engine's state for answers; its zero value is
// ready.
type interactState struct {
	// home is the adapter while it runs: buttons go on messages, and
	// homes are published, only then.
	home atomic.Pointer[homeRef]

	mu    sync.Mutex
	locks map[string]*keyLock // one answer per ticket at a time
	// snoozed are the snoozes the last scans read on the tickets' trails.
	snoozed map[string]handoff.Snooze
	// index is the last list of everyone's open items (home.go).
	index     map[string][]ports.Item
	indexAt   time.Time
	published map[string]string // user -> what their tab shows (a digest)
}

type homeRef struct{ p HomePublisher }

type keyLock struct {
	mu    sync.Mutex
	users int
}

// SetInteractive says whether people can answer from Slack now: with a
// publisher (the Socket Mode adapter, running) the engine puts buttons on
// its reminders, heads-ups, escalations and validation requests and keeps
// the App Home tabs fresh; with nil (the adapter stopped) it shows no
// button, since a click nobody answers is an error in Slack.
func (e *Engine) SetInteractive(p HomePublisher) {
	if p == nil {
		e.ix.home.Store(nil)
		return
	}
	e.ix.home.Store(&homeRef{p: p})
}

// interactive reports whether buttons go on messages now.
func (e *Engine) interactive() bool {
	return e.ix.home.Load() != nil && e.opt.Interact.Actions != nil
}

// Answers is the engine as the Socket Mode adapter sees it: the requests
// people make from Slack and the views they read.
type Answers struct{ e *Engine }

// Answers returns the engine's answers to people in Slack.
func (e *Engine) Answers() *Answers { return &Answers{e: e} }

// errNoAnswers is the error of an engine built without InteractOptions.
var errNoAnswers = errors.New("scheduler: answers from Slack are not configured (no action log)")

// lock serialises answers about one ticket (a double submit, two people
// at once), so that the second sees what the first wrote.
func (e *Engine) lockKey(key string) func() {
	e.ix.mu.Lock()
	if e.ix.locks == nil {
		e.ix.locks = map[string]*keyLock{}
	}
	l := e.ix.locks[key]
	if l == nil {
		l = &keyLock{}
		e.ix.locks[key] = l
	}
	l.users++
	e.ix.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		e.ix.mu.Lock()
		if l.users--; l.users == 0 {
			delete(e.ix.locks, key)
		}
		e.ix.mu.Unlock()
	}
}

// found is a ticket read for an answer.
type found struct {
	t     ports.Ticket
	p     Project
	ev    handoff.Evaluation
	owner ports.Recipient // the owner in Slack (zero when none is named)
	c     *cycle
}

// read reads one ticket now from whichever project holds it and
// evaluates it; ErrNotFound when no project does.
func (e *Engine) read(ctx context.Context, key string) (*found, error) {
	if e.opt.Interact.Actions == nil {
		return nil, errNoAnswers
	}
	c, err := e.newCycle(ctx, "answer", true, true)
	if err != nil {
		return nil, err
	}
	var f *found
	for _, p := range e.opt.Projects {
		err := e.opt.Tracker.Scan(ctx, ports.ScanRequest{Project: p.Name, Keys: []string{key}}, func(t ports.Ticket) error {
			if f == nil && t.Input.Ticket.Key == key {
				f = &found{t: t, p: p, c: c}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("%s: read from jira: %w", key, err)
		}
		if f != nil {
			break
		}
	}
	if f == nil {
		return nil, fmt.Errorf("%s: %w", key, ports.ErrNotFound)
	}
	h := e.handoffOf(f.p, f.t)
	f.ev = handoff.Evaluate(h, f.p.Policy, c.now, e.opt.Location)
	if h.Scope.Owner.Present() || !h.Scope.Owner.User.IsZero() {
		if f.owner, err = c.owner(ctx, h.Scope.Owner); err != nil {
			return nil, fmt.Errorf("%s: resolve the owner in slack: %w", key, err)
		}
	}
	e.noteTrail(f.t, f.ev.Lane, c.now)
	return f, nil
}

// answering takes a ticket for one answer from Slack: it holds the
// ticket's lock, reads the ticket, and checks that the person may answer
// for it. The caller calls unlock when done; on an error nothing is held.
func (e *Engine) answering(ctx context.Context, key string, by ports.Actor) (f *found, unlock func(), err error) {
	unlock = e.lockKey(key)
	if f, err = e.read(ctx, key); err == nil {
		err = e.allowed(ctx, f, by)
	}
	if err != nil {
		unlock()
		return nil, nil, err
	}
	return f, unlock, nil
}

// allowed says whether by may answer for the ticket: its owner, the
// owner's configured manager, or a configured user or member of a
// configured user group. Anyone else gets ErrNotAllowed.
func (e *Engine) allowed(ctx context.Context, f *found, by ports.Actor) error {
	o := e.opt.Interact
	if by.UserID == "" {
		return ports.ErrNotAllowed
	}
	if f.owner.Reachable && f.owner.UserID == by.UserID || slices.Contains(o.Users, by.UserID) {
		return nil
	}
	if o.Manager != nil {
		if m := o.Manager(f.p.Name, f.ev.Handoff.Scope.Owner); m == by.UserID {
			return nil
		} else if strings.Contains(m, "@") {
			r, err := f.c.owner(ctx, handoff.Person{Value: handoff.Value{Text: m}, User: handoff.User{Email: m}})
			if err == nil && r.Reachable && r.UserID == by.UserID {
				return nil
			}
		}
	}
	if o.Directory != nil {
		for _, g := range o.Groups {
			members, err := o.Directory.GroupMembers(ctx, g)
			if err != nil {
				e.log.Warn("could not read a user group to authorise an answer", "group", g, "err", err)
				continue
			}
			if slices.Contains(members, by.UserID) {
				return nil
			}
		}
	}
	e.log.Info("answer refused: not the ticket's owner, their manager or a configured user", "ticket", f.t.Input.Ticket.Key, "user", by.UserID)
	return fmt.Errorf("%s: %w", f.t.Input.Ticket.Key, ports.ErrNotAllowed)
}

// actionID is an answer's identity: the same answer (kind, ticket, item,
// person and what they gave) on the same day is one answer, however often
// Slack delivers it.
func (e *Engine) actionID(kind, key, item string, by ports.Actor, parts ...string) string {
	h := sha256.New()
	for _, s := range append([]string{kind, key, item, by.UserID, e.day(e.opt.Now())}, parts...) {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return kind + "-" + hex.EncodeToString(h.Sum(nil))[:24]
}

// record audits an answer in the ledger; existed says it was there.
func (e *Engine) record(ctx context.Context, a ports.ActionRecord) (bool, error) {
	a.At = e.opt.Now()
	existed, err := e.opt.Interact.Actions.RecordAction(ctx, a)
	if err != nil {
		return false, fmt.Errorf("%s: audit the %s: %w", a.Key, a.Kind, err)
	}
	return existed, nil
}

// note writes an answer on the ticket: a comment of its own (next the
// trail it then carries), so that whoever reads the ticket sees who did
// what, until when and why. A living comment whose id the trail does not
// know yet (it went out in an issue edit) is first edited in place to what
// it says, which finds its id: once a newer comment of the bot's is on the
// ticket, the newest would be taken for it.
func (e *Engine) note(ctx context.Context, f *found, next handoff.Trail, doc richtext.Doc, notify bool) error {
	key := f.t.Input.Ticket.Key
	tr := f.t.Trail
	if tr.CommentUnknown && !tr.Deleted {
		op := handoff.CommentEdit
		if tr.Complete {
			op = handoff.CommentComplete
		}
		o := e.textOptions(f.c.now)
		o.OwnerSlackID = f.owner.UserID
		o.Ticked = ticked(tr.Flagged, f.ev.Findings)
		applied, err := e.opt.Tracker.Apply(ctx, ports.CommentChange{Key: key, Op: op, LastWritten: tr.Written,
			Doc: texts.Comment(op, f.ev, o), Trail: tr})
		if err != nil {
			return fmt.Errorf("%s: find the living comment: %w", key, err)
		}
		tr = applied.Trail
		next.CommentID, next.CommentUnknown, next.Deleted, next.Written = tr.CommentID, tr.CommentUnknown, tr.Deleted, tr.Written
	}
	_, err := e.opt.Tracker.Apply(ctx, ports.CommentChange{Key: key, Op: handoff.CommentPost, LastWritten: tr.Written,
		Doc: doc, Notify: notify, Trail: next})
	if err != nil {
		e.opt.Metrics.apiError("jira", err)
		return fmt.Errorf("%s: write the answer on the ticket: %w", key, err)
	}
	e.opt.Metrics.sent("comment")
	return nil
}

// Recheck reads the ticket again now and runs its sync (the living
// comment and the validation request follow the ticket as it is), then
// tells the person what is still missing. On the ticket's own validation
// request (no item) the message is replaced by the new state.
func (a *Answers) Recheck(ctx context.Context, r ports.RecheckRequest) (ports.Result, error) {
	e := a.e
	f, unlock, err := e.answering(ctx, r.Key, r.By)
	if err != nil {
		return ports.Result{}, err
	}
	defer unlock()
	ev, due, err := e.syncOne(ctx, f)
	if err != nil {
		return ports.Result{}, err
	}
	if _, err := e.record(ctx, ports.ActionRecord{ID: e.actionID("recheck", r.Key, r.Item, r.By, e.opt.Now().Format("15:04")),
		Kind: "recheck", Key: r.Key, Item: r.Item, Actor: r.By.UserID, ActorName: r.By.Name}); err != nil {
		return ports.Result{}, err
	}
	o := e.textOptions(e.opt.Now())
	res := ports.Result{Reply: rechecked(ev, due, f.t.Trail.Snooze, o)}
	if r.Item == "" {
		var d richtext.Doc
		if ev.Fingerprint != "" {
			o.OwnerSlackID = f.owner.UserID
			d = texts.ValidationRequest(ev, o)
			res.Buttons = ticketButtons
		} else {
			d = texts.Complete(ev, o)
		}
		res.Update = &d
	}
	e.refreshHome(ctx, r.By.UserID)
	return res, nil
}

// syncOne runs the sync for one ticket, as the scheduled sync would (the
// same decisions, the ledger's exactly-once), and returns the evaluation
// and what is due. A sync of the whole scope running at that moment holds
// the sync lock: it is waited for, within ctx.
//
// (A targeted recheck for Jira's webhooks is coming as Engine.Recheck;
// this is the minimal one-key sync the buttons need meanwhile.)
func (e *Engine) syncOne(ctx context.Context, f *found) (handoff.Evaluation, []handoff.Due, error) {
	key := f.t.Input.Ticket.Key
	for wait := 200 * time.Millisecond; ; wait = min(2*wait, 2*time.Second) {
		rep, err := e.Sync(ctx, SyncOptions{Project: f.p.Name, Keys: []string{key}, Keep: true, CountsOnly: true})
		if errors.Is(err, ErrBusy) {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return handoff.Evaluation{}, nil, fmt.Errorf("%s: recheck: %w", key, err)
			case <-t.C:
			}
			continue
		}
		if err != nil {
			return handoff.Evaluation{}, nil, fmt.Errorf("%s: recheck: %w", key, err)
		}
		for _, r := range rep.Results {
			if r.Evaluation.Handoff.Ticket.Key == key {
				return r.Evaluation, r.Due, nil
			}
		}
		return handoff.Evaluation{}, nil, fmt.Errorf("%s: recheck: %w", key, ports.ErrNotFound)
	}
}

// The buttons each kind of message carries.
var (
	ticketButtons   = []ports.Button{ports.ButtonRecheck, ports.ButtonSnooze, ports.ButtonDisown}
	overdueButtons  = []ports.Button{ports.ButtonSnooze, ports.ButtonRecheck, ports.ButtonDisown}
	headsUpButtons  = []ports.Button{ports.ButtonAcknowledge, ports.ButtonSnooze, ports.ButtonDisown}
	escalateButtons = []ports.Button{ports.ButtonSnooze, ports.ButtonRecheck}
)

// validationButtons are the buttons of a ticket's validation request
// (none while nobody can answer them).
func (e *Engine) validationButtons(key string) []ports.ButtonRow {
	if !e.interactive() {
		return nil
	}
	return []ports.ButtonRow{{Key: key, Buttons: ticketButtons}}
}

// dueButtons are the buttons of a reminder and heads-up: one row per
// item (none while nobody can answer them).
func (e *Engine) dueButtons(remind, soon []handoff.DueBrief) []ports.ButtonRow {
	if !e.interactive() {
		return nil
	}
	var rows []ports.ButtonRow
	for _, d := range remind {
		rows = append(rows, ports.ButtonRow{Key: d.Key, Item: d.ItemKey(), Buttons: overdueButtons})
	}
	for _, d := range soon {
		rows = append(rows, ports.ButtonRow{Key: d.Key, Item: d.ItemKey(), Buttons: headsUpButtons})
	}
	return rows
}

// escalationButtons are the buttons of an escalation: its reader (a
// manager) may snooze or recheck each item.
func (e *Engine) escalationButtons(items []handoff.DueBrief) []ports.ButtonRow {
	if !e.interactive() {
		return nil
	}
	rows := make([]ports.ButtonRow, 0, len(items))
	for _, d := range items {
		rows = append(rows, ports.ButtonRow{Key: d.Key, Item: d.ItemKey(), Buttons: escalateButtons})
	}
	return rows
}
