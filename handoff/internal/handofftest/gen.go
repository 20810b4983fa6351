package handofftest

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/patchbot/patchbot/handoff"
)

// benchPool is how many distinct descriptions and field maps the
// benchmark draws from; tickets share them the way real tickets share a
// template, which keeps the input itself small next to what is measured.
const benchPool = 4096

// Inputs builds n mixed tickets: every lane, template descriptions in
// several paste styles and mapped fields, about 30% incomplete, some
// blocked, some resolved.
func Inputs(n int, seed uint64) []handoff.Input {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	descs := make([]string, benchPool)
	maps := make([]map[handoff.FieldID]handoff.FieldValue, benchPool)
	for i := range descs {
		lane := handoff.Lanes()[r.IntN(len(handoff.Lanes()))]
		incomplete := r.IntN(10) < 3
		descs[i] = Description(r, lane, incomplete)
		maps[i] = genFields(r, lane, incomplete)
	}
	base := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	out := make([]handoff.Input, n)
	for i := range out {
		k := r.IntN(benchPool)
		in := handoff.Input{Ticket: handoff.Ticket{
			Key:            fmt.Sprintf("SEC-%d", i+1),
			Summary:        "Patch CVE-2026-" + fmt.Sprint(1000+k),
			Status:         "In Progress",
			StatusCategory: handoff.StatusIndeterminate,
			Created:        base.Add(time.Duration(r.IntN(60*24)) * time.Hour),
		}}
		switch m := r.IntN(10); {
		case m < 5:
			in.Description = descs[k]
		case m < 8:
			in.Fields = maps[k]
		default:
			in.Description, in.Fields = descs[k], maps[(k+1)%benchPool]
		}
		if r.IntN(10) == 0 {
			in.Ticket.Labels = []string{"blocked"}
		}
		if r.IntN(8) == 0 {
			in.Ticket.StatusCategory, in.Ticket.Resolved = handoff.StatusDone, in.Ticket.Created.Add(72*time.Hour)
		}
		if r.IntN(4) == 0 {
			in.Ticket.Assignee = handoff.User{AccountID: "acc-" + fmt.Sprint(k), DisplayName: "Owner " + fmt.Sprint(k)}
		}
		out[i] = in
	}
	return out
}

func genDate(r *rand.Rand) string {
	d := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(90))
	switch r.IntN(4) {
	case 0:
		return d.Format("2 Jan 2006")
	case 1:
		return d.Format("2006-01-02T15:04:05.000-0700")
	case 2:
		return d.Format("2/Jan/06")
	}
	return d.Format("2006-01-02")
}

func Description(r *rand.Rand, lane handoff.Lane, incomplete bool) string {
	laneText := map[handoff.Lane]string{
		handoff.LanePatchNow: "patch now", handoff.LanePlannedWindow: "patch in window", handoff.LaneMitigateFirst: "mitigation-first",
		handoff.LaneMonitor: "monitor", handoff.LaneException: "exception review", handoff.LaneNeedsReview: "validate affected status",
	}[lane]
	fix := "upgrade to 3.0.8 https://vendor.example/adv"
	rollback := "rollback via snapshot restore"
	if incomplete {
		fix, rollback = "[fixed version/patch link/mitigation/configuration]", "TBD"
	}
	switch r.IntN(4) {
	case 0: // the seed's one-line patch plan
		return "Patch plan - CVE-2026-" + fmt.Sprint(r.IntN(9000)+1000) + " Scope: payments-web fleet, OpenSSL 3.0.0-3.0.7, owner team-payments Urgency driver: KEV listed, internet-facing Action lane: " + laneText + " Fix path: " + fix + " Change plan: Sunday window, staging test, " + rollback + ", reboot required If blocked: WAF rule, SOC monitoring, vendor case, review " + genDate(r) + " Closure proof needed: version scan and deployment record Current owner and due date: team-payments, " + genDate(r)
	case 1: // the owner handoff, multi-line wiki
		return "h2. Patch owner handoff - CVE-2026-" + fmt.Sprint(r.IntN(9000)+1000) + "\n\n*Action requested:* " + laneText + "\n*Scope:* edge-proxy-prod, nginx 1.25.0 - 1.25.3\n*Why this matters:* exposed, EPSS 0.42\n*Fix or workaround:* " + fix + "\n*Deadline or window:* " + genDate(r) + "\n*Change notes:* test in staging; " + rollback + "\n*If blocked:* restrict to VPN; review " + genDate(r) + "\n*Closure evidence needed:* Tenable rescan\n*Caveats:* vendor advisory draft\n\nResidual risk: low\nCompensating controls: mTLS\nExpiration: " + genDate(r) + "\nException approval: CISO 2026-11-02\nVendor ask: ETA\nTemporary control: WAF\nSOC monitoring: rule 4711\n"
	case 2: // markdown
		return "## Patch plan\n\n- **Scope**: api-gateway, envoy 1.28.x\n- **Urgency driver**: EPSS 0.9\n- **Action lane**: " + laneText + "\n- **Fix path**: " + fix + "\n- **Change plan**: canary test, " + rollback + "\n- **Current owner and due date**: platform-team (due " + genDate(r) + ")\n- **Review date**: " + genDate(r) + "\n"
	}
	// The unfilled seed template, pasted and forgotten.
	return strings.Replace(SeedOwnerHandoff, "[patch now/patch in window/validate affected status/mitigate/exception review]", laneText, 1)
}

func genFields(r *rand.Rand, lane handoff.Lane, incomplete bool) map[handoff.FieldID]handoff.FieldValue {
	m := map[handoff.FieldID]handoff.FieldValue{handoff.FieldLane: {Text: string(lane)}}
	for _, id := range handoff.DefaultPolicy().Require[lane] {
		if (&handoff.Handoff{}).DatePtr(id) != nil {
			m[id] = handoff.FieldValue{Text: genDate(r)}
		} else {
			m[id] = handoff.FieldValue{Text: "mapped " + string(id)}
		}
	}
	m[handoff.FieldAffectedVersions] = handoff.FieldValue{Items: []string{"3.0.0", "3.0.7"}}
	m[handoff.FieldOwner] = handoff.FieldValue{Users: []handoff.User{{AccountID: "5b10ac", DisplayName: "Jo Smith"}}}
	if incomplete {
		// In key order: the draws must not depend on map order, or the
		// same seed would give other tickets on every run.
		for _, id := range slices.Sorted(maps.Keys(m)) {
			if id != handoff.FieldLane && r.IntN(3) == 0 {
				delete(m, id)
			}
		}
	}
	return m
}
