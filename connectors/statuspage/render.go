package statuspage

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"
	"time"
)

//go:embed templates/status.html.tmpl
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

var statusTemplate = template.Must(template.New("status.html.tmpl").ParseFS(templateFS, "templates/status.html.tmpl"))

// page is the view model the template renders: everything formatted,
// only one page of each list.
type page struct {
	AsOf       string
	Notice     string
	Filter     query
	Filtered   bool
	Projects   []projectOption
	Reset      string
	Totals     totals
	Verdicts   []string // the count table's columns (labels)
	Counts     []countRow
	Chart      chart
	Overdue    list[overdueRow]
	Incomplete list[incompleteRow]
	Snoozed    list[snoozeRow]
	Health     healthView
}

type projectOption struct {
	Key      string
	Href     string
	Selected bool
}

type totals struct{ Open, Incomplete, Overdue, KEVOverdue, Snoozed int }

type countRow struct {
	Project, Lane string
	Cells         []int // one per verdict column
	Total         int
}

type list[T any] struct {
	pager
	Rows []T
}

// ticketCell is how every list names a ticket: its key, linked when the
// URL is http(s), and its summary as text.
type ticketCell struct {
	Key, URL, Summary, Project, Owner, OwnerHref, Lane string
	KEV                                                bool
}

type overdueRow struct {
	T     ticketCell
	Days  int
	Items []string
}

type incompleteRow struct {
	T       ticketCell
	Verdict string
	Missing string
}

type snoozeRow struct {
	T                       ticketCell
	Item, By, Until, Reason string
}

type healthView struct {
	Jobs     []jobRow
	Feeds    []feedRow
	Degraded []Degraded
}

type jobRow struct {
	Name, LastSuccess, LastError string
	Never                        bool
}

type feedRow struct {
	Name, Age, LastError string
	Stale, Missing       bool
}

// buildPage reduces the view to one request's page.
func buildPage(v *View, q query, size int, loc *time.Location) page {
	a := aggregateView(v, q)
	p := page{
		AsOf:     v.Now.In(loc).Format("2006-01-02 15:04 MST"),
		Filter:   q,
		Filtered: q.Project != "" || q.Owner != "",
		Reset:    "?",
		Totals: totals{Open: a.open, Incomplete: len(a.incomplete), Overdue: len(a.overdue),
			KEVOverdue: a.kevOverdue, Snoozed: len(a.snoozes)},
		Chart:  buildChart(v.Days, q.Project, v.Now, loc),
		Notice: v.Notice,
	}
	for _, pr := range a.projects {
		p.Projects = append(p.Projects, projectOption{Key: pr, Href: query{Project: pr}.href(),
			Selected: strings.EqualFold(pr, q.Project)})
	}
	p.Verdicts, p.Counts = countTable(a.counts)

	tk := v.Tickets
	cell := func(i int) ticketCell {
		t := &tk[i]
		c := ticketCell{Key: t.Key, URL: safeURL(t.URL), Summary: t.Summary, Project: t.Project,
			Owner: t.Owner, Lane: laneLabel(t.Lane), KEV: t.KEV}
		if t.Owner != "" {
			c.OwnerHref = query{Project: q.Project, Owner: t.Owner}.href()
		}
		return c
	}

	p.Overdue.pager = pageOf(len(a.overdue), size, q.OverduePage, q, "overdue", func(q *query, n int) { q.OverduePage = n })
	for _, r := range a.overdue[p.Overdue.lo:p.Overdue.hi] {
		row := overdueRow{T: cell(r.i), Days: r.days}
		for _, o := range tk[r.i].Overdue {
			row.Items = append(row.Items, overdueLabel(o))
		}
		p.Overdue.Rows = append(p.Overdue.Rows, row)
	}
	p.Incomplete.pager = pageOf(len(a.incomplete), size, q.IncompletePage, q, "incomplete", func(q *query, n int) { q.IncompletePage = n })
	for _, r := range a.incomplete[p.Incomplete.lo:p.Incomplete.hi] {
		i := r.i
		p.Incomplete.Rows = append(p.Incomplete.Rows, incompleteRow{T: cell(i),
			Verdict: verdictLabel(tk[i].Verdict), Missing: strings.Join(tk[i].Missing, ", ")})
	}
	p.Snoozed.pager = pageOf(len(a.snoozes), size, q.SnoozePage, q, "snoozed", func(q *query, n int) { q.SnoozePage = n })
	for _, r := range a.snoozes[p.Snoozed.lo:p.Snoozed.hi] {
		s := tk[r.i].Snoozes[r.j]
		item := s.Item
		if item == "" {
			item = "whole ticket"
		} else {
			item = label(item)
		}
		p.Snoozed.Rows = append(p.Snoozed.Rows, snoozeRow{T: cell(r.i), Item: item, By: s.By,
			Until: formatTime(s.Until, loc), Reason: s.Reason})
	}
	p.Health = buildHealth(v.Health, v.Now, loc)
	return p
}

// countTable turns the counts into rows of project and lane with one
// column per verdict, the known verdicts and lanes first in the core's
// order, then any others alphabetically.
func countTable(counts map[countKey]int) ([]string, []countRow) {
	var verdicts []string
	type rowKey struct{ project, lane string }
	rows := map[rowKey]bool{}
	seen := map[string]bool{}
	for k := range counts {
		rows[rowKey{k.project, k.lane}] = true
		if !seen[k.verdict] {
			seen[k.verdict] = true
			verdicts = append(verdicts, k.verdict)
		}
	}
	slices.SortFunc(verdicts, func(a, b string) int { return orderOf(verdictOrder, a, b) })
	keys := make([]rowKey, 0, len(rows))
	for k := range rows {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b rowKey) int {
		if c := strings.Compare(a.project, b.project); c != 0 {
			return c
		}
		return orderOf(laneOrder, a.lane, b.lane)
	})
	out := make([]countRow, 0, len(keys))
	for _, k := range keys {
		r := countRow{Project: k.project, Lane: laneLabel(k.lane), Cells: make([]int, len(verdicts))}
		for i, v := range verdicts {
			r.Cells[i] = counts[countKey{k.project, k.lane, v}]
			r.Total += r.Cells[i]
		}
		out = append(out, r)
	}
	labels := make([]string, len(verdicts))
	for i, v := range verdicts {
		labels[i] = verdictLabel(v)
	}
	return labels, out
}

// orderOf compares a and b by their place in known, unknown values last
// and alphabetically.
func orderOf(known []string, a, b string) int {
	ia, ib := slices.Index(known, a), slices.Index(known, b)
	if ia < 0 {
		ia = len(known)
	}
	if ib < 0 {
		ib = len(known)
	}
	if ia != ib {
		return ia - ib
	}
	return strings.Compare(a, b)
}

func buildHealth(h Health, now time.Time, loc *time.Location) healthView {
	var out healthView
	for _, j := range h.Jobs {
		r := jobRow{Name: j.Name, LastError: j.LastError, Never: j.LastSuccess.IsZero()}
		if !r.Never {
			r.LastSuccess = formatTime(j.LastSuccess, loc) + " (" + formatAge(now.Sub(j.LastSuccess)) + " ago)"
		}
		out.Jobs = append(out.Jobs, r)
	}
	for _, f := range h.Feeds {
		out.Feeds = append(out.Feeds, feedRow{Name: f.Name, Age: formatAge(f.Age), LastError: f.LastError,
			Stale: f.Stale, Missing: f.Age == 0})
	}
	out.Degraded = h.Degraded
	return out
}

// render writes the page for the view and query.
func render(w io.Writer, v *View, q query, size int, loc *time.Location) error {
	p := buildPage(v, q, size, loc)
	if err := statusTemplate.Execute(w, &p); err != nil {
		return fmt.Errorf("statuspage: render: %w", err)
	}
	return nil
}

// safeURL keeps only http and https links. html/template would already
// neutralise javascript: and the like; this also drops data:, mailto:
// and relative links, which a ticket's URL never is.
func safeURL(u string) string {
	l := strings.ToLower(strings.TrimSpace(u))
	if strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://") {
		return u
	}
	return ""
}

func formatTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(loc).Format("2006-01-02 15:04 MST")
}

// formatAge is a duration as a person reads it: minutes, hours or days.
func formatAge(d time.Duration) string {
	switch {
	case d < 0:
		return "0 min"
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h", int(d/time.Hour))
	default:
		return fmt.Sprintf("%d d", int(d/(24*time.Hour)))
	}
}

// The core's values in the order the seeds name them, with the words the
// page shows. Values the page does not know are shown with their
// underscores as spaces.
var (
	laneOrder    = []string{"patch_now", "planned_window", "mitigate_first", "monitor", "exception", "needs_review", ""}
	verdictOrder = []string{"owner_ready", "validation_request", "closure_proof_missing"}
	labels       = map[string]string{
		"patch_now":              "patch now",
		"planned_window":         "planned window",
		"mitigate_first":         "mitigate first",
		"needs_review":           "needs review",
		"owner_ready":            "owner-ready",
		"validation_request":     "validation requested",
		"closure_proof_missing":  "closure proof missing",
		"due_soon":               "due soon",
		"review_passed":          "review date passed",
		"deadline_passed":        "deadline passed",
		"exception_expired":      "exception expired",
		"blocked_review_passed":  "blocked past review date",
		"resolved_without_proof": "resolved without closure proof",
	}
)

func label(v string) string {
	if l, ok := labels[v]; ok {
		return l
	}
	return strings.ReplaceAll(v, "_", " ")
}

func laneLabel(l string) string {
	if l == "" {
		return "unrecognised lane"
	}
	return label(l)
}

func verdictLabel(v string) string {
	if v == "" {
		return "not evaluated"
	}
	return label(v)
}

func overdueLabel(o Overdue) string {
	s := label(o.Kind)
	if o.Field != "" {
		s += " (" + o.Field + ")"
	}
	return fmt.Sprintf("%s, %d d", s, o.Days)
}
