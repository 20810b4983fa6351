package scheduler

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/patchbot/patchbot/connectors/statuspage"
	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/ports"
)

// memStatus is the status view's ledger ports in memory: the daily
// snapshots (first write of a (day, project) stays) and the snoozes.
type memStatus struct {
	mu      sync.Mutex
	days    map[[2]string]ports.DayCount
	writes  int
	snoozes []ports.Snoozed
}

func newMemStatus() *memStatus { return &memStatus{days: map[[2]string]ports.DayCount{}} }

func (m *memStatus) RecordDay(ctx context.Context, counts []ports.DayCount, pruneBefore string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, c := range counts {
		k := [2]string{c.Day, c.Project}
		if _, ok := m.days[k]; !ok {
			m.days[k] = c
			n++
		}
	}
	for k := range m.days {
		if k[0] < pruneBefore {
			delete(m.days, k)
		}
	}
	m.writes++
	return n, nil
}

func (m *memStatus) Days(ctx context.Context, from string) ([]ports.DayCount, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []ports.DayCount
	for k, c := range m.days {
		if k[0] >= from {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b ports.DayCount) int { return strings.Compare(a.Day+a.Project, b.Day+b.Project) })
	return out, nil
}

func (m *memStatus) ActiveSnoozes(ctx context.Context, at time.Time) ([]ports.Snoozed, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []ports.Snoozed
	for _, s := range m.snoozes {
		if s.Until.After(at) {
			out = append(out, s)
		}
	}
	return out, nil
}

// statusRig is a rig with the status view on and its gauges registered.
func statusRig(t *testing.T) (*rig, *memStatus, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	r := newRig(t, func(o *Options) { o.Metrics, o.Intel = NewMetrics(reg), newFeeds() })
	st := newMemStatus()
	r.eng.EnableStatus(StatusOptions{Days: st, Snoozes: st})
	return r, st, reg
}

// incomplete is a patch-now ticket missing its fixed version and rollback
// plan; its KEV field says no.
func incompleteTicket(key string) handoff.Input {
	f := complete(t0)
	delete(f, handoff.FieldFixedVersion)
	delete(f, handoff.FieldRollback)
	f[handoff.FieldKEV] = handoff.FieldValue{Text: "no"}
	in := input(key, handoff.LanePatchNow, t0.AddDate(0, -1, 0), f)
	return in
}

func (r *rig) fullSync(t *testing.T) {
	t.Helper()
	if _, err := r.eng.Sync(context.Background(), SyncOptions{Full: true}); err != nil {
		t.Fatalf("full sync: %v", err)
	}
}

func view(t *testing.T, e *Engine) statuspage.View {
	t.Helper()
	v, err := e.StatusView(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func row(v statuspage.View, key string) (statuspage.Ticket, bool) {
	i := slices.IndexFunc(v.Tickets, func(t statuspage.Ticket) bool { return t.Key == key })
	if i < 0 {
		return statuspage.Ticket{}, false
	}
	return v.Tickets[i], true
}

func keysOf(v statuspage.View) []string {
	var out []string
	for _, t := range v.Tickets {
		out = append(out, t.Key)
	}
	slices.Sort(out)
	return out
}

// TestStatusViewRows: a full sync gives every ticket in scope a row with
// its lane, verdict, owner, missing fields, overdue items and KEV mark;
// an overdue item's age is counted at read time; a resolved ticket that
// owes nothing leaves; a ticket no longer in scope leaves at the next
// full sync, not at an incremental one; snoozes in force are attached.
func TestStatusViewRows(t *testing.T) {
	t.Parallel()
	r, st, _ := statusRig(t)
	r.jira.put(input("SEC-1", handoff.LaneMonitor, t0.AddDate(0, -1, 0), complete(t0)))
	r.jira.put(incompleteTicket("SEC-2"))
	r.jira.put(overdueMonitor("SEC-3", "Bo"))
	kev := incompleteTicket("SEC-4")
	kev.Fields[handoff.FieldAdvisory] = handoff.FieldValue{Text: "CVE-2026-1111"}
	r.jira.put(kev)

	if _, err := r.eng.StatusView(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.fullSync(t)
	v := view(t, r.eng)
	if got := keysOf(v); !slices.Equal(got, []string{"SEC-1", "SEC-2", "SEC-3", "SEC-4"}) {
		t.Fatalf("rows %v", got)
	}
	if v.Notice != "" {
		t.Errorf("notice after a full sync: %q", v.Notice)
	}
	one, _ := row(v, "SEC-1")
	if one.Verdict != string(handoff.VerdictReady) || one.Lane != "monitor" || len(one.Missing) != 0 || len(one.Overdue) != 0 ||
		one.Owner != "Ana Owner" || !one.KEV || one.URL != "https://jira.example/browse/SEC-1" || one.Project != "SEC" {
		t.Errorf("SEC-1 %+v", one)
	}
	two, _ := row(v, "SEC-2")
	if two.Verdict != string(handoff.VerdictValidationRequest) || two.KEV || len(two.Missing) != 2 {
		t.Errorf("SEC-2 %+v", two)
	}
	three, _ := row(v, "SEC-3")
	if len(three.Overdue) != 1 || three.Overdue[0].Kind != string(handoff.DueReviewPassed) || three.Overdue[0].Days != 1 ||
		three.Overdue[0].Field != handoff.FieldLabel(handoff.FieldReviewDate) || three.Owner != "Bo" {
		t.Errorf("SEC-3 %+v", three)
	}
	if four, _ := row(v, "SEC-4"); !four.KEV {
		t.Errorf("SEC-4 names a CVE the feeds list: %+v", four)
	}

	// Two days on, nothing evaluated: the age grows.
	r.clock.Add(48 * time.Hour)
	if three, _ := row(view(t, r.eng), "SEC-3"); len(three.Overdue) != 1 || three.Overdue[0].Days != 3 {
		t.Errorf("SEC-3 two days on: %+v", three.Overdue)
	}

	// SEC-1 is resolved with nothing owed; SEC-4 leaves the scope.
	r.clock.Add(time.Hour)
	r.jira.mu.Lock()
	r.jira.tickets["SEC-1"].Input.Ticket.StatusCategory = handoff.StatusDone
	r.jira.tickets["SEC-1"].Input.Ticket.Resolved = r.clock.Now()
	r.jira.tickets["SEC-1"].Input.Ticket.Updated = r.clock.Now()
	r.jira.order = slices.DeleteFunc(r.jira.order, func(k string) bool { return k == "SEC-4" })
	// SEC-3's trail carries a snooze from Slack, with its reason.
	r.jira.tickets["SEC-3"].Trail.Snooze = &handoff.Snooze{Until: r.clock.Now().Add(24 * time.Hour), By: "U9", Name: "Bo", Reason: "vendor call Friday"}
	r.jira.tickets["SEC-3"].Input.Ticket.Updated = r.clock.Now()
	r.jira.mu.Unlock()
	st.snoozes = []ports.Snoozed{{Key: "SEC-2", Until: r.clock.Now().Add(time.Hour), By: "U1"}, {Key: "SEC-9", Until: r.clock.Now().Add(time.Hour)},
		{Key: "SEC-3", Until: r.clock.Now().Add(-time.Hour), By: "U2"}}
	if _, err := r.eng.Sync(context.Background(), SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	v = view(t, r.eng)
	if got := keysOf(v); !slices.Equal(got, []string{"SEC-2", "SEC-3", "SEC-4"}) {
		t.Errorf("after an incremental sync: rows %v, want SEC-1 gone and SEC-4 kept", got)
	}
	if two, _ := row(v, "SEC-2"); len(two.Snoozes) != 1 || two.Snoozes[0].By != "U1" {
		t.Errorf("SEC-2 snoozes %+v", two.Snoozes)
	}
	if three, _ := row(v, "SEC-3"); len(three.Snoozes) != 1 || three.Snoozes[0].By != "Bo" || three.Snoozes[0].Reason != "vendor call Friday" {
		t.Errorf("SEC-3: want the trail's snooze and not the ended one: %+v", three.Snoozes)
	}
	r.fullSync(t)
	if got := keysOf(view(t, r.eng)); !slices.Equal(got, []string{"SEC-2", "SEC-3"}) {
		t.Errorf("after a full sync: rows %v, want SEC-4 gone", got)
	}
}

// TestStatusViewNoticeUntilFullSync: after a restart only an incremental
// sync has run; the page says its lists are partial.
func TestStatusViewNoticeUntilFullSync(t *testing.T) {
	t.Parallel()
	r, _, _ := statusRig(t)
	r.jira.put(incompleteTicket("SEC-2"))
	r.sync(t)
	if v := view(t, r.eng); !strings.Contains(v.Notice, "No full sync") || len(v.Tickets) != 1 {
		t.Errorf("notice %q, %d rows", v.Notice, len(v.Tickets))
	}
	r.nag(t)
	if v := view(t, r.eng); !strings.Contains(v.Notice, "No full sync") {
		t.Errorf("a nag does not complete the rows (it skips the backlog): notice %q", v.Notice)
	}
	r.fullSync(t)
	if v := view(t, r.eng); v.Notice != "" {
		t.Errorf("notice %q after a full sync", v.Notice)
	}
}

func TestStatusViewNotEnabled(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	r.jira.put(incompleteTicket("SEC-2"))
	r.fullSync(t)
	if _, err := r.eng.StatusView(context.Background()); err != ErrNoStatus {
		t.Errorf("StatusView = %v, want ErrNoStatus", err)
	}
}

// TestStatusViewBounded: past MaxTickets rows are not kept, and the page
// says so.
func TestStatusViewBounded(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	r.eng.EnableStatus(StatusOptions{MaxTickets: 2})
	for _, k := range []string{"SEC-1", "SEC-2", "SEC-3"} {
		r.jira.put(incompleteTicket(k))
	}
	r.fullSync(t)
	v := view(t, r.eng)
	if len(v.Tickets) != 2 || !strings.Contains(v.Notice, "at most 2 tickets") {
		t.Errorf("%d rows, notice %q", len(v.Tickets), v.Notice)
	}
}

// TestDailySnapshots: the first full sync of a day records each project's
// counts, later cycles of the day do not; a nag on the next day records
// that day once a full sync has completed the rows; a dry run records
// nothing.
func TestDailySnapshots(t *testing.T) {
	t.Parallel()
	r, st, _ := statusRig(t)
	r.jira.put(incompleteTicket("SEC-2"))
	r.jira.put(overdueMonitor("SEC-3", "Bo"))
	r.nag(t) // no full sync yet: the rows may be partial
	if len(st.days) != 0 {
		t.Fatalf("recorded %v before a full sync", st.days)
	}
	r.fullSync(t)
	r.fullSync(t)
	r.nag(t)
	want := ports.DayCount{Day: "2026-11-24", Project: "SEC", Open: 2, Incomplete: 1, Overdue: 1}
	if got := st.days[[2]string{"2026-11-24", "SEC"}]; got != want || st.writes != 1 {
		t.Errorf("day 0: %+v after %d writes, want %+v once", got, st.writes, want)
	}
	r.clock.Add(24 * time.Hour)
	if _, err := r.eng.Nag(context.Background(), NagOptions{DryRun: true}); err != nil {
		t.Fatal(err)
	}
	if st.writes != 1 {
		t.Errorf("a dry run recorded a snapshot")
	}
	r.nag(t)
	if got := st.days[[2]string{"2026-11-25", "SEC"}]; got.Open != 2 || st.writes != 2 {
		t.Errorf("day 1: %+v after %d writes", got, st.writes)
	}
	v := view(t, r.eng)
	if len(v.Days) != 2 || v.Days[1].Day.Format(time.DateOnly) != "2026-11-25" || v.Days[1].Day.Location() != berlin {
		t.Errorf("view days %+v", v.Days)
	}
}

var ddPattern = regexp.MustCompile(`<dt>([^<]+)</dt><dd>(\d+)</dd>`)

// TestGaugesEqualPage: the handoff gauges, summed over projects and
// lanes, equal the totals the page shows for the same rows; a lane that
// empties disappears from the gauges.
func TestGaugesEqualPage(t *testing.T) {
	t.Parallel()
	r, st, reg := statusRig(t)
	r.jira.put(input("SEC-1", handoff.LaneMonitor, t0.AddDate(0, -1, 0), complete(t0)))
	r.jira.put(incompleteTicket("SEC-2"))
	r.jira.put(incompleteTicket("SEC-5"))
	r.jira.put(overdueMonitor("SEC-3", "Bo"))
	r.jira.put(overdueMonitor("SEC-4", ""))
	st.snoozes = []ports.Snoozed{{Key: "SEC-3", Until: t0.Add(time.Hour), By: "U1"}, {Key: "OPS-1", Until: t0.Add(time.Hour)}}
	r.jira.tickets["SEC-4"].Trail.Snooze = &handoff.Snooze{Until: t0.Add(time.Hour), By: "U2"}
	r.fullSync(t)

	page := pageTotals(t, r.eng)
	gauges := gaugeTotals(t, reg)
	for _, k := range []string{"open", "incomplete", "overdue", "snoozed"} {
		if page[k] != gauges[k] {
			t.Errorf("%s: page %d, gauges %d", k, page[k], gauges[k])
		}
	}
	if page["open"] != 5 || page["incomplete"] != 2 || page["overdue"] != 2 || page["snoozed"] != 2 {
		t.Errorf("page totals %v", page)
	}
	if gauges["lanes"] != 2 {
		t.Errorf("gauges cover %d (project, lane) pairs, want 2", gauges["lanes"])
	}

	// The patch-now tickets leave: their lane's gauges go.
	r.clock.Add(time.Minute)
	r.jira.mu.Lock()
	r.jira.order = slices.DeleteFunc(r.jira.order, func(k string) bool { return k == "SEC-2" || k == "SEC-5" })
	r.jira.mu.Unlock()
	r.fullSync(t)
	page, gauges = pageTotals(t, r.eng), gaugeTotals(t, reg)
	if gauges["lanes"] != 1 || page["open"] != gauges["open"] || page["incomplete"] != 0 || gauges["incomplete"] != 0 {
		t.Errorf("after the lane emptied: page %v, gauges %v", page, gauges)
	}
}

// pageTotals renders the page through the handler and reads its summary.
func pageTotals(t *testing.T, e *Engine) map[string]int {
	t.Helper()
	h, err := statuspage.New(statuspage.Options{Source: e, Location: e.Location()})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/status", nil))
	if w.Code != http.StatusOK {
		t.Fatalf("GET /status: %d %s", w.Code, w.Body)
	}
	out := map[string]int{}
	names := map[string]string{"Open": "open", "Incomplete": "incomplete", "Overdue": "overdue", "Snoozed reminders": "snoozed"}
	for _, m := range ddPattern.FindAllStringSubmatch(w.Body.String(), -1) {
		if k, ok := names[m[1]]; ok {
			out[k], _ = strconv.Atoi(m[2])
		}
	}
	if len(out) != 4 {
		t.Fatalf("page summary not found: %v", out)
	}
	return out
}

// gaugeTotals sums the handoff gauges by state; "lanes" counts the
// (project, lane) pairs.
func gaugeTotals(t *testing.T, reg *prometheus.Registry) map[string]int {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	pairs := map[string]bool{}
	for _, mf := range mfs {
		switch mf.GetName() {
		case "patchbot_handoffs":
			for _, m := range mf.GetMetric() {
				l := map[string]string{}
				for _, lp := range m.GetLabel() {
					l[lp.GetName()] = lp.GetValue()
				}
				out[l["state"]] += int(m.GetGauge().GetValue())
				pairs[l["project"]+"/"+l["lane"]] = true
			}
		case "patchbot_snoozed_items":
			out["snoozed"] = int(mf.GetMetric()[0].GetGauge().GetValue())
		}
	}
	out["lanes"] = len(pairs)
	return out
}
