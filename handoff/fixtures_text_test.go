package handoff

import (
	"fmt"
	"strings"
	"time"
)

// Fixtures for the texts, built directly as values so the goldens do not
// move when the description parser or the policy changes.

var (
	fxLoc = fxMustLoc("Europe/Berlin")
	fxNow = time.Date(2026, 11, 20, 9, 0, 0, 0, fxLoc)
)

func fxMustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		return time.FixedZone(name, 3600)
	}
	return l
}

func fxOpts() TextOptions { return TextOptions{Now: fxNow, Loc: fxLoc} }

func fxV(s string) Value { return Value{Text: s, From: SourceField} }

func fxDay(y int, m time.Month, d int) Date {
	return Date{Value: fxV(fmt.Sprintf("%04d-%02d-%02d", y, m, d)), At: time.Date(y, m, d, 0, 0, 0, 0, time.UTC), DateOnly: true}
}

var fxDana = Person{Value: fxV("Dana Ruiz"), User: User{AccountID: "5b10ac8d82e05b22cc7d4ef5", DisplayName: "Dana Ruiz"}}
var fxLee = Person{Value: fxV("Lee Chen"), User: User{Name: "lchen", DisplayName: "Lee Chen"}}
var fxNet = Person{Value: fxV("network-team@example.com")}

func fxTicket(key, summary string) Ticket {
	return Ticket{Key: key, Project: "SEC", URL: "https://jira.example.com/browse/" + key, Summary: summary,
		Status: "In Progress", StatusCategory: StatusIndeterminate,
		Created: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC), Updated: time.Date(2026, 11, 19, 16, 30, 0, 0, time.UTC)}
}

// fxPatchNow is an owner-ready patch-now handoff.
func fxPatchNow() Handoff {
	h := Handoff{Ticket: fxTicket("SEC-101", "OpenSSL buffer overflow on the edge proxies"), Lane: LanePatchNow, LaneText: fxV("patch now")}
	h.Scope = Scope{Advisory: fxV("CVE-2026-20481"), Vendor: fxV("OpenSSL"), Product: fxV("openssl"),
		AffectedVersions: fxV("3.0.0–3.0.15, 3.2.0–3.2.3"), AssetGroup: fxV("edge-proxy fleet (eu-west, 42 hosts)"),
		Owner: fxDana, BusinessService: fxV("Customer login")}
	h.Urgency = Urgency{KEV: fxV("yes, added 2026-11-18"), Exposure: fxV("internet-facing"), Criticality: fxV("high")}
	h.Fix = FixPath{FixedVersion: fxV("3.0.16 / 3.2.4"), PatchLink: fxV("https://openssl-library.org/news/secadv/20261118.txt"), Reboot: fxV("no; service restart")}
	h.Change = ChangePlan{Deadline: fxDay(2026, 11, 25), TestPlan: fxV("canary 5% for 2h, synthetic login checks"),
		Rollback: fxV("redeploy the previous image (edge-proxy:2026.11.1)"), ChangeTicket: fxV("CHG-4411")}
	h.Closure = Closure{Expected: fxV("openssl version from all 42 proxies and a clean Qualys rescan")}
	return h
}

// fxValidation is the patch-now handoff with three things wrong.
func fxValidation() Evaluation {
	h := fxPatchNow()
	h.Fix.FixedVersion = Value{}
	h.Change.Rollback = Value{Text: "[testing/rollback/reboot/dependencies/known issues]", From: SourceDescription, Unfilled: true}
	h.Change.Deadline = Date{Value: fxV("2026-13-01"), Err: "month 13 out of range"}
	return Evaluation{
		Handoff: h, Lane: LanePatchNow, Situation: SituationUrgentPatch, Verdict: VerdictValidationRequest,
		Ask: "Ask: patch [asset group/product] to [fixed version] by [deadline] because [KEV/exploited/exposed/critical service]. Confirm affected versions, test result, rollback plan, deployment time, and post-patch validation evidence.",
		Findings: []Finding{
			{Kind: FindingMissing, Field: FieldFixedVersion, Group: GroupFixPath, Label: "Fixed version", Why: "the owner needs the version that removes the vulnerability"},
			{Kind: FindingUnfilled, Field: FieldRollback, Group: GroupChange, Label: "Rollback plan", Why: "a change without a rollback path is a change nobody can undo safely", Detail: "left as [testing/rollback/reboot/dependencies/known issues]"},
			{Kind: FindingInvalid, Field: FieldDeadline, Group: GroupChange, Label: "Deadline", Why: "without a deadline nobody can tell whether the patch is late", Detail: "2026-13-01 is not a date"},
		},
		Fingerprint: "f1a2b3c4",
	}
}

// fxNoLane is a bare ticket with no lane and no owner.
func fxNoLane() Evaluation {
	h := Handoff{Ticket: fxTicket("SEC-140", "Check Confluence advisory")}
	h.Scope.Product = fxV("Confluence Data Center")
	return Evaluation{Handoff: h, Lane: LaneNeedsReview, Situation: SituationAffectedVersion, Verdict: VerdictValidationRequest,
		Findings: []Finding{
			{Kind: FindingNoLane, Field: FieldLane, Group: GroupUrgency, Label: "Action lane", Why: "the lane decides what the owner is asked to do and by when"},
			{Kind: FindingMissing, Field: FieldAffectedVersions, Group: GroupScope, Label: "Affected versions", Why: "without the affected version range the owner cannot tell whether their build is exposed"},
			{Kind: FindingMissing, Field: FieldOwner, Group: GroupScope, Label: "Owner", Why: "someone has to own the change and answer for it"},
			{Kind: FindingMissing, Field: FieldReviewDate, Group: GroupFallback, Label: "When the answer is due", Why: "a review date is when this item is looked at again; without one it is forgotten"},
		},
		Fingerprint: "0d9e8f7a"}
}

func fxComplete() Evaluation {
	return Evaluation{Handoff: fxPatchNow(), Lane: LanePatchNow, Situation: SituationUrgentPatch, Verdict: VerdictReady}
}

func fxBlocked() Handoff {
	h := Handoff{Ticket: fxTicket("SEC-118", "Citrix ADC RCE: vendor hotfix breaks SSO"), Lane: LaneMitigateFirst, Blocked: true}
	h.Scope = Scope{Advisory: fxV("CVE-2026-3310"), Product: fxV("Citrix ADC 14.1"), Owner: fxLee}
	h.Fallback = Fallback{Blocker: fxV("hotfix 14.1-29.72 breaks SAML SSO"), TemporaryControl: fxV("responder policy blocks /vpn/../"),
		SOCMonitoring: fxV("SOC-882 detection live"), ReviewDate: fxDay(2026, 11, 15)}
	return h
}

func fxException() Handoff {
	h := Handoff{Ticket: fxTicket("SEC-077", "Legacy JBoss on the billing batch host"), Lane: LaneException}
	h.Scope = Scope{Product: fxV("JBoss EAP 6.4"), Owner: fxDana}
	h.Fallback = Fallback{ExceptionExpiry: fxDay(2026, 11, 19), ResidualRisk: fxV("internal only, no inbound")}
	return h
}

func fxPlanned() Handoff {
	h := Handoff{Ticket: fxTicket("SEC-130", "Kernel update for the build runners"), Lane: LanePlannedWindow}
	h.Scope = Scope{Product: fxV("Linux kernel 6.8"), Owner: fxNet}
	h.Fallback = Fallback{ReviewDate: fxDay(2026, 11, 23)}
	return h
}

func fxDue(kind DueKind, h Handoff, field FieldID, on time.Time, days int) Due {
	return Due{Kind: kind, Key: h.Ticket.Key, Lane: h.Lane, Field: field, On: on, Days: days, Owner: h.Scope.Owner, Handoff: h}
}

func fxOnDay(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, fxLoc) }

func fxReminderItems() []Due {
	return []Due{
		fxDue(DueExceptionExpired, fxException(), FieldExceptionExpiry, fxOnDay(2026, 11, 19), 1),
		fxDue(DueDeadlinePassed, fxPatchNow(), FieldDeadline, fxOnDay(2026, 11, 18), 2),
	}
}

func fxHeadsUpItems() []Due {
	return []Due{
		fxDue(DueSoon, fxPlanned(), FieldReviewDate, fxOnDay(2026, 11, 23), 3),
		fxDue(DueSoon, fxPatchNow(), FieldDeadline, fxOnDay(2026, 11, 20), 0),
	}
}

func fxResolved() Due {
	h := fxPatchNow()
	h.Ticket.Key, h.Ticket.URL = "SEC-099", "https://jira.example.com/browse/SEC-099"
	h.Ticket.Summary = "Patch Exchange for CVE-2026-1001"
	h.Ticket.StatusCategory, h.Ticket.Status, h.Ticket.Resolution = StatusDone, "Done", "Fixed"
	h.Ticket.Resolved = time.Date(2026, 11, 17, 15, 4, 0, 0, time.UTC)
	h.Closure = Closure{PatchedVersion: fxV("15.2.1544.14"), OwnerValidation: fxV("Dana: OWA works")}
	return Due{Kind: DueResolvedWithoutProof, Key: "SEC-099", Lane: LanePatchNow, On: fxOnDay(2026, 11, 17), Days: 3, Owner: fxDana, Handoff: h}
}

func fxDigestItems() []Due {
	blocked := fxBlocked()
	return []Due{
		fxDue(DueExceptionExpired, fxException(), FieldExceptionExpiry, fxOnDay(2026, 11, 19), 1),
		fxDue(DueDeadlinePassed, fxPatchNow(), FieldDeadline, fxOnDay(2026, 11, 18), 2),
		fxDue(DueBlockedReview, blocked, FieldReviewDate, fxOnDay(2026, 11, 15), 5),
		fxDue(DueReviewPassed, fxPlanned(), FieldReviewDate, fxOnDay(2026, 11, 6), 14),
		fxDue(DueSoon, fxPlanned(), FieldReviewDate, fxOnDay(2026, 11, 23), 3), // left out: not overdue
		{Kind: DueReviewPassed, Key: "SEC-150", Lane: LaneMonitor, Field: FieldReviewDate, On: fxOnDay(2026, 11, 10), Days: 10,
			Handoff: Handoff{Ticket: fxTicket("SEC-150", "Watch Fortinet FG-IR-26-101"), Lane: LaneMonitor}},
		fxResolved(),
	}
}

// briefsOf is the briefs of items, as the jobs keep them.
func briefsOf(items []Due) []DueBrief {
	out := make([]DueBrief, len(items))
	for i, d := range items {
		out[i] = d.Brief()
	}
	return out
}

// fxManyDigest is a digest too long for one Slack message.
func fxManyDigest(n int) []Due {
	owners := []Person{fxDana, fxLee, fxNet}
	for i := 0; i < 37; i++ {
		owners = append(owners, Person{Value: fxV(fmt.Sprintf("team-%02d", i))})
	}
	var out []Due
	for i := 0; i < n; i++ {
		h := fxPlanned()
		h.Ticket = fxTicket(fmt.Sprintf("SEC-%d", 1000+i), fmt.Sprintf("Item %d: %s", i, strings.Repeat("long summary ", 20)))
		h.Lane = Lanes[i%len(Lanes)]
		h.Scope.Owner = owners[i%len(owners)]
		out = append(out, fxDue(DueReviewPassed, h, FieldReviewDate, fxOnDay(2026, 10, 1+i%28), 20+i%28))
	}
	return out
}

// fxHostileText is what a reporter could type to make the bot ping, link or
// format: Slack and Jira mentions, markup, links, RTL overrides, emoji,
// control characters.
const fxHostileText = "<!channel> patch now @here <@U123> @everyone <!here> [~admin] [~accountid:abc] {color:red}x{color} " +
	"{noformat}raw{noformat} <https://evil.example|click> [click|https://evil.example] !image.png! *bold* _em_ -strike- +ins+ " +
	"^sup^ ~sub~ ??cite?? h1. heading \\\\ | table | # list \u202eevil\u202c مرحبا 👩‍💻 \x00\x07\x1b[31m\r\nnext line"

// fxHostile is a handoff whose every quoted field is hostile.
func fxHostile() Evaluation {
	long := strings.Repeat("A<b>&c@here ", 900) // ~10 kB
	h := fxPatchNow()
	h.Ticket.Key = "SEC-666"
	h.Ticket.URL = "https://jira.example.com/browse/SEC-666"
	h.Ticket.Summary = fxHostileText
	h.Ticket.Resolution = fxHostileText
	h.Scope.Advisory = fxV("h1. <!channel> [~admin]")
	h.Scope.Product = fxV(fxHostileText)
	h.Scope.AssetGroup = fxV(long)
	h.Scope.ExcludedSystems = fxV(fxHostileText)
	h.Scope.Owner = Person{Value: fxV("<!channel> @here"), User: User{AccountID: "x] [~admin", Name: "a|b", DisplayName: "@channel <@U999>"}}
	h.Fix.Workaround = fxV(long)
	h.Closure.Expected = fxV(fxHostileText)
	h.Closure.PatchedVersion = fxV(fxHostileText)
	return Evaluation{Handoff: h, Lane: LanePatchNow, Situation: SituationUrgentPatch, Verdict: VerdictValidationRequest,
		Ask: fxHostileText,
		Findings: []Finding{
			{Kind: FindingInvalid, Field: FieldDeadline, Group: GroupChange, Label: "Deadline", Why: fxHostileText, Detail: long},
			{Kind: FindingMissing, Field: FieldRollback, Group: GroupChange, Label: fxHostileText, Why: "why"},
		}}
}
