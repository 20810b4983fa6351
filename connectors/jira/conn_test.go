package jira_test

import (
	"context"
	"testing"

	"github.com/patchbot/patchbot/connectors/internal/conntest"
	"github.com/patchbot/patchbot/connectors/jira"
	"github.com/patchbot/patchbot/connectors/jira/jiratest"
	"github.com/patchbot/patchbot/handoff/ports"
)

// TestConnectionsAreKept reads every answer to its end, so net/http keeps
// the connection: a scan of many pages and the writes after it open one
// connection, not one a request (each a TLS handshake on a real site).
func TestConnectionsAreKept(t *testing.T) {
	for _, fl := range flavors {
		t.Run(string(fl), func(t *testing.T) {
			s, _ := fake(t, jiratest.Options{Flavor: fl, MaxResults: 20})
			seed(t, s, 95, nil)
			hc, dials := conntest.Client(t)
			o := options(s, jira.Project{Name: "sec", JQL: "project = SEC"})
			o.HTTPClient = hc
			c := connect(t, o)
			got := scanAll(t, c, ports.ScanRequest{Project: "sec"})
			if len(got) != 95 || searches(s) != 5 {
				t.Fatalf("scanned %d tickets in %d searches, want 95 in 5", len(got), searches(s))
			}
			for _, tk := range got[:3] {
				if _, err := c.Apply(context.Background(), mustChange(t, c, tk, "rollback")); err != nil {
					t.Fatalf("publish %s: %v", tk.Input.Ticket.Key, err)
				}
			}
			// 1, but net/http may refuse a reuse when its writer runs late.
			if n := dials.Load(); n > 2 {
				t.Errorf("%d connections for the start-up, 5 searches and 3 writes; want 1, kept alive", n)
			}
		})
	}
}
