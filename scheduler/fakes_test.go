package scheduler

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/ports"
)

// The fakes below are small in-memory stand-ins for the ports; the
// connectors themselves are tested against fake servers, and the
// end-to-end tests run the real connectors.

type fakeTracker struct {
	mu       sync.Mutex
	tickets  map[string]*ports.Ticket
	order    []string
	scanErr  error
	pubErr   map[string]error
	scans    []ports.ScanRequest
	comments map[string]int // changes applied per ticket
	changes  []ports.CommentChange
	label    string // the label kept on incomplete handoffs ("": none)
	// outcome, when set for a ticket, is what Apply reports for it.
	outcome map[string]ports.Outcome
	now     func() time.Time
	// onScan, when set, is called before each ticket is handed over,
	// with how many were handed over before it.
	onScan func(seen int)
	// again names a ticket handed over a second time at the end of the
	// scan, as read at its start (edited while the scan ran).
	again string
}

func newFakeTracker(now func() time.Time) *fakeTracker {
	return &fakeTracker{tickets: map[string]*ports.Ticket{}, pubErr: map[string]error{}, comments: map[string]int{}, now: now}
}

func (f *fakeTracker) put(in handoff.Input) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := in.Ticket.Key
	if t, ok := f.tickets[k]; ok {
		t.Input = in
		return
	}
	f.tickets[k] = &ports.Ticket{Input: in}
	f.order = append(f.order, k)
}

func (f *fakeTracker) Scan(ctx context.Context, req ports.ScanRequest, fn func(ports.Ticket) error) error {
	f.mu.Lock()
	f.scans = append(f.scans, req)
	if f.scanErr != nil {
		err := f.scanErr
		f.mu.Unlock()
		return err
	}
	var list []ports.Ticket
	for _, k := range f.order {
		t := f.tickets[k]
		if len(req.Keys) > 0 && !slices.Contains(req.Keys, k) {
			continue
		}
		if !req.UpdatedSince.IsZero() && t.Input.Ticket.Updated.Before(req.UpdatedSince) {
			continue
		}
		c := *t
		c.Trail.Flagged = slices.Clone(t.Trail.Flagged)
		list = append(list, c)
	}
	onScan := f.onScan
	for _, t := range list {
		if t.Input.Ticket.Key == f.again {
			t.Input.Ticket.Updated = t.Input.Ticket.Updated.Add(time.Minute)
			list = append(list, t)
			break
		}
	}
	f.mu.Unlock()
	for i, t := range list {
		if onScan != nil {
			onScan(i)
		}
		if err := fn(t); err != nil {
			return err
		}
	}
	return nil
}

// Apply carries out a decided change as the Jira adapter would: the
// trail as given, with the comment's id (a new one for a post), the label
// and the write's time.
func (f *fakeTracker) Apply(ctx context.Context, c ports.CommentChange) (ports.Applied, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.tickets[c.Key]
	if err := f.pubErr[c.Key]; err != nil {
		return ports.Applied{Trail: t.Trail}, err
	}
	f.changes = append(f.changes, c)
	tr := c.Trail
	out := ports.OutcomeTrailOnly
	switch c.Op {
	case handoff.CommentPost, handoff.CommentReopen:
		tr.CommentID, tr.CommentUnknown, out = fmt.Sprintf("c-%s-%d", c.Key, len(f.changes)), false, ports.OutcomePosted
	case handoff.CommentEdit, handoff.CommentComplete:
		if tr.CommentID == "" {
			tr.CommentID = t.Trail.CommentID
		}
		tr.CommentUnknown, out = false, ports.OutcomeEdited
	}
	if o, ok := f.outcome[c.Key]; ok {
		out = o
	}
	switch c.Label {
	case ports.LabelAdd:
		t.Input.Ticket.Labels = append(t.Input.Ticket.Labels, f.label)
	case ports.LabelRemove:
		t.Input.Ticket.Labels = slices.DeleteFunc(t.Input.Ticket.Labels, func(l string) bool { return l == f.label })
	}
	tr.Written = f.now()
	t.Trail = tr
	t.Input.Ticket.Updated = f.now() // the bot's write bumps updated, as in Jira
	f.comments[c.Key]++
	return ports.Applied{Trail: tr, Outcome: out}, nil
}

func (f *fakeTracker) Label() string { return f.label }

type sentMsg struct {
	ports.Message
	ports.Receipt
}

type fakeMessenger struct {
	mu      sync.Mutex
	users   map[string]string // owner key (account id / email / text) -> slack id
	sent    []sentMsg
	sendErr error
	// dropAfterSend simulates a connection lost after Slack stored the post.
	dropAfterSend int
	seq           int
	// afterSend, when set, is called after each successful post with how
	// many were made.
	afterSend func(n int)
}

func newFakeMessenger() *fakeMessenger { return &fakeMessenger{users: map[string]string{}} }

func (f *fakeMessenger) Owner(ctx context.Context, p handoff.Person) (ports.Recipient, error) {
	for _, k := range []string{p.User.AccountID, p.User.Email, p.Text} {
		if id, ok := f.users[k]; ok && k != "" {
			return ports.Recipient{UserID: id, Reachable: true, Name: p.Text}, nil
		}
	}
	return ports.Recipient{Channel: "#patch-fallback", Name: p.Text}, nil
}

func (f *fakeMessenger) Send(ctx context.Context, m ports.Message) (ports.Receipt, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sendErr != nil {
		return ports.Receipt{}, f.sendErr
	}
	f.seq++
	ch := m.To.Channel
	if ch == "" {
		ch = "D-" + m.To.UserID
	}
	r := ports.Receipt{Channel: ch, TS: fmt.Sprintf("%d.%06d", 1700000000+f.seq, f.seq), Parts: 1}
	f.sent = append(f.sent, sentMsg{m, r})
	if f.dropAfterSend > 0 {
		f.dropAfterSend--
		return ports.Receipt{}, errors.New("connection reset by peer")
	}
	if f.afterSend != nil {
		f.afterSend(len(f.sent))
	}
	return r, nil
}

func (f *fakeMessenger) Update(ctx context.Context, r ports.Receipt, m ports.Message) error {
	return nil
}

func (f *fakeMessenger) Lookup(ctx context.Context, to ports.Recipient, ref string, since time.Time) (ports.Receipt, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.sent {
		if s.Ref == ref {
			return s.Receipt, true, nil
		}
	}
	return ports.Receipt{}, false, nil
}

func (f *fakeMessenger) count(kindPrefix string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, s := range f.sent {
		if strings.HasPrefix(s.Ref, kindPrefix) {
			n++
		}
	}
	return n
}

func (f *fakeMessenger) refs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, s := range f.sent {
		out = append(out, s.Ref)
	}
	return out
}

type memLedger struct {
	mu         sync.Mutex
	sends      []ports.Send
	threads    map[string]ports.Receipt
	marks      map[string]time.Time
	runs       map[string]time.Time
	snoozes    map[string]time.Time
	failIntend error
	// failDone fails Done and DoneAll; failDoneAll fails DoneAll only.
	failDone, failDoneAll error
	// calls counts IntendAll, DoneAll and Threads by name.
	calls map[string]int
}

func newMemLedger() *memLedger {
	return &memLedger{calls: map[string]int{}, threads: map[string]ports.Receipt{}, marks: map[string]time.Time{}, runs: map[string]time.Time{}, snoozes: map[string]time.Time{}}
}

// plug sets every ledger port of opt to l, as the app does with the store.
func (l *memLedger) plug(opt *Options) {
	opt.Sends, opt.Intents, opt.History, opt.Threads = l, l, l, l
	opt.Watermarks, opt.Runs, opt.Snoozes = l, l, l
}

func (l *memLedger) Intend(ctx context.Context, s ports.Send) (ports.Send, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failIntend != nil {
		return ports.Send{}, false, l.failIntend
	}
	for _, x := range l.sends {
		if x.Ref == s.Ref {
			return x, true, nil
		}
	}
	s.ID = int64(len(l.sends) + 1)
	l.sends = append(l.sends, s)
	return s, false, nil
}

func (l *memLedger) Done(ctx context.Context, id int64, r ports.Receipt, at time.Time, thread string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failDone != nil {
		return l.failDone
	}
	for i := range l.sends {
		if l.sends[i].ID == id {
			l.sends[i].Done, l.sends[i].Channel, l.sends[i].TS = at, r.Channel, r.TS
			if thread != "" {
				l.threads[thread] = r
			}
			return nil
		}
	}
	return fmt.Errorf("no send %d", id)
}

func (l *memLedger) IntendAll(ctx context.Context, ss []ports.Send) ([]ports.Intended, error) {
	if err := ctx.Err(); err != nil {
		return nil, err // as database/sql does
	}
	l.mu.Lock()
	l.calls["IntendAll"]++
	n := len(l.sends)
	l.mu.Unlock()
	out := make([]ports.Intended, len(ss))
	for i, s := range ss {
		rec, existed, err := l.Intend(ctx, s)
		if err != nil {
			l.mu.Lock()
			l.sends = l.sends[:n] // all or none
			l.mu.Unlock()
			return nil, err
		}
		out[i] = ports.Intended{Send: rec, Existed: existed}
	}
	return out, nil
}

// DoneAll is all or none, like the store's.
func (l *memLedger) DoneAll(ctx context.Context, cs []ports.Completion) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l.mu.Lock()
	l.calls["DoneAll"]++
	err := cmp.Or(l.failDone, l.failDoneAll)
	for _, c := range cs {
		if !slices.ContainsFunc(l.sends, func(s ports.Send) bool { return s.ID == c.ID }) {
			err = cmp.Or(err, fmt.Errorf("no send %d", c.ID))
		}
	}
	l.mu.Unlock()
	if err != nil {
		return err
	}
	for _, c := range cs {
		if err := l.Done(ctx, c.ID, c.Receipt, c.At, c.Thread); err != nil {
			return err
		}
	}
	return nil
}

func (l *memLedger) Threads(ctx context.Context, keys []string) (map[string]ports.Receipt, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls["Threads"]++
	out := map[string]ports.Receipt{}
	for _, k := range keys {
		if r, ok := l.threads[k]; ok {
			out[k] = r
		}
	}
	return out, nil
}

func (l *memLedger) Forget(ctx context.Context, id int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sends = slices.DeleteFunc(l.sends, func(s ports.Send) bool { return s.ID == id && s.Done.IsZero() })
	return nil
}

func (l *memLedger) Open(ctx context.Context) ([]ports.Send, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []ports.Send
	for _, s := range l.sends {
		if s.Done.IsZero() {
			out = append(out, s)
		}
	}
	return out, nil
}

func (l *memLedger) History(ctx context.Context, item string) ([]ports.Send, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []ports.Send
	for _, s := range l.sends {
		if !s.Done.IsZero() && slices.Contains(s.Items, item) {
			out = append(out, s)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Done.Before(out[j].Done) })
	return out, nil
}

func (l *memLedger) Thread(ctx context.Context, key string) (ports.Receipt, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r, ok := l.threads[key]
	return r, ok, nil
}

func (l *memLedger) SetThread(ctx context.Context, key string, r ports.Receipt) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.threads[key] = r
	return nil
}

func (l *memLedger) Watermark(ctx context.Context, p string) (time.Time, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.marks[p], nil
}

func (l *memLedger) SetWatermark(ctx context.Context, p string, t time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.marks[p] = t
	return nil
}

func (l *memLedger) LastRun(ctx context.Context, job string) (time.Time, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.runs[job], nil
}

func (l *memLedger) SetLastRun(ctx context.Context, job string, t time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.runs[job] = t
	return nil
}

func (l *memLedger) Snooze(ctx context.Context, key string, until time.Time, by string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.snoozes[key] = until
	return nil
}

func (l *memLedger) SnoozedUntil(ctx context.Context, key string) (time.Time, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.snoozes[key], nil
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
