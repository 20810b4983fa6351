package config

import (
	"slices"
	"strconv"
	"strings"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/texts"
)

// The checks of names the core defines: lanes, handoff fields, policy
// overrides and wording keys.

// policyLanes are the keys routing and overrides may name: the lanes, the
// blocked state and the closure check; overrides also take "*" for every
// lane.
func policyLanes(all bool) []string {
	out := make([]string, 0, len(handoff.Lanes())+3)
	for _, l := range handoff.Lanes() {
		out = append(out, string(l))
	}
	out = append(out, "blocked", "closure")
	if all {
		out = append(out, "*")
	}
	return out
}

func (v *validator) lane(path, lane string, all bool) bool {
	lanes := policyLanes(all)
	if slices.Contains(lanes, lane) {
		return true
	}
	v.errorf(path, "unknown lane %s%s; lanes are %s", quote(lane), didYouMean(lane, lanes), strings.Join(lanes, ", "))
	return false
}

// knownFields lists every handoff field id: the core's registry and the
// constants of its model, so the check holds while the registry grows.
func knownFields() []string {
	ids := []handoff.FieldID{
		handoff.FieldAdvisory, handoff.FieldVendor, handoff.FieldProduct, handoff.FieldComponent,
		handoff.FieldAffectedVersions, handoff.FieldAssetGroup, handoff.FieldOwner,
		handoff.FieldBusinessService, handoff.FieldExcludedSystems, handoff.FieldUrgencyDriver,
		handoff.FieldKEV, handoff.FieldExploitation, handoff.FieldEPSS, handoff.FieldExposure,
		handoff.FieldCriticality, handoff.FieldSourceConfidence, handoff.FieldLane,
		handoff.FieldFixedVersion, handoff.FieldPatchLink, handoff.FieldWorkaround,
		handoff.FieldConfigChange, handoff.FieldReboot, handoff.FieldSupersedence,
		handoff.FieldKnownIssues, handoff.FieldDeadline, handoff.FieldWindow, handoff.FieldTestPlan,
		handoff.FieldRollback, handoff.FieldDependencies, handoff.FieldApproval,
		handoff.FieldCommunication, handoff.FieldChangeTicket, handoff.FieldTemporaryControl,
		handoff.FieldSOCMonitoring, handoff.FieldExceptionOwner, handoff.FieldExceptionApproval,
		handoff.FieldExceptionExpiry, handoff.FieldCompensatingControls, handoff.FieldResidualRisk,
		handoff.FieldVendorAsk, handoff.FieldReviewDate, handoff.FieldReviewTrigger,
		handoff.FieldBlocker, handoff.FieldBlockerRisk, handoff.FieldUnblock,
		handoff.FieldClosureExpected, handoff.FieldPatchedVersion, handoff.FieldDeploymentRecord,
		handoff.FieldAssetList, handoff.FieldScanEvidence, handoff.FieldValidatedAt,
		handoff.FieldOwnerValidation, handoff.FieldClosureExceptions, handoff.FieldRemainingExposure,
	}
	for _, f := range handoff.Fields() {
		ids = append(ids, f.ID)
	}
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !slices.Contains(out, string(id)) {
			out = append(out, string(id))
		}
	}
	return out
}

func (v *validator) field(path string, id handoff.FieldID) bool {
	known := knownFields()
	if slices.Contains(known, string(id)) {
		return true
	}
	v.errorf(path, "unknown handoff field %s%s", quote(string(id)), didYouMean(string(id), known))
	return false
}

// policy checks one set of overrides, then hands each lane's override to
// the core so its own rules report at the lane's key.
func (v *validator) policy(path string, p Policy) {
	for _, lane := range sortedKeys(p.Lanes) {
		lpath := sub(path, "lanes", lane)
		o := p.Lanes[lane]
		ok := v.lane(lpath, lane, true)
		for i, id := range o.Require {
			ok = v.field(sub(lpath, "require", i), id) && ok
			if slices.Contains(o.Drop, id) {
				ok = false
				v.errorf(sub(lpath, "require", i), "%s is both required and dropped", quote(string(id)))
			}
		}
		for i, id := range o.Drop {
			ok = v.field(sub(lpath, "drop", i), id) && ok
		}
		for _, id := range sortedKeys(o.Prompts) {
			ppath := sub(lpath, "prompts", string(id))
			ok = v.field(ppath, id) && ok
			if strings.TrimSpace(o.Prompts[id]) == "" {
				ok = false
				v.errorf(ppath, "empty prompt: remove the key to keep the default")
			}
		}
		if ok {
			if _, err := handoff.DefaultPolicy().Apply([]handoff.Override{o.override(lane)}); err != nil {
				v.errorf(lpath, "%v", err)
			}
		}
	}
}

func (v *validator) wording() {
	defaults := texts.DefaultWording()
	known := sortedKeys(defaults)
	for _, k := range sortedKeys(v.c.Wording) {
		path := Path("wording", k)
		if len(known) > 0 && !slices.Contains(known, k) {
			v.errorf(path, "unknown wording key %s%s", quote(k), didYouMean(k, known))
			continue
		}
		if _, err := defaults.Merge(map[string]string{k: v.c.Wording[k]}); err != nil {
			// The path already names the key.
			v.errorf(path, "%s", strings.TrimPrefix(err.Error(), "wording "+strconv.Quote(k)+": "))
		}
	}
}
