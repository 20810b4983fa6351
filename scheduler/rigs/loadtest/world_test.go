package loadtest

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patchbot/patchbot/cmd/patchbot/app"
	"github.com/patchbot/patchbot/config"
	"github.com/patchbot/patchbot/connectors/jira/jiratest"
	"github.com/patchbot/patchbot/connectors/slack/slacktest"
)

// Fake credentials: the fakes accept only these. They are not secrets.
const (
	jiraEmail = "patchbot@example.com"
	jiraToken = "load-jira-api-token"
	slackBot  = "xoxb-load-slack-bot-token"
)

// monday is the simulated day: the nag and the digest run on it, and the
// hours of Slack pacing a large first sync needs do not reach Tuesday.
var monday = time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)

// simClock is the time shared by the fakes and the daemon. The connectors'
// waits (Slack's per-channel pacing, retry backoffs) advance it instead of
// sleeping, so pacing is kept — the fake Slack checks it by this clock —
// without costing wall time, and how long the waits would have taken is
// measured.
type simClock struct {
	mu    sync.Mutex
	t     time.Time
	slept time.Duration
}

func (c *simClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *simClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func (c *simClock) Sleep(ctx context.Context, d time.Duration) error {
	if d > 0 {
		c.mu.Lock()
		c.t = c.t.Add(d)
		c.slept += d
		c.mu.Unlock()
	}
	return ctx.Err()
}

func (c *simClock) Slept() time.Duration { c.mu.Lock(); defer c.mu.Unlock(); return c.slept }

// timing sums time spent answering requests: inside the fake Jira's
// handler (wrapped), and per host as the client saw the round trip up to
// the response headers. slacktest has no handler hook, so its time is the
// round trip: handler plus loopback and the client's transport, a slight
// over-estimate of the fake's share (measured on Jira, where both exist).
//
// It also counts the Slack calls by method as the client sent them: the
// fake records a call only after answering it, so its own log can miss
// the last call of a phase.
type timing struct {
	jiraHandler atomic.Int64
	jiraRT      atomic.Int64
	slackRT     atomic.Int64
	slackHost   string
	base        http.RoundTripper

	mu      sync.Mutex
	calls   map[string]int // Slack method -> calls
	limited int            // Slack answers with HTTP 429
}

// takeSlack returns the Slack calls and 429 answers counted since the
// last take.
func (tm *timing) takeSlack() (map[string]int, int) {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	c, l := tm.calls, tm.limited
	tm.calls, tm.limited = map[string]int{}, 0
	if c == nil {
		c = map[string]int{}
	}
	return c, l
}

func (tm *timing) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		h.ServeHTTP(w, r)
		tm.jiraHandler.Add(int64(time.Since(start)))
	})
}

func (tm *timing) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := tm.base.RoundTrip(r)
	d := int64(time.Since(start))
	if r.URL.Host == tm.slackHost {
		tm.slackRT.Add(d)
		tm.mu.Lock()
		if tm.calls == nil {
			tm.calls = map[string]int{}
		}
		tm.calls[strings.TrimPrefix(r.URL.Path, "/api/")]++
		if resp != nil && resp.StatusCode == http.StatusTooManyRequests {
			tm.limited++
		}
		tm.mu.Unlock()
	} else {
		tm.jiraRT.Add(d)
	}
	return resp, err
}

// world is a generated site in the fakes and the daemon wired to them.
type world struct {
	site  *Site
	clock *simClock
	jira  *jiratest.Server
	slack *slacktest.Server
	app   *app.App
	tm    *timing
	// perProject counts the generated tickets per project.
	perProject map[string]int
	// index finds a ticket's place in site.Tickets by its key.
	index    map[string]int
	pageSize int
	// dsn, when set, puts the subprocess runs' ledger on PostgreSQL.
	dsn string
}

// postGap is the per-channel pacing the daemon keeps (the config default)
// and the fake Slack enforces with HTTP 429.
const postGap = time.Second

// newWorld seeds n generated tickets and builds the daemon through
// app.Build, as the CLI does.
func newWorld(t testing.TB, n int) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{clock: &simClock{t: monday.Add(5 * time.Hour)}, tm: &timing{}, perProject: map[string]int{}}
	w.seed(t, n, monday, w.clock.Now, w.tm.wrap)
	w.slack.EnforcePostRate(postGap)
	su, err := url.Parse(w.slack.URL())
	if err != nil {
		t.Fatal(err)
	}
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.MaxIdleConnsPerHost = 8
	w.tm.slackHost, w.tm.base = su.Host, base

	c := config.Default()
	c.Jira.URL = w.jira.URL
	c.Jira.Deployment = config.DeploymentCloud
	c.Jira.Email = jiraEmail
	c.Jira.Token = config.NewSecret(jiraToken)
	c.Jira.RequestsPerSecond = 1000 // the most config allows; lifted below
	c.Slack.Token = config.NewSecret(slackBot)
	c.Slack.APIURL = w.slack.URL()
	c.Slack.FallbackChannel = "#patch-fallback"
	c.Slack.EscalationChannel = "#patch-escalations"
	c.Slack.DigestChannel = "#patch-digest"
	c.Slack.PerChannelInterval = postGap
	c.Slack.Routing = config.Routing{Default: "#patching", Projects: map[string]config.ProjectRoute{ProjectTemplate: {Channel: "#ops-patching"}}}
	c.Projects = []config.Project{
		{Name: ProjectFields, JQL: "project = " + ProjectFields, Fields: Mapping()},
		{Name: ProjectTemplate, JQL: "project = " + ProjectTemplate, UseDescription: true},
	}
	c.Schedules.Timezone = "UTC"
	c.Safety.MaxWritesPerCycle = 100000 // the most config allows: act on every ticket
	c.Store.Path = filepath.Join(t.TempDir(), "patchbot.db")
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	// Measure patchbot, not Jira's politeness: no client-side rate limit
	// (jira.Options allows it; config does not). What the limit would
	// cost on a real site is computed from the request counts instead.
	c.Jira.RequestsPerSecond = -1

	w.app, err = app.Build(ctx, c, app.Deps{Now: w.clock.Now, Sleep: w.clock.Sleep,
		HTTPClient: &http.Client{Transport: w.tm, Timeout: time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.app.Close() })
	return w
}

// channels are the Slack channels the config routes to.
var channels = []string{"patching", "ops-patching", "patch-fallback", "patch-escalations", "patch-digest"}

// seed starts the fakes on the clock now (the fake Jira's handler wrapped
// by wrap, if set) and loads n tickets generated for today into them,
// their owners into both.
func (w *world) seed(t testing.TB, n int, today time.Time, now func() time.Time, wrap func(http.Handler) http.Handler) {
	t.Helper()
	w.pageSize = config.Default().Jira.PageSize
	w.jira = jiratest.New(jiratest.Options{Flavor: jiratest.Cloud, Email: jiraEmail, Token: jiraToken,
		Now: now, TimeZone: "UTC", Wrap: wrap})
	t.Cleanup(w.jira.Close)
	AddFields(w.jira)
	w.site = Generate(n, today, 1)
	keys, err := w.jira.AddIssues(w.site.Specs...)
	if err != nil {
		t.Fatal(err)
	}
	w.index = make(map[string]int, len(keys))
	for i, k := range keys {
		w.index[k] = i
	}
	for _, tk := range w.site.Tickets {
		w.perProject[tk.Project]++
	}
	w.site.Specs = nil // the fake holds them now

	w.slack = slacktest.New()
	t.Cleanup(w.slack.Close)
	w.slack.SetToken(slackBot)
	if now != nil {
		w.slack.SetClock(now)
	}
	for _, ch := range channels {
		w.slack.AddChannel(ch)
	}
	w.site.AddUsers(w.slack)
}
