package loadtest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/patchbot/patchbot/connectors/jira/jiratest"
	"github.com/patchbot/patchbot/connectors/store/storetest"
	"github.com/patchbot/patchbot/handoff"
)

// The environment variables the generated config reads its tokens from.
const (
	envJiraToken  = "PATCHBOT_LOAD_JIRA_TOKEN"
	envSlackToken = "PATCHBOT_LOAD_SLACK_TOKEN"
	// envDSN carries the PostgreSQL ledger's DSN to the child, with
	// PATCHBOT_LOAD_DRIVER=postgres.
	envDSN = "PATCHBOT_LOAD_DSN"
)

// procInterval is slack.per_channel_interval in the subprocess runs: small
// (0 would mean the 1 s default), so that pacing costs no wall time and
// the child's own processing is what is measured.
const procInterval = time.Millisecond

// Requests the CLI makes at start-up, before its job: reading the bot user
// and the field list from Jira (and, on its first scan of each project,
// what the bot may do there: probeRoutes); auth.test and resolving the
// fallback and escalation channels in Slack. Every one-shot command pays
// them.
var (
	jiraStartup  = append([]string{"GET /rest/api/2/myself", "GET /rest/api/2/field"}, probeRoutes...)
	slackStartup = []string{"auth.test", "conversations.list"}
)

// TestLoadProcess is TestLoad with patchbot in its own process: the fakes
// are seeded here, and the built binary runs each phase as the one-shot
// CLI command an operator (or cron) would run, so its CPU time and peak
// RSS are patchbot's alone. Gated by the same PATCHBOT_LOAD (or -load).
//
//	PATCHBOT_LOAD=100000 go test ./scheduler/rigs/loadtest -run TestLoadProcess -v -timeout 30m
func TestLoadProcess(t *testing.T) {
	runLoadProcess(t, loadSize(t))
}

// procPhase is one subprocess run, measured from outside.
type procPhase struct {
	name      string
	args      []string
	wall, cpu time.Duration
	maxRSS    int64 // KiB, the child's peak
	jira      map[string]int
	slack     map[string]int
	sum       summary
	stdout    string // path of the child's stdout
}

// summary is the CLI's closing line: "JOB: N tickets read, F with
// incomplete handoffs, C Jira comments, S Slack messages, D deferred, E
// errors".
type summary struct {
	job                                            string
	tickets, flagged, comments, slack, def, errors int
}

// issuePath is an issue edit's path: one per ticket written to.
var issuePath = regexp.MustCompile(`^/rest/api/\d/issue/[A-Z]+-\d+$`)

var summaryRE = regexp.MustCompile(`(?m)^(\w+): (\d+) tickets read, (\d+) with incomplete handoffs, (\d+) Jira comments, (\d+) Slack messages, (\d+) deferred, (\d+) errors$`)

// startup counts the start-up requests among m and returns the others.
func startup(m map[string]int, routes []string) (int, map[string]int) {
	rest := map[string]int{}
	n := 0
	for k, v := range m {
		if slices.Contains(routes, k) {
			n += v
		} else {
			rest[k] = v
		}
	}
	return n, rest
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// buildBinary builds cmd/patchbot once into dir.
func buildBinary(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "patchbot")
	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goCmd); err != nil {
		goCmd = "go"
	}
	start := time.Now()
	out, err := exec.Command(goCmd, "build", "-o", bin, "github.com/patchbot/patchbot/cmd/patchbot").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("built %s in %v", bin, time.Since(start).Round(time.Millisecond))
	return bin
}

// writeConfig writes the YAML config for the fakes, as an operator would:
// tokens from the environment, the SEC mapping as the generator has it.
// Pacing is lifted to measure patchbot's processing: Jira at the config's
// maximum of 1,000 requests/s, Slack posts 1 ms apart per channel.
func (w *world) writeConfig(t *testing.T, dir string) string {
	t.Helper()
	q := strconv.Quote
	var b strings.Builder
	fmt.Fprintf(&b, "jira:\n  url: %s\n  deployment: cloud\n  email: %s\n  token: ${%s}\n  requests_per_second: 1000\n",
		q(w.jira.URL), q(jiraEmail), envJiraToken)
	fmt.Fprintf(&b, "slack:\n  token: ${%s}\n  api_url: %s\n  fallback_channel: \"#patch-fallback\"\n  escalation_channel: \"#patch-escalations\"\n  digest_channel: \"#patch-digest\"\n  per_channel_interval: %s\n",
		envSlackToken, q(w.slack.URL()), procInterval)
	fmt.Fprintf(&b, "  routing:\n    default: \"#patching\"\n    projects:\n      %s:\n        channel: \"#ops-patching\"\n", ProjectTemplate)
	fmt.Fprintf(&b, "projects:\n  - name: %s\n    jql: %s\n    fields:\n", ProjectFields, q("project = "+ProjectFields))
	m := Mapping()
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, string(id))
	}
	sort.Strings(ids)
	for _, id := range ids {
		fmt.Fprintf(&b, "      %s: %s\n", id, q(m[handoff.FieldID(id)]))
	}
	fmt.Fprintf(&b, "  - name: %s\n    jql: %s\n    use_description: true\n", ProjectTemplate, q("project = "+ProjectTemplate))
	fmt.Fprintf(&b, "schedules:\n  timezone: UTC\nsafety:\n  max_writes_per_cycle: 100000\n")
	if w.dsn != "" {
		fmt.Fprintf(&b, "store:\n  driver: postgres\n  dsn: ${%s}\n", envDSN)
	} else {
		fmt.Fprintf(&b, "store:\n  path: %s\n", q(filepath.Join(dir, "patchbot.db")))
	}
	path := filepath.Join(dir, "patchbot.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// run runs one CLI command as a child process and measures it from
// outside: wall time, its rusage (CPU user + system, peak RSS), and the
// requests the fakes received while it ran.
func (w *world) run(t *testing.T, bin, cfg, dir, name string, args ...string) procPhase {
	t.Helper()
	w.jira.ResetRequests()
	w.slack.ResetCalls()
	slug := strings.NewReplacer(" ", "-", "(", "", ")", "", ",", "").Replace(name)
	env := []string{envJiraToken + "=" + jiraToken, envSlackToken + "=" + slackBot}
	if w.dsn != "" {
		env = append(env, envDSN+"="+w.dsn)
	}
	if pd := os.Getenv("PATCHBOT_LOAD_PROFILE_DIR"); pd != "" {
		// patchbot's own CPU profile of this phase (PATCHBOT_CPUPROFILE).
		env = append(env, "PATCHBOT_CPUPROFILE="+filepath.Join(pd, slug+".cpu.prof"))
	}
	ru, outPath := spawnChild(t, dir, slug, name+": patchbot "+strings.Join(args, " "), env, bin, append(args, "--config", cfg)...)
	wall := time.Duration(ru.Wall)
	p := procPhase{name: name, args: args, wall: wall, cpu: time.Duration(ru.CPU), maxRSS: ru.MaxRSS,
		jira: w.jira.Counts(), slack: w.slackCalls(), stdout: outPath}
	out, err := os.ReadFile(outPath)
	if err != nil {
		t.Fatal(err)
	}
	sm := summaryRE.FindAllSubmatch(out, -1)
	if len(sm) == 0 {
		t.Fatalf("%s: no summary line in the output\n%s", name, tail(outPath))
	}
	last := sm[len(sm)-1]
	p.sum.job = string(last[1])
	for i, dst := range []*int{&p.sum.tickets, &p.sum.flagged, &p.sum.comments, &p.sum.slack, &p.sum.def, &p.sum.errors} {
		*dst, _ = strconv.Atoi(string(last[i+2]))
	}
	if p.sum.errors != 0 || p.sum.def != 0 {
		t.Errorf("%s: %d errors, %d deferred\n%s", name, p.sum.errors, p.sum.def, tail(filepath.Join(dir, slug+".err")))
	}
	return p
}

// slackCalls counts the fake Slack's calls by method, and the 429
// answers. The fake records a call just after answering it, so the count
// is read until it stops moving (the child has exited: no call is in
// flight, at most one is being recorded).
func (w *world) slackCalls() map[string]int {
	prev := -1
	var calls int
	for range 100 {
		calls = len(w.slack.Calls(""))
		if calls == prev {
			break
		}
		prev = calls
		time.Sleep(10 * time.Millisecond)
	}
	m := map[string]int{}
	for _, c := range w.slack.Calls("") {
		m[c.Method]++
		if c.Status == 429 {
			m["HTTP 429"]++
		}
	}
	return m
}

func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

func runLoadProcess(t *testing.T, n int) {
	now := time.Now().UTC()
	today := now.Truncate(24 * time.Hour)
	if left := today.Add(24 * time.Hour).Sub(now); left < 45*time.Minute {
		t.Fatalf("%v to midnight UTC: the generated dates are relative to today, and the child's would move under the run; run it after midnight", left.Round(time.Minute))
	}
	dir := t.TempDir()
	bin := buildBinary(t, dir)

	// The fakes on the wall clock, seeded with a site dated from today,
	// exactly as TestLoad seeds them.
	seedStart := time.Now()
	w := &world{perProject: map[string]int{}}
	if os.Getenv("PATCHBOT_LOAD_DRIVER") == "postgres" {
		// The ledger on PostgreSQL: a schema of its own on the test
		// server (PATCHBOT_TEST_POSTGRES_DSN), dropped at the end.
		w.dsn = storetest.PostgresDSN(t)
	}
	w.seed(t, n, today, nil, nil)
	seedWall := time.Since(seedStart)
	_, seedRSS := rusage(t)
	cfg := w.writeConfig(t, dir)
	want := planted(w.site)
	var phases []procPhase

	// 1. Full sync.
	full := w.run(t, bin, cfg, dir, "full sync", "sync", "--full", "--post")
	phases = append(phases, full)
	flagged := full.sum.flagged
	if full.sum.job != "full_sync" || full.sum.tickets != n {
		t.Errorf("full sync: job %q read %d tickets, want full_sync, %d", full.sum.job, full.sum.tickets, n)
	}
	if flagged != want.flagged {
		t.Errorf("full sync flagged %d tickets; the generator planted %d incomplete (plus expired exceptions)", flagged, want.flagged)
	}
	if got, want := full.jira[routeSearch], w.searches(w.perProject); got != want {
		t.Errorf("full sync: %d searches, want ceil(N/%d) per project = %d", got, w.pageSize, want)
	}
	// Each flagged ticket costs one write: an issue edit carrying the
	// comment, the label and the trail property.
	if full.jira[routeComment] != 0 || full.jira[routeEdit] != flagged || full.jira[routeProperty] != 0 || full.sum.comments != flagged {
		t.Errorf("full sync: %d comment posts, %d issue edits (comment + label + trail), %d trail-only writes, %d comments reported; want 0, %[5]d, 0, %[5]d",
			full.jira[routeComment], full.jira[routeEdit], full.jira[routeProperty], full.sum.comments, flagged)
	}
	if _, rest := startup(full.jira, jiraStartup); total(rest) != w.searches(w.perProject)+flagged {
		t.Errorf("full sync: %d Jira requests after start-up %v, want searches + flagged = %d", total(rest), rest, w.searches(w.perProject)+flagged)
	}
	if got := full.slack["chat.postMessage"]; got != flagged || full.sum.slack != flagged {
		t.Errorf("full sync: %d Slack posts (%d reported), want one validation request per flagged ticket = %d", got, full.sum.slack, flagged)
	}
	// The tickets written to, per project, from the fake's request log.
	touched := map[string]int{}
	for _, r := range w.jira.Requests() {
		if r.Method == "PUT" && issuePath.MatchString(r.Path) {
			p, _, _ := strings.Cut(ticketKey.FindString(r.Path), "-")
			touched[p]++
		}
	}
	w.jira.ResetRequests() // the request log holds every body: memory only

	// 2. Incremental right after: reads back what the full sync wrote to
	// (Jira bumped `updated`), writes nothing.
	echo := w.run(t, bin, cfg, dir, "incremental (own writes)", "sync", "--post")
	phases = append(phases, echo)
	// A new process starts with an empty email cache: resolving the
	// owners of the tickets it reads is its only Slack traffic.
	_, echoSlack := startup(echo.slack, slackStartup)
	lookups := echoSlack["users.lookupByEmail"]
	if got, want := echo.jira[routeSearch], w.searches(touched); got != want || writes(echo.jira) != 0 || total(echoSlack) != lookups || lookups > len(w.site.Owners) {
		t.Errorf("incremental after full sync: %d searches (want %d = ceil(written/%d) per project), %d Jira writes, Slack %v (want 0 writes, owner look-ups only)",
			got, want, w.pageSize, writes(echo.jira), echoSlack)
	}
	if echo.sum.tickets != full.sum.comments {
		t.Errorf("incremental after full sync read %d tickets, want the %d written to", echo.sum.tickets, full.sum.comments)
	}

	// The child's clock is the wall clock, and an incremental sync
	// re-reads 3 minutes before its watermark (2 in the engine, 1 in the
	// connector, floored to the minute): run right after, it would read
	// the full sync's last writes again. Instead of waiting four minutes,
	// move the fake's `updated` stamps five minutes back — the five
	// minutes TestLoad lets pass on its simulated clock.
	aged := 0
	for key := range w.index {
		is, _ := w.jira.Issue(key)
		if is.Updated.After(seedStart) {
			if err := w.jira.Update(key, func(is *jiratest.Issue) { is.Updated = is.Updated.Add(-5 * time.Minute) }); err != nil {
				t.Fatal(err)
			}
			aged++
		}
	}
	if aged != full.sum.comments {
		t.Errorf("%d tickets updated since seeding, want the %d written to", aged, full.sum.comments)
	}

	// 3. Nothing changed: one search per project, no writes, no Slack.
	quiet := w.run(t, bin, cfg, dir, "incremental (no change)", "sync", "--post")
	phases = append(phases, quiet)
	_, quietJira := startup(quiet.jira, jiraStartup)
	_, quietSlack := startup(quiet.slack, slackStartup)
	if got := quiet.jira[routeSearch]; got != 2 || total(quietJira) != 2 || total(quietSlack) != 0 || quiet.sum.tickets != 0 {
		t.Errorf("incremental with no change: %d searches, Jira %v, Slack %v, %d tickets; want 1 search per project (2), nothing else, 0 tickets",
			got, quietJira, quietSlack, quiet.sum.tickets)
	}

	// 4. Nag: one DM per owner with something due, all their items in it.
	nag := w.run(t, bin, cfg, dir, "nag", "nag", "--post")
	phases = append(phases, nag)
	if nag.slack["chat.postMessage"] != want.owners || nag.sum.slack != want.owners {
		t.Errorf("nag: %d posts (%d reported); want one DM per owner the generator gave a due item = %d",
			nag.slack["chat.postMessage"], nag.sum.slack, want.owners)
	}
	named := map[string]bool{}
	dms := 0
	for _, o := range w.site.Owners {
		got := w.slack.DMs(o.SlackID)
		if len(got) > 1 {
			t.Errorf("owner %s got %d DMs, want at most 1", o.SlackID, len(got))
		}
		dms += len(got)
		for _, m := range got {
			for _, txt := range m.Texts() {
				for _, k := range ticketKey.FindAllString(txt, -1) {
					named[k] = true
				}
			}
		}
	}
	if dms != want.owners {
		t.Errorf("nag: %d owners got a DM, want %d", dms, want.owners)
	}
	if len(named) != want.overdue+want.soon {
		t.Errorf("nag: the DMs name %d tickets, want every due item (%d overdue + %d due soon)", len(named), want.overdue, want.soon)
	}
	if got, want := nag.jira[routeSearch], w.searches(w.perProject); got != want || writes(nag.jira) != 0 {
		t.Errorf("nag: %d searches (want %d), %d Jira writes (want 0)", got, want, writes(nag.jira))
	}

	// 5. Digest: one digest, in as many threaded parts as Slack needs.
	digest := w.run(t, bin, cfg, dir, "digest", "digest", "--post")
	phases = append(phases, digest)
	if digest.sum.slack != 1 || digest.slack["chat.postMessage"] < 1 || writes(digest.jira) != 0 {
		t.Errorf("digest: %d messages reported, %d posts, %d Jira writes; want 1, ≥ 1, 0", digest.sum.slack,
			digest.slack["chat.postMessage"], writes(digest.jira))
	}
	for _, p := range phases {
		if p.slack["HTTP 429"] > 0 {
			t.Errorf("%s: Slack answered %d calls with 429", p.name, p.slack["HTTP 429"])
		}
	}

	var b strings.Builder
	fmt.Fprintf(&b, "\nN = %d tickets (%d SEC fields, %d OPS template), %d owners; seeding %v, test process RSS after seeding %s (the fakes)\n",
		n, w.perProject[ProjectFields], w.perProject[ProjectTemplate], len(w.site.Owners), seedWall.Round(time.Millisecond), mib(seedRSS))
	fmt.Fprintf(&b, "planted: %d incomplete, %d overdue items, %d due soon, %d owners with something due; patchbot flagged %d\n",
		want.incomplete, want.overdue, want.soon, want.owners, flagged)
	b.WriteString("\n| phase | command | wall | CPU (user + sys) | peak RSS | Jira requests | Slack requests |\n| --- | --- | --- | --- | --- | --- | --- |\n")
	for _, p := range phases {
		fmt.Fprintf(&b, "| %s | `patchbot %s` | %s | %s | %s | %s | %s |\n", p.name, strings.Join(p.args, " "), secs(p.wall), secs(p.cpu),
			mib(p.maxRSS), routes(p.jira), routes(p.slack))
	}
	for _, p := range phases {
		fmt.Fprintf(&b, "  %-26s stdout %s, %s\n", p.name, size(p.stdout), summaryRE.FindString(readFile(p.stdout)))
	}
	t.Log(b.String())
}

func readFile(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	var last string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if bytes.Contains(sc.Bytes(), []byte(" tickets read, ")) {
			last = sc.Text()
		}
	}
	return last
}

func size(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return "?"
	}
	return fmt.Sprintf("%d KiB", fi.Size()/1024)
}

// spawnChild runs a command as a child through the spawner — the test
// binary re-executed, not the command directly: Go starts children with
// vfork, so a child's exec records the parent's peak RSS (the fakes') as
// the child's maxrss. The child's stdout and stderr go to slug.out and
// slug.err in dir; it returns the child's wall time and rusage and the
// stdout file. A child that fails fails the test, naming what (what) with
// the tail of its stderr.
func spawnChild(t *testing.T, dir, slug, what string, env []string, bin string, args ...string) (spawned, string) {
	t.Helper()
	outPath := filepath.Join(dir, slug+".out")
	errPath := filepath.Join(dir, slug+".err")
	ruPath := filepath.Join(dir, slug+".rusage")
	stdout, err := os.Create(outPath)
	if err != nil {
		t.Fatal(err)
	}
	defer stdout.Close()
	stderr, err := os.Create(errPath)
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	cmd := exec.Command(os.Args[0], append([]string{"--", bin}, args...)...)
	cmd.Env = append(append(os.Environ(), spawnEnv+"="+ruPath), env...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: spawner: %v\n%s", what, err, tail(errPath))
	}
	var ru spawned
	if b, err := os.ReadFile(ruPath); err != nil {
		t.Fatal(err)
	} else if err := json.Unmarshal(b, &ru); err != nil {
		t.Fatal(err)
	}
	if ru.Err != "" {
		t.Fatalf("%s: %s\n%s", what, ru.Err, tail(errPath))
	}
	return ru, outPath
}

// spawnEnv makes the test binary a spawner: it runs the command after
// "--", waits for it and writes its wall time and rusage as JSON to the
// file the variable names. The spawner is a fresh, small process, so the
// rusage it reads is patchbot's own (see run).
const spawnEnv = "PATCHBOT_LOAD_SPAWN"

// spawned is what the spawner reports.
type spawned struct {
	Wall, CPU int64 // ns; CPU is user + system
	MaxRSS    int64 // KiB
	Err       string
}

func TestMain(m *testing.M) {
	if path := os.Getenv(spawnEnv); path != "" {
		os.Exit(spawn(path))
	}
	if os.Getenv(floorEnv) != "" {
		os.Exit(floorMain())
	}
	os.Exit(m.Run())
}

func spawn(path string) int {
	i := slices.Index(os.Args, "--")
	if i < 0 || i+1 >= len(os.Args) {
		fmt.Fprintln(os.Stderr, "spawn: no command after --")
		return 2
	}
	cmd := exec.Command(os.Args[i+1], os.Args[i+2:]...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, spawnEnv+"=") })
	start := time.Now()
	err := cmd.Run()
	r := spawned{Wall: int64(time.Since(start))}
	if err != nil {
		r.Err = err.Error()
	}
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			tv := func(v syscall.Timeval) int64 { return v.Sec*1e9 + int64(v.Usec)*1e3 }
			r.CPU, r.MaxRSS = tv(ru.Utime)+tv(ru.Stime), ru.Maxrss
		}
	}
	b, _ := json.Marshal(r)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		fmt.Fprintln(os.Stderr, "spawn:", err)
		return 1
	}
	return 0
}
