package faulttest

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchbot/patchbot/cmd/patchbot/app"
	"github.com/patchbot/patchbot/cmd/patchbot/demo"
	"github.com/patchbot/patchbot/connectors/slack/slacktest"
	"github.com/patchbot/patchbot/handoff/render/plain"
	"github.com/patchbot/patchbot/scheduler"
)

// tuesday is 10:00 on a Tuesday in Berlin, far from midnight and DST.
var tuesday = time.Date(2026, 11, 24, 10, 0, 0, 0, mustZone("Europe/Berlin"))

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// rig is a demo world whose daemon is rebuilt with test dependencies: logs
// captured, waits recorded instead of slept, and optional HTTP timeouts.
type rig struct {
	*demo.World
	t    *testing.T
	logs *lockedBuffer
	// jira is a connection-resetting proxy in front of the fake Jira; the
	// daemon talks to Jira through it.
	jira *resetProxy
	// waits are the durations the connectors asked to sleep.
	waitMu sync.Mutex
	waits  []time.Duration
	// client, when set, is the HTTP client of both connectors (see
	// slackTimeout; the Jira timeout comes from jira.timeout).
	client *http.Client
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// newRig starts a demo world at tuesday with its ledger in a test
// directory, Jira behind a resetting proxy, and rebuilds its daemon with the
// test's dependencies.
func newRig(t *testing.T) *rig {
	t.Helper()
	return newRigWith(t, nil)
}

// newRigWith is newRig with a hook that adjusts the rig before the daemon
// is built.
func newRigWith(t *testing.T, adjust func(*rig)) *rig {
	t.Helper()
	w, err := demo.NewWorld(context.Background(), demo.Options{Now: tuesday, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	r := &rig{World: w, t: t, logs: &lockedBuffer{}, jira: newResetProxy(w.Jira.URL)}
	t.Cleanup(r.jira.Close)
	w.Config.Jira.URL = r.jira.URL
	// The fakes need no politeness; Jira's 10 requests a second would make
	// each case wait seconds for nothing.
	w.Config.Jira.RequestsPerSecond = 1000
	if adjust != nil {
		adjust(r)
	}
	r.restart()
	return r
}

// restart closes the daemon and builds a new one over the same config,
// ledger and fakes, as a process restart does.
func (r *rig) restart() {
	r.t.Helper()
	if err := r.rebuild(); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rig) rebuild() error {
	if r.App != nil {
		if err := r.App.Close(); err != nil {
			return err
		}
		r.App = nil
	}
	logger := slog.New(slog.NewTextHandler(r.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := app.Build(context.Background(), r.Config, app.Deps{
		Logger: logger, Now: r.Clock.Now, HTTPClient: r.client,
		Sleep: func(ctx context.Context, d time.Duration) error {
			r.waitMu.Lock()
			r.waits = append(r.waits, d)
			r.waitMu.Unlock()
			return ctx.Err()
		},
	})
	if err != nil {
		return err
	}
	r.App = a
	return nil
}

// maxWait is the longest wait a connector asked for.
func (r *rig) maxWait() time.Duration {
	r.waitMu.Lock()
	defer r.waitMu.Unlock()
	var m time.Duration
	for _, d := range r.waits {
		m = max(m, d)
	}
	return m
}

// secrets are the strings that must never appear in an error or a log:
// both tokens and the Basic credentials built from the Jira one.
func (r *rig) secrets() []string {
	jt, st := r.Config.Jira.Token.Value(), r.Config.Slack.Token.Value()
	return []string{jt, st, base64.StdEncoding.EncodeToString([]byte(r.Config.Jira.Email + ":" + jt))}
}

// noSecrets fails when a text shows a token.
func (r *rig) noSecrets(what, text string) {
	r.t.Helper()
	for _, s := range r.secrets() {
		if strings.Contains(text, s) {
			r.t.Errorf("%s shows a token", what)
		}
	}
}

// ref is the ledger reference a Slack message carries in its metadata.
func ref(m slacktest.Message) string {
	if m.Metadata == nil {
		return ""
	}
	s, _ := m.Metadata.EventPayload["ref"].(string)
	return s
}

// refCounts counts Slack messages by ref, for refs with one of the
// prefixes. A digest split in parts carries its ref on every part; only
// top-level messages and the first part are counted.
func refCounts(s *slacktest.Server, prefixes ...string) map[string]int {
	out := map[string]int{}
	for _, m := range s.All() {
		r := ref(m)
		if r == "" || m.Metadata != nil && part(m) > 1 {
			continue
		}
		for _, p := range prefixes {
			if strings.HasPrefix(r, p) {
				out[r]++
				break
			}
		}
	}
	return out
}

// part is a message's part number in a split message (1 when unsplit).
func part(m slacktest.Message) int {
	switch n := m.Metadata.EventPayload["part"].(type) {
	case float64:
		return int(n)
	case int:
		return n
	}
	return 1
}

// botComments counts the comments the bot wrote on each ticket.
func botComments(r *demo.World, keys []string) map[string]int {
	out := map[string]int{}
	bot := r.Jira.Bot().AccountID
	for _, k := range keys {
		is, ok := r.Jira.Issue(k)
		if !ok {
			continue
		}
		for _, c := range is.Comments {
			if c.Author.AccountID == bot {
				out[k]++
			}
		}
	}
	return out
}

// expectation is what a sync and a nag should leave behind, from a
// dry-run plan computed before any fault.
type expectation struct {
	tickets []string        // every ticket read
	flagged map[string]bool // tickets that get one comment
	// validation are the planned validation refs; reminders the planned
	// nag and escalation refs.
	validation map[string]bool
	reminders  map[string]bool
	// items are the tickets each reminder names: a reminder sent once but
	// missing an item loses that item for the day.
	items map[string]map[string]bool
}

var ticketKey = regexp.MustCompile(`\b(?:SEC|OPS)-\d+\b`)

// keysIn lists the ticket keys a text names.
func keysIn(texts ...string) map[string]bool {
	out := map[string]bool{}
	for _, t := range texts {
		for _, k := range ticketKey.FindAllString(t, -1) {
			out[k] = true
		}
	}
	return out
}

// planOf dry-runs a full sync (with each ticket kept) and a nag.
func planOf(t *testing.T, e *scheduler.Engine, o scheduler.SyncOptions) expectation {
	t.Helper()
	ctx := context.Background()
	o.Full, o.DryRun, o.Keep = true, true, true
	rep, err := e.Sync(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	x := expectation{flagged: map[string]bool{}, validation: map[string]bool{}, reminders: map[string]bool{}, items: map[string]map[string]bool{}}
	for _, res := range rep.Results {
		k := res.Evaluation.Handoff.Ticket.Key
		x.tickets = append(x.tickets, k)
		if res.Evaluation.Fingerprint != "" {
			x.flagged[k] = true
		}
	}
	for _, a := range rep.Actions {
		if a.Kind == scheduler.ActSlack && a.Send == "validation" {
			x.validation[a.Ref] = true
		}
	}
	nag, err := e.Nag(ctx, scheduler.NagOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range nag.Actions {
		x.reminders[a.Ref] = true
		x.items[a.Ref] = keysIn(plain.Render(a.Doc))
	}
	if len(x.flagged) < 10 || len(x.validation) != len(x.flagged) || len(x.reminders) < 3 {
		t.Fatalf("the plan is too thin to prove anything: %d flagged, %d validation requests, %d reminders",
			len(x.flagged), len(x.validation), len(x.reminders))
	}
	return x
}

// check compares what the fakes hold with the plan: one comment per
// flagged ticket and none on the others, each planned Slack message
// exactly once and no other. withNag says whether the nag ran.
func (x expectation) check(t *testing.T, w *demo.World, withNag bool) {
	t.Helper()
	comments := botComments(w, x.tickets)
	for _, k := range x.tickets {
		want := 0
		if x.flagged[k] {
			want = 1
		}
		if comments[k] != want {
			t.Errorf("%s: %d bot comments, want %d", k, comments[k], want)
		}
	}
	compareRefs(t, "validation request", refCounts(w.Slack, "validation/"), x.validation)
	if withNag {
		compareRefs(t, "reminder", refCounts(w.Slack, "nag/", "escalation/"), x.reminders)
		for _, m := range w.Slack.All() {
			want, ok := x.items[ref(m)]
			if !ok || part(m) > 1 {
				continue
			}
			if got := keysIn(m.Texts()...); !maps.Equal(got, want) {
				t.Errorf("%s names %v, want %v", ref(m), sortedKeys(got), sortedKeys(want))
			}
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func compareRefs(t *testing.T, what string, got map[string]int, want map[string]bool) {
	t.Helper()
	var extra, missing, twice []string
	for r, n := range got {
		switch {
		case !want[r]:
			extra = append(extra, r)
		case n > 1:
			twice = append(twice, r)
		}
	}
	for r := range want {
		if got[r] == 0 {
			missing = append(missing, r)
		}
	}
	sort.Strings(extra)
	sort.Strings(missing)
	sort.Strings(twice)
	if len(extra)+len(missing)+len(twice) > 0 {
		t.Errorf("%ss: %d sent, %d planned; unplanned %v, missing %v, sent more than once %v",
			what, len(got), len(want), extra, missing, twice)
	}
}

// errText is an error's text, "" for nil.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// isPartial reports whether err says the cycle was incomplete.
func isPartial(err error) bool { return errors.Is(err, scheduler.ErrPartial) }

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// containsAny reports whether text contains one of the |-separated
// alternatives (Go words a timeout differently by where it struck).
func containsAny(text, alts string) bool {
	for _, a := range strings.Split(alts, "|") {
		if strings.Contains(text, a) {
			return true
		}
	}
	return false
}

// jiraTimeout rebuilds the daemon with jira.timeout set to d (0 restores
// the default). It bounds every Jira request, the start-up check of the
// bot's user included, so d must leave a good request room under the race
// detector on two busy cores: a second did not (a good request timed out
// and the case failed at random). Slack keeps its own timeout.
func (r *rig) jiraTimeout(d time.Duration) {
	r.t.Helper()
	r.client = nil
	r.Config.Jira.Timeout = 30 * time.Second
	if d > 0 {
		r.Config.Jira.Timeout = d
	}
	r.restart()
}

// slackTimeout rebuilds the daemon with every call of one Slack method
// given up after d, as the client's timeout would (0 restores the
// defaults). Only that method's calls get it: the Slack lookups between
// tries and every Jira request keep their own timeouts, which a good
// request under the race detector on two busy cores can take longer than
// a second to meet (a shared short client failed the case at random with
// a Jira search timed out instead of the Slack post).
func (r *rig) slackTimeout(method string, d time.Duration) {
	r.t.Helper()
	r.client = nil
	r.Config.Jira.Timeout = 30 * time.Second
	if d > 0 {
		r.client = &http.Client{Transport: &timeoutOn{method: method, d: d, base: http.DefaultTransport}}
	}
	r.restart()
}

// timeoutOn gives up on calls of one Slack method after d, like an
// http.Client timeout (the deadline covers the body too); other requests
// pass through untouched.
type timeoutOn struct {
	method string
	d      time.Duration
	base   http.RoundTripper
}

func (t *timeoutOn) RoundTrip(req *http.Request) (*http.Response, error) {
	if !strings.HasSuffix(req.URL.Path, "/"+t.method) {
		return t.base.RoundTrip(req)
	}
	ctx, cancel := context.WithTimeout(req.Context(), t.d)
	resp, err := t.base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

// concurrently runs subtests on up to width goroutines at once. Subtests
// started with t.Parallel are held to -parallel (GOMAXPROCS, 2 in CI);
// these mostly wait on loopback HTTP, so more of them fit at once.
func concurrently(t *testing.T, width int, run func(sub func(name string, f func(t *testing.T)))) {
	t.Helper()
	var wg sync.WaitGroup
	sem := make(chan struct{}, width)
	run(func(name string, f func(t *testing.T)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			t.Run(name, f)
		}()
	})
	wg.Wait()
}
