// Package loadtest measures patchbot at site scale: it generates a patch
// backlog of N tickets for the fake Jira and the owners for the fake Slack,
// and its tests (gated by PATCHBOT_LOAD) run a full sync, incremental syncs,
// a nag run and a digest against them, reporting time, CPU, memory and
// requests: TestLoadProcess runs each as the built binary's one-shot
// command, so CPU and memory are patchbot's own; TestLoad runs the real
// connectors, ledger and engine in the test process, for profiling.
//
// It owns the generated site only; it changes nothing in the daemon.
package loadtest

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/patchbot/patchbot/connectors/jira/jiratest"
	"github.com/patchbot/patchbot/connectors/slack/slacktest"
	"github.com/patchbot/patchbot/handoff"
)

// Projects: SEC maps custom fields, OPS reads the copy template from the
// description.
const (
	ProjectFields   = "SEC"
	ProjectTemplate = "OPS"
)

// Kind is what a generated ticket is meant to be due for.
type Kind int

// The due kinds the generator plants.
const (
	DueNone    Kind = iota
	DueOverdue      // one overdue item
	DueSoon         // one heads-up
)

// Ticket is what the generator planted in one ticket, for the tests'
// expectations.
type Ticket struct {
	Project    string
	Lane       handoff.Lane // "" for resolved
	Blocked    bool
	Resolved   bool
	Incomplete bool // a required field (or closure proof) left out
	Due        Kind
	Owner      int // index into Site.Owners
}

// Owner is one patch owner, in Jira and in Slack under the same email.
type Owner struct {
	Jira    jiratest.User
	SlackID string
}

// Site is a generated backlog.
type Site struct {
	Today   time.Time // midnight, in UTC
	Owners  []Owner
	Tickets []Ticket
	Specs   []jiratest.IssueSpec
}

// field is one SEC custom field.
type field struct {
	id    handoff.FieldID
	name  string
	shape jiratest.Shape
}

// secFields are the SEC project's custom fields; the deadline is Jira's
// due date.
var secFields = []field{
	{handoff.FieldAdvisory, "Advisory", jiratest.ShapeText},
	{handoff.FieldVendor, "Vendor", jiratest.ShapeText},
	{handoff.FieldProduct, "Product", jiratest.ShapeText},
	{handoff.FieldAffectedVersions, "Affected Versions", jiratest.ShapeText},
	{handoff.FieldAssetGroup, "Asset Group", jiratest.ShapeSelect},
	{handoff.FieldOwner, "Patch Owner", jiratest.ShapeUser},
	{handoff.FieldLane, "Action Lane", jiratest.ShapeSelect},
	{handoff.FieldUrgencyDriver, "Urgency Driver", jiratest.ShapeCheckboxes},
	{handoff.FieldEPSS, "EPSS", jiratest.ShapeNumber},
	{handoff.FieldFixedVersion, "Fixed Version", jiratest.ShapeText},
	{handoff.FieldPatchLink, "Patch Link", jiratest.ShapeURL},
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
	{handoff.FieldBlockerRisk, "Blocker Risk", jiratest.ShapeText},
	{handoff.FieldUnblock, "Unblock Criteria", jiratest.ShapeText},
	{handoff.FieldClosureExpected, "Closure Evidence Expected", jiratest.ShapeParagraph},
	{handoff.FieldPatchedVersion, "Patched Version", jiratest.ShapeText},
	{handoff.FieldDeploymentRecord, "Deployment Record", jiratest.ShapeURL},
	{handoff.FieldAssetList, "Asset List", jiratest.ShapeParagraph},
	{handoff.FieldScanEvidence, "Scan Evidence", jiratest.ShapeParagraph},
	{handoff.FieldValidatedAt, "Validated At", jiratest.ShapeDate},
	{handoff.FieldOwnerValidation, "Owner Validation", jiratest.ShapeText},
	{handoff.FieldRemainingExposure, "Remaining Exposure", jiratest.ShapeText},
	{handoff.FieldClosureExceptions, "Closure Exceptions", jiratest.ShapeText},
}

// AddFields defines the SEC custom fields on the fake.
func AddFields(j *jiratest.Server) {
	for _, f := range secFields {
		j.AddField(f.name, f.shape)
	}
}

// Mapping is the SEC project's field mapping, as config would have it.
func Mapping() map[handoff.FieldID]string {
	m := map[handoff.FieldID]string{handoff.FieldDeadline: "duedate"}
	for _, f := range secFields {
		m[f.id] = f.name
	}
	return m
}

// AddUsers puts the owners into the fake Slack, with the emails Jira shows.
func (s *Site) AddUsers(sl *slacktest.Server) {
	for _, o := range s.Owners {
		sl.AddUser(slacktest.User{ID: o.SlackID, Name: strings.ToLower(strings.ReplaceAll(o.Jira.DisplayName, " ", ".")),
			RealName: o.Jira.DisplayName, Email: o.Jira.Email})
	}
}

// Mix is the generator's shares.
const (
	shareTemplate   = 0.4  // OPS (description) rather than SEC (fields)
	shareResolved   = 0.10 // resolved tickets
	shareBlocked    = 0.08 // open and blocked
	shareIncomplete = 0.32 // of open tickets: one required field left out
	shareOverdue    = 0.10 // one overdue item
	shareSoon       = 0.02 // of the rest: one heads-up
	ticketsPerOwner = 50   // 100,000 tickets → 2,000 owners
)

// Generate builds n tickets, deterministic for a seed, dated relative to
// today (midnight UTC): every lane, blocked and resolved ones; about 30 %
// incomplete, 10 % overdue (one item each), 2 % due soon; owners drawn at
// random from n/50 people, so 10 % overdue of 100,000 tickets is about
// 10,000 items across about 2,000 owners.
func Generate(n int, today time.Time, seed uint64) *Site {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	s := &Site{Today: today}
	nOwners := max(n/ticketsPerOwner, 4)
	for i := range nOwners {
		s.Owners = append(s.Owners, Owner{
			Jira: jiratest.User{AccountID: fmt.Sprintf("5b10%020d", i), DisplayName: fmt.Sprintf("Owner %05d", i),
				Email: fmt.Sprintf("owner%05d@example.com", i)},
			SlackID: fmt.Sprintf("U1%07d", i),
		})
	}
	s.Tickets = make([]Ticket, n)
	s.Specs = make([]jiratest.IssueSpec, n)
	for i := range n {
		t := Ticket{Project: ProjectFields, Owner: r.IntN(nOwners)}
		if r.Float64() < shareTemplate {
			t.Project = ProjectTemplate
		}
		switch x := r.Float64(); {
		case x < shareResolved:
			t.Resolved = true
		case x < shareResolved+shareBlocked:
			t.Blocked = true
		}
		if !t.Resolved {
			t.Lane = handoff.Lanes()[r.IntN(len(handoff.Lanes()))]
			t.Incomplete = r.Float64() < shareIncomplete
		}
		switch x := r.Float64(); {
		case x < shareOverdue:
			t.Due = DueOverdue
		case x < shareOverdue+shareSoon && !t.Resolved:
			t.Due = DueSoon
		}
		// Resolved: closure proof is missing exactly when it is overdue.
		t.Incomplete = t.Incomplete || t.Resolved && t.Due == DueOverdue
		s.Tickets[i] = t
		s.Specs[i] = s.spec(r, i, t)
	}
	return s
}

// values are the handoff values of one ticket, by concept.
type values map[handoff.FieldID]string

// spec builds the fake Jira's issue for a planted ticket.
func (s *Site) spec(r *rand.Rand, i int, t Ticket) jiratest.IssueSpec {
	day := func(d int) string { return s.Today.AddDate(0, 0, d).Format("2006-01-02") }
	cve := fmt.Sprintf("CVE-2026-%05d", 10000+i)
	v := values{
		handoff.FieldAdvisory:             cve,
		handoff.FieldVendor:               "Vendor " + string(rune('A'+i%26)),
		handoff.FieldProduct:              fmt.Sprintf("Product %d", i%97),
		handoff.FieldAffectedVersions:     "4.1.0 – 4.1.9",
		handoff.FieldAssetGroup:           fmt.Sprintf("Asset group %d", i%31),
		handoff.FieldUrgencyDriver:        "KEV, Exposed",
		handoff.FieldEPSS:                 "0.42",
		handoff.FieldFixedVersion:         "4.1.10",
		handoff.FieldPatchLink:            "https://vendor.example.com/security/" + cve,
		handoff.FieldWindow:               "Sunday maintenance 02:00–04:00",
		handoff.FieldTestPlan:             "Staging first, then a pilot group; run the service smoke tests",
		handoff.FieldRollback:             "Reinstall the previous package from the cache; config backup taken before",
		handoff.FieldTemporaryControl:     "Management interface restricted to the admin VLAN",
		handoff.FieldSOCMonitoring:        "SOC rule SOC-4411 watches for exploitation",
		handoff.FieldExceptionApproval:    "CISO, 2026-10-01",
		handoff.FieldCompensatingControls: "Isolated VLAN, jump host only",
		handoff.FieldResidualRisk:         "Low once the interface is restricted",
		handoff.FieldVendorAsk:            "Asked the vendor for a backport",
		handoff.FieldReviewTrigger:        "KEV entry, public PoC or exposure change",
		handoff.FieldClosureExpected:      "Version evidence per host, the change record and a rescan",
		handoff.FieldDeadline:             day(10 + r.IntN(30)),
		handoff.FieldReviewDate:           day(10 + r.IntN(50)),
		handoff.FieldExceptionExpiry:      day(30 + r.IntN(60)),
	}
	if t.Lane != "" {
		v[handoff.FieldLane] = laneText[t.Lane]
	}
	if t.Blocked {
		v[handoff.FieldBlocker] = "Change freeze until the quarter closes"
		v[handoff.FieldBlockerRisk] = "Exposed for three more weeks"
		v[handoff.FieldUnblock] = "Freeze lifted or CAB exception"
	}
	if t.Resolved && !t.Incomplete {
		v[handoff.FieldPatchedVersion] = "4.1.10 on all hosts"
		v[handoff.FieldDeploymentRecord] = "https://itsm.example.com/change/CHG" + fmt.Sprint(100000+i)
		v[handoff.FieldAssetList] = "CMDB export attached"
		v[handoff.FieldScanEvidence] = "Authenticated rescan clean"
		v[handoff.FieldValidatedAt] = day(-2)
		v[handoff.FieldOwnerValidation] = "Owner confirmed after the change"
		v[handoff.FieldRemainingExposure] = "none"
		v[handoff.FieldClosureExceptions] = "none"
	}
	if t.Incomplete && !t.Resolved {
		drop := incompleteDrops(t)
		for _, f := range drop[r.IntN(len(drop))] {
			delete(v, f)
		}
	}
	switch {
	case t.Due == DueOverdue && !t.Resolved:
		late := day(-(1 + r.IntN(20)))
		switch {
		case t.Blocked || t.Lane == handoff.LaneMitigateFirst:
			v[handoff.FieldReviewDate] = late
		case t.Lane == handoff.LaneException:
			v[handoff.FieldExceptionExpiry] = late
		default:
			v[handoff.FieldDeadline] = late
		}
	case t.Due == DueSoon:
		v[handoff.FieldDeadline] = day(1 + r.IntN(2))
	}

	o := s.Owners[t.Owner].Jira
	created := s.Today.AddDate(0, 0, -(30 + r.IntN(150))).Add(9 * time.Hour)
	sp := jiratest.IssueSpec{
		Project: t.Project, Summary: cve + " " + v[handoff.FieldProduct] + " patch",
		Status: "In Progress", Assignee: &o, Created: created, Updated: created.Add(26 * time.Hour),
		Fields: map[string]any{},
	}
	if t.Blocked && r.IntN(2) == 0 {
		sp.Labels = []string{"blocked"}
	}
	if t.Resolved {
		sp.Status, sp.Resolution, sp.Resolved = "Done", "Done", s.Today.AddDate(0, 0, -(1+r.IntN(10))).Add(15*time.Hour)
		sp.Updated = sp.Resolved
	}
	if t.Project == ProjectTemplate {
		sp.Description = description(v, o.DisplayName)
		return sp
	}
	v[handoff.FieldOwner] = ""
	for _, f := range secFields {
		val, ok := v[f.id]
		if !ok {
			continue
		}
		sp.Fields[f.name] = jiraValue(f.shape, val, o)
	}
	if d, ok := v[handoff.FieldDeadline]; ok {
		sp.Fields["duedate"] = d
	}
	return sp
}

// incompleteDrops are, per lane, the field sets whose removal makes a
// handoff incomplete; dates and the owner are never dropped, so the due
// items stay what was planted.
func incompleteDrops(t Ticket) [][]handoff.FieldID {
	if t.Blocked {
		return [][]handoff.FieldID{{handoff.FieldUnblock}, {handoff.FieldBlockerRisk}}
	}
	switch t.Lane {
	case handoff.LanePatchNow:
		return [][]handoff.FieldID{{handoff.FieldRollback}, {handoff.FieldTestPlan}, {handoff.FieldFixedVersion}, {handoff.FieldRollback, handoff.FieldTestPlan}}
	case handoff.LanePlannedWindow:
		return [][]handoff.FieldID{{handoff.FieldAffectedVersions}, {handoff.FieldReviewTrigger, handoff.FieldReviewDate}}
	case handoff.LaneMitigateFirst:
		return [][]handoff.FieldID{{handoff.FieldVendorAsk}, {handoff.FieldSOCMonitoring}, {handoff.FieldResidualRisk}}
	case handoff.LaneMonitor:
		return [][]handoff.FieldID{{handoff.FieldReviewTrigger, handoff.FieldReviewDate}}
	case handoff.LaneException:
		return [][]handoff.FieldID{{handoff.FieldCompensatingControls}, {handoff.FieldExceptionApproval}}
	default: // needs review
		return [][]handoff.FieldID{{handoff.FieldAffectedVersions}, {handoff.FieldProduct, handoff.FieldAssetGroup}}
	}
}

// laneText is how people write each lane.
var laneText = map[handoff.Lane]string{
	handoff.LanePatchNow: "Patch now", handoff.LanePlannedWindow: "patch in window", handoff.LaneMitigateFirst: "Mitigation-first",
	handoff.LaneMonitor: "monitor", handoff.LaneException: "exception review", handoff.LaneNeedsReview: "validate affected status",
}

// description writes the handoff as the copy template's single
// "Label: value" lines under its title, the owner named as the assignee.
func description(v values, owner string) string {
	var b strings.Builder
	b.WriteString("Patch owner handoff - " + v[handoff.FieldAdvisory] + "\n")
	line := func(label, val string) { b.WriteString(label + ": " + val + "\n") }
	if l, ok := v[handoff.FieldLane]; ok {
		line("Action lane", l)
	}
	line("Owner", owner)
	for _, id := range templateOrder {
		if val, ok := v[id]; ok {
			label, ok := templateLabels[id]
			if !ok {
				label, _, _ = strings.Cut(handoff.FieldLabel(id), "(")
			}
			line(strings.TrimSpace(label), val)
		}
	}
	return b.String()
}

// templateLabels are the labels people write where the default label is a
// whole question (or, for the window, a template section of its own).
var templateLabels = map[handoff.FieldID]string{
	handoff.FieldWindow: "Maintenance window", handoff.FieldUnblock: "What unblocks it",
	handoff.FieldReviewDate: "Review date", handoff.FieldExceptionExpiry: "Exception expiry",
	handoff.FieldScanEvidence: "Scan evidence", handoff.FieldValidatedAt: "Validated at",
	handoff.FieldRemainingExposure: "Remaining exposure",
}

var templateOrder = []handoff.FieldID{
	handoff.FieldVendor, handoff.FieldProduct, handoff.FieldAffectedVersions, handoff.FieldAssetGroup,
	handoff.FieldUrgencyDriver, handoff.FieldFixedVersion, handoff.FieldPatchLink, handoff.FieldDeadline,
	handoff.FieldWindow, handoff.FieldTestPlan, handoff.FieldRollback, handoff.FieldTemporaryControl,
	handoff.FieldSOCMonitoring, handoff.FieldExceptionApproval, handoff.FieldExceptionExpiry,
	handoff.FieldCompensatingControls, handoff.FieldResidualRisk, handoff.FieldVendorAsk, handoff.FieldReviewDate,
	handoff.FieldReviewTrigger, handoff.FieldBlocker, handoff.FieldBlockerRisk, handoff.FieldUnblock,
	handoff.FieldClosureExpected, handoff.FieldPatchedVersion, handoff.FieldDeploymentRecord, handoff.FieldAssetList,
	handoff.FieldScanEvidence, handoff.FieldValidatedAt, handoff.FieldOwnerValidation, handoff.FieldRemainingExposure,
	handoff.FieldClosureExceptions,
}

// jiraValue is the JSON value Jira sends for a field of a shape.
func jiraValue(shape jiratest.Shape, v string, owner jiratest.User) any {
	switch shape {
	case jiratest.ShapeUser:
		return map[string]any{"accountId": owner.AccountID, "displayName": owner.DisplayName, "emailAddress": owner.Email, "active": true}
	case jiratest.ShapeSelect, jiratest.ShapeRadio:
		return jiratest.Option(v)
	case jiratest.ShapeCheckboxes:
		parts := strings.Split(v, ",")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		return jiratest.MultiOption(parts...)
	case jiratest.ShapeNumber:
		return 0.42
	}
	return v
}
