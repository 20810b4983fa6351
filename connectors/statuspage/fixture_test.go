package statuspage

import (
	"context"
	"fmt"
	"time"
)

// fixtureNow is the instant of the fixture world.
var fixtureNow = time.Date(2026, 3, 20, 10, 0, 0, 0, time.UTC)

// The hostile ticket's texts: each would run script or break out of its
// attribute if the page pasted it in unescaped.
const (
	hostileSummary = `<script>document.title='pwned';window.pwned=true</script><img src=x onerror="window.pwned=true">`
	hostileURL     = `javascript:window.pwned=true`
	hostileOwner   = `"><script>window.pwned=1</script>`
	hostileReason  = `" onmouseover="window.pwned=1" x="`
	hostileField   = `<b onclick="window.pwned=1">date</b>`
)

// wantOverdue is the fixture's overdue list in page order: oldest first,
// known-exploited first at the same age.
var wantOverdue = []string{"SEC-4", "SEC-1", "OPS-1", "SEC-10", "SEC-3", "SEC-13"}

func jira(key string) string { return "https://jira.example.com/browse/" + key }

// fixtureView is a dozen tickets in two projects, one of them hostile,
// 84 days of snapshots and some health.
func fixtureView() View {
	day := func(n int) time.Time { return fixtureNow.AddDate(0, 0, n) }
	t := []Ticket{
		{Key: "SEC-1", Project: "SEC", Summary: "OpenSSL 3.0.x heap overflow", Lane: "patch_now", Verdict: "validation_request", Owner: "alice",
			Missing: []string{"fixed version", "rollback plan"}, Overdue: []Overdue{{Kind: "deadline_passed", Field: "deadline", Days: 12}}, KEV: true},
		{Key: "SEC-2", Project: "SEC", Summary: "nginx 1.25 request smuggling", Lane: "planned_window", Verdict: "owner_ready", Owner: "bob"},
		{Key: "SEC-3", Project: "SEC", Summary: "Citrix ADC session leak", Lane: "mitigate_first", Verdict: "validation_request", Owner: "alice",
			Overdue: []Overdue{{Kind: "review_passed", Field: "next review date", Days: 3}},
			Snoozes: []Snooze{{Item: "review_passed", By: "carol", Until: day(5), Reason: "vendor fix due Monday"}}},
		{Key: "SEC-4", Project: "SEC", Summary: "Legacy Java 8 runtime", Lane: "exception", Verdict: "owner_ready", Owner: "dave",
			Overdue: []Overdue{{Kind: "exception_expired", Field: "exception expiry", Days: 30}}},
		{Key: "SEC-5", Project: "SEC", Summary: "Low EPSS library bump", Lane: "monitor", Verdict: "owner_ready", Owner: "bob"},
		{Key: "SEC-6", Project: "SEC", Summary: "Is build 7.2 affected?", Lane: "needs_review", Verdict: "validation_request",
			Missing: []string{"owner", "answer due date"}},
		{Key: "SEC-10", Project: "SEC", Summary: "Exchange ProxyShell", Lane: "patch_now", Verdict: "closure_proof_missing", Owner: "alice",
			Overdue: []Overdue{{Kind: "resolved_without_proof", Days: 7}}, KEV: true},
		{Key: "SEC-13", Project: "SEC", Summary: hostileSummary, URL: hostileURL, Lane: "patch_now", Verdict: "validation_request", Owner: hostileOwner,
			Missing: []string{hostileField}, Overdue: []Overdue{{Kind: "review_passed", Field: hostileField, Days: 1}},
			Snoozes: []Snooze{{Item: hostileField, By: hostileOwner, Until: day(2), Reason: hostileReason}}},
		{Key: "OPS-1", Project: "OPS", Summary: "Kernel update on bastions", Lane: "patch_now", Verdict: "validation_request", Owner: "erin",
			Missing: []string{"testing scope"}, Overdue: []Overdue{{Kind: "deadline_passed", Field: "deadline", Days: 12}}},
		{Key: "OPS-2", Project: "OPS", Summary: "PostgreSQL minor release", Lane: "planned_window", Verdict: "owner_ready", Owner: "erin"},
		{Key: "OPS-3", Project: "OPS", Summary: "VPN appliance mitigation", Lane: "mitigate_first", Verdict: "owner_ready", Owner: "frank",
			Snoozes: []Snooze{{By: "frank", Until: day(10), Reason: "change freeze"}}},
		{Key: "OPS-4", Project: "OPS", Summary: "Unlabelled ticket", Lane: "", Verdict: "validation_request", Owner: "frank",
			Missing: []string{"action lane"}},
	}
	for i := range t {
		if t[i].URL == "" {
			t[i].URL = jira(t[i].Key)
		}
	}
	var days []Snapshot
	for i := -ChartDays + 1; i <= 0; i++ {
		n := i + ChartDays // 1..84
		days = append(days, Snapshot{Day: day(i), Open: 40 + n/4, Incomplete: 30 - n/6, Overdue: 5 + n%7})
	}
	days = append(days, Snapshot{Day: day(-ChartDays), Open: 999}) // outside the window
	return View{
		Now:     fixtureNow,
		Tickets: t,
		Days:    days,
		Health: Health{
			Jobs: []Job{
				{Name: "sync", LastSuccess: fixtureNow.Add(-4 * time.Minute)},
				{Name: "nag", LastSuccess: fixtureNow.Add(-26 * time.Hour)},
				{Name: "digest", LastError: "slack: channel_not_found"},
			},
			Feeds: []Feed{
				{Name: "KEV", Age: 3 * time.Hour},
				{Name: "EPSS", Age: 80 * time.Hour, Stale: true, LastError: "epss: 503 after 3 retries"},
			},
			Degraded: []Degraded{{Capability: "urgency from EPSS", Reason: "feed stale; urgency from KEV only"}},
		},
	}
}

func fixtureSource() Source {
	return SourceFunc(func(context.Context) (View, error) { return fixtureView(), nil })
}

// bigView is n generated tickets across 8 projects and 400 owners, a
// third of them overdue, a quarter incomplete, a few snoozed.
func bigView(n int) View {
	v := View{Now: fixtureNow}
	lanes := laneOrder
	verdicts := verdictOrder
	v.Tickets = make([]Ticket, n)
	missing := []string{"fixed version", "rollback plan", "deadline"}
	for i := range v.Tickets {
		p := fmt.Sprintf("P%d", i%8)
		t := Ticket{
			Key:     fmt.Sprintf("%s-%d", p, i),
			Project: p,
			Summary: fmt.Sprintf("Generated ticket %d with a summary of ordinary length", i),
			URL:     jira(fmt.Sprintf("%s-%d", p, i)),
			Lane:    lanes[i%len(lanes)],
			Verdict: verdicts[i%len(verdicts)],
			Owner:   fmt.Sprintf("owner%d", i%400),
			KEV:     i%11 == 0,
		}
		if i%4 == 0 {
			t.Missing = missing[:1+i%3]
		}
		if i%3 == 0 {
			t.Overdue = []Overdue{{Kind: "review_passed", Field: "review date", Days: i % 97}}
		}
		if i%50 == 0 {
			t.Snoozes = []Snooze{{By: "someone", Until: fixtureNow.Add(time.Duration(i) * time.Minute), Reason: "waiting"}}
		}
		v.Tickets[i] = t
	}
	for i := -ChartDays + 1; i <= 0; i++ {
		v.Days = append(v.Days, Snapshot{Day: fixtureNow.AddDate(0, 0, i), Open: n, Incomplete: n / 4, Overdue: n / 3})
	}
	return v
}
