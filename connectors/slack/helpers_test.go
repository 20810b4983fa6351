package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchbot/patchbot/connectors/slack/slacktest"
	"github.com/patchbot/patchbot/handoff/render/blockkit"
	"github.com/patchbot/patchbot/handoff/richtext"
)

// fakeClock is a clock tests own: Sleep advances it and records the wait.
type fakeClock struct {
	mu    sync.Mutex
	t     time.Time
	slept []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.slept = append(c.slept, d)
		c.t = c.t.Add(d)
	}
	return ctx.Err()
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Slept is the total and the list of waits so far.
func (c *fakeClock) Slept() (time.Duration, []time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var total time.Duration
	for _, d := range c.slept {
		total += d
	}
	return total, append([]time.Duration(nil), c.slept...)
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// env is one test's fake Slack, clock and connector.
type env struct {
	srv  *slacktest.Server
	clk  *fakeClock
	logs *syncBuffer
	opts Options
	c    *Connector

	sec, fallback, escalation string // channel ids
}

// The workspace every test starts with.
const (
	alice = "U0ALICE01" // alice@example.com
	bob   = "U0BOB0001" // no email in Slack
	carol = "U0CAROL01" // carol@example.com, deactivated
	dave  = "U0DAVE001" // dave@example.com
)

// newEnv starts a fake Slack and a connector on a fake clock; mod edits
// the options before New. The connector is nil when New failed (the error
// is returned).
func newEnv(t *testing.T, mod func(*Options)) (*env, error) {
	t.Helper()
	srv := slacktest.New()
	t.Cleanup(srv.Close)
	e := &env{srv: srv, clk: newFakeClock(), logs: &syncBuffer{}}
	srv.SetClock(e.clk.Now)
	e.sec = srv.AddChannel("sec-patching")
	e.fallback = srv.AddChannel("patch-fallback")
	e.escalation = srv.AddChannel("sec-escalations")
	srv.AddUser(slacktest.User{ID: alice, Name: "alice", RealName: "Alice Admin", Email: "alice@example.com"})
	srv.AddUser(slacktest.User{ID: bob, Name: "bob", RealName: "Bob Builder"})
	srv.AddUser(slacktest.User{ID: carol, Name: "carol", RealName: "Carol Gone", Email: "carol@example.com", Deleted: true})
	srv.AddUser(slacktest.User{ID: dave, Name: "dave", RealName: "Dave Ops", Email: "dave@example.com"})
	e.opts = Options{
		Token:             slacktest.DefaultToken,
		APIURL:            srv.URL(),
		FallbackChannel:   "#patch-fallback",
		EscalationChannel: "#sec-escalations",
		Logger:            slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:               e.clk.Now,
		Sleep:             e.clk.Sleep,
	}
	if mod != nil {
		mod(&e.opts)
	}
	t.Cleanup(func() {
		if strings.Contains(e.logs.String(), e.opts.Token) {
			t.Errorf("the token appears in the logs:\n%s", e.logs.String())
		}
	})
	c, err := New(context.Background(), e.opts)
	e.c = c
	return e, err
}

// mustEnv is newEnv that fails the test when New fails, with the test
// renderer installed.
func mustEnv(t *testing.T, mod func(*Options)) *env {
	t.Helper()
	e, err := newEnv(t, mod)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e.c.render = blockRender
	return e
}

// blockRender is a naive Block Kit renderer for tests: a header, then one
// section per paragraph and per list item, all in ONE message however
// long, so the connector's own splitting is exercised. It escapes text the
// way Slack asks (&, <, >).
func blockRender(d richtext.Doc) []blockkit.Message {
	esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	inl := func(in []richtext.Inline) string {
		var b strings.Builder
		for _, x := range in {
			if x.Kind == richtext.InlineMention && x.SlackID != "" {
				fmt.Fprintf(&b, "<@%s>", x.SlackID)
				continue
			}
			b.WriteString(esc.Replace(x.Text))
		}
		return b.String()
	}
	section := func(s string) map[string]any {
		return map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": s}}
	}
	var blocks []map[string]any
	if d.Title != "" {
		blocks = append(blocks, map[string]any{"type": "header", "text": map[string]any{"type": "plain_text", "text": d.Title}})
	}
	for _, b := range d.Blocks {
		switch b.Kind {
		case richtext.BlockList:
			for _, it := range b.Items {
				blocks = append(blocks, section("• "+inl(it.Inlines)))
			}
		default:
			blocks = append(blocks, section(inl(b.Inlines)))
		}
	}
	raw, _ := json.Marshal(blocks)
	return []blockkit.Message{{Text: esc.Replace(d.Summary), Blocks: raw}}
}

// para builds a one-paragraph Doc.
func para(title, text string) richtext.Doc {
	return richtext.Doc{
		Title: title, Summary: title,
		Blocks: []richtext.Block{{Kind: richtext.BlockParagraph, Inlines: []richtext.Inline{{Text: text}}}},
	}
}

// digestDoc builds a digest-like Doc with n list items.
func digestDoc(n int) richtext.Doc {
	items := make([]richtext.Item, n)
	for i := range items {
		items[i] = richtext.Item{Inlines: []richtext.Inline{{Text: fmt.Sprintf("SEC-%d review date passed (owner Alice Admin, lane patch now)", i+1)}}}
	}
	return richtext.Doc{
		Title:   "Overdue patch handoffs",
		Summary: fmt.Sprintf("%d overdue items", n),
		Blocks: []richtext.Block{
			{Kind: richtext.BlockParagraph, Inlines: []richtext.Inline{{Text: "Weekly digest, grouped by owner and lane."}}},
			{Kind: richtext.BlockList, Items: items},
		},
	}
}
