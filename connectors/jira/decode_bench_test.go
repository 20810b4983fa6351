package jira

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patchbot/patchbot/connectors/jira/jiratest"
	"github.com/patchbot/patchbot/handoff"
)

// benchField is one of the SEC project's custom fields as the load
// generator (scheduler/rigs/loadtest) defines them, with the value it plants.
type benchField struct {
	id    handoff.FieldID
	name  string
	shape jiratest.Shape
	value any
}

// secIssue is the load test's SEC ticket number i: 35 custom fields of the
// generator's shapes (text, paragraph, date, number, URL, user, select,
// checkboxes) plus the due date, a Cloud assignee, a resolution and the
// bot's trail property.
func secIssue(i int) ([]benchField, jiratest.IssueSpec) {
	owner := jiratest.User{AccountID: fmt.Sprintf("5b10000000000000000000%05d", i), DisplayName: fmt.Sprintf("Owner %05d", i),
		Email: fmt.Sprintf("owner%05d@example.com", i)}
	ownerJSON := map[string]any{"accountId": owner.AccountID, "displayName": owner.DisplayName, "emailAddress": owner.Email, "active": true}
	cve := fmt.Sprintf("CVE-2026-1%04d", i)
	fields := []benchField{
		{handoff.FieldAdvisory, "Advisory", jiratest.ShapeText, cve},
		{handoff.FieldVendor, "Vendor", jiratest.ShapeText, "Vendor " + string(rune('A'+i%26))},
		{handoff.FieldProduct, "Product", jiratest.ShapeText, fmt.Sprintf("Product %d", i)},
		{handoff.FieldAffectedVersions, "Affected Versions", jiratest.ShapeText, "4.1.0 – 4.1.9"},
		{handoff.FieldAssetGroup, "Asset Group", jiratest.ShapeSelect, jiratest.Option(fmt.Sprintf("Asset group %d", i%31))},
		{handoff.FieldOwner, "Patch Owner", jiratest.ShapeUser, ownerJSON},
		{handoff.FieldLane, "Action Lane", jiratest.ShapeSelect, jiratest.Option("Patch now")},
		{handoff.FieldUrgencyDriver, "Urgency Driver", jiratest.ShapeCheckboxes, jiratest.MultiOption("KEV", "Exposed")},
		{handoff.FieldEPSS, "EPSS", jiratest.ShapeNumber, float64(i%100) / 100},
		{handoff.FieldFixedVersion, "Fixed Version", jiratest.ShapeText, "4.1.10"},
		{handoff.FieldPatchLink, "Patch Link", jiratest.ShapeURL, "https://vendor.example.com/security/" + cve},
		{handoff.FieldWindow, "Maintenance Window", jiratest.ShapeText, "Sunday maintenance 02:00–04:00"},
		{handoff.FieldTestPlan, "Test Plan", jiratest.ShapeParagraph, "Staging first, then a pilot group; run the service smoke tests"},
		{handoff.FieldRollback, "Rollback Plan", jiratest.ShapeParagraph, "Reinstall the previous package from the cache; config backup taken before"},
		{handoff.FieldTemporaryControl, "Temporary Control", jiratest.ShapeParagraph, "Management interface restricted to the admin VLAN"},
		{handoff.FieldSOCMonitoring, "SOC Monitoring", jiratest.ShapeText, "SOC rule SOC-4411 watches for exploitation"},
		{handoff.FieldExceptionApproval, "Exception Approval", jiratest.ShapeText, "CISO, 2026-10-01"},
		{handoff.FieldExceptionExpiry, "Exception Expiry", jiratest.ShapeDate, "2026-12-30"},
		{handoff.FieldCompensatingControls, "Compensating Controls", jiratest.ShapeParagraph, "Isolated VLAN, jump host only"},
		{handoff.FieldResidualRisk, "Residual Risk", jiratest.ShapeParagraph, "Low once the interface is restricted"},
		{handoff.FieldVendorAsk, "Vendor Ask", jiratest.ShapeText, "Asked the vendor for a backport"},
		{handoff.FieldReviewDate, "Review Date", jiratest.ShapeDate, "2026-12-12"},
		{handoff.FieldReviewTrigger, "Review Trigger", jiratest.ShapeText, "KEV entry, public PoC or exposure change"},
		{handoff.FieldBlocker, "Blocker", jiratest.ShapeParagraph, "Change freeze until the quarter closes"},
		{handoff.FieldBlockerRisk, "Blocker Risk", jiratest.ShapeText, "Exposed for three more weeks"},
		{handoff.FieldUnblock, "Unblock Criteria", jiratest.ShapeText, "Freeze lifted or CAB exception"},
		{handoff.FieldClosureExpected, "Closure Evidence Expected", jiratest.ShapeParagraph, "Version evidence per host, the change record and a rescan"},
		{handoff.FieldPatchedVersion, "Patched Version", jiratest.ShapeText, "4.1.10 on all hosts"},
		{handoff.FieldDeploymentRecord, "Deployment Record", jiratest.ShapeURL, fmt.Sprintf("https://itsm.example.com/change/CHG1%05d", i)},
		{handoff.FieldAssetList, "Asset List", jiratest.ShapeParagraph, "CMDB export attached"},
		{handoff.FieldScanEvidence, "Scan Evidence", jiratest.ShapeParagraph, "Authenticated rescan clean"},
		{handoff.FieldValidatedAt, "Validated At", jiratest.ShapeDate, "2026-11-18"},
		{handoff.FieldOwnerValidation, "Owner Validation", jiratest.ShapeText, "Owner confirmed after the change"},
		{handoff.FieldRemainingExposure, "Remaining Exposure", jiratest.ShapeText, "none"},
		{handoff.FieldClosureExceptions, "Closure Exceptions", jiratest.ShapeText, "none"},
	}
	values := map[string]any{"duedate": "2026-11-30"}
	for _, f := range fields {
		values[f.name] = f.value
	}
	created := time.Date(2026, 9, 14, 9, 0, 0, 0, time.UTC).Add(time.Duration(i-42) * time.Minute)
	resolved := time.Date(2026, 11, 17, 15, 0, 0, 0, time.UTC).Add(time.Duration(i-42) * time.Minute)
	written := resolved.Add(time.Hour)
	return fields, jiratest.IssueSpec{Key: fmt.Sprintf("SEC-%d", i), Summary: cve + fmt.Sprintf(" Product %d patch", i), Status: "Done",
		Resolution: "Done", Resolved: resolved, Assignee: &owner, Created: created, Updated: resolved, Fields: values,
		Properties: map[string]any{"patchbot": trailJSON{V: 1, Fingerprint: "3f9a1c2b", Complete: true, Written: &written}}}
}

// searchBodies keeps the body of every search answer the connector reads.
type searchBodies struct {
	mu     sync.Mutex
	bodies [][]byte
}

func (s *searchBodies) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil || !strings.Contains(r.URL.Path, "/search") {
		return resp, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.bodies = append(s.bodies, b)
	s.mu.Unlock()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}

// secSearch serves the SEC tickets numbered from..to from a fake Jira of
// the flavor, 100 a page, connects to it, and reads them with the
// connector's own search: the hits and the body of each search answer,
// as the fake sent them.
func secSearch(tb testing.TB, flavor jiratest.Flavor, from, to int) (*Client, *project, []rawIssue, [][]byte) {
	tb.Helper()
	s := jiratest.New(jiratest.Options{Flavor: flavor, MaxResults: 100})
	tb.Cleanup(s.Close)
	mapping := map[handoff.FieldID]string{handoff.FieldDeadline: "duedate"}
	fields, _ := secIssue(from)
	for _, f := range fields {
		s.AddField(f.name, f.shape)
		mapping[f.id] = f.name
	}
	var specs []jiratest.IssueSpec
	for i := from; i <= to; i++ {
		_, sp := secIssue(i)
		specs = append(specs, sp)
	}
	if _, err := s.AddIssues(specs...); err != nil {
		tb.Fatal(err)
	}
	rec := &searchBodies{}
	o := Options{BaseURL: s.URL, RequestsPerSecond: -1, HTTPClient: &http.Client{Transport: rec},
		Projects: []Project{{Name: "sec", JQL: "project = SEC", Fields: mapping}}}
	if flavor == jiratest.Cloud {
		o.Email, o.Token = "bot@example.com", "cloud-token"
	} else {
		o.PAT = "dc-pat"
	}
	c, err := New(context.Background(), o)
	if err != nil {
		tb.Fatal(err)
	}
	p := c.projects["sec"]
	var hits []rawIssue
	if err := c.search(context.Background(), p, "(project = SEC)", func(page []rawIssue) error { hits = append(hits, page...); return nil }); err != nil {
		tb.Fatal(err)
	}
	if len(hits) != to-from+1 {
		tb.Fatalf("read %d hits, want %d", len(hits), to-from+1)
	}
	for _, h := range hits {
		if len(h.Fields) != len(fields)+10 {
			tb.Fatalf("%s has %d fields, want %d", h.Key, len(h.Fields), len(fields)+10)
		}
	}
	return c, p, hits, rec.bodies
}

// secHit is one search hit like the load test's SEC tickets (SEC-42),
// read from the fake Jira through the connector's own search.
func secHit(tb testing.TB) (*Client, *project, rawIssue) {
	tb.Helper()
	c, p, hits, _ := secSearch(tb, jiratest.Cloud, 42, 42)
	return c, p, hits[0]
}

// BenchmarkDecodeIssue is the connector's per-ticket cost in a scan:
// turning one search hit into the scheduler's ticket.
func BenchmarkDecodeIssue(b *testing.B) {
	c, p, hit := secHit(b)
	if tk := c.decode(hit, p); len(tk.Input.Fields) != 36 || !tk.Trail.Complete {
		b.Fatalf("decoded %d fields, trail %+v", len(tk.Input.Fields), tk.Trail)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = c.decode(hit, p)
	}
}

// secPage is the answer of a fake Cloud Jira to a search for 100 SEC
// tickets, as the connector reads it.
func secPage(b *testing.B) []byte {
	_, _, _, bodies := secSearch(b, jiratest.Cloud, 1, 100)
	if len(bodies) != 1 {
		b.Fatalf("%d search answers, want 1", len(bodies))
	}
	b.SetBytes(int64(len(bodies[0])))
	return bodies[0]
}

// BenchmarkDecodePage is reading one search answer of 100 SEC tickets, as
// the fake Jira serves it, into the page the scan walks, as callStatus
// reads every answer: json.NewDecoder over the body.
func BenchmarkDecodePage(b *testing.B) {
	body := secPage(b)
	b.ReportAllocs()
	for b.Loop() {
		var page searchPage
		if err := json.NewDecoder(bytes.NewReader(body)).Decode(&page); err != nil || len(page.Issues) != 100 {
			b.Fatalf("%d issues, %v", len(page.Issues), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100, "ns/issue")
}
