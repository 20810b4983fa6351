package statuspage

import (
	"cmp"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// query is what the request asks for: a filter and a page of each list.
type query struct {
	Project, Owner                          string
	OverduePage, IncompletePage, SnoozePage int
}

// The query parameters. Each list has its own page so that paging one
// list leaves the others where they are.
const (
	paramProject        = "project"
	paramOwner          = "owner"
	paramOverduePage    = "page"
	paramIncompletePage = "incomplete_page"
	paramSnoozePage     = "snoozed_page"
)

// maxFilterLen bounds a filter value; project keys and owner names are short.
const maxFilterLen = 200

func parseQuery(v url.Values) query {
	return query{
		Project:        clip(strings.TrimSpace(v.Get(paramProject))),
		Owner:          clip(strings.TrimSpace(v.Get(paramOwner))),
		OverduePage:    parsePage(v.Get(paramOverduePage)),
		IncompletePage: parsePage(v.Get(paramIncompletePage)),
		SnoozePage:     parsePage(v.Get(paramSnoozePage)),
	}
}

func clip(s string) string {
	if len(s) > maxFilterLen {
		return s[:maxFilterLen]
	}
	return s
}

// parsePage reads a 1-based page number. Anything that is not a positive
// number is page 1; a page past the end is clamped when the list's length
// is known (pageOf).
func parsePage(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// values is the query as URL parameters, with the defaults left out.
func (q query) values() url.Values {
	v := url.Values{}
	if q.Project != "" {
		v.Set(paramProject, q.Project)
	}
	if q.Owner != "" {
		v.Set(paramOwner, q.Owner)
	}
	for _, p := range []struct {
		name string
		n    int
	}{{paramOverduePage, q.OverduePage}, {paramIncompletePage, q.IncompletePage}, {paramSnoozePage, q.SnoozePage}} {
		if p.n > 1 {
			v.Set(p.name, strconv.Itoa(p.n))
		}
	}
	return v
}

// href is a link to this page with the query q.
func (q query) href() string {
	if e := q.values().Encode(); e != "" {
		return "?" + e
	}
	return "?"
}

func (q query) matches(t *Ticket) bool {
	return (q.Project == "" || strings.EqualFold(t.Project, q.Project)) &&
		(q.Owner == "" || strings.EqualFold(t.Owner, q.Owner))
}

// countKey is one cell of the project × lane × verdict count.
type countKey struct{ project, lane, verdict string }

// sortKey is a ticket's key split once for natural ordering, so that
// sorting 100,000 tickets does not split keys in every comparison.
type sortKey struct{ prefix, num string }

func keyOf(k string) sortKey {
	p, n := splitKey(k)
	return sortKey{p, n}
}

func (a sortKey) compare(b sortKey) int {
	if c := strings.Compare(a.prefix, b.prefix); c != 0 {
		return c
	}
	if c := cmp.Compare(len(a.num), len(b.num)); c != 0 {
		return c
	}
	return strings.Compare(a.num, b.num)
}

// overdueRef points at an overdue ticket with what it is sorted by.
type overdueRef struct {
	i    int
	days int
	kev  bool
	key  sortKey
}

// incompleteRef points at an incomplete ticket.
type incompleteRef struct {
	i       int
	missing int
	key     sortKey
}

// snoozeRef points at one snooze of one ticket.
type snoozeRef struct {
	i, j  int
	until time.Time
	key   sortKey
}

// aggregate is the view reduced to what one request shows: counts over
// the filtered tickets and the filtered lists in display order, as
// indices into the view so that 100,000 tickets are not copied.
type aggregate struct {
	projects   []string // every project in the view, for the filter
	counts     map[countKey]int
	open       int
	incomplete []incompleteRef
	overdue    []overdueRef
	kevOverdue int
	snoozes    []snoozeRef
}

func aggregateView(v *View, q query) aggregate {
	a := aggregate{counts: map[countKey]int{}}
	projects := map[string]struct{}{}
	for i := range v.Tickets {
		t := &v.Tickets[i]
		if _, ok := projects[t.Project]; !ok {
			projects[t.Project] = struct{}{}
		}
		if !q.matches(t) {
			continue
		}
		a.open++
		a.counts[countKey{t.Project, t.Lane, t.Verdict}]++
		if len(t.Missing) > 0 {
			a.incomplete = append(a.incomplete, incompleteRef{i, len(t.Missing), keyOf(t.Key)})
		}
		if len(t.Overdue) > 0 {
			days := 0
			for _, o := range t.Overdue {
				days = max(days, o.Days)
			}
			a.overdue = append(a.overdue, overdueRef{i, days, t.KEV, keyOf(t.Key)})
			if t.KEV {
				a.kevOverdue++
			}
		}
		for j := range t.Snoozes {
			a.snoozes = append(a.snoozes, snoozeRef{i, j, t.Snoozes[j].Until, keyOf(t.Key)})
		}
	}
	for p := range projects {
		a.projects = append(a.projects, p)
	}
	slices.Sort(a.projects)

	// Oldest first; at the same age, known-exploited first.
	slices.SortFunc(a.overdue, func(x, y overdueRef) int {
		if c := cmp.Compare(y.days, x.days); c != 0 {
			return c
		}
		if x.kev != y.kev {
			if x.kev {
				return -1
			}
			return 1
		}
		return x.key.compare(y.key)
	})
	// Most missing first.
	slices.SortFunc(a.incomplete, func(x, y incompleteRef) int {
		if c := cmp.Compare(y.missing, x.missing); c != 0 {
			return c
		}
		return x.key.compare(y.key)
	})
	// The snooze that ends first comes first.
	slices.SortFunc(a.snoozes, func(x, y snoozeRef) int {
		if c := x.until.Compare(y.until); c != 0 {
			return c
		}
		if c := x.key.compare(y.key); c != 0 {
			return c
		}
		return cmp.Compare(x.j, y.j)
	})
	return a
}

// compareKeys orders Jira keys naturally: SEC-9 before SEC-10.
func compareKeys(a, b string) int { return keyOf(a).compare(keyOf(b)) }

func splitKey(k string) (prefix, num string) {
	i := strings.LastIndexByte(k, '-')
	if i < 0 {
		return k, ""
	}
	num = strings.TrimLeft(k[i+1:], "0")
	return k[:i], num
}

// pager is one page of a list of n items.
type pager struct {
	Page, Pages, Total int
	From, To           int // 1-based, inclusive, for "41–50 of 341"; 0 when empty
	Prev, Next         string
	Label              string // names the pager's navigation
	lo, hi             int    // the slice of the sorted list
}

// pageOf clamps the requested page into the list and makes the links,
// which keep the filter and the other lists' pages.
func pageOf(n, size, want int, q query, section string, set func(*query, int)) pager {
	pages := max(1, (n+size-1)/size)
	p := min(max(want, 1), pages)
	pg := pager{Page: p, Pages: pages, Total: n, Label: "Pages of " + section, lo: (p - 1) * size, hi: min(p*size, n)}
	if n > 0 {
		pg.From, pg.To = pg.lo+1, pg.hi
	}
	link := func(to int) string {
		q2 := q
		set(&q2, to)
		return q2.href() + "#" + section
	}
	if p > 1 {
		pg.Prev = link(p - 1)
	}
	if p < pages {
		pg.Next = link(p + 1)
	}
	return pg
}
