// Package demo runs patchbot end to end with nothing to set up: a fake Jira
// Cloud and a fake Slack start in-process, are seeded with a realistic patch
// backlog, and the real daemon code — connectors, ledger, engine — runs
// through sync, nag and digest over a few simulated days while a transcript
// shows what was posted and where.
package demo

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/patchbot/patchbot/cmd/patchbot/app"
	"github.com/patchbot/patchbot/config"
	"github.com/patchbot/patchbot/connectors/jira/jiratest"
	"github.com/patchbot/patchbot/connectors/slack/slacktest"
	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/ports"
	"github.com/patchbot/patchbot/handoff/render/adf"
	"github.com/patchbot/patchbot/handoff/render/plain"
	"github.com/patchbot/patchbot/scheduler"
)

// Options configures a demo run.
type Options struct {
	// Out receives the transcript.
	Out io.Writer
	// Now is when the demo starts (default time.Now); ticket dates are
	// relative to it.
	Now time.Time
	// Zone is the team's time zone (default Europe/Berlin).
	Zone string
	// Dir holds the ledger file (default a new temporary directory).
	Dir string
	// Logger receives the daemon's logs (default: discarded).
	Logger *slog.Logger
}

// World is the demo's simulated Jira and Slack and the wired daemon.
type World struct {
	Jira   *jiratest.Server
	Slack  *slacktest.Server
	App    *app.App
	Config *config.Config
	Clock  *Clock
	Keys   map[string]string // ticket summary → key
	// channels maps a Slack channel id to its #name, for the transcript.
	channels map[string]string
	logger   *slog.Logger
	dir      string
	owned    bool
}

// Clock is the demo's simulated clock, shared by the fakes and the daemon.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the simulated time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Advance moves the simulated time on.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// Fake credentials: the fakes accept only these. They are not secrets.
const (
	jiraEmail = "patchbot@example.com"
	jiraToken = "demo-jira-api-token"
	slackBot  = "xoxb-demo-slack-bot-token"
)

// NewWorld starts the fakes, seeds them and wires the daemon.
func NewWorld(ctx context.Context, o Options) (*World, error) {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Zone == "" {
		o.Zone = "Europe/Berlin"
	}
	loc, err := time.LoadLocation(o.Zone)
	if err != nil {
		return nil, err
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	w := &World{Clock: &Clock{t: o.Now.In(loc)}, Keys: map[string]string{}, channels: map[string]string{}, dir: o.Dir}
	if w.dir == "" {
		if w.dir, err = os.MkdirTemp("", "patchbot-demo-"); err != nil {
			return nil, err
		}
		w.owned = true
	}
	w.Jira = jiratest.New(jiratest.Options{Flavor: jiratest.Cloud, Email: jiraEmail, Token: jiraToken, Now: w.Clock.Now, TimeZone: o.Zone})
	w.Slack = slacktest.New()
	w.Slack.SetToken(slackBot)
	w.Slack.SetClock(w.Clock.Now)
	if err := w.seed(loc); err != nil {
		w.Close()
		return nil, err
	}
	w.Config = w.config(o.Zone)
	if err := w.Config.Validate(); err != nil {
		w.Close()
		return nil, fmt.Errorf("demo config: %w", err)
	}
	w.logger = o.Logger
	if err := w.Restart(ctx); err != nil {
		w.Close()
		return nil, err
	}
	return w, nil
}

// Restart closes the daemon and wires a new one over the same config,
// ledger file and fakes, as a process restart would.
func (w *World) Restart(ctx context.Context) error {
	if w.App != nil {
		if err := w.App.Close(); err != nil {
			return err
		}
		w.App = nil
	}
	a, err := app.Build(ctx, w.Config, app.Deps{Logger: w.logger, Now: w.Clock.Now})
	if err != nil {
		return err
	}
	w.App = a
	return nil
}

// Close stops the fakes and removes the demo's ledger.
func (w *World) Close() {
	if w.App != nil {
		_ = w.App.Close()
	}
	if w.Jira != nil {
		w.Jira.Close()
	}
	if w.Slack != nil {
		w.Slack.Close()
	}
	if w.owned {
		_ = os.RemoveAll(w.dir)
	}
}

func (w *World) seed(loc *time.Location) error {
	shapes := map[handoff.FieldID]secField{}
	for _, f := range secFields {
		w.Jira.AddField(f.name, f.shape)
		shapes[f.concept] = f
	}
	now := w.Clock.Now().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	if err := w.seedFeeds(today); err != nil { // feeds.go
		return err
	}
	tickets := allTickets() // feeds.go: and the feeds' tickets
	specs := make([]jiratest.IssueSpec, 0, len(tickets))
	for _, t := range tickets {
		sp, err := t.spec(today, shapes)
		if err != nil {
			return err
		}
		specs = append(specs, sp)
	}
	keys, err := w.Jira.AddIssues(specs...)
	if err != nil {
		return fmt.Errorf("demo seed: %w", err)
	}
	for i, k := range keys {
		w.Keys[tickets[i].summary] = k
	}
	for _, ch := range []string{"patching", "patch-fallback", "patch-escalations", "patch-digest", "ops-patching"} {
		w.channels[w.Slack.AddChannel(ch)] = "#" + ch
	}
	for _, p := range people {
		w.Slack.AddUser(slacktest.User{ID: p.slackID, Name: strings.ToLower(strings.Fields(p.jira.DisplayName)[0]), RealName: p.jira.DisplayName, Email: p.jira.Email})
	}
	return nil
}

// config is what a team would write for this site.
func (w *World) config(zone string) *config.Config {
	c := config.Default()
	c.Jira.URL = w.Jira.URL
	c.Jira.Deployment = config.DeploymentCloud
	c.Jira.Email = jiraEmail
	c.Jira.Token = config.NewSecret(jiraToken)
	c.Slack.Token = config.NewSecret(slackBot)
	c.Slack.APIURL = w.Slack.URL()
	c.Slack.FallbackChannel = "#patch-fallback"
	c.Slack.EscalationChannel = "#patch-escalations"
	c.Slack.DigestChannel = "#patch-digest"
	c.Slack.Routing = config.Routing{Default: "#patching", Projects: map[string]config.ProjectRoute{"OPS": {Channel: "#ops-patching"}}}
	// Eli's email is hidden by Jira Cloud; the owner map finds him.
	c.Slack.OwnerMap = map[string]string{people["eli"].jira.AccountID: people["eli"].slackID}
	// The demo posts as fast as the fake answers; a real site keeps the
	// default one message per second per channel.
	c.Slack.PerChannelInterval = time.Millisecond
	// Bo's escalations go to his manager Mia; everyone else's to the
	// escalation channel.
	managers := map[string]string{people["bo"].jira.AccountID: people["mia"].slackID}
	c.Projects = []config.Project{
		{Name: "SEC", JQL: "project = SEC", Fields: SECMapping(), Managers: managers},
		{Name: "OPS", JQL: "project = OPS", UseDescription: true, Fields: map[handoff.FieldID]string{}, Managers: managers},
	}
	c.Schedules.Timezone = zone
	c.Nag.PersonalDigest = true
	c.Safety.MaxWritesPerCycle = 1000
	c.Store.Path = filepath.Join(w.dir, "patchbot.db")
	w.feedConfig(c) // feeds.go
	return c
}

// Run plays the demo and writes its transcript.
func Run(ctx context.Context, o Options) error {
	if o.Out == nil {
		o.Out = os.Stdout
	}
	w, err := NewWorld(ctx, o)
	if err != nil {
		return err
	}
	defer w.Close()
	return w.Play(ctx, o.Out)
}

// Play runs the story: a first sync, the morning nag and the weekly
// digest; a person fixing a ticket; days passing with reminders backing off
// and escalating; and a final run that posts nothing new.
func (w *World) Play(ctx context.Context, out io.Writer) error {
	t := &transcript{w: w, out: out}
	e := w.App.Engine
	loc := w.App.Engine.Location()
	fmt.Fprintf(out, "patchbot demo: a simulated Jira Cloud site (%d patch tickets in SEC and OPS) and Slack workspace.\n", w.Jira.Len())
	fmt.Fprintf(out, "Today is %s (%s). Every text below went through the real connectors to the fakes.\n", w.Clock.Now().Format("Monday 2 January 2006, 15:04"), loc)

	t.section("1. sync: read every ticket; where a patch owner would have to guess, ask for what is missing")
	rep, err := e.Sync(ctx, scheduler.SyncOptions{Full: true})
	if err := t.report(rep, err); err != nil {
		return err
	}

	t.section("2. nag: remind each owner once, in one message, of what is due soon or overdue")
	rep, err = e.Nag(ctx, scheduler.NagOptions{})
	if err := t.report(rep, err); err != nil {
		return err
	}

	t.section("3. digest: the weekly overdue digest, grouped by owner and lane")
	rep, err = e.Digest(ctx, scheduler.DigestOptions{})
	if err := t.report(rep, err); err != nil {
		return err
	}

	t.section("4. a patch owner fills in the rollback and test plan on the FortiOS ticket")
	key := w.Keys["CVE-2026-21413 Fortinet FortiOS SSL-VPN heap overflow"]
	w.Clock.Advance(40 * time.Minute)
	if err := w.Jira.SetField(key, "Rollback Plan", "Restore the config backup and boot the previous firmware partition"); err != nil {
		return err
	}
	if err := w.Jira.SetField(key, "Test Plan", "HA secondary first, then failover; check VPN logins for 30 minutes"); err != nil {
		return err
	}
	w.Clock.Advance(5 * time.Minute)
	rep, err = e.Sync(ctx, scheduler.SyncOptions{})
	if err := t.report(rep, err); err != nil {
		return err
	}

	t.section("5. days pass: reminders back off (1, 2, 4, 7 days, then weekly) and escalate after 3")
	for _, days := range []int{1, 2, 3, 4, 5, 6} {
		w.Clock.Advance(24 * time.Hour)
		rep, err = e.Nag(ctx, scheduler.NagOptions{})
		if err != nil {
			return err
		}
		t.brief(fmt.Sprintf("day +%d", days), rep)
	}

	t.section("6. the same cycle again: level-triggered and idempotent, nothing new is said")
	before := w.Jira.Writes()
	msgs := len(w.Slack.All())
	if rep, err = e.Sync(ctx, scheduler.SyncOptions{Full: true}); err != nil {
		return err
	}
	if _, err = e.Nag(ctx, scheduler.NagOptions{}); err != nil {
		return err
	}
	fmt.Fprintf(out, "full sync + nag again: %d Jira writes, %d Slack messages\n", w.Jira.Writes()-before, len(w.Slack.All())-msgs)

	if err := w.playAnswers(ctx, t); err != nil { // interact.go
		return fmt.Errorf("answers from slack: %w", err)
	}

	t.section("summary")
	fmt.Fprintln(out, t.summary())
	return nil
}

// transcript prints what each step posted, read back from the fakes.
type transcript struct {
	w   *World
	out io.Writer
	// totals
	comments, messages int
}

func (t *transcript) section(title string) {
	fmt.Fprintf(t.out, "\n━━━ %s\n", title)
}

func (t *transcript) report(rep *scheduler.Report, err error) error {
	if err != nil {
		return fmt.Errorf("%s: %w", rep.Job, err)
	}
	for _, a := range rep.Actions {
		if !a.Done {
			continue
		}
		switch a.Kind {
		case scheduler.ActComment:
			t.comments++
			fmt.Fprintf(t.out, "\n[Jira %s] comment by patchbot (%s)\n", a.Key, a.Send)
			fmt.Fprintln(t.out, app.Indent(t.lastComment(a.Key), "  │ "))
		default:
			t.messages++
			fmt.Fprintf(t.out, "\n[Slack %s] %s\n", t.where(a.To), a.Send)
			fmt.Fprintln(t.out, app.Indent(plain.Render(a.Doc), "  │ "))
		}
	}
	fmt.Fprintf(t.out, "\n» %s: %d tickets read, %d incomplete, %d Jira comments, %d Slack messages\n",
		rep.Job, rep.Tickets, rep.Flagged, rep.Count(scheduler.ActComment, ""), rep.Count(scheduler.ActSlack, ""))
	return nil
}

// brief prints one line per message sent.
func (t *transcript) brief(day string, rep *scheduler.Report) {
	if len(rep.Actions) == 0 {
		fmt.Fprintf(t.out, "%-8s nothing due today\n", day)
		return
	}
	for _, a := range rep.Actions {
		if a.Done {
			t.messages++
		}
		fmt.Fprintf(t.out, "%-8s %-11s → %-34s %s\n", day, a.Send, t.where(a.To), app.OneLine(a.Doc.Summary, 90))
	}
}

// lastComment reads the bot's comment back from the fake Jira.
func (t *transcript) lastComment(key string) string {
	is, ok := t.w.Jira.Issue(key)
	if !ok || len(is.Comments) == 0 {
		return "(no comment found)"
	}
	c := is.Comments[len(is.Comments)-1]
	if len(c.ADF) > 0 {
		return adf.Text(c.ADF)
	}
	return strings.TrimSpace(c.Body)
}

func (t *transcript) summary() string {
	w := t.w
	var dms, channel int
	for _, m := range w.Slack.All() {
		if strings.HasPrefix(m.Channel, "D") {
			dms++
		} else {
			channel++
		}
	}
	st, _ := w.App.Store.Stats(context.Background())
	kinds := make([]string, 0, len(st.Kinds))
	for _, k := range st.Kinds {
		kinds = append(kinds, fmt.Sprintf("%s %d", k.Kind, k.Done))
	}
	sort.Strings(kinds)
	return fmt.Sprintf("%d tickets; %d Jira comment writes; %d Slack messages (%d in channels, %d DMs); ledger: %s.",
		w.Jira.Len(), t.comments, channel+dms, channel, dms, strings.Join(kinds, ", "))
}

func (t *transcript) where(r ports.Recipient) string {
	if name, ok := t.w.channels[r.Channel]; ok {
		r.Channel = name
	}
	return app.RecipientName(r)
}
