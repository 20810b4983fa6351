package handoff

import (
	"fmt"
	"strings"
	"time"
	"unicode"
)

// The findings drawn from what the public feeds said (Handoff.Intel). Each
// is switched by the policy (IntelPolicy); with the feeds off, or no CVE id
// the feeds know, none of them can arise and the evaluation is what it was
// without them.
const (
	// FindingKEVLane: a KEV-listed CVE waits in monitor, planned window
	// or needs review, and the ticket does not say why.
	FindingKEVLane FindingKind = "kev_lane"
	// FindingKEVNotExploited: the ticket says "not exploited" (or "not in
	// KEV") of a CVE the KEV catalog lists as exploited.
	FindingKEVNotExploited FindingKind = "kev_not_exploited"
	// FindingEPSSMonitor: an EPSS score at or above the threshold on a
	// monitor lane, and the ticket does not say why watching is enough.
	FindingEPSSMonitor FindingKind = "epss_monitor"
	// FindingKEVDue: the deadline is later than KEV's due date (BOD 22-01).
	FindingKEVDue FindingKind = "kev_due"
)

// IntelPolicy switches the findings drawn from the feeds, as data.
type IntelPolicy struct {
	// KEVLane: a KEV-listed CVE in monitor, planned window or needs review
	// with no stated reason (FindingKEVLane).
	KEVLane bool
	// KEVNotExploited: "not exploited" said of a KEV-listed CVE
	// (FindingKEVNotExploited).
	KEVNotExploited bool
	// EPSSMonitor: an EPSS score at or above EPSSThreshold on a monitor
	// lane (FindingEPSSMonitor).
	EPSSMonitor   bool
	EPSSThreshold float64
	// KEVDue: a deadline later than KEV's due date, for teams that follow
	// BOD 22-01 (FindingKEVDue). Off by default.
	KEVDue bool
}

// DefaultIntelPolicy is every feed finding on but the BOD 22-01 one, with
// an EPSS threshold of 0.5 (an even chance of exploitation within 30 days).
func DefaultIntelPolicy() IntelPolicy {
	return IntelPolicy{KEVLane: true, KEVNotExploited: true, EPSSMonitor: true, EPSSThreshold: 0.5}
}

// validate reports a threshold outside (0, 1] while its finding is on.
func (ip IntelPolicy) validate() []string {
	if ip.EPSSMonitor && !(ip.EPSSThreshold > 0 && ip.EPSSThreshold <= 1) {
		return []string{fmt.Sprintf("EPSS threshold %v: want a probability above 0 and at most 1", ip.EPSSThreshold)}
	}
	return nil
}

// kevWaits reports the lanes in which a KEV-listed CVE waits: the seeds
// plan, watch or question an item there, where an exploited one is patched
// now or mitigated first.
func kevWaits(l Lane) bool {
	return l == LaneMonitor || l == LanePlannedWindow || l == LaneNeedsReview
}

// intelRules adds the findings the feeds support (see IntelPolicy).
func (c *checker) intelRules(h *Handoff, lane Lane, loc *time.Location) {
	ip := c.p.Intel
	kev := h.Intel.KEV()
	if len(kev) > 0 {
		first := kev[0]
		if ip.KEVLane && kevWaits(lane) && !explains(h.Urgency.KEV) {
			c.add(Finding{Kind: FindingKEVLane, Field: FieldKEV, Group: GroupUrgency, Label: c.p.prompt(string(lane), FieldKEV),
				Why: "KEV lists vulnerabilities exploited in the wild, and an exploited one does not wait without a reason",
				Detail: fmt.Sprintf("KEV-listed since %s (%s): patch now or mitigate first, or say why",
					day(first.KEVAdded), cveList(kev))})
		}
		if ip.KEVNotExploited {
			if id, said := denial(h); id != "" {
				c.add(Finding{Kind: FindingKEVNotExploited, Field: id, Group: GroupUrgency, Label: c.p.prompt(string(lane), id),
					Why:    "CISA's KEV catalog lists the CVE as exploited in the wild",
					Detail: fmt.Sprintf("it says %q, but %s is KEV-listed since %s", clip(said, 60), first.ID, day(first.KEVAdded))})
			}
		}
		if d := h.Change.Deadline; ip.KEVDue && d.Valid() {
			c.kevDue(d, kev, lane, loc)
		}
	}
	if top, ok := h.Intel.HighestEPSS(); ip.EPSSMonitor && ok && lane == LaneMonitor && top.EPSS >= ip.EPSSThreshold && !explains(h.Urgency.EPSS) {
		c.add(Finding{Kind: FindingEPSSMonitor, Field: FieldEPSS, Group: GroupUrgency, Label: c.p.prompt(string(lane), FieldEPSS),
			Why: "EPSS estimates how likely exploitation is in the next 30 days; a high score needs more than watching, or a reason",
			Detail: fmt.Sprintf("%s has EPSS %s (%s percentile%s), at or above the %s threshold, on a monitor lane",
				top.ID, FormatScore(top.EPSS), Ordinal(top.Percentile), onDay(top.ScoreDate), FormatScore(ip.EPSSThreshold))})
	}
}

// kevDue reports a deadline later than the earliest KEV due date among the
// ticket's CVEs (BOD 22-01: remediate by the catalog's due date).
func (c *checker) kevDue(d Date, kev []CVEIntel, lane Lane, loc *time.Location) {
	var due CVEIntel
	for _, k := range kev {
		if !k.KEVDue.IsZero() && (due.KEVDue.IsZero() || k.KEVDue.Before(due.KEVDue)) {
			due = k
		}
	}
	if due.KEVDue.IsZero() {
		return
	}
	at, limit := dayOf(d.At, d.DateOnly, loc), dayOf(due.KEVDue, true, loc)
	if at.sub(limit) > 0 {
		f := c.finding(FindingKEVDue, string(lane), FieldDeadline,
			fmt.Sprintf("the deadline %s is later than KEV's due date %s for %s (BOD 22-01)", at, limit, due.ID))
		f.Why = "BOD 22-01 sets KEV's due date as the latest day to remediate"
		c.add(f)
	}
}

// day is a feed's date (a UTC midnight) as YYYY-MM-DD, "?" when unknown.
func day(t time.Time) string {
	if t.IsZero() {
		return "?"
	}
	return t.UTC().Format(time.DateOnly)
}

// onDay is " on YYYY-MM-DD" for a known date.
func onDay(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return " on " + day(t)
}

// cveList names up to three CVEs, then how many more.
func cveList(cs []CVEIntel) string {
	ids := make([]string, 0, 3)
	for i, x := range cs {
		if i == 3 {
			return strings.Join(ids, ", ") + fmt.Sprintf(" and %d more", len(cs)-3)
		}
		ids = append(ids, x.ID)
	}
	return strings.Join(ids, ", ")
}

// denial finds where the ticket says a CVE is not exploited: the urgency
// driver, the exploitation field, or the KEV field, first that does. It
// returns the field and what it says. A clause counts when a negation
// ("not", "no", "never", "without", "non", "isn't", …) is followed within
// four words by "exploit", "exploits", "exploited", "exploitation" or
// "KEV" (and, in the KEV field, "listed"), or says "unexploited"; the
// exploitation and KEV fields also deny with a bare "no", "none", "false".
func denial(h *Handoff) (FieldID, string) {
	u := &h.Urgency
	for _, f := range [...]struct {
		id     FieldID
		v      *Value
		bare   bool
		listed bool
	}{
		{FieldUrgencyDriver, &u.Driver, false, false},
		{FieldExploitation, &u.Exploitation, true, false},
		{FieldKEV, &u.KEV, true, true},
	} {
		if !f.v.Present() {
			continue
		}
		if f.bare && isNo(f.v.Text) {
			return f.id, strings.TrimSpace(f.v.Text)
		}
		if s := deniedClause(f.v.Text, f.listed); s != "" {
			return f.id, s
		}
	}
	return "", ""
}

// negations open a clause that denies what follows; stops end the reach
// of a negation ("not exposed but exploited" denies nothing).
var (
	negations = [...]string{"not", "no", "never", "without", "non", "nor", "none", "isn't", "aren't", "wasn't", "hasn't", "haven't"}
	stops     = [...]string{"but", "yet", "however", "although", "though", "while", "whereas", "and", "or", "so"}
)

// deniedClause returns the clause of s that denies exploitation (see
// denial), as written, or "".
func deniedClause(s string, listed bool) string {
	for _, clause := range clauses(Visible(s)) {
		words := wordsOf(clause)
		for i, w := range words {
			if w == "unexploited" {
				return strings.TrimSpace(clause)
			}
			if !contains(negations[:], w) {
				continue
			}
			for j := i + 1; j < len(words) && j <= i+4; j++ {
				if contains(stops[:], words[j]) {
					break
				}
				if exploitWord(words[j]) || listed && words[j] == "listed" {
					return strings.TrimSpace(clause)
				}
			}
		}
	}
	return ""
}

// exploitWord reports a word saying exploitation (not "exploitable",
// which is about reach, not about what happened).
func exploitWord(w string) bool {
	switch w {
	case "exploit", "exploits", "exploited", "exploitation", "kev":
		return true
	}
	return false
}

// clauses splits text at sentence and list punctuation.
func clauses(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return strings.ContainsRune(".;,:()[]/|!?\n\r", r)
	})
}

// wordsOf lower-cases a clause into words of letters, digits and
// apostrophes (a typographic apostrophe read as a plain one).
func wordsOf(s string) []string {
	s = strings.ReplaceAll(strings.ToLower(s), "’", "'")
	return strings.FieldsFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	})
}

// bareWords say nothing beyond the listing or the score itself: a KEV or
// EPSS field holding only these ("yes", "listed since 2026-11-02",
// "0.94, 99th percentile", "high") states no reason.
var bareWords = [...]string{"yes", "y", "true", "kev", "cisa", "listed", "list", "on", "in", "the", "since", "added",
	"epss", "score", "percentile", "th", "st", "nd", "rd", "high", "medium", "low", "critical", "very",
	"known", "ransomware", "use", "exploit", "exploited", "exploitation", "confirmed", "see", "catalog", "catalogue"}

// explains reports whether a KEV or EPSS field holds a stated reason: two
// or more words beyond bare ones, numbers and dates ("yes, but the
// vulnerable module is not loaded on any host").
func explains(v Value) bool {
	if !v.Present() || isNo(v.Text) {
		return false
	}
	n := 0
	for _, w := range wordsOf(Visible(v.Text)) {
		if len(w) < 2 || contains(bareWords[:], w) || !hasLetter(w) || strings.ContainsAny(w, "0123456789") {
			continue
		}
		if n++; n >= 2 {
			return true
		}
	}
	return false
}

func hasLetter(s string) bool {
	return strings.IndexFunc(s, unicode.IsLetter) >= 0
}

func contains(list []string, w string) bool {
	for _, x := range list {
		if x == w {
			return true
		}
	}
	return false
}
