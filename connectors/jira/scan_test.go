package jira_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchbot/patchbot/connectors/jira"
	"github.com/patchbot/patchbot/connectors/jira/jiratest"
	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/ports"
)

func TestScanPagesEveryTicketOnce(t *testing.T) {
	for _, fl := range flavors {
		t.Run(string(fl), func(t *testing.T) {
			s, ct := fake(t, jiratest.Options{Flavor: fl, MaxResults: 100})
			keys := seed(t, s, 250, nil)
			c := connect(t, options(s, jira.Project{Name: "sec", JQL: "project = SEC"}))
			got := scanAll(t, c, ports.ScanRequest{Project: "sec"})
			if len(got) != len(keys) {
				t.Fatalf("scanned %d tickets, want %d", len(got), len(keys))
			}
			seen := map[string]bool{}
			for _, tk := range got {
				if seen[tk.Input.Ticket.Key] {
					t.Errorf("%s scanned twice", tk.Input.Ticket.Key)
				}
				seen[tk.Input.Ticket.Key] = true
			}
			if n := searches(s); n != 3 {
				t.Errorf("%d search requests for 250 tickets at 100 a page, want 3", n)
			}
			if ct.count() == 0 {
				t.Error("no exchange was checked against the OpenAPI document")
			}
			// Only the fields needed, and the trail in the same search.
			for _, r := range s.Requests() {
				if !strings.Contains(r.Path, "/search") {
					continue
				}
				q, _ := url.ParseQuery(r.Query)
				if q.Get("properties") != "patchbot" {
					t.Errorf("search without the trail property: %s", r.Query)
				}
				if f := q.Get("fields"); f != "summary,status,resolution,resolutiondate,assignee,reporter,labels,created,updated" {
					t.Errorf("fields = %q", f)
				}
			}
		})
	}
}

func TestScanCloudAnswersOldSearchWith410(t *testing.T) {
	s, _ := fake(t, jiratest.Options{Flavor: jiratest.Cloud})
	resp, err := s.Client().Get(s.URL + "/rest/api/2/search?jql=project%3DSEC")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// Unauthenticated first: the fake checks auth before routing.
	if resp.StatusCode != 401 {
		t.Fatalf("unauthenticated old search: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest("GET", s.URL+"/rest/api/2/search?jql=project%3DSEC", nil)
	req.SetBasicAuth("bot@example.com", "cloud-token")
	resp, err = s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 410 {
		t.Fatalf("old search on Cloud: %d, want 410", resp.StatusCode)
	}
}

func TestScanDataCenterPastResultWindow(t *testing.T) {
	s, _ := fake(t, jiratest.Options{Flavor: jiratest.DataCenter, MaxResults: 40, ResultWindow: 100})
	seed(t, s, 230, nil)
	o := options(s, jira.Project{Name: "sec", JQL: "project = SEC"})
	o.PageSize, o.ResultWindow = 40, 100
	c := connect(t, o)
	got := scanAll(t, c, ports.ScanRequest{Project: "sec"})
	if len(got) != 230 {
		t.Fatalf("scanned %d tickets past the window, want 230", len(got))
	}
	for _, r := range s.Requests() {
		if r.Status != 200 {
			t.Errorf("%s %s?%s answered %d", r.Method, r.Path, r.Query, r.Status)
		}
	}
}

func TestScanIncrementalAndKeys(t *testing.T) {
	for _, fl := range flavors {
		t.Run(string(fl), func(t *testing.T) {
			now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
			s, _ := fake(t, jiratest.Options{Flavor: fl, TimeZone: "Europe/Paris", Now: func() time.Time { return now }})
			seed(t, s, 5, func(i int, sp *jiratest.IssueSpec) {
				sp.Updated = now.Add(-time.Duration(5-i) * time.Hour) // SEC-1 5h ago ... SEC-5 1h ago
			})
			c := connect(t, options(s, jira.Project{Name: "sec", JQL: "project = SEC"}))
			if c.Location().String() != "Europe/Paris" {
				t.Fatalf("location %v", c.Location())
			}
			got := scanAll(t, c, ports.ScanRequest{Project: "sec", UpdatedSince: now.Add(-2*time.Hour - 30*time.Second)})
			var keys []string
			for _, tk := range got {
				keys = append(keys, tk.Input.Ticket.Key)
			}
			if want := []string{"SEC-4", "SEC-5"}; !reflect.DeepEqual(keys, want) {
				t.Errorf("updated since: %v, want %v", keys, want)
			}
			var last jiratest.Request
			for _, r := range s.Requests() {
				if strings.Contains(r.Path, "/search") {
					last = r
				}
			}
			q, _ := url.ParseQuery(last.Query)
			// 09:59:30 UTC minus the 1 minute overlap, in Paris (UTC+1), floored.
			if !strings.Contains(q.Get("jql"), `updated >= "2026/11/20 10:58"`) {
				t.Errorf("jql = %s", q.Get("jql"))
			}
			got = scanAll(t, c, ports.ScanRequest{Project: "sec", Keys: []string{"SEC-2", "SEC-9"}})
			if len(got) != 1 || got[0].Input.Ticket.Key != "SEC-2" {
				t.Errorf("keys scan: %+v", got)
			}
		})
	}
}

func TestScanDecodesTicket(t *testing.T) {
	for _, fl := range flavors {
		t.Run(string(fl), func(t *testing.T) {
			s, _ := fake(t, jiratest.Options{Flavor: fl})
			owner := jiratest.User{AccountID: "5b10:owner", Name: "jdoe", Key: "JIRAUSER2", Email: "jdoe@example.com", DisplayName: "Jane Doe"}
			created := time.Date(2026, 11, 2, 8, 30, 0, 0, time.UTC)
			_, err := s.AddIssue(jiratest.IssueSpec{Key: "SEC-7", Summary: "Patch it", Description: "h2. Scope\n*Owner:* Jane",
				Status: "Done", Resolution: "Fixed", Resolved: created.Add(48 * time.Hour), Assignee: &owner,
				Labels: []string{"patch", "kev"}, Created: created})
			if err != nil {
				t.Fatal(err)
			}
			c := connect(t, options(s, jira.Project{Name: "sec", JQL: "project = SEC", UseDescription: true}))
			got := scanAll(t, c, ports.ScanRequest{Project: "sec"})
			if len(got) != 1 {
				t.Fatalf("%d tickets", len(got))
			}
			tk := got[0].Input.Ticket
			if tk.Key != "SEC-7" || tk.Project != "sec" || tk.Summary != "Patch it" || tk.Status != "Done" ||
				tk.StatusCategory != handoff.StatusDone || tk.Resolution != "Fixed" || !tk.Created.Equal(created) ||
				!tk.Resolved.Equal(created.Add(48*time.Hour)) || !reflect.DeepEqual(tk.Labels, []string{"patch", "kev"}) ||
				tk.URL != s.URL+"/browse/SEC-7" {
				t.Errorf("ticket = %+v", tk)
			}
			if tk.Assignee.DisplayName != "Jane Doe" || tk.Assignee.Email != "jdoe@example.com" {
				t.Errorf("assignee = %+v", tk.Assignee)
			}
			if fl == jiratest.Cloud && tk.Assignee.AccountID != "5b10:owner" {
				t.Errorf("cloud assignee = %+v", tk.Assignee)
			}
			if fl == jiratest.DataCenter && (tk.Assignee.Name != "jdoe" || tk.Assignee.Key != "JIRAUSER2") {
				t.Errorf("dc assignee = %+v", tk.Assignee)
			}
			if got[0].Input.Description != "h2. Scope\n*Owner:* Jane" {
				t.Errorf("description = %q", got[0].Input.Description)
			}
		})
	}
}

// searchAnswers counts, in the search answers the connector reads, the
// hits of each key.
type searchAnswers struct {
	mu   sync.Mutex
	hits map[string]int
}

func (a *searchAnswers) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil || !strings.Contains(r.URL.Path, "/search") {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	var page struct {
		Issues []struct{ Key string } `json:"issues"`
	}
	_ = json.Unmarshal(body, &page)
	a.mu.Lock()
	for _, is := range page.Issues {
		a.hits[is.Key]++
	}
	a.mu.Unlock()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// TestScanDedupesAcrossPageBoundary: on Data Center's startAt paging, a
// ticket entering the scope ahead of the cursor between two requests
// pushes the last hit of a page onto the next one. It is passed on once;
// unless its `updated` moved meanwhile, and then again, as before.
func TestScanDedupesAcrossPageBoundary(t *testing.T) {
	for _, moved := range []bool{false, true} {
		t.Run(fmt.Sprintf("updated moved %v", moved), func(t *testing.T) {
			s, _ := fake(t, jiratest.Options{Flavor: jiratest.DataCenter, MaxResults: 40})
			seed(t, s, 100, func(i int, sp *jiratest.IssueSpec) {
				if i > 0 {
					sp.Labels = []string{"scope"} // SEC-1 is out of scope
				}
			})
			answers := &searchAnswers{hits: map[string]int{}}
			o := options(s, jira.Project{Name: "sec", JQL: `project = SEC AND labels = "scope"`})
			o.PageSize, o.HTTPClient = 40, &http.Client{Transport: answers}
			c := connect(t, o)
			var keys []string
			updated := map[string][]time.Time{}
			err := c.Scan(context.Background(), ports.ScanRequest{Project: "sec"}, func(tk ports.Ticket) error {
				k := tk.Input.Ticket.Key
				if len(keys) == 0 { // page 1 (SEC-2..SEC-41) is read; page 2 is not
					if err := s.Update("SEC-1", func(is *jiratest.Issue) { is.Labels = []string{"scope"} }); err != nil {
						t.Fatal(err)
					}
					if moved {
						if err := s.Update("SEC-41", func(*jiratest.Issue) {}); err != nil {
							t.Fatal(err)
						}
					}
				}
				keys = append(keys, k)
				updated[k] = append(updated[k], tk.Input.Ticket.Updated)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if answers.hits["SEC-41"] != 2 || answers.hits["SEC-1"] != 0 {
				t.Fatalf("SEC-41 was served %d times and SEC-1 %d, want 2 and 0: the page boundary did not move",
					answers.hits["SEC-41"], answers.hits["SEC-1"])
			}
			want := 99
			if moved {
				want = 100
			}
			if len(keys) != want {
				t.Errorf("passed on %d tickets, want %d", len(keys), want)
			}
			for i := 2; i <= 100; i++ {
				k := fmt.Sprintf("SEC-%d", i)
				n := 1
				if moved && k == "SEC-41" {
					n = 2
				}
				if len(updated[k]) != n {
					t.Errorf("%s passed on %d times, want %d", k, len(updated[k]), n)
				}
			}
			if moved && len(updated["SEC-41"]) == 2 && !updated["SEC-41"][1].After(updated["SEC-41"][0]) {
				t.Errorf("SEC-41 passed on again with `updated` %v after %v", updated["SEC-41"][1], updated["SEC-41"][0])
			}
		})
	}
}

// TestScanKeysDedupesAcrossChunks: a key listed twice, in two chunks of
// the key list, is passed on once.
func TestScanKeysDedupesAcrossChunks(t *testing.T) {
	s, _ := fake(t, jiratest.Options{Flavor: jiratest.Cloud})
	seed(t, s, 150, nil)
	c := connect(t, options(s, jira.Project{Name: "sec", JQL: "project = SEC"}))
	var keys []string
	for i := 1; i <= 150; i++ {
		keys = append(keys, fmt.Sprintf("SEC-%d", i))
	}
	keys = append(keys, "SEC-1", "SEC-120") // the second chunk
	got := scanAll(t, c, ports.ScanRequest{Project: "sec", Keys: keys})
	if len(got) != 150 {
		t.Errorf("passed on %d tickets, want 150", len(got))
	}
	if n := searches(s); n != 2 {
		t.Errorf("%d searches, want 2", n)
	}
}
