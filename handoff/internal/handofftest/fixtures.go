package handofftest

import (
	"fmt"
	"strings"
	"time"

	"github.com/patchbot/patchbot/handoff"
)

// Fixtures for the texts, built directly as values so the goldens do not
// move when the description parser or the policy changes.

var (
	Loc = MustLoc("Europe/Berlin")
	Now = time.Date(2026, 11, 20, 9, 0, 0, 0, Loc)
)

func MustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		return time.FixedZone(name, 3600)
	}
	return l
}

func V(s string) handoff.Value { return handoff.Value{Text: s, From: handoff.SourceField} }

func Day(y int, m time.Month, d int) handoff.Date {
	return handoff.Date{Value: V(fmt.Sprintf("%04d-%02d-%02d", y, m, d)), At: time.Date(y, m, d, 0, 0, 0, 0, time.UTC), DateOnly: true}
}

var Dana = handoff.Person{Value: V("Dana Ruiz"), User: handoff.User{AccountID: "5b10ac8d82e05b22cc7d4ef5", DisplayName: "Dana Ruiz"}}
var Lee = handoff.Person{Value: V("Lee Chen"), User: handoff.User{Name: "lchen", DisplayName: "Lee Chen"}}
var Net = handoff.Person{Value: V("network-team@example.com")}

func Ticket(key, summary string) handoff.Ticket {
	return handoff.Ticket{Key: key, Project: "SEC", URL: "https://jira.example.com/browse/" + key, Summary: summary,
		Status: "In Progress", StatusCategory: handoff.StatusIndeterminate,
		Created: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC), Updated: time.Date(2026, 11, 19, 16, 30, 0, 0, time.UTC)}
}

// PatchNow is an owner-ready patch-now handoff.
func PatchNow() handoff.Handoff {
	h := handoff.Handoff{Ticket: Ticket("SEC-101", "OpenSSL buffer overflow on the edge proxies"), Lane: handoff.LanePatchNow, LaneText: V("patch now")}
	h.Scope = handoff.Scope{Advisory: V("CVE-2026-20481"), Vendor: V("OpenSSL"), Product: V("openssl"),
		AffectedVersions: V("3.0.0–3.0.15, 3.2.0–3.2.3"), AssetGroup: V("edge-proxy fleet (eu-west, 42 hosts)"),
		Owner: Dana, BusinessService: V("Customer login")}
	h.Urgency = handoff.Urgency{KEV: V("yes, added 2026-11-18"), Exposure: V("internet-facing"), Criticality: V("high")}
	h.Fix = handoff.FixPath{FixedVersion: V("3.0.16 / 3.2.4"), PatchLink: V("https://openssl-library.org/news/secadv/20261118.txt"), Reboot: V("no; service restart")}
	h.Change = handoff.ChangePlan{Deadline: Day(2026, 11, 25), TestPlan: V("canary 5% for 2h, synthetic login checks"),
		Rollback: V("redeploy the previous image (edge-proxy:2026.11.1)"), ChangeTicket: V("CHG-4411")}
	h.Closure = handoff.Closure{Expected: V("openssl version from all 42 proxies and a clean Qualys rescan")}
	return h
}

// Validation is the patch-now handoff with three things wrong.
func Validation() handoff.Evaluation {
	h := PatchNow()
	h.Fix.FixedVersion = handoff.Value{}
	h.Change.Rollback = handoff.Value{Text: "[testing/rollback/reboot/dependencies/known issues]", From: handoff.SourceDescription, Unfilled: true}
	h.Change.Deadline = handoff.Date{Value: V("2026-13-01"), Err: "month 13 out of range"}
	return handoff.Evaluation{
		Handoff: h, Lane: handoff.LanePatchNow, Situation: handoff.SituationUrgentPatch, Verdict: handoff.VerdictValidationRequest,
		Ask: "Ask: patch [asset group/product] to [fixed version] by [deadline] because [KEV/exploited/exposed/critical service]. Confirm affected versions, test result, rollback plan, deployment time, and post-patch validation evidence.",
		Findings: []handoff.Finding{
			{Kind: handoff.FindingMissing, Field: handoff.FieldFixedVersion, Group: handoff.GroupFixPath, Label: "Fixed version", Why: "the owner needs the version that removes the vulnerability"},
			{Kind: handoff.FindingUnfilled, Field: handoff.FieldRollback, Group: handoff.GroupChange, Label: "Rollback plan", Why: "a change without a rollback path is a change nobody can undo safely", Detail: "left as [testing/rollback/reboot/dependencies/known issues]"},
			{Kind: handoff.FindingInvalid, Field: handoff.FieldDeadline, Group: handoff.GroupChange, Label: "Deadline", Why: "without a deadline nobody can tell whether the patch is late", Detail: "2026-13-01 is not a date"},
		},
		Fingerprint: "f1a2b3c4",
	}
}

// NoLane is a bare ticket with no lane and no owner.
func NoLane() handoff.Evaluation {
	h := handoff.Handoff{Ticket: Ticket("SEC-140", "Check Confluence advisory")}
	h.Scope.Product = V("Confluence Data Center")
	return handoff.Evaluation{Handoff: h, Lane: handoff.LaneNeedsReview, Situation: handoff.SituationAffectedVersion, Verdict: handoff.VerdictValidationRequest,
		Findings: []handoff.Finding{
			{Kind: handoff.FindingNoLane, Field: handoff.FieldLane, Group: handoff.GroupUrgency, Label: "Action lane", Why: "the lane decides what the owner is asked to do and by when"},
			{Kind: handoff.FindingMissing, Field: handoff.FieldAffectedVersions, Group: handoff.GroupScope, Label: "Affected versions", Why: "without the affected version range the owner cannot tell whether their build is exposed"},
			{Kind: handoff.FindingMissing, Field: handoff.FieldOwner, Group: handoff.GroupScope, Label: "Owner", Why: "someone has to own the change and answer for it"},
			{Kind: handoff.FindingMissing, Field: handoff.FieldReviewDate, Group: handoff.GroupFallback, Label: "When the answer is due", Why: "a review date is when this item is looked at again; without one it is forgotten"},
		},
		Fingerprint: "0d9e8f7a"}
}

func Complete() handoff.Evaluation {
	return handoff.Evaluation{Handoff: PatchNow(), Lane: handoff.LanePatchNow, Situation: handoff.SituationUrgentPatch, Verdict: handoff.VerdictReady}
}

func Blocked() handoff.Handoff {
	h := handoff.Handoff{Ticket: Ticket("SEC-118", "Citrix ADC RCE: vendor hotfix breaks SSO"), Lane: handoff.LaneMitigateFirst, Blocked: true}
	h.Scope = handoff.Scope{Advisory: V("CVE-2026-3310"), Product: V("Citrix ADC 14.1"), Owner: Lee}
	h.Fallback = handoff.Fallback{Blocker: V("hotfix 14.1-29.72 breaks SAML SSO"), TemporaryControl: V("responder policy blocks /vpn/../"),
		SOCMonitoring: V("SOC-882 detection live"), ReviewDate: Day(2026, 11, 15)}
	return h
}

func Exception() handoff.Handoff {
	h := handoff.Handoff{Ticket: Ticket("SEC-077", "Legacy JBoss on the billing batch host"), Lane: handoff.LaneException}
	h.Scope = handoff.Scope{Product: V("JBoss EAP 6.4"), Owner: Dana}
	h.Fallback = handoff.Fallback{ExceptionExpiry: Day(2026, 11, 19), ResidualRisk: V("internal only, no inbound")}
	return h
}

func Planned() handoff.Handoff {
	h := handoff.Handoff{Ticket: Ticket("SEC-130", "Kernel update for the build runners"), Lane: handoff.LanePlannedWindow}
	h.Scope = handoff.Scope{Product: V("Linux kernel 6.8"), Owner: Net}
	h.Fallback = handoff.Fallback{ReviewDate: Day(2026, 11, 23)}
	return h
}

func Due(kind handoff.DueKind, h handoff.Handoff, field handoff.FieldID, on time.Time, days int) handoff.Due {
	return handoff.Due{Kind: kind, Key: h.Ticket.Key, Lane: h.Lane, Field: field, On: on, Days: days, Owner: h.Scope.Owner, Handoff: h}
}

func OnDay(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, Loc) }

func ReminderItems() []handoff.Due {
	return []handoff.Due{
		Due(handoff.DueExceptionExpired, Exception(), handoff.FieldExceptionExpiry, OnDay(2026, 11, 19), 1),
		Due(handoff.DueDeadlinePassed, PatchNow(), handoff.FieldDeadline, OnDay(2026, 11, 18), 2),
	}
}

func HeadsUpItems() []handoff.Due {
	return []handoff.Due{
		Due(handoff.DueSoon, Planned(), handoff.FieldReviewDate, OnDay(2026, 11, 23), 3),
		Due(handoff.DueSoon, PatchNow(), handoff.FieldDeadline, OnDay(2026, 11, 20), 0),
	}
}

func Resolved() handoff.Due {
	h := PatchNow()
	h.Ticket.Key, h.Ticket.URL = "SEC-099", "https://jira.example.com/browse/SEC-099"
	h.Ticket.Summary = "Patch Exchange for CVE-2026-1001"
	h.Ticket.StatusCategory, h.Ticket.Status, h.Ticket.Resolution = handoff.StatusDone, "Done", "Fixed"
	h.Ticket.Resolved = time.Date(2026, 11, 17, 15, 4, 0, 0, time.UTC)
	h.Closure = handoff.Closure{PatchedVersion: V("15.2.1544.14"), OwnerValidation: V("Dana: OWA works")}
	return handoff.Due{Kind: handoff.DueResolvedWithoutProof, Key: "SEC-099", Lane: handoff.LanePatchNow, On: OnDay(2026, 11, 17), Days: 3, Owner: Dana, Handoff: h}
}

func DigestItems() []handoff.Due {
	blocked := Blocked()
	return []handoff.Due{
		Due(handoff.DueExceptionExpired, Exception(), handoff.FieldExceptionExpiry, OnDay(2026, 11, 19), 1),
		Due(handoff.DueDeadlinePassed, PatchNow(), handoff.FieldDeadline, OnDay(2026, 11, 18), 2),
		Due(handoff.DueBlockedReview, blocked, handoff.FieldReviewDate, OnDay(2026, 11, 15), 5),
		Due(handoff.DueReviewPassed, Planned(), handoff.FieldReviewDate, OnDay(2026, 11, 6), 14),
		Due(handoff.DueSoon, Planned(), handoff.FieldReviewDate, OnDay(2026, 11, 23), 3), // left out: not overdue
		{Kind: handoff.DueReviewPassed, Key: "SEC-150", Lane: handoff.LaneMonitor, Field: handoff.FieldReviewDate, On: OnDay(2026, 11, 10), Days: 10,
			Handoff: handoff.Handoff{Ticket: Ticket("SEC-150", "Watch Fortinet FG-IR-26-101"), Lane: handoff.LaneMonitor}},
		Resolved(),
	}
}

// BriefsOf is the briefs of items, as the jobs keep them.
func BriefsOf(items []handoff.Due) []handoff.DueBrief {
	out := make([]handoff.DueBrief, len(items))
	for i, d := range items {
		out[i] = d.Brief()
	}
	return out
}

// ManyDigest is a digest too long for one Slack message.
func ManyDigest(n int) []handoff.Due {
	owners := []handoff.Person{Dana, Lee, Net}
	for i := 0; i < 37; i++ {
		owners = append(owners, handoff.Person{Value: V(fmt.Sprintf("team-%02d", i))})
	}
	var out []handoff.Due
	for i := 0; i < n; i++ {
		h := Planned()
		h.Ticket = Ticket(fmt.Sprintf("SEC-%d", 1000+i), fmt.Sprintf("Item %d: %s", i, strings.Repeat("long summary ", 20)))
		h.Lane = handoff.Lanes()[i%len(handoff.Lanes())]
		h.Scope.Owner = owners[i%len(owners)]
		out = append(out, Due(handoff.DueReviewPassed, h, handoff.FieldReviewDate, OnDay(2026, 10, 1+i%28), 20+i%28))
	}
	return out
}

// HostileText is what a reporter could type to make the bot ping, link or
// format: Slack and Jira mentions, markup, links, RTL overrides, emoji,
// control characters.
const HostileText = "<!channel> patch now @here <@U123> @everyone <!here> [~admin] [~accountid:abc] {color:red}x{color} " +
	"{noformat}raw{noformat} <https://evil.example|click> [click|https://evil.example] !image.png! *bold* _em_ -strike- +ins+ " +
	"^sup^ ~sub~ ??cite?? h1. heading \\\\ | table | # list \u202eevil\u202c مرحبا 👩‍💻 \x00\x07\x1b[31m\r\nnext line"

// Hostile is a handoff whose every quoted field is hostile.
func Hostile() handoff.Evaluation {
	long := strings.Repeat("A<b>&c@here ", 900) // ~10 kB
	h := PatchNow()
	h.Ticket.Key = "SEC-666"
	h.Ticket.URL = "https://jira.example.com/browse/SEC-666"
	h.Ticket.Summary = HostileText
	h.Ticket.Resolution = HostileText
	h.Scope.Advisory = V("h1. <!channel> [~admin]")
	h.Scope.Product = V(HostileText)
	h.Scope.AssetGroup = V(long)
	h.Scope.ExcludedSystems = V(HostileText)
	h.Scope.Owner = handoff.Person{Value: V("<!channel> @here"), User: handoff.User{AccountID: "x] [~admin", Name: "a|b", DisplayName: "@channel <@U999>"}}
	h.Fix.Workaround = V(long)
	h.Closure.Expected = V(HostileText)
	h.Closure.PatchedVersion = V(HostileText)
	return handoff.Evaluation{Handoff: h, Lane: handoff.LanePatchNow, Situation: handoff.SituationUrgentPatch, Verdict: handoff.VerdictValidationRequest,
		Ask: HostileText,
		Findings: []handoff.Finding{
			{Kind: handoff.FindingInvalid, Field: handoff.FieldDeadline, Group: handoff.GroupChange, Label: "Deadline", Why: HostileText, Detail: long},
			{Kind: handoff.FindingMissing, Field: handoff.FieldRollback, Group: handoff.GroupChange, Label: HostileText, Why: "why"},
		}}
}
