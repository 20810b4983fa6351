package handoff

import "strings"

// FieldSpec describes one handoff field: its group, how it is asked for and
// why it matters to the patch owner. Labels and reasons come from the seeds.
type FieldSpec struct {
	ID    FieldID
	Group Group
	// Label is how the field is asked for by default, in the seeds' words.
	Label string
	// Why says why the field matters to the patch owner.
	Why string
}

// fieldSpecs is the registry, in the order the seeds name the fields. It is
// read-only: Fields returns a copy.
var fieldSpecs = [...]FieldSpec{
	// Scope (seed 003, "Minimum Fields": Scope).
	{FieldAdvisory, GroupScope, "CVE or advisory ID", "the owner must know which vulnerability record the work closes"},
	{FieldVendor, GroupScope, "Vendor", "the vendor says where the fix and its guidance come from"},
	{FieldProduct, GroupScope, "Affected product", "the owner cannot patch what is not named"},
	{FieldComponent, GroupScope, "Component", "the vulnerable component decides which package or feature to change"},
	{FieldAffectedVersions, GroupScope, "Affected versions", "without the affected version range the owner cannot tell whether their build is exposed"},
	{FieldAssetGroup, GroupScope, "Asset group", "the owner needs to know which assets to patch"},
	{FieldOwner, GroupScope, "Owner", "someone has to own the change and answer for it"},
	{FieldBusinessService, GroupScope, "Business service", "the business service sets the change window and who must be told"},
	{FieldExcludedSystems, GroupScope, "Excluded systems", "excluded systems must be named so nobody assumes they were patched"},

	// Urgency.
	{FieldUrgencyDriver, GroupUrgency, "Urgency driver (KEV, exploitation, exposure, EPSS, business criticality, deadline)", "the urgency driver is why this patch jumps the queue, or why it can wait"},
	{FieldKEV, GroupUrgency, "KEV listing", "a KEV listing means known exploitation and usually a deadline"},
	{FieldExploitation, GroupUrgency, "Exploitation", "exploitation in the wild decides between patch now and a planned window"},
	{FieldEPSS, GroupUrgency, "EPSS", "EPSS estimates how likely exploitation is soon"},
	{FieldExposure, GroupUrgency, "Exposure", "internet or edge exposure raises the urgency"},
	{FieldCriticality, GroupUrgency, "Business criticality", "business criticality weighs the patch against the risk of change"},
	{FieldSourceConfidence, GroupUrgency, "Source confidence", "source confidence says how far the evidence can be trusted"},
	{FieldLane, GroupUrgency, "Action lane (patch now / planned window / mitigate first / monitor / exception / needs review)", "the lane decides what the owner is asked to do and by when"},

	// Fix path.
	{FieldFixedVersion, GroupFixPath, "Fixed version", "the owner needs the version that removes the vulnerability"},
	{FieldPatchLink, GroupFixPath, "Patch link", "the patch link saves the owner from hunting for the right fix"},
	{FieldWorkaround, GroupFixPath, "Workaround", "a workaround reduces risk while the patch waits"},
	{FieldConfigChange, GroupFixPath, "Configuration change", "some fixes are a configuration change, not a package"},
	{FieldReboot, GroupFixPath, "Reboot requirement", "a reboot changes the window and who must be told"},
	{FieldSupersedence, GroupFixPath, "Supersedence note", "a superseded patch may already be installed, or may no longer be enough"},
	{FieldKnownIssues, GroupFixPath, "Known issue caveat", "known issues with the patch change the test plan"},

	// Change safety.
	{FieldDeadline, GroupChange, "Deadline", "without a deadline nobody can tell whether the patch is late"},
	{FieldWindow, GroupChange, "Deadline or window", "the owner needs the window the change goes into"},
	{FieldTestPlan, GroupChange, "Testing scope", "the owner must know what to test before and after the patch"},
	{FieldRollback, GroupChange, "Rollback plan", "a change without a rollback path is a change nobody can undo safely"},
	{FieldDependencies, GroupChange, "Dependency risk", "dependencies can break when the patch lands"},
	{FieldApproval, GroupChange, "Service owner approval", "the service owner must approve the change"},
	{FieldCommunication, GroupChange, "Communication needs", "users and support must hear about downtime before it happens"},
	{FieldChangeTicket, GroupChange, "Change ticket", "the change ticket ties the patch to the change record"},

	// Fallback.
	{FieldTemporaryControl, GroupFallback, "Temporary control", "a temporary control limits the risk while patching cannot move"},
	{FieldSOCMonitoring, GroupFallback, "SOC monitoring", "the SOC must watch for exploitation while the gap is open"},
	{FieldExceptionOwner, GroupFallback, "Exception owner", "an exception needs someone who owns the accepted risk"},
	{FieldExceptionApproval, GroupFallback, "Exception approval", "an exception without recorded approval is not accepted risk"},
	{FieldExceptionExpiry, GroupFallback, "Expiration", "an exception must end, or be reviewed, on a known date"},
	{FieldCompensatingControls, GroupFallback, "Compensating controls", "compensating controls are what makes the accepted risk acceptable"},
	{FieldResidualRisk, GroupFallback, "Residual risk", "the residual risk is what stays open and who carries it"},
	{FieldVendorAsk, GroupFallback, "Vendor ask", "someone has to track the vendor until a fixed version exists"},
	{FieldReviewDate, GroupFallback, "Next review date", "a review date is when this item is looked at again; without one it is forgotten"},
	{FieldReviewTrigger, GroupFallback, "Review trigger (KEV, PoC, exposure or vendor guidance changes)", "a review trigger says what event brings this item back before its window"},
	{FieldBlocker, GroupFallback, "Blocker", "nobody can unblock a change whose blocker is not stated"},
	{FieldBlockerRisk, GroupFallback, "Risk while blocked", "the risk while blocked decides how hard to push"},
	{FieldUnblock, GroupFallback, "What approval or test result is needed to unblock patching", "the owner needs to know what unblocks the change"},

	// Closure proof.
	{FieldClosureExpected, GroupClosure, "Closure evidence needed", "the owner must know what proof closes the item, not just that a patch was attempted"},
	{FieldPatchedVersion, GroupClosure, "Patched version", "the patched version proves the fix is installed"},
	{FieldDeploymentRecord, GroupClosure, "Deployment record", "the deployment record shows when and where the patch went out"},
	{FieldAssetList, GroupClosure, "Asset list", "the asset list shows which systems were patched"},
	{FieldScanEvidence, GroupClosure, "Scan or inventory confirmation", "a scan or inventory confirms the fix independently of the owner's word"},
	{FieldValidatedAt, GroupClosure, "Validation timestamp", "evidence without a timestamp cannot be checked against the deadline"},
	{FieldOwnerValidation, GroupClosure, "Owner validation", "the owner's validation confirms the service works after the patch"},
	{FieldClosureExceptions, GroupClosure, "Exceptions", "systems left out must be recorded as exceptions"},
	{FieldRemainingExposure, GroupClosure, "Remaining exposed or deferred systems", "remaining exposed or deferred systems keep the risk open"},
}

// fieldIndex maps a FieldID to its position in fieldSpecs.
func fieldIndex(id FieldID) int {
	for i := range fieldSpecs {
		if fieldSpecs[i].ID == id {
			return i
		}
	}
	return -1
}

// Fields lists every handoff field in the order the seeds name them. The
// slice is a copy; callers may change it.
func Fields() []FieldSpec {
	out := make([]FieldSpec, len(fieldSpecs))
	copy(out, fieldSpecs[:])
	return out
}

// Field returns the spec of a field, and false for an unknown id.
func Field(id FieldID) (FieldSpec, bool) {
	if i := fieldIndex(id); i >= 0 {
		return fieldSpecs[i], true
	}
	return FieldSpec{}, false
}

// FieldLabel is how a field is asked for by default; an unknown id is
// returned as is.
func FieldLabel(id FieldID) string {
	if i := fieldIndex(id); i >= 0 {
		return fieldSpecs[i].Label
	}
	return string(id)
}

// KnownField reports whether id names a handoff field.
func KnownField(id FieldID) bool { return fieldIndex(id) >= 0 }

// ParseFieldID reads a field name as config writes it: the id itself
// ("fixed_version"), in any case, with spaces or hyphens for underscores, or
// the default label ("Fixed version").
func ParseFieldID(s string) (FieldID, bool) {
	n := strings.ToLower(strings.TrimSpace(s))
	n = strings.NewReplacer(" ", "_", "-", "_").Replace(n)
	if KnownField(FieldID(n)) {
		return FieldID(n), true
	}
	for i := range fieldSpecs {
		if strings.EqualFold(fieldSpecs[i].Label, strings.TrimSpace(s)) {
			return fieldSpecs[i].ID, true
		}
	}
	return "", false
}

// alternatives lists, for a composite requirement, the fields any one of
// which satisfies it. The seeds write these with "or" or "/": the urgency
// driver is any of KEV, exploitation, EPSS, exposure or criticality; the
// window is a window or a deadline; "asset group/product"; a monitor item's
// "review trigger / review date".
func alternatives(id FieldID) []FieldID {
	switch id {
	case FieldUrgencyDriver:
		return []FieldID{FieldUrgencyDriver, FieldKEV, FieldExploitation, FieldEPSS, FieldExposure, FieldCriticality}
	case FieldWindow:
		return []FieldID{FieldWindow, FieldDeadline}
	case FieldAssetGroup:
		return []FieldID{FieldAssetGroup, FieldProduct}
	case FieldProduct:
		return []FieldID{FieldProduct, FieldAssetGroup}
	case FieldReviewTrigger:
		return []FieldID{FieldReviewTrigger, FieldReviewDate}
	case FieldExceptionOwner:
		return []FieldID{FieldExceptionOwner, FieldOwner}
	}
	return nil
}

// Satisfied reports whether the handoff meets a requirement for id: the
// field, or one of its alternatives, holds a real value (a date must parse).
func (h *Handoff) Satisfied(id FieldID) bool {
	alts := alternatives(id)
	if alts == nil {
		return h.Has(id)
	}
	for _, a := range alts {
		if h.Has(a) {
			return true
		}
	}
	return false
}

// Has reports whether one field holds a real value.
func (h *Handoff) Has(id FieldID) bool {
	if d := h.DatePtr(id); d != nil {
		return d.Valid()
	}
	if p := h.PersonPtr(id); p != nil {
		return p.Present() || !p.User.IsZero()
	}
	if v := h.ValuePtr(id); v != nil {
		return v.Present()
	}
	return false
}

// Value returns a field's value by id; the zero Value for an unknown id.
// Date and person fields return their embedded Value.
func (h *Handoff) Value(id FieldID) Value {
	if v := h.ValuePtr(id); v != nil {
		return *v
	}
	return Value{}
}

// SetValue replaces a field's value by id and reports whether the id is
// known. For a date field it sets the text only and clears the parse
// result; Read parses dates after every value is in place.
func (h *Handoff) SetValue(id FieldID, v Value) bool {
	if d := h.DatePtr(id); d != nil {
		*d = Date{Value: v}
		return true
	}
	p := h.ValuePtr(id)
	if p == nil {
		return false
	}
	*p = v
	return true
}

// DateField returns a date field by id, and false when id is not a date.
func (h *Handoff) DateField(id FieldID) (Date, bool) {
	if d := h.DatePtr(id); d != nil {
		return *d, true
	}
	return Date{}, false
}

// PersonField returns a person field by id, and false when id is not one.
func (h *Handoff) PersonField(id FieldID) (Person, bool) {
	if p := h.PersonPtr(id); p != nil {
		return *p, true
	}
	return Person{}, false
}

// DatePtr returns a pointer to a date field, or nil.
func (h *Handoff) DatePtr(id FieldID) *Date {
	switch id {
	case FieldDeadline:
		return &h.Change.Deadline
	case FieldExceptionExpiry:
		return &h.Fallback.ExceptionExpiry
	case FieldReviewDate:
		return &h.Fallback.ReviewDate
	case FieldValidatedAt:
		return &h.Closure.ValidatedAt
	}
	return nil
}

// PersonPtr returns a pointer to a person field, or nil.
func (h *Handoff) PersonPtr(id FieldID) *Person {
	switch id {
	case FieldOwner:
		return &h.Scope.Owner
	case FieldExceptionOwner:
		return &h.Fallback.ExceptionOwner
	}
	return nil
}

// ValuePtr returns a pointer to the Value of any field, or nil for an unknown
// id.
func (h *Handoff) ValuePtr(id FieldID) *Value {
	switch id {
	case FieldAdvisory:
		return &h.Scope.Advisory
	case FieldVendor:
		return &h.Scope.Vendor
	case FieldProduct:
		return &h.Scope.Product
	case FieldComponent:
		return &h.Scope.Component
	case FieldAffectedVersions:
		return &h.Scope.AffectedVersions
	case FieldAssetGroup:
		return &h.Scope.AssetGroup
	case FieldOwner:
		return &h.Scope.Owner.Value
	case FieldBusinessService:
		return &h.Scope.BusinessService
	case FieldExcludedSystems:
		return &h.Scope.ExcludedSystems
	case FieldUrgencyDriver:
		return &h.Urgency.Driver
	case FieldKEV:
		return &h.Urgency.KEV
	case FieldExploitation:
		return &h.Urgency.Exploitation
	case FieldEPSS:
		return &h.Urgency.EPSS
	case FieldExposure:
		return &h.Urgency.Exposure
	case FieldCriticality:
		return &h.Urgency.Criticality
	case FieldSourceConfidence:
		return &h.Urgency.SourceConfidence
	case FieldLane:
		return &h.LaneText
	case FieldFixedVersion:
		return &h.Fix.FixedVersion
	case FieldPatchLink:
		return &h.Fix.PatchLink
	case FieldWorkaround:
		return &h.Fix.Workaround
	case FieldConfigChange:
		return &h.Fix.ConfigChange
	case FieldReboot:
		return &h.Fix.Reboot
	case FieldSupersedence:
		return &h.Fix.Supersedence
	case FieldKnownIssues:
		return &h.Fix.KnownIssues
	case FieldDeadline:
		return &h.Change.Deadline.Value
	case FieldWindow:
		return &h.Change.Window
	case FieldTestPlan:
		return &h.Change.TestPlan
	case FieldRollback:
		return &h.Change.Rollback
	case FieldDependencies:
		return &h.Change.Dependencies
	case FieldApproval:
		return &h.Change.Approval
	case FieldCommunication:
		return &h.Change.Communication
	case FieldChangeTicket:
		return &h.Change.ChangeTicket
	case FieldTemporaryControl:
		return &h.Fallback.TemporaryControl
	case FieldSOCMonitoring:
		return &h.Fallback.SOCMonitoring
	case FieldExceptionOwner:
		return &h.Fallback.ExceptionOwner.Value
	case FieldExceptionApproval:
		return &h.Fallback.ExceptionApproval
	case FieldExceptionExpiry:
		return &h.Fallback.ExceptionExpiry.Value
	case FieldCompensatingControls:
		return &h.Fallback.CompensatingControls
	case FieldResidualRisk:
		return &h.Fallback.ResidualRisk
	case FieldVendorAsk:
		return &h.Fallback.VendorAsk
	case FieldReviewDate:
		return &h.Fallback.ReviewDate.Value
	case FieldReviewTrigger:
		return &h.Fallback.ReviewTrigger
	case FieldBlocker:
		return &h.Fallback.Blocker
	case FieldBlockerRisk:
		return &h.Fallback.BlockerRisk
	case FieldUnblock:
		return &h.Fallback.Unblock
	case FieldClosureExpected:
		return &h.Closure.Expected
	case FieldPatchedVersion:
		return &h.Closure.PatchedVersion
	case FieldDeploymentRecord:
		return &h.Closure.DeploymentRecord
	case FieldAssetList:
		return &h.Closure.AssetList
	case FieldScanEvidence:
		return &h.Closure.ScanEvidence
	case FieldValidatedAt:
		return &h.Closure.ValidatedAt.Value
	case FieldOwnerValidation:
		return &h.Closure.OwnerValidation
	case FieldClosureExceptions:
		return &h.Closure.Exceptions
	case FieldRemainingExposure:
		return &h.Closure.RemainingExposure
	}
	return nil
}
