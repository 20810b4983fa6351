package failovertest

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/patchbot/patchbot/cmd/patchbot/demo"
	"github.com/patchbot/patchbot/connectors/jira/jiratest"
	"github.com/patchbot/patchbot/connectors/slack/slacktest"
	"github.com/patchbot/patchbot/connectors/store/storetest"
	"github.com/patchbot/patchbot/scheduler"
	"github.com/patchbot/patchbot/scheduler/rigs/rigtest"
)

// failoverBound is the stated bound: a standby leads within it of the
// leader's death. The trials run with a 3s lease (takeover within 3.6s);
// the default lease of 15s takes over within 18s.
const (
	failoverBound = 30 * time.Second
	leaseTTL      = 3 * time.Second
)

var binary string

func TestMain(m *testing.M) { rigtest.Main(m, &binary) }

func trials(t *testing.T) int { return rigtest.Trials(t, "PATCHBOT_FAILOVER_TRIALS", 1) }

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

// rig is a demo world on the wall clock, a PostgreSQL ledger of its own,
// and a config for the binary's replicas.
type rig struct {
	*demo.World
	t      *testing.T
	config string
	env    []string
}

func newRig(t *testing.T, dsn string) *rig {
	t.Helper()
	now := time.Now()
	dir := t.TempDir()
	w, err := demo.NewWorld(context.Background(), demo.Options{Now: now, Zone: rigtest.MiddayZone(now), Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	w.Slack.SetClock(time.Now)
	c := w.Config
	fields := map[string]string{}
	for k, v := range demo.SECMapping() {
		fields[string(k)] = v
	}
	var managers map[string]string
	for _, p := range c.Projects {
		if p.Name == "SEC" {
			managers = p.Managers
		}
	}
	doc := map[string]any{
		"jira": map[string]any{
			"url": c.Jira.URL, "deployment": "cloud", "email": c.Jira.Email, "token": "${PB_JIRA_TOKEN}",
			"requests_per_second": 1000, "timeout": "10s",
		},
		"slack": map[string]any{
			"token": "${PB_SLACK_TOKEN}", "api_url": c.Slack.APIURL,
			"fallback_channel": c.Slack.FallbackChannel, "escalation_channel": c.Slack.EscalationChannel,
			"digest_channel": c.Slack.DigestChannel, "per_channel_interval": "1ms", "owner_map": c.Slack.OwnerMap,
			"routing": map[string]any{"default": "#patching", "projects": map[string]any{"OPS": map[string]any{"channel": "#ops-patching"}}},
		},
		"projects": []any{
			map[string]any{"name": "SEC", "jql": "project = SEC", "fields": fields, "managers": managers},
			map[string]any{"name": "OPS", "jql": "project = OPS", "use_description": true},
		},
		"schedules": map[string]any{"timezone": c.Schedules.Timezone},
		"safety":    map[string]any{"max_writes_per_cycle": 1000},
		"store":     map[string]any{"driver": "postgres", "dsn": "${PB_DSN}", "lease_ttl": leaseTTL.String()},
		"http":      map[string]any{"listen": "127.0.0.1:0"},
		"log":       map[string]any{"level": "debug", "format": "json"},
		// The demo's mirrored KEV and EPSS files, as the in-process plan
		// reads them: some of its findings come from the feeds.
		"feeds": map[string]any{"dir": filepath.Join(dir, "feeds"),
			"kev": map[string]any{"source": c.Feeds.KEV.Source}, "epss": map[string]any{"source": c.Feeds.EPSS.Source}},
	}
	b, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{World: w, t: t, config: filepath.Join(dir, "patchbot.yaml"),
		env: append(os.Environ(), "PB_JIRA_TOKEN="+c.Jira.Token.Value(), "PB_SLACK_TOKEN="+c.Slack.Token.Value(), "PB_DSN="+dsn)}
	if err := os.WriteFile(r.config, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return r
}

// slow makes every request to the fakes take a while, so a kill lands
// mid-cycle.
func (r *rig) slow(d time.Duration) {
	r.Jira.InjectN(100000, jiratest.Fault{Delay: d})
	r.Slack.Inject(slacktest.Fault{Delay: d, Times: 100000})
}

// replica is one `patchbot run`.
type replica struct {
	cmd    *exec.Cmd
	logs   *lockedBuffer
	exited chan struct{}
}

func (r *rig) start() *replica {
	r.t.Helper()
	p := &replica{cmd: exec.Command(binary, "run", "--config", r.config), logs: &lockedBuffer{}, exited: make(chan struct{})}
	p.cmd.Env = r.env
	p.cmd.Stderr = p.logs
	p.cmd.Stdout = p.logs
	if err := p.cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); close(p.exited) }()
	r.t.Cleanup(func() { p.kill() })
	return p
}

func (p *replica) kill() {
	select {
	case <-p.exited:
	default:
		_ = p.cmd.Process.Kill() // SIGKILL: no shutdown, no release of the lease
		<-p.exited
	}
}

func (p *replica) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		p.kill()
	}
}

// wait polls the replica's logs until one holds all of want, or fails
// after limit.
func (p *replica) wait(t *testing.T, limit time.Duration, want ...string) time.Time {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		for _, line := range strings.Split(p.logs.String(), "\n") {
			all := true
			for _, w := range want {
				all = all && strings.Contains(line, w)
			}
			if all {
				return time.Now()
			}
		}
		select {
		case <-p.exited:
			t.Fatalf("the replica exited before logging %q:\n%s", want, p.logs)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the replica did not log %q within %s:\n%s", want, limit, p.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

const (
	logLeading  = `"msg":"leading: running the jobs"`
	logSyncDone = `"msg":"job done"`
	logSyncJob  = `"job":"sync"`
)

// plan is what one complete sync of the world sends: bot comments per
// ticket and Slack refs, from a dry run of the world's own engine.
type plan struct {
	comments map[string]int
	refs     map[string]bool
}

func syncPlan(t *testing.T, r *rig) plan {
	t.Helper()
	rep, err := r.App.Engine.Sync(context.Background(), scheduler.SyncOptions{DryRun: true, Keep: true, Full: true})
	if err != nil {
		t.Fatal(err)
	}
	p := plan{comments: map[string]int{}, refs: map[string]bool{}}
	for _, k := range r.Keys {
		p.comments[k] = 0
	}
	for _, res := range rep.Results {
		if res.Evaluation.Fingerprint != "" {
			p.comments[res.Evaluation.Handoff.Ticket.Key] = 1
		}
	}
	for _, a := range rep.Actions {
		if a.Kind == scheduler.ActSlack {
			p.refs[a.Ref] = true
		}
	}
	return p
}

func ref(m slacktest.Message) string {
	if m.Metadata == nil {
		return ""
	}
	s, _ := m.Metadata.EventPayload["ref"].(string)
	return s
}

func part(m slacktest.Message) int {
	if m.Metadata == nil {
		return 1
	}
	switch n := m.Metadata.EventPayload["part"].(type) {
	case float64:
		return int(n)
	case int:
		return n
	}
	return 1
}

// check counts the duplicates and losses against the plan.
func (p plan) check(t *testing.T, r *rig, trial int) (dups, lost int) {
	t.Helper()
	bot := r.Jira.Bot().AccountID
	for k, want := range p.comments {
		got := 0
		if is, ok := r.Jira.Issue(k); ok {
			for _, c := range is.Comments {
				if c.Author.AccountID == bot {
					got++
				}
			}
		}
		switch {
		case got > want:
			dups += got - want
			t.Errorf("trial %d: %s has %d bot comments, want %d", trial, k, got, want)
		case got < want:
			lost += want - got
			t.Errorf("trial %d: %s has %d bot comments, want %d", trial, k, got, want)
		}
	}
	counts := map[string]int{}
	for _, m := range r.Slack.All() {
		if rf := ref(m); rf != "" && part(m) == 1 {
			counts[rf]++
		}
	}
	for rf, n := range counts {
		if !p.refs[rf] {
			dups += n
			t.Errorf("trial %d: unplanned Slack message %s", trial, rf)
		} else if n > 1 {
			dups += n - 1
			t.Errorf("trial %d: %s sent %d times", trial, rf, n)
		}
	}
	for rf := range p.refs {
		if counts[rf] == 0 {
			lost++
			t.Errorf("trial %d: %s never sent", trial, rf)
		}
	}
	return dups, lost
}

func (r *rig) writes() int { return r.Jira.Writes() + len(r.Slack.All()) }

// TestFailoverTrials runs two replicas on one PostgreSQL ledger, SIGKILLs
// the leader at a random instant of its sync, and checks that the standby
// leads within the bound, finishes the sync, and that over all trials no
// comment or Slack message was sent twice and none was lost.
func TestFailoverTrials(t *testing.T) {
	storetest.PostgresBase(t)
	const delay = 4 * time.Millisecond
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("PATCHBOT_FAILOVER_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	rng := rand.New(rand.NewPCG(seed, 2))
	t.Logf("seed %d (PATCHBOT_FAILOVER_SEED to repeat)", seed)

	// One leader alone, start to end: how long its sync takes.
	cal := newRig(t, storetest.PostgresDSN(t))
	planned := len(syncPlan(t, cal).refs)
	cal.slow(delay)
	one := cal.start()
	led := one.wait(t, time.Minute, logLeading)
	done := one.wait(t, 2*time.Minute, logSyncDone, logSyncJob)
	full := done.Sub(led)
	one.stop()
	t.Logf("a complete sync takes %s and sends %d Slack messages", full.Round(time.Millisecond), planned)

	n := trials(t)
	var mid, before, after, dups, lost, resumed int
	var worst time.Duration
	began := time.Now()
	for i := range n {
		r := newRig(t, storetest.PostgresDSN(t))
		p := syncPlan(t, r)
		r.slow(delay)
		a := r.start()
		a.wait(t, time.Minute, logLeading)
		b := r.start() // stands by: a holds the lease
		at := full/8 + time.Duration(rng.Int64N(int64(full)*3/4))
		time.Sleep(at)
		w := r.writes()
		a.kill()
		killed := time.Now()
		switch {
		case w == 0:
			before++
		case w < len(p.refs)+len(p.comments):
			mid++
		default:
			after++
		}
		took := b.wait(t, failoverBound+10*time.Second, logLeading).Sub(killed)
		if took > failoverBound {
			t.Errorf("trial %d: the standby led %s after the kill; the bound is %s", i, took, failoverBound)
		}
		worst = max(worst, took)
		b.wait(t, 2*time.Minute, logSyncDone, logSyncJob)
		b.stop()
		logs := b.logs.String()
		resumed += strings.Count(logs, "found message sent before a restart") +
			strings.Count(logs, "an intent left open was sent before the restart") +
			strings.Count(logs, "had posted the comment; keeping it") +
			strings.Count(logs, "the post had gone out; not posting again")
		d, l := p.check(t, r, i)
		dups += d
		lost += l
		if all := a.logs.String() + logs; strings.Contains(all, r.Config.Slack.Token.Value()) || strings.Contains(all, r.Config.Jira.Token.Value()) {
			t.Errorf("trial %d: the logs show a secret", i)
		}
	}
	t.Logf("%d trials in %s: kills before any write %d, mid-sync %d, after the last %d; the standby took over within %s at worst (lease %s, bound %s); %d sends found again and not repeated; %d duplicates, %d lost",
		n, time.Since(began).Round(time.Second), before, mid, after, worst.Round(time.Millisecond), leaseTTL, failoverBound, resumed, dups, lost)
	if dups != 0 || lost != 0 {
		t.Fatalf("%d duplicates and %d lost over %d trials", dups, lost, n)
	}
}
