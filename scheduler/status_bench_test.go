package scheduler

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/patchbot/patchbot/connectors/statuspage"
	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/intake"
	"github.com/patchbot/patchbot/handoff/ports"
)

// statusEngine100k is an engine whose status view holds n tickets as a
// full sync leaves them: a third overdue, a quarter incomplete, in five
// projects with twenty owners, and 84 days of snapshots.
func statusEngine100k(b *testing.B, n int) (*Engine, *memStatus) {
	b.Helper()
	c := &clock{t: t0}
	led := newMemLedger()
	var projects []Project
	for i := range 5 {
		projects = append(projects, Project{Name: fmt.Sprintf("P%d", i), Policy: handoff.DefaultPolicy(), Channels: map[handoff.Lane]string{"": "#patching"}})
	}
	opt := Options{Tracker: newFakeTracker(c.Now), Messenger: newFakeMessenger(), Location: berlin, Now: c.Now, Projects: projects,
		Metrics: NewMetrics(prometheus.NewRegistry())}
	led.plug(&opt)
	e, err := New(opt)
	if err != nil {
		b.Fatal(err)
	}
	st := newMemStatus()
	e.EnableStatus(StatusOptions{Days: st, Snoozes: st})
	cy := &cycle{e: e, now: t0, rep: &Report{Job: JobFullSync}}
	for i := range n {
		f := complete(t0)
		owner := fmt.Sprintf("owner%d", i%20)
		f[handoff.FieldOwner] = handoff.FieldValue{Text: owner, Users: []handoff.User{{AccountID: "acc-" + owner, DisplayName: owner}}}
		if i%3 == 0 {
			f[handoff.FieldReviewDate] = handoff.FieldValue{Text: t0.AddDate(0, 0, -1-i%90).Format("2006-01-02")}
		}
		if i%4 == 0 {
			delete(f, handoff.FieldFixedVersion)
			delete(f, handoff.FieldRollback)
		}
		lane := handoff.Lanes()[i%len(handoff.Lanes())]
		p := projects[i%len(projects)]
		in := input(fmt.Sprintf("%s-%d", p.Name, i), lane, t0.AddDate(0, -1, 0), f)
		in.Ticket.Summary = fmt.Sprintf("CVE-2026-%05d patch the %s fleet <script>x</script>", i, lane)
		h := intake.Read(in)
		h.Ticket.Project = p.Name
		ev := handoff.Evaluate(h, p.Policy, t0, berlin)
		cy.observe(p, &ev, nil)
		if i%500 == 0 {
			st.snoozes = append(st.snoozes, ports.Snoozed{Key: in.Ticket.Key, Until: t0.Add(72 * time.Hour), By: "U1"})
		}
	}
	e.board.sweep(t0)
	for d := range statuspage.ChartDays {
		day := t0.AddDate(0, 0, -d).Format(time.DateOnly)
		for _, p := range projects {
			st.days[[2]string{day, p.Name}] = ports.DayCount{Day: day, Project: p.Name, Open: n / 5, Incomplete: n / 20, Overdue: n / 15}
		}
	}
	return e, st
}

// BenchmarkStatusPage100k serves the page for 100,000 tickets through the
// engine's Source: the copy of the rows with their overdue ages, the
// snoozes and snapshots from the ledger ports (in memory here), the
// aggregation and the template. The budget is 200 ms.
func BenchmarkStatusPage100k(b *testing.B) {
	e, _ := statusEngine100k(b, 100_000)
	h, err := statuspage.New(statuspage.Options{Source: e, Location: berlin})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct{ name, target string }{
		{"all", "/status"},
		{"project", "/status?project=P3&page=20"},
		{"owner", "/status?owner=owner7"},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, c.target, nil))
				if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `data-series="open"`) {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}

// BenchmarkStatusAfterCycle100k is what each cycle adds for 100,000
// tickets: counting the rows into the gauges (and the snoozes in scope).
// It also reports the rows' heap, measured once.
func BenchmarkStatusAfterCycle100k(b *testing.B) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	e, _ := statusEngine100k(b, 100_000)
	runtime.GC()
	runtime.ReadMemStats(&after)
	c := &cycle{e: e, now: t0.Add(time.Hour), rep: &Report{Job: JobSync}}
	b.ReportAllocs()
	for b.Loop() {
		e.statusAfter(context.Background(), c, false)
	}
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MiB-rows")
}
