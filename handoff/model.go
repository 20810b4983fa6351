// Package handoff is patchbot's pure core: the handoff a patch owner needs
// (the fields, grouped as the seeds group them), the policy for each action
// lane, the evaluation of a handoff against it, and what is due or overdue
// at a given instant. Reading a ticket into a handoff is package intake;
// the texts the bot sends are package texts, built as richtext documents
// and rendered by the packages under render.
//
// The package owns the domain and nothing else. It must not touch the
// network, a database, the wall clock (time and location are passed in),
// global state or a logger. Everything here takes values and returns values.
package handoff

import "time"

// Lane is a ticket's action lane (seed 000, step 3).
type Lane string

// The action lanes. LaneUnknown marks a ticket whose lane could not be
// recognised; it is checked as needs review and gets a finding of its own.
const (
	LaneUnknown       Lane = ""
	LanePatchNow      Lane = "patch_now"
	LanePlannedWindow Lane = "planned_window"
	LaneMitigateFirst Lane = "mitigate_first"
	LaneMonitor       Lane = "monitor"
	LaneException     Lane = "exception"
	LaneNeedsReview   Lane = "needs_review"
)

// Lanes lists every known lane in the order the seeds name them (a fresh
// slice each call: the core keeps no mutable state).
func Lanes() []Lane {
	return []Lane{LanePatchNow, LanePlannedWindow, LaneMitigateFirst, LaneMonitor, LaneException, LaneNeedsReview}
}

// Group is one of the seed's minimum-field groups (seed 003).
type Group string

// The field groups.
const (
	GroupScope    Group = "scope"
	GroupUrgency  Group = "urgency"
	GroupFixPath  Group = "fix_path"
	GroupChange   Group = "change_safety"
	GroupFallback Group = "fallback"
	GroupClosure  Group = "closure_proof"
)

// FieldID names one handoff field. The same names are used by the policy,
// the config's field mapping and the findings.
type FieldID string

// The handoff fields, group by group.
const (
	// Scope.
	FieldAdvisory         FieldID = "advisory"
	FieldVendor           FieldID = "vendor"
	FieldProduct          FieldID = "product"
	FieldComponent        FieldID = "component"
	FieldAffectedVersions FieldID = "affected_versions"
	FieldAssetGroup       FieldID = "asset_group"
	FieldOwner            FieldID = "owner"
	FieldBusinessService  FieldID = "business_service"
	FieldExcludedSystems  FieldID = "excluded_systems"

	// Urgency. FieldUrgencyDriver is satisfied by any of the urgency fields.
	FieldUrgencyDriver    FieldID = "urgency_driver"
	FieldKEV              FieldID = "kev"
	FieldExploitation     FieldID = "exploitation"
	FieldEPSS             FieldID = "epss"
	FieldExposure         FieldID = "exposure"
	FieldCriticality      FieldID = "criticality"
	FieldSourceConfidence FieldID = "source_confidence"

	// The action lane itself.
	FieldLane FieldID = "lane"

	// Fix path.
	FieldFixedVersion FieldID = "fixed_version"
	FieldPatchLink    FieldID = "patch_link"
	FieldWorkaround   FieldID = "workaround"
	FieldConfigChange FieldID = "config_change"
	FieldReboot       FieldID = "reboot"
	FieldSupersedence FieldID = "supersedence"
	FieldKnownIssues  FieldID = "known_issues"

	// Change safety.
	FieldDeadline      FieldID = "deadline"
	FieldWindow        FieldID = "window"
	FieldTestPlan      FieldID = "test_plan"
	FieldRollback      FieldID = "rollback"
	FieldDependencies  FieldID = "dependencies"
	FieldApproval      FieldID = "approval"
	FieldCommunication FieldID = "communication"
	FieldChangeTicket  FieldID = "change_ticket"

	// Fallback.
	FieldTemporaryControl     FieldID = "temporary_control"
	FieldSOCMonitoring        FieldID = "soc_monitoring"
	FieldExceptionOwner       FieldID = "exception_owner"
	FieldExceptionApproval    FieldID = "exception_approval"
	FieldExceptionExpiry      FieldID = "exception_expiry"
	FieldCompensatingControls FieldID = "compensating_controls"
	FieldResidualRisk         FieldID = "residual_risk"
	FieldVendorAsk            FieldID = "vendor_ask"
	FieldReviewDate           FieldID = "review_date"
	FieldReviewTrigger        FieldID = "review_trigger"
	FieldBlocker              FieldID = "blocker"
	FieldBlockerRisk          FieldID = "blocker_risk"
	FieldUnblock              FieldID = "unblock"

	// Closure proof: what is expected, and what was provided.
	FieldClosureExpected   FieldID = "closure_expected"
	FieldPatchedVersion    FieldID = "patched_version"
	FieldDeploymentRecord  FieldID = "deployment_record"
	FieldAssetList         FieldID = "asset_list"
	FieldScanEvidence      FieldID = "scan_evidence"
	FieldValidatedAt       FieldID = "validated_at"
	FieldOwnerValidation   FieldID = "owner_validation"
	FieldClosureExceptions FieldID = "closure_exceptions"
	FieldRemainingExposure FieldID = "remaining_exposure"
)

// Source says where a field's value was read from.
type Source uint8

// The sources of a value. A mapped Jira field wins over the description.
const (
	SourceNone Source = iota
	SourceDescription
	SourceField
)

// Value is one handoff field as read from a ticket.
type Value struct {
	// Text is the value as text, trimmed; list values are joined with ", ".
	Text string
	// Items holds list values (versions, assets, components); nil for scalars.
	Items []string
	// From says where the value came from.
	From Source
	// Unfilled is set when a template placeholder such as "[fixed version]"
	// was left in place; the value then counts as missing.
	Unfilled bool
}

// Present reports whether the field holds a real value.
func (v Value) Present() bool { return v.Text != "" && !v.Unfilled }

// Date is a date-valued field: a review date, a deadline, an expiry.
// The raw text is kept in Value.Text so a finding can quote it.
type Date struct {
	Value
	// At is the parsed instant. For a date without a time of day it is
	// midnight UTC of that calendar day and DateOnly is set; such a date is
	// interpreted as a calendar day in the evaluation's location.
	At       time.Time
	DateOnly bool
	// Err says why Text did not parse; empty when it parsed or is absent.
	Err string
}

// Valid reports whether the date is present and parsed.
func (d Date) Valid() bool { return d.Present() && d.Err == "" && !d.At.IsZero() }

// User is a Jira user as the connector decoded it. Cloud sites give an
// AccountID and often hide Email; Data Center gives Name and Key.
type User struct {
	AccountID   string
	Name        string
	Key         string
	Email       string
	DisplayName string
}

// IsZero reports whether u identifies nobody.
func (u User) IsZero() bool {
	return u.AccountID == "" && u.Name == "" && u.Key == "" && u.Email == "" && u.DisplayName == ""
}

// Person is a field naming a person or team: a Jira user where the site
// gave one, otherwise free text (a team name, an email) in Value.Text.
type Person struct {
	Value
	User User
}

// StatusCategory is Jira's coarse status: to do, in progress, done.
type StatusCategory string

// Jira's status category keys.
const (
	StatusNew           StatusCategory = "new"
	StatusIndeterminate StatusCategory = "indeterminate"
	StatusDone          StatusCategory = "done"
)

// Ticket is the Jira-side identity and state of a handoff.
type Ticket struct {
	Key            string
	Project        string // the config project this ticket was read under
	URL            string // browse link
	Summary        string
	Status         string
	StatusCategory StatusCategory
	Resolution     string
	Assignee       User
	Reporter       User
	Labels         []string
	Created        time.Time
	Updated        time.Time
	Resolved       time.Time // zero while unresolved
}

// Done reports whether the ticket is resolved or in a done status.
func (t Ticket) Done() bool { return t.StatusCategory == StatusDone || !t.Resolved.IsZero() }

// FieldValue is a mapped Jira field, already decoded by the connector.
// Dates and datetimes arrive as Text, exactly as Jira sent them, and are
// parsed by the core (ParseDate) so every date goes through one parser.
type FieldValue struct {
	Text  string
	Items []string
	Users []User
}

// Input is everything the core needs from one ticket.
type Input struct {
	Ticket Ticket
	// Fields holds the mapped fields that had a value on the ticket.
	Fields map[FieldID]FieldValue
	// Description is the ticket description as text (wiki markup on v2).
	Description string
}

// Handoff is a patch ticket read into the seed's minimum fields.
type Handoff struct {
	Ticket Ticket

	// Lane is the normalised action lane; LaneText is how the ticket said it.
	Lane     Lane
	LaneText Value
	// Blocked is the blocked state (seed 003, "Blocked change"): set by a
	// blocker field, a "blocked" label or a status named blocked.
	Blocked bool

	Scope    Scope
	Urgency  Urgency
	Fix      FixPath
	Change   ChangePlan
	Fallback Fallback
	Closure  Closure

	// OwnerReach is whether the owner can be reached where the bot
	// messages them. The ticket does not say it: intake leaves it
	// unchecked, and the engine sets it, from Slack, before evaluating.
	OwnerReach Reach
	// Intel is what the public feeds (KEV, EPSS) said about the CVE ids
	// the ticket names. The ticket does not say it either: the engine
	// sets it, from the feeds, before evaluating (see intel.go).
	Intel Intel
}

// Reach is what the engine found out about reaching the handoff's owner
// (in Slack). Unchecked, the evaluation does not judge it; checked and
// not reachable, an owner the ticket names is a finding of its own.
type Reach struct {
	// Checked says the engine looked the owner up.
	Checked bool
	// Reachable says it found them (meaningful only when Checked).
	Reachable bool
}

// Scope is who and what is affected.
type Scope struct {
	Advisory, Vendor, Product, Component, AffectedVersions, AssetGroup Value
	Owner                                                              Person
	BusinessService, ExcludedSystems                                   Value
}

// Urgency is why this matters now.
type Urgency struct {
	Driver, KEV, Exploitation, EPSS, Exposure, Criticality, SourceConfidence Value
}

// FixPath is how the vulnerability goes away.
type FixPath struct {
	FixedVersion, PatchLink, Workaround, ConfigChange, Reboot, Supersedence, KnownIssues Value
}

// ChangePlan is how the change is made safely.
type ChangePlan struct {
	Deadline                                                                        Date
	Window, TestPlan, Rollback, Dependencies, Approval, Communication, ChangeTicket Value
}

// Fallback is what happens when patching cannot move.
type Fallback struct {
	TemporaryControl, SOCMonitoring Value
	ExceptionOwner                  Person
	ExceptionApproval               Value
	ExceptionExpiry                 Date
	CompensatingControls            Value
	ResidualRisk, VendorAsk         Value
	ReviewDate                      Date
	ReviewTrigger                   Value
	Blocker, BlockerRisk, Unblock   Value
}

// Closure is the proof that closes the ticket: what is expected, and what
// was provided.
type Closure struct {
	Expected                                                  Value
	PatchedVersion, DeploymentRecord, AssetList, ScanEvidence Value
	ValidatedAt                                               Date
	OwnerValidation, Exceptions, RemainingExposure            Value
}
