package jira_test

import (
	"bytes"
	"context"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	"github.com/patchbot/patchbot/connectors/jira"
	"github.com/patchbot/patchbot/connectors/jira/jiratest"
	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/ports"
)

// TestScanDecodesEveryFieldShape maps one handoff field to a Jira field of
// each shape and checks what the core receives.
func TestScanDecodesEveryFieldShape(t *testing.T) {
	for _, fl := range flavors {
		t.Run(string(fl), func(t *testing.T) {
			s, _ := fake(t, jiratest.Options{Flavor: fl})
			owner := jiratest.User{AccountID: "5b10:owner", Name: "jdoe", Key: "JIRAUSER2", Email: "jdoe@example.com", DisplayName: "Jane Doe", HideEmail: fl == jiratest.Cloud}
			team := jiratest.User{AccountID: "5b10:ops", Name: "ops", Key: "JIRAUSER3", Email: "ops@example.com", DisplayName: "Ops Bot"}
			shapes := []struct {
				concept handoff.FieldID
				name    string
				shape   jiratest.Shape // "" = a system field
				value   any
				want    handoff.FieldValue
			}{
				{handoff.FieldAdvisory, "Advisory", jiratest.ShapeText, "CVE-2026-1234", handoff.FieldValue{Text: "CVE-2026-1234"}},
				{handoff.FieldRollback, "Rollback Plan", jiratest.ShapeParagraph, "Revert to *1.2*\nthen reboot", handoff.FieldValue{Text: "Revert to *1.2*\nthen reboot"}},
				{handoff.FieldReviewDate, "Review Date", jiratest.ShapeDate, "2026-12-01", handoff.FieldValue{Text: "2026-12-01"}},
				{handoff.FieldValidatedAt, "Validated At", jiratest.ShapeDateTime, "2026-11-20T10:00:00.000+0000", handoff.FieldValue{Text: "2026-11-20T10:00:00.000+0000"}},
				{handoff.FieldEPSS, "EPSS", jiratest.ShapeNumber, 0.97, handoff.FieldValue{Text: "0.97"}},
				{handoff.FieldPatchLink, "Patch Link", jiratest.ShapeURL, "https://vendor.example/kb/1", handoff.FieldValue{Text: "https://vendor.example/kb/1"}},
				{handoff.FieldOwner, "Patch Owner", jiratest.ShapeUser, owner, handoff.FieldValue{Text: "Jane Doe", Users: []handoff.User{userFor(fl, owner)}}},
				{handoff.FieldApproval, "Approvers", jiratest.ShapeMultiUser, []jiratest.User{owner, team}, handoff.FieldValue{Text: "Jane Doe, Ops Bot", Items: []string{"Jane Doe", "Ops Bot"}, Users: []handoff.User{userFor(fl, owner), userFor(fl, team)}}},
				{handoff.FieldAssetGroup, "Asset Group", jiratest.ShapeGroup, jiratest.Group("edge-servers"), handoff.FieldValue{Text: "edge-servers"}},
				{handoff.FieldBusinessService, "Services", jiratest.ShapeMultiGroup, []any{jiratest.Group("pay"), jiratest.Group("web")}, handoff.FieldValue{Text: "pay, web", Items: []string{"pay", "web"}}},
				{handoff.FieldLane, "Action Lane", jiratest.ShapeSelect, jiratest.Option("Patch now"), handoff.FieldValue{Text: "Patch now"}},
				{handoff.FieldExposure, "Exposure", jiratest.ShapeMultiSelect, jiratest.MultiOption("internet", "vpn"), handoff.FieldValue{Text: "internet, vpn", Items: []string{"internet", "vpn"}}},
				{handoff.FieldKEV, "KEV", jiratest.ShapeRadio, jiratest.Option("Yes"), handoff.FieldValue{Text: "Yes"}},
				{handoff.FieldProduct, "Platform", jiratest.ShapeCascading, jiratest.Cascade("Linux", "Ubuntu 24.04"), handoff.FieldValue{Text: "Linux - Ubuntu 24.04"}},
				{handoff.FieldExcludedSystems, "Excluded", jiratest.ShapeLabels, []string{"db-1", "db-2"}, handoff.FieldValue{Text: "db-1, db-2", Items: []string{"db-1", "db-2"}}},
				{handoff.FieldComponent, "components", "", []any{jiratest.Component("kernel")}, handoff.FieldValue{Text: "kernel", Items: []string{"kernel"}}},
				{handoff.FieldFixedVersion, "fixVersions", "", jiratest.Versions("2.4.1"), handoff.FieldValue{Text: "2.4.1", Items: []string{"2.4.1"}}},
				{handoff.FieldAffectedVersions, "Affects versions", "", jiratest.Versions("2.3", "2.4.0"), handoff.FieldValue{Text: "2.3, 2.4.0", Items: []string{"2.3", "2.4.0"}}},
				{handoff.FieldDeadline, "duedate", "", "2026-11-30", handoff.FieldValue{Text: "2026-11-30"}},
				{handoff.FieldCriticality, "Priority", "", jiratest.Priority("Highest"), handoff.FieldValue{Text: "Highest"}},
				{handoff.FieldChangeTicket, "Status", "", nil, handoff.FieldValue{Text: "In Progress"}},
				{handoff.FieldClosureExceptions, "resolution", "", nil, handoff.FieldValue{Text: "Won't Fix"}},
				{handoff.FieldVendor, "Weird", jiratest.Shape("weird"), map[string]any{"foo": 1}, handoff.FieldValue{Text: `{"foo":1}`}},
			}
			mapping := map[handoff.FieldID]string{}
			values := map[string]any{}
			for _, sh := range shapes {
				if sh.shape != "" {
					s.AddField(sh.name, sh.shape)
				}
				mapping[sh.concept] = sh.name
				if sh.value != nil {
					values[sh.name] = sh.value
				}
			}
			if _, err := s.AddIssue(jiratest.IssueSpec{Key: "SEC-1", Status: "In Progress", Resolution: "Won't Fix", Fields: values}); err != nil {
				t.Fatal(err)
			}
			var logs bytes.Buffer
			o := options(s, jira.Project{Name: "sec", JQL: "project = SEC", Fields: mapping})
			o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			c := connect(t, o)
			got := scanAll(t, c, ports.ScanRequest{Project: "sec"})
			if len(got) != 1 {
				t.Fatalf("%d tickets", len(got))
			}
			for _, sh := range shapes {
				v, ok := got[0].Input.Fields[sh.concept]
				if !ok {
					t.Errorf("%s (%s): no value", sh.name, sh.shape)
					continue
				}
				if !reflect.DeepEqual(v, sh.want) {
					t.Errorf("%s (%s):\n got %+v\nwant %+v", sh.name, sh.shape, v, sh.want)
				}
			}
			if !strings.Contains(logs.String(), "unknown field shape") {
				t.Errorf("no warning for the unknown shape; logs:\n%s", logs.String())
			}
		})
	}
}

func userFor(fl jiratest.Flavor, u jiratest.User) handoff.User {
	out := handoff.User{DisplayName: u.DisplayName}
	if !u.HideEmail {
		out.Email = u.Email
	}
	if fl == jiratest.Cloud {
		out.AccountID = u.AccountID
	} else {
		out.Name, out.Key = u.Name, u.Key
	}
	return out
}

func TestNewRejectsBadFieldNames(t *testing.T) {
	s, _ := fake(t, jiratest.Options{Flavor: jiratest.Cloud})
	s.AddField("Rollback Plan", jiratest.ShapeParagraph)
	a := s.AddField("Patch Owner", jiratest.ShapeUser)
	b := s.AddField("Patch Owner", jiratest.ShapeUser)
	_, err := jira.New(context.Background(), options(s, jira.Project{Name: "sec", JQL: "project = SEC", Fields: map[handoff.FieldID]string{
		handoff.FieldRollback: "Rollback Plan",
		handoff.FieldTestPlan: "Rollback Plans", // typo
		handoff.FieldOwner:    "Patch Owner",    // two fields
		handoff.FieldDeadline: "duedate",        // a system field id
	}}))
	if err == nil {
		t.Fatal("New accepted unknown and duplicate field names")
	}
	msg := err.Error()
	for _, want := range []string{`no Jira field is named "Rollback Plans"`, `"Rollback Plan" (customfield_`,
		`2 Jira fields are named "Patch Owner": ` + a + ", " + b, "test_plan", "owner"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "deadline") || strings.Contains(msg, "cloud-token") {
		t.Errorf("error mentions a valid mapping or the token:\n%s", msg)
	}
}

func TestFieldsListing(t *testing.T) {
	s, _ := fake(t, jiratest.Options{Flavor: jiratest.DataCenter})
	id := s.AddField("Rollback Plan", jiratest.ShapeParagraph)
	c := connect(t, options(s))
	fs, err := c.Fields(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, f := range fs {
		if f.ID == id {
			found = f.Name == "Rollback Plan" && f.Custom && f.Type == "string" && strings.HasSuffix(f.CustomType, ":textarea")
		}
	}
	if !found {
		t.Errorf("Rollback Plan missing or wrong in %+v", fs)
	}
}
