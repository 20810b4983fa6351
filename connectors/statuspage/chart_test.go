package statuspage

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestChartPoints(t *testing.T) {
	t.Parallel()
	now := fixtureNow
	for _, c := range []struct {
		name    string
		days    []Snapshot
		points  int
		yTop    string // the highest y tick's label
		empty   bool
		descHas string
	}{
		{name: "no data", points: 0, yTop: "1", empty: true, descHas: "No daily snapshots"},
		{name: "zeros", days: []Snapshot{{Day: now}}, points: 1, yTop: "1", descHas: "One daily snapshot"},
		{name: "one day", days: []Snapshot{{Day: now, Open: 7, Incomplete: 3, Overdue: 1}}, points: 1, yTop: "8",
			descHas: "7 open, 3 incomplete, 1 overdue"},
		{name: "fixture", days: fixtureView().Days, points: ChartDays, yTop: "80", descHas: "84 of the 84 days"},
		{name: "outside the window only", days: []Snapshot{{Day: now.AddDate(0, 0, -ChartDays), Open: 5}, {Day: now.AddDate(0, 0, 1), Open: 5}},
			points: 0, yTop: "1", empty: true},
		{name: "a gap and a duplicate", days: []Snapshot{
			{Day: now.AddDate(0, 0, -3), Open: 2}, {Day: now.AddDate(0, 0, -1), Open: 4}, {Day: now, Open: 5}, {Day: now, Open: 6},
		}, points: 3, yTop: "6", descHas: "open went from 2 to 6"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ch := buildChart(c.days, "", now, time.UTC)
			if ch.Empty != c.empty {
				t.Errorf("Empty %v", ch.Empty)
			}
			if len(ch.Series) != 3 {
				t.Fatalf("%d series", len(ch.Series))
			}
			for _, s := range ch.Series {
				if len(s.Points) != c.points {
					t.Errorf("%s: %d points, want %d", s.Name, len(s.Points), c.points)
				}
				for _, p := range s.Points {
					x, errX := strconv.ParseFloat(p.X, 64)
					y, errY := strconv.ParseFloat(p.Y, 64)
					if errX != nil || errY != nil || x < chartLeft || x > chartW-chartRight || y < chartTop || y > chartH-chartBottom {
						t.Errorf("%s: point (%s, %s) outside the plot", s.Name, p.X, p.Y)
					}
				}
				if c.points > 0 && !strings.HasPrefix(s.Path, "M") {
					t.Errorf("%s: path %q", s.Name, s.Path)
				}
			}
			if got := ch.YTicks[len(ch.YTicks)-1].Label; got != c.yTop {
				t.Errorf("y axis tops at %s, want %s", got, c.yTop)
			}
			if ch.YTicks[0].Label != "0" || ch.YTicks[0].Pos != coord(chartH-chartBottom) {
				t.Errorf("y axis starts at %+v", ch.YTicks[0])
			}
			if len(ch.Rows) != c.points {
				t.Errorf("%d data rows", len(ch.Rows))
			}
			if !strings.Contains(ch.Desc, c.descHas) {
				t.Errorf("desc %q lacks %q", ch.Desc, c.descHas)
			}
		})
	}
}

func TestChartLastDayIsRightEdgeAndGapsBreakTheLine(t *testing.T) {
	t.Parallel()
	ch := buildChart([]Snapshot{{Day: fixtureNow.AddDate(0, 0, -2), Open: 4}, {Day: fixtureNow, Open: 4}}, "", fixtureNow, time.UTC)
	open := ch.Series[0]
	if last := open.Points[len(open.Points)-1]; last.X != coord(chartW-chartRight) {
		t.Errorf("today at x=%s, want the right edge", last.X)
	}
	if strings.Count(open.Path, "M") != 2 || strings.Contains(open.Path, "L") {
		t.Errorf("a missing day should start a new segment: %q", open.Path)
	}
}

// Days are dates in the page's zone: a snapshot taken at 23:30 UTC is the
// next day in Berlin.
func TestChartDaysInLocation(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no zoneinfo:", err)
	}
	now := time.Date(2026, 3, 20, 23, 30, 0, 0, time.UTC) // 21 March in Berlin
	ch := buildChart([]Snapshot{{Day: now, Open: 1}}, "", now, berlin)
	if ch.To != "2026-03-21" || ch.Rows[0].Day != "2026-03-21" {
		t.Errorf("to %s, row %s", ch.To, ch.Rows[0].Day)
	}
}

// A day's snapshots are per project: the chart adds up the projects
// shown, all of them or the filter's (in any case); a snapshot of all
// projects ("") is shown only without a filter.
func TestChartProjects(t *testing.T) {
	t.Parallel()
	now := fixtureNow
	days := []Snapshot{
		{Day: now.AddDate(0, 0, -1), Project: "SEC", Open: 10, Incomplete: 4, Overdue: 2},
		{Day: now.AddDate(0, 0, -1), Project: "OPS", Open: 5, Incomplete: 1, Overdue: 1},
		{Day: now, Project: "SEC", Open: 11, Incomplete: 3, Overdue: 2},
		{Day: now, Project: "SEC", Open: 12, Incomplete: 3, Overdue: 3}, // the later one of the day wins
		{Day: now, Project: "OPS", Open: 6, Incomplete: 2, Overdue: 0},
	}
	for _, c := range []struct {
		project string
		want    []chartRow
	}{
		{"", []chartRow{{"2026-03-19", 15, 5, 3}, {"2026-03-20", 18, 5, 3}}},
		{"sec", []chartRow{{"2026-03-19", 10, 4, 2}, {"2026-03-20", 12, 3, 3}}},
		{"OPS", []chartRow{{"2026-03-19", 5, 1, 1}, {"2026-03-20", 6, 2, 0}}},
		{"NONE", nil},
	} {
		ch := buildChart(days, c.project, now, time.UTC)
		if !slices.Equal(ch.Rows, c.want) {
			t.Errorf("project %q: rows %v, want %v", c.project, ch.Rows, c.want)
		}
	}
	totals := []Snapshot{{Day: now, Open: 3}}
	if ch := buildChart(totals, "", now, time.UTC); len(ch.Rows) != 1 || ch.Rows[0].Open != 3 {
		t.Errorf("a total without a filter: %v", ch.Rows)
	}
	if ch := buildChart(totals, "SEC", now, time.UTC); len(ch.Rows) != 0 {
		t.Errorf("a total with a project filter: %v", ch.Rows)
	}
}

func TestYScale(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ max, step, top int }{
		{0, 1, 1}, {1, 1, 1}, {4, 1, 4}, {5, 2, 6}, {7, 2, 8}, {8, 2, 8}, {9, 5, 10}, {20, 5, 20}, {61, 20, 80},
		{120, 50, 150}, {100000, 50000, 100000}, {100001, 50000, 150000},
	} {
		step, top := yScale(c.max)
		if step != c.step || top != c.top {
			t.Errorf("yScale(%d) = %d, %d; want %d, %d", c.max, step, top, c.step, c.top)
		}
	}
}

func TestCompareKeys(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"SEC-9", "SEC-10", -1}, {"SEC-10", "SEC-9", 1}, {"SEC-10", "SEC-10", 0}, {"OPS-99", "SEC-1", -1},
		{"SEC-010", "SEC-9", 1}, {"nodash", "SEC-1", 1}, {"A-B-2", "A-B-10", -1},
	} {
		if got := compareKeys(c.a, c.b); got != c.want {
			t.Errorf("compareKeys(%s, %s) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestPageOfBounds(t *testing.T) {
	t.Parallel()
	set := func(q *query, n int) { q.OverduePage = n }
	for _, c := range []struct {
		n, want, page, pages, lo, hi int
		prev, next                   bool
	}{
		{n: 0, want: 1, page: 1, pages: 1},
		{n: 0, want: 5, page: 1, pages: 1},
		{n: 120, want: 1, page: 1, pages: 3, lo: 0, hi: 50, next: true},
		{n: 120, want: 3, page: 3, pages: 3, lo: 100, hi: 120, prev: true},
		{n: 120, want: 1 << 40, page: 3, pages: 3, lo: 100, hi: 120, prev: true},
		{n: 100, want: 2, page: 2, pages: 2, lo: 50, hi: 100, prev: true},
	} {
		p := pageOf(c.n, 50, c.want, query{}, "overdue", set)
		if p.Page != c.page || p.Pages != c.pages || p.lo != c.lo || p.hi != c.hi || (p.Prev != "") != c.prev || (p.Next != "") != c.next {
			t.Errorf("pageOf(%d, want %d) = %+v", c.n, c.want, p)
		}
	}
	for in, want := range map[string]int{"": 1, "0": 1, "-1": 1, "abc": 1, "2": 2, "1e3": 1, " 3": 1, "99999999999999999999": 1} {
		if got := parsePage(in); got != want {
			t.Errorf("parsePage(%q) = %d, want %d", in, got, want)
		}
	}
}
