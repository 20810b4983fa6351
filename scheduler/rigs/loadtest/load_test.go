package loadtest

import (
	"context"
	"flag"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/patchbot/patchbot/scheduler"
)

var loadN = flag.Int("load", 0, "run TestLoad at this many tickets (or set PATCHBOT_LOAD)")

// The Jira routes the connector uses, as jiratest counts them.
const (
	routeSearch   = "GET /rest/api/2/search/jql"
	routeComment  = "POST /rest/api/3/issue/{key}/comment" // not used: comments go in the issue edit
	routeEdit     = "PUT /rest/api/3/issue/{key}"          // comment + label + trail, one write (Cloud, ADF)
	routeProperty = "PUT /rest/api/2/issue/{key}/properties/{prop}"
)

// TestLoad runs one site of PATCHBOT_LOAD (or -load) tickets through a
// full sync, two incremental syncs, a nag run and a digest, and reports
// each phase's cost. Run one size per process: peak RSS is process-wide
// and only grows.
//
//	PATCHBOT_LOAD=100000 go test ./scheduler/rigs/loadtest -run TestLoad -v -timeout 30m
func TestLoad(t *testing.T) {
	runLoad(t, loadSize(t), true)
}

// loadSize is the N of a load run: -load N, else PATCHBOT_LOAD; the test
// is skipped without either.
func loadSize(t *testing.T) int {
	t.Helper()
	n := *loadN
	if v := os.Getenv("PATCHBOT_LOAD"); n == 0 && v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			t.Fatalf("PATCHBOT_LOAD=%q: %v", v, err)
		}
	}
	if n <= 0 {
		t.Skip("set PATCHBOT_LOAD=N or -load N to run the load test")
	}
	return n
}

// TestLoadSmoke is the same path at 200 tickets, with every count
// asserted, so the load test's code stays tested in the default run.
func TestLoadSmoke(t *testing.T) {
	runLoad(t, 200, testing.Verbose())
}

// phase is one measured step.
type phase struct {
	name      string
	wall, cpu time.Duration
	maxRSS    int64 // KiB, process peak so far
	jiraFake  time.Duration
	jiraRT    time.Duration
	slackRT   time.Duration
	paced     time.Duration // simulated time the connectors waited
	jira      map[string]int
	slack     map[string]int
	rep       *scheduler.Report
}

func (p phase) fake() time.Duration { return p.jiraFake + p.slackRT }

// probeRoutes are the reads of what the bot may do in a project: its
// permissions and the edit metadata of a sample open and a sample resolved
// ticket. The connector makes them the first time it scans a project (in
// a process) and again after its RightsTTL, so they are counted apart from
// the per-ticket cost; maxProbes bounds them per project.
var probeRoutes = []string{"GET /rest/api/2/mypermissions", "GET /rest/api/2/issue/{key}/editmeta"}

const maxProbesPerProject = 3

// jiraTotal is the phase's Jira requests without the capability probes.
func (p phase) jiraTotal() int {
	n := 0
	for k, v := range p.jira {
		if !slices.Contains(probeRoutes, k) {
			n += v
		}
	}
	return n
}

// probes is the phase's capability probes.
func (p phase) probes() int {
	n := 0
	for _, r := range probeRoutes {
		n += p.jira[r]
	}
	return n
}

func (p phase) slackTotal() int {
	n := 0
	for _, v := range p.slack {
		n += v
	}
	return n
}

func rusage(t testing.TB) (cpu time.Duration, maxRSS int64) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	tv := func(v syscall.Timeval) time.Duration {
		return time.Duration(v.Sec)*time.Second + time.Duration(v.Usec)*time.Microsecond
	}
	return tv(ru.Utime) + tv(ru.Stime), ru.Maxrss
}

// measure runs fn as one phase. The fakes' request logs are cleared first,
// so the counts are this phase's.
func (w *world) measure(t testing.TB, name string, fn func() (*scheduler.Report, error)) phase {
	t.Helper()
	w.jira.ResetRequests()
	w.slack.ResetCalls() // the fake's log only costs memory here
	w.tm.takeSlack()
	jf, jr, sr := w.tm.jiraHandler.Load(), w.tm.jiraRT.Load(), w.tm.slackRT.Load()
	slept := w.clock.Slept()
	cpu0, _ := rusage(t)
	start := time.Now()
	rep, err := fn()
	wall := time.Since(start)
	cpu1, rss := rusage(t)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	p := phase{name: name, wall: wall, cpu: cpu1 - cpu0, maxRSS: rss,
		jiraFake: time.Duration(w.tm.jiraHandler.Load() - jf), jiraRT: time.Duration(w.tm.jiraRT.Load() - jr),
		slackRT: time.Duration(w.tm.slackRT.Load() - sr), paced: w.clock.Slept() - slept,
		jira: w.jira.Counts(), rep: rep}
	var limited int
	p.slack, limited = w.tm.takeSlack()
	if limited > 0 {
		t.Errorf("%s: Slack answered %d calls with 429: pacing not kept", name, limited)
	}
	return p
}

// writeHeap writes a heap profile of what is live now (after a GC).
func writeHeap(t testing.TB, path string) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		t.Fatal(err)
	}
}

var ticketKey = regexp.MustCompile(`\b(?:` + ProjectFields + `|` + ProjectTemplate + `)-\d+\b`)

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// searches is how many search pages reading k tickets of each project
// costs: ceil(k/page) per project, and one (empty) page for a project
// with none.
func (w *world) searches(k map[string]int) int {
	n := 0
	for _, p := range []string{ProjectFields, ProjectTemplate} {
		n += max(1, ceilDiv(k[p], w.pageSize))
	}
	return n
}

func writes(m map[string]int) int {
	n := 0
	for route, v := range m {
		if !strings.HasPrefix(route, "GET ") {
			n += v
		}
	}
	return n
}

func runLoad(t *testing.T, n int, verbose bool) {
	ctx := context.Background()
	seedStart := time.Now()
	w := newWorld(t, n)
	seedWall := time.Since(seedStart)
	_, seedRSS := rusage(t)
	e := w.app.Engine
	var phases []phase

	// 1. Full sync: every ticket read; each flagged one gets its checklist
	// comment, label and trail property in one issue edit (1 write) and
	// its validation request in Slack.
	var prof *os.File
	if path := os.Getenv("PATCHBOT_LOAD_CPUPROFILE"); path != "" {
		var err error
		if prof, err = os.Create(path); err != nil {
			t.Fatal(err)
		}
		if err := pprof.StartCPUProfile(prof); err != nil {
			t.Fatal(err)
		}
	}
	full := w.measure(t, "full sync", func() (*scheduler.Report, error) {
		return e.Sync(ctx, scheduler.SyncOptions{Full: true, CountsOnly: true})
	})
	if prof != nil {
		pprof.StopCPUProfile()
		_ = prof.Close()
	}
	if path := os.Getenv("PATCHBOT_LOAD_MEMPROFILE"); path != "" {
		writeHeap(t, path)
	}
	phases = append(phases, full)
	flagged := full.rep.Flagged
	if full.rep.Tickets != n {
		t.Errorf("full sync read %d tickets, want %d", full.rep.Tickets, n)
	}
	if got, want := full.jira[routeSearch], w.searches(w.perProject); got != want {
		t.Errorf("full sync: %d searches, want ceil(N/%d) per project = %d", got, w.pageSize, want)
	}
	touched := map[string]int{}
	for _, a := range full.rep.Actions {
		if a.Kind == scheduler.ActComment && a.Done {
			p, _, _ := strings.Cut(a.Key, "-")
			touched[p]++
		}
	}
	comments := touched[ProjectFields] + touched[ProjectTemplate]
	if comments != flagged {
		t.Errorf("full sync: %d checklists published, %d tickets flagged", comments, flagged)
	}
	if full.jira[routeComment] != 0 || full.jira[routeEdit] != flagged || full.jira[routeProperty] != 0 {
		t.Errorf("full sync: %d comment posts, %d issue edits (comment + label + trail), %d trail-only writes; want 0, %d, 0",
			full.jira[routeComment], full.jira[routeEdit], full.jira[routeProperty], flagged)
	}
	if got, want := full.jiraTotal(), w.searches(w.perProject)+flagged; got != want {
		t.Errorf("full sync: %d Jira requests %v, want searches + flagged = %d", got, full.jira, want)
	}
	if got, most := full.probes(), maxProbesPerProject*len(w.perProject); got > most {
		t.Errorf("full sync: %d capability probes %v, want at most %d per project (%d)", got, full.jira, maxProbesPerProject, most)
	}
	if got := full.slack["chat.postMessage"]; got != flagged {
		t.Errorf("full sync: %d Slack posts, want one validation request per flagged ticket = %d", got, flagged)
	}
	if full.rep.Deferred != 0 || len(full.rep.Errors) != 0 {
		t.Errorf("full sync: %d deferred, errors %v", full.rep.Deferred, full.rep.Errors)
	}
	want := planted(w.site)
	if flagged != want.flagged {
		t.Errorf("full sync flagged %d tickets; the generator planted %d incomplete (plus expired exceptions)", flagged, want.flagged)
	}

	// 2. The next incremental sync, five minutes later, reads back what
	// the full sync wrote to: Jira bumps `updated` on the bot's own
	// comments. It writes nothing.
	w.clock.Advance(5 * time.Minute)
	echo := w.measure(t, "incremental (own writes)", func() (*scheduler.Report, error) { return e.Sync(ctx, scheduler.SyncOptions{CountsOnly: true}) })
	phases = append(phases, echo)
	if got, want := echo.jira[routeSearch], w.searches(touched); got != want || writes(echo.jira) != 0 || echo.slackTotal() != 0 {
		t.Errorf("incremental after full sync: %d searches (want %d = ceil(written/%d) per project), %d Jira writes, %d Slack calls (want 0, 0)",
			got, want, w.pageSize, writes(echo.jira), echo.slackTotal())
	}
	if echo.rep.Tickets != comments {
		t.Errorf("incremental after full sync read %d tickets, want the %d written to", echo.rep.Tickets, comments)
	}

	// 3. Nothing changed: one search per project (the watermark query),
	// no writes, no Slack.
	w.clock.Advance(5 * time.Minute)
	quiet := w.measure(t, "incremental (no change)", func() (*scheduler.Report, error) { return e.Sync(ctx, scheduler.SyncOptions{CountsOnly: true}) })
	phases = append(phases, quiet)
	if got := quiet.jira[routeSearch]; got != 2 || quiet.jiraTotal() != 2 || quiet.slackTotal() != 0 || quiet.rep.Tickets != 0 {
		t.Errorf("incremental with no change: %d searches, %d Jira requests, %d Slack calls, %d tickets; want 1 search per project (2), 2, 0, 0",
			got, quiet.jiraTotal(), quiet.slackTotal(), quiet.rep.Tickets)
	}

	// 4. Nag: one DM per owner with something due, batching their items.
	// A dry run first says which owners that is.
	dry, err := e.Nag(ctx, scheduler.NagOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	dryOwners := map[string]bool{}
	for _, a := range dry.Actions {
		if a.Kind == scheduler.ActSlack && a.Send == "reminder" {
			dryOwners[a.To.UserID] = true
		}
	}
	if len(dryOwners) != want.owners {
		t.Errorf("nag dry run: %d owners to remind; the generator planted due items for %d", len(dryOwners), want.owners)
	}
	nag := w.measure(t, "nag", func() (*scheduler.Report, error) { return e.Nag(ctx, scheduler.NagOptions{CountsOnly: true}) })
	phases = append(phases, nag)
	reminders := nag.rep.Count(scheduler.ActSlack, "reminder")
	if reminders != len(dryOwners) || nag.slack["chat.postMessage"] != len(dryOwners) || nag.rep.Count(scheduler.ActSlack, "") != reminders {
		t.Errorf("nag: %d reminders, %d posts, %d messages in all; want one DM per owner = %d", reminders,
			nag.slack["chat.postMessage"], nag.rep.Count(scheduler.ActSlack, ""), len(dryOwners))
	}
	// Each due ticket carries one due item (TestGeneratedMix), so the
	// tickets named across the DMs are the items batched into them.
	named := map[string]bool{}
	for owner := range dryOwners {
		got := w.slack.DMs(owner)
		if len(got) != 1 {
			t.Errorf("owner %s got %d DMs, want 1", owner, len(got))
			continue
		}
		for _, txt := range got[0].Texts() {
			for _, k := range ticketKey.FindAllString(txt, -1) {
				named[k] = true
			}
		}
	}
	if len(named) != want.overdue+want.soon {
		t.Errorf("nag: the DMs name %d tickets, want every due item (%d overdue + %d due soon)", len(named), want.overdue, want.soon)
	}
	if got, want := nag.jira[routeSearch], w.searches(w.perProject); got != want || writes(nag.jira) != 0 {
		t.Errorf("nag: %d searches (want %d), %d Jira writes (want 0)", got, want, writes(nag.jira))
	}

	// 5. Digest: the overdue items to the digest channel, split into as
	// many threaded parts as Slack's limits need.
	digest := w.measure(t, "digest", func() (*scheduler.Report, error) { return e.Digest(ctx, scheduler.DigestOptions{CountsOnly: true}) })
	phases = append(phases, digest)
	if digest.rep.Count(scheduler.ActSlack, "digest") != 1 || digest.slack["chat.postMessage"] < 1 || writes(digest.jira) != 0 {
		t.Errorf("digest: %d digests, %d posts, %d Jira writes; want 1, ≥ 1, 0", digest.rep.Count(scheduler.ActSlack, "digest"),
			digest.slack["chat.postMessage"], writes(digest.jira))
	}
	minGap := checkPacing(t, w)

	if !verbose {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\nN = %d tickets (%d SEC fields, %d OPS template), %d owners; seeding %v, RSS after seeding %s\n",
		n, w.perProject[ProjectFields], w.perProject[ProjectTemplate], len(w.site.Owners), seedWall.Round(time.Millisecond), mib(seedRSS))
	fmt.Fprintf(&b, "planted: %d incomplete, %d overdue items, %d due soon, %d owners with something due; patchbot flagged %d\n",
		want.incomplete, want.overdue, want.soon, want.owners, flagged)
	fmt.Fprintf(&b, "nag: %d DMs (one per owner), carrying %d due items; smallest gap between two posts to one channel: %v\n",
		reminders, want.overdue+want.soon, minGap)
	b.WriteString("\n| phase | wall | CPU | peak RSS | fake time | own time | Jira requests | Slack requests | paced (simulated) |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, p := range phases {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", p.name, secs(p.wall), secs(p.cpu), mib(p.maxRSS),
			secs(p.fake()), secs(p.wall-p.fake()), routes(p.jira), routes(p.slack), p.paced.Round(time.Second))
	}
	b.WriteString("\nfake time split: Jira handler | Jira round trip | Slack round trip\n")
	for _, p := range phases {
		fmt.Fprintf(&b, "  %-26s %s | %s | %s\n", p.name, secs(p.jiraFake), secs(p.jiraRT), secs(p.slackRT))
	}
	t.Log(b.String())
}

// plantedCounts is what the generator put into the site.
type plantedCounts struct {
	incomplete, flagged, overdue, soon, owners int
}

// planted counts the generator's intentions: a ticket is flagged when it
// was left incomplete, or when its exception expired (an expired
// exception on an open ticket is a finding of its own).
func planted(s *Site) plantedCounts {
	var c plantedCounts
	owners := map[int]bool{}
	for _, t := range s.Tickets {
		if t.Incomplete {
			c.incomplete++
		}
		expired := t.Due == DueOverdue && !t.Resolved && !t.Blocked && t.Lane == "exception"
		if t.Incomplete || expired {
			c.flagged++
		}
		switch t.Due {
		case DueOverdue:
			c.overdue++
			owners[t.Owner] = true
		case DueSoon:
			c.soon++
			owners[t.Owner] = true
		}
	}
	c.owners = len(owners)
	return c
}

// checkPacing asserts that no channel (DMs and threads included) got two
// posts less than the configured interval apart over the whole run, read
// from the messages' timestamps (the fakes' simulated clock), and returns
// the smallest gap seen. The fake keeps timestamps unique by moving a post
// made at the same instant as an earlier one a microsecond on, so a gap
// may read up to one microsecond per earlier post short (2 ms after the
// 100k nag's 2,000 DMs at one instant). The fake's own EnforcePostRate,
// which answers 429 by its clock, is the exact check (see measure).
func checkPacing(t *testing.T, w *world) time.Duration {
	all := w.slack.All()
	slack := time.Duration(len(all)) * time.Microsecond
	last := map[string]time.Time{}
	minGap := time.Duration(-1)
	for _, m := range all {
		at := tsTime(m.TS)
		if prev, ok := last[m.Channel]; ok {
			gap := at.Sub(prev)
			if minGap < 0 || gap < minGap {
				minGap = gap
			}
			if gap < postGap-slack {
				t.Errorf("channel %s: two posts %v apart, want ≥ %v", m.Channel, gap, postGap)
			}
		}
		last[m.Channel] = at
	}
	return minGap
}

func tsTime(ts string) time.Time {
	sec, frac, _ := strings.Cut(ts, ".")
	s, _ := strconv.ParseInt(sec, 10, 64)
	us, _ := strconv.ParseInt((frac + "000000")[:6], 10, 64)
	return time.Unix(s, us*1000)
}

func secs(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

func mib(kib int64) string { return fmt.Sprintf("%d MiB", kib/1024) }

// routes prints request counts, most first, without the method for Slack.
func routes(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", short(k), m[k]))
	}
	if len(parts) == 0 {
		return "0"
	}
	return strings.Join(slices.Clip(parts), ", ")
}

func short(route string) string {
	switch route {
	case routeSearch:
		return "search"
	case routeComment:
		return "comment"
	case routeEdit:
		return "issue edit"
	case routeProperty:
		return "property"
	}
	return route
}
