package statuspage

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestCounts(t *testing.T) {
	t.Parallel()
	v := fixtureView()
	v.Tickets = append(v.Tickets, Ticket{Key: "NEW-1", Project: "NEW", Lane: "blocked", Verdict: "something_new"})
	for _, c := range []struct {
		name     string
		q        query
		verdicts []string
		rows     []string // "project/lane: cells… = total"
	}{
		{name: "all", verdicts: []string{"owner-ready", "validation requested", "closure proof missing", "something new"}, rows: []string{
			"NEW/blocked: [0 0 0 1] = 1",
			"OPS/patch now: [0 1 0 0] = 1", "OPS/planned window: [1 0 0 0] = 1", "OPS/mitigate first: [1 0 0 0] = 1",
			"OPS/unrecognised lane: [0 1 0 0] = 1",
			"SEC/patch now: [0 2 1 0] = 3", "SEC/planned window: [1 0 0 0] = 1", "SEC/mitigate first: [0 1 0 0] = 1",
			"SEC/monitor: [1 0 0 0] = 1", "SEC/exception: [1 0 0 0] = 1", "SEC/needs review: [0 1 0 0] = 1",
		}},
		{name: "owner alice", q: query{Owner: "alice"}, verdicts: []string{"validation requested", "closure proof missing"}, rows: []string{
			"SEC/patch now: [1 1] = 2", "SEC/mitigate first: [1 0] = 1",
		}},
		{name: "nobody", q: query{Owner: "nobody"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := buildPage(&v, c.q, 50, time.UTC)
			var rows []string
			for _, r := range p.Counts {
				rows = append(rows, fmt.Sprintf("%s/%s: %v = %d", r.Project, r.Lane, r.Cells, r.Total))
			}
			if !slices.Equal(p.Verdicts, c.verdicts) {
				t.Errorf("columns %q, want %q", p.Verdicts, c.verdicts)
			}
			if !slices.Equal(rows, c.rows) {
				t.Errorf("rows\n%s\nwant\n%s", strings.Join(rows, "\n"), strings.Join(c.rows, "\n"))
			}
			// The project filter lists every project whatever the filter.
			if len(p.Projects) != 3 {
				t.Errorf("projects %v", p.Projects)
			}
		})
	}
}

func TestTotalsAndLists(t *testing.T) {
	t.Parallel()
	v := fixtureView()
	p := buildPage(&v, query{}, 50, time.UTC)
	if p.Totals != (totals{Open: 12, Incomplete: 5, Overdue: 6, KEVOverdue: 2, Snoozed: 3}) {
		t.Errorf("totals %+v", p.Totals)
	}
	var snoozed []string
	for _, r := range p.Snoozed.Rows {
		snoozed = append(snoozed, r.T.Key+" "+r.Item+" until "+r.Until)
	}
	want := []string{
		"SEC-13 " + hostileField + " until 2026-03-22 10:00 UTC",
		"SEC-3 review date passed until 2026-03-25 10:00 UTC",
		"OPS-3 whole ticket until 2026-03-30 10:00 UTC",
	}
	if !slices.Equal(snoozed, want) {
		t.Errorf("snoozes %q", snoozed)
	}
	if got := p.Overdue.Rows[0].Items; !slices.Equal(got, []string{"exception expired (exception expiry), 30 d"}) {
		t.Errorf("first overdue items %q", got)
	}
	if got := p.Incomplete.Rows[0]; got.T.Key != "SEC-1" || got.Missing != "fixed version, rollback plan" {
		t.Errorf("first incomplete %+v", got)
	}
}

func TestOnlyWebLinks(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://jira.example.com/browse/SEC-1":    "https://jira.example.com/browse/SEC-1",
		"HTTP://jira.local/browse/SEC-1":           "HTTP://jira.local/browse/SEC-1",
		"javascript:alert(1)":                      "",
		" JavaScript:alert(1)":                     "",
		"data:text/html,<script>alert(1)</script>": "",
		"/browse/SEC-1":                            "",
		"mailto:x@example.com":                     "",
		"":                                         "",
	} {
		if got := safeURL(in); got != want {
			t.Errorf("safeURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTimesInLocation(t *testing.T) {
	t.Parallel()
	tokyo := time.FixedZone("JST", 9*3600)
	v := fixtureView()
	p := buildPage(&v, query{}, 50, tokyo)
	if p.AsOf != "2026-03-20 19:00 JST" {
		t.Errorf("as of %q", p.AsOf)
	}
	if got := p.Health.Jobs[0].LastSuccess; got != "2026-03-20 18:56 JST (4 min ago)" {
		t.Errorf("sync last success %q", got)
	}
}
