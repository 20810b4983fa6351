package jira_test

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/patchbot/patchbot/connectors/jira"
	"github.com/patchbot/patchbot/connectors/jira/jiratest"
	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/scheduler"
)

func TestScanPagesEveryTicketOnce(t *testing.T) {
	for _, fl := range flavors {
		t.Run(string(fl), func(t *testing.T) {
			s, ct := fake(t, jiratest.Options{Flavor: fl, MaxResults: 100})
			keys := seed(t, s, 250, nil)
			c := connect(t, options(s, jira.Project{Name: "sec", JQL: "project = SEC"}))
			got := scanAll(t, c, scheduler.ScanRequest{Project: "sec"})
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
	got := scanAll(t, c, scheduler.ScanRequest{Project: "sec"})
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
			got := scanAll(t, c, scheduler.ScanRequest{Project: "sec", UpdatedSince: now.Add(-2*time.Hour - 30*time.Second)})
			var keys []string
			for _, tk := range got {
				keys = append(keys, tk.Input.Ticket.Key)
			}
			if want := []string{"SEC-4", "SEC-5"}; !reflect.DeepEqual(keys, want) {
				t.Errorf("updated since: %v, want %v", keys, want)
			}
			last := s.Requests()[len(s.Requests())-1]
			q, _ := url.ParseQuery(last.Query)
			// 09:59:30 UTC minus the 1 minute overlap, in Paris (UTC+1), floored.
			if !strings.Contains(q.Get("jql"), `updated >= "2026/11/20 10:58"`) {
				t.Errorf("jql = %s", q.Get("jql"))
			}
			got = scanAll(t, c, scheduler.ScanRequest{Project: "sec", Keys: []string{"SEC-2", "SEC-9"}})
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
			got := scanAll(t, c, scheduler.ScanRequest{Project: "sec"})
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
