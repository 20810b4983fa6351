package demo

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/patchbot/patchbot/connectors/jira/jiratest"
	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/scheduler"
)

// statusWorld runs the demo's daemon as the demo does — a full sync and
// the nag, then a nag on each of six days — and serves the status page
// through the wired daemon, behind basic auth (ops / pass).
func statusWorld(t *testing.T) (*World, *httptest.Server) {
	t.Helper()
	w := newWorld(t)
	ctx, e := context.Background(), w.App.Engine
	_, err := e.Sync(ctx, scheduler.SyncOptions{Full: true})
	must(t, err)
	_, err = e.Nag(ctx, scheduler.NagOptions{})
	must(t, err)
	for range 6 {
		w.Clock.Advance(24 * time.Hour)
		_, err = e.Nag(ctx, scheduler.NagOptions{})
		must(t, err)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte("pass"), bcrypt.MinCost)
	must(t, err)
	w.Config.Status.Enabled, w.Config.Status.User, w.Config.Status.PasswordHash = true, "ops", string(hash)
	must(t, w.Config.Validate())
	h, err := w.App.StatusPage()
	must(t, err)
	mux := http.NewServeMux()
	h.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return w, srv
}

// wantOverdue lists the tickets with an item past due now, from the
// engine's own report of a dry-run sync (the evaluation the check command
// prints), not from the status view.
func wantOverdue(t *testing.T, w *World) []string {
	t.Helper()
	rep, err := w.App.Engine.Sync(context.Background(), scheduler.SyncOptions{Full: true, DryRun: true, Keep: true})
	must(t, err)
	var keys []string
	for _, r := range rep.Results {
		if slices.ContainsFunc(r.Due, func(d handoff.Due) bool { return d.Kind != handoff.DueSoon }) {
			keys = append(keys, r.Evaluation.Handoff.Ticket.Key)
		}
	}
	slices.Sort(keys)
	return keys
}

var (
	overdueSection = regexp.MustCompile(`(?s)<section aria-labelledby="h-overdue" id="overdue">(.*?)</section>`)
	rowKey         = regexp.MustCompile(`<th scope="row" class="key">(?:<a href="[^"]*">)?([A-Z]+-\d+)`)
	summaryNumber  = regexp.MustCompile(`<dt>([^<]+)</dt><dd>(\d+)</dd>`)
)

func get(t *testing.T, url string, auth bool) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	must(t, err)
	if auth {
		req.SetBasicAuth("ops", "pass")
	}
	res, err := http.DefaultClient.Do(req)
	must(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	must(t, err)
	return res.StatusCode, string(b)
}

// TestStatusPageOfTheDemo: after the demo's days the page, served by the
// wired daemon, lists exactly the overdue tickets the engine reports,
// among them the ones the demo made overdue on purpose; the chart has a
// point per day the demo ran; the gauges say what the page says; and
// without the password no ticket text is served.
func TestStatusPageOfTheDemo(t *testing.T) {
	t.Parallel()
	w, srv := statusWorld(t)

	code, body := get(t, srv.URL+"/status", false)
	if code != http.StatusUnauthorized {
		t.Errorf("without credentials: %d", code)
	}
	for summary, key := range w.Keys {
		if strings.Contains(body, key) || strings.Contains(body, summary) {
			t.Fatalf("the 401 answer names %s", key)
		}
	}

	code, body = get(t, srv.URL+"/status", true)
	if code != http.StatusOK {
		t.Fatalf("GET /status: %d", code)
	}
	sec := overdueSection.FindStringSubmatch(body)
	if sec == nil {
		t.Fatal("no overdue section")
	}
	var listed []string
	for _, m := range rowKey.FindAllStringSubmatch(sec[1], -1) {
		listed = append(listed, m[1])
	}
	sorted := slices.Clone(listed)
	slices.Sort(sorted)
	want := wantOverdue(t, w)
	if !slices.Equal(sorted, want) {
		t.Errorf("overdue on the page %v,\nthe engine reports %v", sorted, want)
	}
	for _, s := range []string{
		"CVE-2026-1127 Ivanti Connect Secure auth bypass — deadline passed",
		"Printer firmware advisory — monitor, review date passed",
		"Samba file servers — overdue for weeks",
		"Apache Tomcat RCE — closed as \"patch available\"",
	} {
		if !slices.Contains(listed, w.Keys[s]) {
			t.Errorf("%s (%q) is not on the overdue list %v", w.Keys[s], s, listed)
		}
	}
	if done := w.Keys["Confluence Data Center template injection — closed with proof"]; strings.Contains(body, ">"+done+"<") {
		t.Errorf("%s, resolved with proof, is on the page", done)
	}

	t.Logf("overdue on the page: %v", listed)

	// The feeds the demo mirrors are in the health section, and the
	// KEV-listed tickets it seeds are marked.
	for _, f := range []string{"kev", "epss"} {
		if !strings.Contains(body, `<tr><th scope="row">`+f+`</th>`) {
			t.Errorf("the health section lacks the %s feed", f)
		}
	}
	if !strings.Contains(body, `<abbr class="kev"`) {
		t.Error("no ticket is marked KEV")
	}

	// Seven days ran (the first sync's, then six nags): seven points.
	if n := strings.Count(body, `<circle`); n != 3*7 {
		t.Errorf("the chart has %d points, want 7 per series", n)
	}

	page := map[string]int{}
	for _, m := range summaryNumber.FindAllStringSubmatch(body, -1) {
		page[m[1]], _ = strconv.Atoi(m[2])
	}
	gauges := map[string]int{}
	mfs, err := w.App.Registry.Gather()
	must(t, err)
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			switch mf.GetName() {
			case "patchbot_handoffs":
				for _, l := range m.GetLabel() {
					if l.GetName() == "state" {
						gauges[l.GetValue()] += int(m.GetGauge().GetValue())
					}
				}
			case "patchbot_snoozed_items":
				gauges["snoozed"] = int(m.GetGauge().GetValue())
			}
		}
	}
	for k, g := range map[string]string{"Open": "open", "Incomplete": "incomplete", "Overdue": "overdue", "Snoozed reminders": "snoozed"} {
		if page[k] != gauges[g] {
			t.Errorf("%s: page %d, gauges %d", k, page[k], gauges[g])
		}
	}
	if page["Overdue"] != len(want) || page["Open"] < 25 {
		t.Errorf("page summary %v", page)
	}
}

// TestStatusPageShowsWhatJiraRefuses: on a site whose screens lack the
// label field, the page's health section names the capability the bot
// runs without, per project, with what it costs and what enables it.
func TestStatusPageShowsWhatJiraRefuses(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.Jira.SetSite(jiratest.Site{NoLabelsOnScreen: true})
	_, err := w.App.Engine.Sync(context.Background(), scheduler.SyncOptions{Full: true})
	must(t, err)
	v, err := w.App.Engine.StatusView(context.Background())
	must(t, err)
	var got []string
	for _, d := range v.Health.Degraded {
		got = append(got, d.Capability+" — "+d.Reason)
	}
	if !slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, "SEC: ") && strings.Contains(s, "label") }) {
		t.Errorf("degraded capabilities %q, want SEC's label", got)
	}
}
