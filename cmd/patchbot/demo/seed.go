package demo

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/patchbot/patchbot/connectors/jira/jiratest"
	"github.com/patchbot/patchbot/handoff"
)

// person is someone in the demo's Jira and Slack.
type person struct {
	jira    jiratest.User
	slackID string // empty: not in Slack
}

var people = map[string]person{
	"ana":   {jiratest.User{AccountID: "5b10ac8d82e05b22cc7d4ef5", DisplayName: "Ana Ortiz", Email: "ana.ortiz@example.com"}, "U07ANA0RT1Z"},
	"bo":    {jiratest.User{AccountID: "5b10a2844c20165700ede21g", DisplayName: "Bo Chen", Email: "bo.chen@example.com"}, "U07BOCHEN2Q"},
	"chidi": {jiratest.User{AccountID: "5b109f2e9729b51b54dc274d", DisplayName: "Chidi Okafor", Email: "chidi.okafor@example.com"}, "U07CHIDI3KX"},
	// Dana's email is hidden by her Cloud profile settings and she is not
	// in the owner map: patchbot cannot find her in Slack.
	"dana": {jiratest.User{AccountID: "712020:8e1c0f", DisplayName: "Dana Kim", Email: "dana.kim@example.com", HideEmail: true}, "U07DANAK4M8"},
	// Eli's email is hidden too, but the config's owner map names him.
	"eli": {jiratest.User{AccountID: "712020:e11", DisplayName: "Eli Novak", Email: "eli.novak@example.com", HideEmail: true}, "U07ELINV5P2"},
	"sam": {jiratest.User{AccountID: "5c1d0a3e2f9b4a0012345678", DisplayName: "Sam Reyes (SecOps)", Email: "sam.reyes@example.com"}, "U07SAMRY6D4"},
	"mia": {jiratest.User{AccountID: "5c1d0a3e2f9b4a0099999999", DisplayName: "Mia Lund (IT Ops manager)", Email: "mia.lund@example.com"}, "U07MIALN7W9"},
}

// secField is one custom field of the SEC project: the handoff concept it
// holds, its name as a person sees it in Jira, and its shape.
type secField struct {
	concept handoff.FieldID
	name    string
	shape   jiratest.Shape
}

// secFields are the custom fields a Jira admin created for patch tickets.
// Deadline is Jira's own due date.
var secFields = []secField{
	{handoff.FieldAdvisory, "Advisory", jiratest.ShapeText},
	{handoff.FieldVendor, "Vendor", jiratest.ShapeText},
	{handoff.FieldProduct, "Product", jiratest.ShapeText},
	{handoff.FieldAffectedVersions, "Affected Versions", jiratest.ShapeText},
	{handoff.FieldAssetGroup, "Asset Group", jiratest.ShapeSelect},
	{handoff.FieldOwner, "Patch Owner", jiratest.ShapeUser},
	{handoff.FieldBusinessService, "Business Service", jiratest.ShapeText},
	{handoff.FieldLane, "Action Lane", jiratest.ShapeSelect},
	{handoff.FieldUrgencyDriver, "Urgency Driver", jiratest.ShapeCheckboxes},
	{handoff.FieldEPSS, "EPSS", jiratest.ShapeNumber},
	{handoff.FieldFixedVersion, "Fixed Version", jiratest.ShapeText},
	{handoff.FieldPatchLink, "Patch Link", jiratest.ShapeURL},
	{handoff.FieldReboot, "Reboot Required", jiratest.ShapeRadio},
	{handoff.FieldWindow, "Maintenance Window", jiratest.ShapeText},
	{handoff.FieldTestPlan, "Test Plan", jiratest.ShapeParagraph},
	{handoff.FieldRollback, "Rollback Plan", jiratest.ShapeParagraph},
	{handoff.FieldTemporaryControl, "Temporary Control", jiratest.ShapeParagraph},
	{handoff.FieldSOCMonitoring, "SOC Monitoring", jiratest.ShapeText},
	{handoff.FieldExceptionApproval, "Exception Approval", jiratest.ShapeText},
	{handoff.FieldExceptionExpiry, "Exception Expiry", jiratest.ShapeDate},
	{handoff.FieldCompensatingControls, "Compensating Controls", jiratest.ShapeParagraph},
	{handoff.FieldResidualRisk, "Residual Risk", jiratest.ShapeParagraph},
	{handoff.FieldVendorAsk, "Vendor Ask", jiratest.ShapeText},
	{handoff.FieldReviewDate, "Review Date", jiratest.ShapeDate},
	{handoff.FieldReviewTrigger, "Review Trigger", jiratest.ShapeText},
	{handoff.FieldBlocker, "Blocker", jiratest.ShapeParagraph},
	{handoff.FieldUnblock, "Unblock Criteria", jiratest.ShapeText},
	{handoff.FieldClosureExpected, "Closure Evidence Expected", jiratest.ShapeParagraph},
	{handoff.FieldPatchedVersion, "Patched Version", jiratest.ShapeText},
	{handoff.FieldDeploymentRecord, "Deployment Record", jiratest.ShapeURL},
	{handoff.FieldAssetList, "Asset List", jiratest.ShapeParagraph},
	{handoff.FieldScanEvidence, "Scan Evidence", jiratest.ShapeParagraph},
	{handoff.FieldValidatedAt, "Validated At", jiratest.ShapeDateTime},
	{handoff.FieldOwnerValidation, "Owner Validation", jiratest.ShapeText},
	{handoff.FieldRemainingExposure, "Remaining Exposure", jiratest.ShapeText},
	{handoff.FieldClosureExceptions, "Closure Exceptions", jiratest.ShapeText},
	{handoff.FieldSourceConfidence, "Source Confidence", jiratest.ShapeText},
}

// SECMapping is the SEC project's field mapping, as it appears in config.
func SECMapping() map[handoff.FieldID]string {
	m := map[handoff.FieldID]string{handoff.FieldDeadline: "duedate"}
	for _, f := range secFields {
		m[f.concept] = f.name
	}
	return m
}

// ticket is one seeded ticket. Values are text; a date is written "@+5"
// or "@-3" (days from today) and resolved when seeded; a person by key.
type ticket struct {
	project     string
	summary     string
	status      string // default In Progress
	resolution  string
	createdAgo  int // days
	assignee    string
	reporter    string
	labels      []string
	fields      map[handoff.FieldID]string
	description string
}

// full is a complete patch-now handoff; tickets start from it and take
// away or change what their story needs.
func full(over map[handoff.FieldID]string, drop ...handoff.FieldID) map[handoff.FieldID]string {
	f := map[handoff.FieldID]string{
		handoff.FieldAdvisory:         "CVE-2026-20198",
		handoff.FieldVendor:           "Cisco",
		handoff.FieldProduct:          "IOS XE web UI",
		handoff.FieldAffectedVersions: "17.9.1 – 17.9.4",
		handoff.FieldAssetGroup:       "Edge routers",
		handoff.FieldOwner:            "ana",
		handoff.FieldBusinessService:  "Branch connectivity",
		handoff.FieldSourceConfidence: "Vendor advisory, confirmed by our scanner",
		handoff.FieldLane:             "Patch now",
		handoff.FieldUrgencyDriver:    "KEV, Exposed",
		handoff.FieldEPSS:             "0.94",
		handoff.FieldFixedVersion:     "17.9.4a",
		handoff.FieldPatchLink:        "https://vendor.example.com/security/advisory",
		handoff.FieldReboot:           "Yes",
		handoff.FieldDeadline:         "@+5",
		handoff.FieldWindow:           "Emergency change, Thu 22:00–02:00",
		handoff.FieldTestPlan:         "One non-production host first, then a pilot group; run the service smoke tests",
		handoff.FieldRollback:         "Reinstall the previous version from the package cache; config backup taken before the change",
		handoff.FieldClosureExpected:  "Version evidence per host, the change record, and a rescan",
		handoff.FieldReviewDate:       "@+14",
		handoff.FieldReviewTrigger:    "KEV entry, public PoC, exposure or vendor guidance changes",
		handoff.FieldTemporaryControl: "Management interface restricted to the admin VLAN",
		handoff.FieldSOCMonitoring:    "SOC watching for exploitation indicators (rule SOC-4411)",
		handoff.FieldVendorAsk:        "Asked the vendor for a fixed build for the older release train",
		handoff.FieldResidualRisk:     "Low once the interface is restricted; none after the patch",
	}
	for k, v := range over {
		f[k] = v
	}
	for _, k := range drop {
		delete(f, k)
	}
	return f
}

// proof is a complete set of closure evidence.
var proof = map[handoff.FieldID]string{
	handoff.FieldPatchedVersion:    "8.5.4 on all four nodes",
	handoff.FieldDeploymentRecord:  "https://itsm.example.com/change/CHG0048213",
	handoff.FieldAssetList:         "wiki-01 … wiki-04 (CMDB export attached)",
	handoff.FieldScanEvidence:      "Authenticated rescan: the CVE's plugin no longer fires on any host",
	handoff.FieldValidatedAt:       "@-1",
	handoff.FieldOwnerValidation:   "Ana Ortiz confirmed the wiki works after the change",
	handoff.FieldRemainingExposure: "none",
	handoff.FieldClosureExceptions: "none",
}

func with(a map[handoff.FieldID]string, b map[handoff.FieldID]string) map[handoff.FieldID]string {
	for k, v := range b {
		a[k] = v
	}
	return a
}

var dateToken = regexp.MustCompile(`@([+-]\d+)`)

// resolveDates turns "@+5" into a date five days from today.
func resolveDates(s string, today time.Time, layout string) string {
	return dateToken.ReplaceAllStringFunc(s, func(m string) string {
		n, _ := strconv.Atoi(m[1:])
		return today.AddDate(0, 0, n).Format(layout)
	})
}

// jiraValue builds the JSON value Jira sends for a field of a shape.
func jiraValue(shape jiratest.Shape, v string, today time.Time) any {
	switch shape {
	case jiratest.ShapeUser:
		p := people[v]
		m := map[string]any{"accountId": p.jira.AccountID, "displayName": p.jira.DisplayName, "active": true}
		if !p.jira.HideEmail {
			m["emailAddress"] = p.jira.Email
		}
		return m
	case jiratest.ShapeSelect, jiratest.ShapeRadio:
		return jiratest.Option(v)
	case jiratest.ShapeCheckboxes, jiratest.ShapeMultiSelect:
		var parts []string
		for _, p := range strings.Split(v, ",") {
			parts = append(parts, strings.TrimSpace(p))
		}
		return jiratest.MultiOption(parts...)
	case jiratest.ShapeNumber:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return v // garbage stays garbage: the demo shows how it is reported
		}
		return f
	case jiratest.ShapeDate:
		return resolveDates(v, today, "2006-01-02")
	case jiratest.ShapeDateTime:
		return resolveDates(v, today, "2006-01-02") + "T16:30:00.000+0000"
	default:
		return resolveDates(v, today, "2006-01-02")
	}
}

// spec turns a seeded ticket into the fake Jira's issue spec.
func (t ticket) spec(today time.Time, shapes map[handoff.FieldID]secField) (jiratest.IssueSpec, error) {
	created := today.AddDate(0, 0, -t.createdAgo).Add(9 * time.Hour)
	sp := jiratest.IssueSpec{
		Project: t.project, Summary: t.summary, Status: t.status, Resolution: t.resolution,
		Labels: t.labels, Created: created, Updated: created.Add(2 * time.Hour),
		Description: resolveDates(t.description, today, "2006-01-02"),
		Fields:      map[string]any{},
	}
	if sp.Status == "" {
		sp.Status = "In Progress"
	}
	if t.resolution != "" {
		sp.Resolved = today.Add(-20 * time.Hour)
	}
	for _, who := range []struct {
		key string
		dst **jiratest.User
	}{{t.assignee, &sp.Assignee}, {t.reporter, &sp.Reporter}} {
		if who.key == "" {
			continue
		}
		p, ok := people[who.key]
		if !ok {
			return sp, fmt.Errorf("demo seed: no person %q", who.key)
		}
		u := p.jira
		*who.dst = &u
	}
	for concept, v := range t.fields {
		if concept == handoff.FieldDeadline {
			sp.Fields["duedate"] = resolveDates(v, today, "2006-01-02")
			continue
		}
		f, ok := shapes[concept]
		if !ok {
			return sp, fmt.Errorf("demo seed: %s has no field for %s", t.summary, concept)
		}
		sp.Fields[f.name] = jiraValue(f.shape, v, today)
	}
	return sp, nil
}
