package interact

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/patchbot/patchbot/connectors/slack/slacktest"
	"github.com/patchbot/patchbot/handoff/richtext"
)

// Test users: alice owns the tickets, bob does not.
const (
	alice = "U0ALICE"
	bob   = "U0BOB"
)

// hostile is text a person might type that must stay text.
const hostile = "<!channel> *bold* <https://evil|x> {code} @here & <@U0BOB>"

// call is one engine call as the fake engine saw it.
type call struct {
	method string
	key    string // the key, or the item for Acknowledge
	item   string // the item of a Recheck
	by     Actor
	snooze SnoozeRequest
	disown DisownRequest
}

// fakeEngine records calls and answers with its fields. A method's gate,
// when set, holds the call until the test closes it; started hears of
// every call as it begins.
type fakeEngine struct {
	mu      sync.Mutex
	calls   []call
	started chan string

	recheck func(key string, by Actor) (Result, error)
	ack     func(item string, by Actor) (Result, error)
	snooze  func(r SnoozeRequest) (Result, error)
	disown  func(r DisownRequest) (Result, error)
	mine    func(by Actor) ([]Item, error)
	status  func(key string, by Actor) (richtext.Doc, error)
	gate    chan struct{}
}

func newEngine() *fakeEngine { return &fakeEngine{started: make(chan string, 64)} }

func (e *fakeEngine) record(ctx context.Context, c call) error {
	e.mu.Lock()
	e.calls = append(e.calls, c)
	gate := e.gate
	e.mu.Unlock()
	e.started <- c.method
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func (e *fakeEngine) Recheck(ctx context.Context, r RecheckRequest) (Result, error) {
	if err := e.record(ctx, call{method: "Recheck", key: r.Key, by: r.By, item: r.Item}); err != nil {
		return Result{}, err
	}
	if e.recheck != nil {
		return e.recheck(r.Key, r.By)
	}
	return Result{}, nil
}

func (e *fakeEngine) Acknowledge(ctx context.Context, item string, by Actor) (Result, error) {
	if err := e.record(ctx, call{method: "Acknowledge", key: item, by: by}); err != nil {
		return Result{}, err
	}
	if e.ack != nil {
		return e.ack(item, by)
	}
	return Result{}, nil
}

func (e *fakeEngine) Snooze(ctx context.Context, r SnoozeRequest) (Result, error) {
	if err := e.record(ctx, call{method: "Snooze", key: r.Key, by: r.By, snooze: r}); err != nil {
		return Result{}, err
	}
	if e.snooze != nil {
		return e.snooze(r)
	}
	return Result{}, nil
}

func (e *fakeEngine) Disown(ctx context.Context, r DisownRequest) (Result, error) {
	if err := e.record(ctx, call{method: "Disown", key: r.Key, by: r.By, disown: r}); err != nil {
		return Result{}, err
	}
	if e.disown != nil {
		return e.disown(r)
	}
	return Result{}, nil
}

func (e *fakeEngine) Mine(ctx context.Context, by Actor) ([]Item, error) {
	if err := e.record(ctx, call{method: "Mine", by: by}); err != nil {
		return nil, err
	}
	if e.mine != nil {
		return e.mine(by)
	}
	return nil, nil
}

func (e *fakeEngine) Status(ctx context.Context, key string, by Actor) (richtext.Doc, error) {
	if err := e.record(ctx, call{method: "Status", key: key, by: by}); err != nil {
		return richtext.Doc{}, err
	}
	if e.status != nil {
		return e.status(key, by)
	}
	return richtext.Doc{}, nil
}

// callsTo returns the calls to a method.
func (e *fakeEngine) callsTo(method string) []call {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []call
	for _, c := range e.calls {
		if c.method == method {
			out = append(out, c)
		}
	}
	return out
}

func (e *fakeEngine) total() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.calls)
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// harness is the adapter running against the fake Slack.
type harness struct {
	t     *testing.T
	s     *slacktest.Server
	app   *App
	eng   *fakeEngine
	clock *clock
	ch    string
	api   *slack.Client
	ctx   context.Context // bounds the test's waits
}

// start runs the adapter against a fresh fake; tweak adjusts the options.
func start(t *testing.T, eng *fakeEngine, tweak ...func(*Options)) *harness {
	t.Helper()
	s := slacktest.New()
	t.Cleanup(s.Close)
	s.AddUser(slacktest.User{ID: alice, Name: "alice", RealName: "Alice Owner"})
	s.AddUser(slacktest.User{ID: bob, Name: "bob", RealName: "Bob Other"})
	h := &harness{t: t, s: s, eng: eng, ch: s.AddChannel("sec-patching"),
		clock: &clock{t: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)},
		api:   slack.New(slacktest.DefaultToken, slack.OptionAPIURL(s.URL()))}
	o := Options{
		BotToken: slacktest.DefaultToken, AppToken: slacktest.DefaultAppToken, APIURL: s.URL(),
		Engine: eng, Now: h.clock.now, ResponseURLPrefix: s.ResponseURLPrefix(),
	}
	for _, f := range tweak {
		f(&o)
	}
	app, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	h.app = app
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	h.ctx = ctx
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.Run(runCtx) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		cancel()
	})
	if err := s.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}
	return h
}

// settle waits until every action already acked has finished its work.
func (h *harness) settle() { h.app.work.Wait() }

// acked waits for an envelope's ack.
func (h *harness) acked(id string) slacktest.Envelope {
	h.t.Helper()
	env, err := h.s.WaitAck(h.ctx, id)
	if err != nil {
		h.t.Fatal(err)
	}
	return env
}

// post posts a bot message about SEC-1 with the given buttons and returns
// its ts.
func (h *harness) post(item string, buttons ...Button) string {
	h.t.Helper()
	blocks := []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*SEC-1* needs a rollback plan", false, true), nil, nil),
		Actions("SEC-1", item, buttons...),
	}
	_, ts, err := h.api.PostMessage(h.ch, slack.MsgOptionText("SEC-1 needs a rollback plan", false), slack.MsgOptionBlocks(blocks...))
	if err != nil {
		h.t.Fatal(err)
	}
	return ts
}

// clickOn builds a click on a button of a stored message (or view blocks),
// from the button as the adapter rendered it.
func clickOn(t *testing.T, blocks json.RawMessage, b Button) slacktest.Click {
	t.Helper()
	var bs []struct {
		Type     string `json:"type"`
		BlockID  string `json:"block_id"`
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
			Text     struct {
				Text string `json:"text"`
			} `json:"text"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(blocks, &bs); err != nil {
		t.Fatalf("blocks %s: %v", blocks, err)
	}
	for _, bl := range bs {
		for _, el := range bl.Elements {
			if el.ActionID == string(b) {
				return slacktest.Click{ActionID: el.ActionID, BlockID: bl.BlockID, Value: el.Value, Text: el.Text.Text}
			}
		}
	}
	t.Fatalf("no %s button in %s", b, blocks)
	return slacktest.Click{}
}

// click clicks a button on a message as user and returns the envelope id.
func (h *harness) click(user, ts string, b Button) string {
	h.t.Helper()
	m, ok := h.s.Message(h.ch, ts)
	if !ok {
		h.t.Fatalf("no message %s", ts)
	}
	c := clickOn(h.t, m.Blocks, b)
	c.User, c.Channel, c.MessageTS = user, h.ch, ts
	return h.s.Click(c)
}

// waitStarted waits until the engine has begun a call to method.
func (h *harness) waitStarted(method string) {
	h.t.Helper()
	for {
		select {
		case m := <-h.eng.started:
			if m == method {
				return
			}
		case <-h.ctx.Done():
			h.t.Fatalf("the engine never got %s", method)
		}
	}
}

// posts are the texts of what user was told through response URLs.
func (h *harness) posts(user string) []slacktest.ResponsePost {
	return h.s.ResponsePosts(user)
}

// allText is every text of the messages, ephemerals, response posts and
// views the fake holds, for escaping checks.
func (h *harness) allText() (texts []string, mentions []string) {
	for _, m := range h.s.All() {
		texts = append(texts, m.Texts()...)
		mentions = append(mentions, m.Mentions()...)
	}
	for _, p := range h.s.ResponsePosts("") {
		texts = append(texts, p.Message.Texts()...)
		mentions = append(mentions, p.Message.Mentions()...)
	}
	for _, e := range h.s.Ephemerals("") {
		texts = append(texts, e.Message.Texts()...)
		mentions = append(mentions, e.Message.Mentions()...)
	}
	for _, v := range h.s.Modals("") {
		vt := v.BlockTexts()
		texts = append(texts, vt...)
		mentions = append(mentions, slacktest.Message{Text: strings.Join(vt, "\n")}.Mentions()...)
	}
	return texts, mentions
}

// doc is a one-paragraph Doc of plain text.
func doc(s string) richtext.Doc { return say(richtext.Text(s)) }

func joined(m slacktest.Message) string { return strings.Join(m.Texts(), "\n") }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
