package faulttest

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/patchbot/patchbot/cmd/patchbot/demo"
	"github.com/patchbot/patchbot/connectors/jira/jiratest"
	"github.com/patchbot/patchbot/connectors/slack/slacktest"
	"github.com/patchbot/patchbot/handoff/render/plain"
	"github.com/patchbot/patchbot/scheduler"
	"github.com/patchbot/patchbot/scheduler/rigs/rigtest"
)

// binary is the patchbot command built once for the crash trials.
var binary string

func TestMain(m *testing.M) { rigtest.Main(m, &binary) }

// trials is how many crash trials each test runs: 20 by default,
// PATCHBOT_CRASH_TRIALS for more.
func trials(t *testing.T) int { return rigtest.Trials(t, "PATCHBOT_CRASH_TRIALS", 20) }

// crashRig is a demo world on the wall clock, a config file for the
// patchbot binary pointing at its fakes, and the binary's own ledger.
type crashRig struct {
	*demo.World
	t      *testing.T
	config string
	env    []string
	// stderr collects every run's logs and errors.
	stderr *lockedBuffer
}

func newCrashRig(t *testing.T) *crashRig {
	t.Helper()
	now := time.Now()
	dir := t.TempDir()
	w, err := demo.NewWorld(context.Background(), demo.Options{Now: now, Zone: rigtest.MiddayZone(now), Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	// Message timestamps follow the wall clock, like the subprocess's, so
	// that looking a message up "since the intent" finds it.
	w.Slack.SetClock(time.Now)
	c := w.Config
	owners := map[string]string{}
	for k, v := range c.Slack.OwnerMap {
		owners[k] = v
	}
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
			"digest_channel": c.Slack.DigestChannel, "per_channel_interval": "1ms", "owner_map": owners,
			"routing": map[string]any{"default": "#patching", "projects": map[string]any{"OPS": map[string]any{"channel": "#ops-patching"}}},
		},
		"projects": []any{
			map[string]any{"name": "SEC", "jql": "project = SEC", "fields": fields, "managers": managers},
			map[string]any{"name": "OPS", "jql": "project = OPS", "use_description": true},
		},
		"schedules": map[string]any{"timezone": c.Schedules.Timezone},
		"nag":       map[string]any{"personal_digest": true},
		"safety":    map[string]any{"max_writes_per_cycle": 1000},
		"store":     map[string]any{"path": filepath.Join(dir, "cli-ledger.db")},
		"log":       map[string]any{"level": "debug", "format": "json"},
	}
	b, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	r := &crashRig{World: w, t: t, config: filepath.Join(dir, "patchbot.yaml"), stderr: &lockedBuffer{},
		env: append(os.Environ(), "PB_JIRA_TOKEN="+c.Jira.Token.Value(), "PB_SLACK_TOKEN="+c.Slack.Token.Value())}
	if err := os.WriteFile(r.config, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return r
}

// slow makes every request to the fakes take a little while, so that a
// kill at a random instant lands mid-cycle rather than after it.
func (r *crashRig) slow(d time.Duration) {
	r.Jira.ClearFaults()
	r.Slack.ClearFaults()
	r.Jira.InjectN(5000, jiratest.Fault{Delay: d})
	r.Slack.Inject(slacktest.Fault{Delay: d, Times: 5000})
}

// run starts the binary and SIGKILLs it after kill (0: never). It
// reports whether the kill struck, and the exit code of a run that ended.
func (r *crashRig) run(kill time.Duration, args ...string) (killed bool, code int) {
	r.t.Helper()
	cmd := exec.Command(binary, append(args, "--config", r.config)...)
	cmd.Env = r.env
	cmd.Stderr = r.stderr
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var timer <-chan time.Time
	if kill > 0 {
		timer = time.After(kill)
	}
	var err error
	select {
	case err = <-done:
	case <-timer:
		_ = cmd.Process.Kill() // SIGKILL: no defer, no shutdown, no flush
		<-done
		return true, -1
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		r.t.Fatalf("patchbot %v did not finish within a minute", args)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return false, ee.ExitCode()
	}
	if err != nil {
		r.t.Fatal(err)
	}
	return false, 0
}

// crashJob is one kind of run put through the trials.
type crashJob struct {
	name string
	// delay slows every request to the fakes.
	delay time.Duration
	args  []string
	// ok is the exit code of a complete run (check exits 3: findings).
	ok int
	// plan is what a complete run sends; writes counts what one has sent
	// so far (to tell where a kill struck).
	plan   func(t *testing.T, r *crashRig) crashPlan
	writes func(r *crashRig) int
}

// crashPlan is the expected end state of a trial.
type crashPlan struct {
	comments map[string]int             // bot comments per ticket
	refs     map[string]bool            // Slack refs, each exactly once
	items    map[string]map[string]bool // tickets each ref names (reminders)
	prefixes []string                   // the refs the job sends
}

func syncPlan(t *testing.T, r *crashRig) crashPlan {
	t.Helper()
	rep, err := r.App.Engine.Sync(context.Background(), scheduler.SyncOptions{JQL: "project = SEC", DryRun: true, Keep: true})
	if err != nil {
		t.Fatal(err)
	}
	p := crashPlan{comments: map[string]int{}, refs: map[string]bool{}, prefixes: []string{""}}
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

func nagPlan(t *testing.T, r *crashRig) crashPlan {
	t.Helper()
	rep, err := r.App.Engine.Nag(context.Background(), scheduler.NagOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	p := crashPlan{comments: map[string]int{}, refs: map[string]bool{}, items: map[string]map[string]bool{}, prefixes: []string{""}}
	for _, k := range r.Keys {
		p.comments[k] = 0
	}
	for _, a := range rep.Actions {
		p.refs[a.Ref] = true
		p.items[a.Ref] = keysIn(plain.Render(a.Doc))
	}
	return p
}

func (r *crashRig) commentCount() int {
	n := 0
	for _, c := range botComments(r.World, keysOf(r.Keys)) {
		n += c
	}
	return n
}

func keysOf(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, k := range m {
		out = append(out, k)
	}
	return out
}

// check compares the fakes with the plan and returns the duplicates and
// losses found.
func (p crashPlan) check(t *testing.T, r *crashRig, trial int) (dups, lost int) {
	t.Helper()
	got := botComments(r.World, keysOf(r.Keys))
	for k, want := range p.comments {
		switch {
		case got[k] > want:
			dups += got[k] - want
			t.Errorf("trial %d: %s has %d bot comments, want %d", trial, k, got[k], want)
		case got[k] < want:
			lost += want - got[k]
			t.Errorf("trial %d: %s has %d bot comments, want %d", trial, k, got[k], want)
		}
	}
	refs := refCounts(r.Slack, p.prefixes...)
	for ref, n := range refs {
		if !p.refs[ref] {
			dups += n
			t.Errorf("trial %d: unplanned Slack message %s", trial, ref)
		} else if n > 1 {
			dups += n - 1
			t.Errorf("trial %d: %s sent %d times", trial, ref, n)
		}
	}
	for ref := range p.refs {
		if refs[ref] == 0 {
			lost++
			t.Errorf("trial %d: %s never sent", trial, ref)
		}
	}
	for _, m := range r.Slack.All() {
		want, ok := p.items[ref(m)]
		if ok && part(m) == 1 {
			if got := keysIn(m.Texts()...); len(got) != len(want) {
				lost++
				t.Errorf("trial %d: %s names %v, want %v", trial, ref(m), sortedKeys(got), sortedKeys(want))
			}
		}
	}
	return dups, lost
}

var crashJobs = []crashJob{
	{name: "sync", delay: 4 * time.Millisecond, args: []string{"check", "--jql", "project = SEC", "--post"}, ok: 3, plan: syncPlan,
		writes: func(r *crashRig) int { return r.commentCount() + len(r.Slack.All()) }},
	{name: "nag", delay: 15 * time.Millisecond, args: []string{"nag", "--post"}, ok: 0, plan: nagPlan,
		writes: func(r *crashRig) int { return len(r.Slack.All()) }},
}

// TestCrashTrials SIGKILLs the patchbot binary at random instants of a
// sync (check --post) and of a nag run, restarts it to completion, and
// checks over every trial that no comment or Slack message was sent twice
// and none was lost.
func TestCrashTrials(t *testing.T) {
	t.Parallel()
	for _, job := range crashJobs {
		t.Run(job.name, func(t *testing.T) {
			seed := uint64(time.Now().UnixNano())
			if s := os.Getenv("PATCHBOT_CRASH_SEED"); s != "" {
				seed, _ = strconv.ParseUint(s, 10, 64)
			}
			rng := rand.New(rand.NewPCG(seed, 1))
			t.Logf("seed %d (PATCHBOT_CRASH_SEED to repeat)", seed)

			// A complete run on a fresh world: how long a cycle takes.
			// (The faster of two: the first start of a binary is slow.)
			var full time.Duration
			var planned int
			for range 2 {
				cal := newCrashRig(t)
				cal.slow(job.delay)
				start := time.Now()
				if _, code := cal.run(0, job.args...); code != job.ok {
					t.Fatalf("a complete run exited %d, want %d:\n%s", code, job.ok, cal.stderr)
				}
				if d := time.Since(start); full == 0 || d < full {
					full = d
				}
				planned = job.writes(cal)
				cal.Close()
			}

			n := trials(t)
			var kills, before, mid, after, completed, resumed, dups, lost int
			began := time.Now()
			for i := range n {
				r := newCrashRig(t)
				p := job.plan(t, r)
				r.slow(job.delay)
				// One or two kills at random instants of the run, then a
				// run to completion.
				for range 1 + rng.IntN(2) {
					// Between an eighth of a complete run (start-up is
					// uneventful) and seven eighths of it.
					at := full/8 + time.Duration(rng.Int64N(int64(full)*3/4))
					killed, code := r.run(at, job.args...)
					if !killed {
						completed++
						if code != job.ok {
							t.Fatalf("trial %d: a run exited %d, want %d:\n%s", i, code, job.ok, r.stderr)
						}
						continue
					}
					kills++
					switch w := job.writes(r); {
					case w == 0:
						before++
					case w < planned:
						mid++
					default:
						after++
					}
				}
				if _, code := r.run(0, job.args...); code != job.ok {
					t.Fatalf("trial %d: the run after the kills exited %d, want %d:\n%s", i, code, job.ok, r.stderr)
				}
				logs := r.stderr.String()
				resumed += strings.Count(logs, "found message sent before a restart") +
					strings.Count(logs, "had posted the comment; keeping it") +
					strings.Count(logs, "the post had gone out; not posting again")
				for _, s := range []string{r.Config.Jira.Token.Value(), r.Config.Slack.Token.Value()} {
					if strings.Contains(logs, s) {
						t.Errorf("trial %d: the logs show a token", i)
					}
				}
				d, l := p.check(t, r, i)
				dups += d
				lost += l
				r.Close()
			}
			per := time.Since(began) / time.Duration(n)
			t.Logf("%s: %d trials, %d kills (%d before any write, %d mid-cycle, %d after the last write), %d runs finished before their kill; "+
				"%d sends found again after a kill instead of repeated; duplicates %d, lost %d; a complete run %v, %v per trial",
				job.name, n, kills, before, mid, after, completed, resumed, dups, lost, full.Round(time.Millisecond), per.Round(time.Millisecond))
		})
	}
}
