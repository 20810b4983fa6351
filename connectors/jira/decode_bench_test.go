package jira

import (
	"context"
	"testing"
	"time"

	"github.com/patchbot/patchbot/connectors/jira/jiratest"
	"github.com/patchbot/patchbot/handoff"
)

// benchField is one of the SEC project's custom fields as the load
// generator (cmd/patchbot/loadtest) defines them, with the value it plants.
type benchField struct {
	id    handoff.FieldID
	name  string
	shape jiratest.Shape
	value any
}

// secHit is a search hit like the load test's SEC tickets: 35 custom fields
// of the generator's shapes (text, paragraph, date, number, URL, user,
// select, checkboxes) plus the due date, a Cloud assignee, a resolution
// and the bot's trail property, read from the fake Jira through the
// connector's own search.
func secHit(tb testing.TB) (*Client, *project, rawIssue) {
	tb.Helper()
	owner := jiratest.User{AccountID: "5b1000000000000000000000042", DisplayName: "Owner 00042", Email: "owner00042@example.com"}
	ownerJSON := map[string]any{"accountId": owner.AccountID, "displayName": owner.DisplayName, "emailAddress": owner.Email, "active": true}
	cve := "CVE-2026-10042"
	fields := []benchField{
		{handoff.FieldAdvisory, "Advisory", jiratest.ShapeText, cve},
		{handoff.FieldVendor, "Vendor", jiratest.ShapeText, "Vendor Q"},
		{handoff.FieldProduct, "Product", jiratest.ShapeText, "Product 42"},
		{handoff.FieldAffectedVersions, "Affected Versions", jiratest.ShapeText, "4.1.0 – 4.1.9"},
		{handoff.FieldAssetGroup, "Asset Group", jiratest.ShapeSelect, jiratest.Option("Asset group 11")},
		{handoff.FieldOwner, "Patch Owner", jiratest.ShapeUser, ownerJSON},
		{handoff.FieldLane, "Action Lane", jiratest.ShapeSelect, jiratest.Option("Patch now")},
		{handoff.FieldUrgencyDriver, "Urgency Driver", jiratest.ShapeCheckboxes, jiratest.MultiOption("KEV", "Exposed")},
		{handoff.FieldEPSS, "EPSS", jiratest.ShapeNumber, 0.42},
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
		{handoff.FieldDeploymentRecord, "Deployment Record", jiratest.ShapeURL, "https://itsm.example.com/change/CHG100042"},
		{handoff.FieldAssetList, "Asset List", jiratest.ShapeParagraph, "CMDB export attached"},
		{handoff.FieldScanEvidence, "Scan Evidence", jiratest.ShapeParagraph, "Authenticated rescan clean"},
		{handoff.FieldValidatedAt, "Validated At", jiratest.ShapeDate, "2026-11-18"},
		{handoff.FieldOwnerValidation, "Owner Validation", jiratest.ShapeText, "Owner confirmed after the change"},
		{handoff.FieldRemainingExposure, "Remaining Exposure", jiratest.ShapeText, "none"},
		{handoff.FieldClosureExceptions, "Closure Exceptions", jiratest.ShapeText, "none"},
	}
	s := jiratest.New(jiratest.Options{Flavor: jiratest.Cloud})
	tb.Cleanup(s.Close)
	mapping := map[handoff.FieldID]string{handoff.FieldDeadline: "duedate"}
	values := map[string]any{"duedate": "2026-11-30"}
	for _, f := range fields {
		s.AddField(f.name, f.shape)
		mapping[f.id] = f.name
		values[f.name] = f.value
	}
	created := time.Date(2026, 9, 14, 9, 0, 0, 0, time.UTC)
	resolved := time.Date(2026, 11, 17, 15, 0, 0, 0, time.UTC)
	written := time.Date(2026, 11, 17, 16, 0, 0, 0, time.UTC)
	if _, err := s.AddIssue(jiratest.IssueSpec{Key: "SEC-42", Summary: cve + " Product 42 patch", Status: "Done",
		Resolution: "Done", Resolved: resolved, Assignee: &owner, Created: created, Updated: resolved, Fields: values,
		Properties: map[string]any{"patchbot": trailJSON{V: 1, Fingerprint: "3f9a1c2b", Complete: true, Written: &written}}}); err != nil {
		tb.Fatal(err)
	}
	c, err := New(context.Background(), Options{BaseURL: s.URL, Email: "bot@example.com", Token: "cloud-token",
		RequestsPerSecond: -1, Projects: []Project{{Name: "sec", JQL: "project = SEC", Fields: mapping}}})
	if err != nil {
		tb.Fatal(err)
	}
	p := c.projects["sec"]
	var hit rawIssue
	if err := c.search(context.Background(), p, "(project = SEC)", func(is rawIssue) error { hit = is; return nil }); err != nil {
		tb.Fatal(err)
	}
	if len(hit.Fields) != len(fields)+10 {
		tb.Fatalf("the hit has %d fields, want %d", len(hit.Fields), len(fields)+10)
	}
	return c, p, hit
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
