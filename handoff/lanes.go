package handoff

import (
	"strings"

	"github.com/patchbot/patchbot/handoff/internal/words"
)

// lanePhrase is one wording of a lane, normalised (lower case, words
// separated by single spaces).
type lanePhrase struct {
	phrase string
	lane   Lane
}

// lanePhrases are the wordings the seeds and people use, longest first
// within a lane so prefix matching prefers the specific phrase.
var lanePhrases = [...]lanePhrase{
	// Patch now (seed 000 "urgent patching", "patch-now plan"; seed 003
	// "Urgent patch now").
	{"urgent patch now", LanePatchNow},
	{"urgent patching", LanePatchNow},
	{"urgent patch", LanePatchNow},
	{"emergency patching", LanePatchNow},
	{"emergency patch", LanePatchNow},
	{"emergency change", LanePatchNow},
	{"patch now", LanePatchNow},
	{"patch immediately", LanePatchNow},
	{"urgent", LanePatchNow},
	{"emergency", LanePatchNow},
	// Planned window.
	{"planned patch window", LanePlannedWindow},
	{"next patch window", LanePlannedWindow},
	{"planned patching", LanePlannedWindow},
	{"planned window", LanePlannedWindow},
	{"planned window item", LanePlannedWindow},
	{"patch in window", LanePlannedWindow},
	{"patch in next window", LanePlannedWindow},
	{"patch window", LanePlannedWindow},
	{"maintenance window", LanePlannedWindow},
	{"standard maintenance", LanePlannedWindow},
	{"planned", LanePlannedWindow},
	{"scheduled", LanePlannedWindow},
	// Mitigate first.
	{"mitigation first item", LaneMitigateFirst},
	{"mitigation first", LaneMitigateFirst},
	{"mitigate first", LaneMitigateFirst},
	{"no safe patch yet", LaneMitigateFirst},
	{"no safe patch", LaneMitigateFirst},
	{"mitigate", LaneMitigateFirst},
	{"mitigation", LaneMitigateFirst},
	// Monitor.
	{"monitor only", LaneMonitor},
	{"monitoring", LaneMonitor},
	{"monitor", LaneMonitor},
	{"watch", LaneMonitor},
	// Exception.
	{"exception or no patch review", LaneException},
	{"exception review", LaneException},
	{"no patch review", LaneException},
	{"risk acceptance", LaneException},
	{"risk accepted", LaneException},
	{"accept risk", LaneException},
	{"exception", LaneException},
	{"no patch", LaneException},
	// Needs review.
	{"validate affected status", LaneNeedsReview},
	{"affected version validation", LaneNeedsReview},
	{"validation request", LaneNeedsReview},
	{"needs review", LaneNeedsReview},
	{"need review", LaneNeedsReview},
	{"needs validation", LaneNeedsReview},
	{"validate", LaneNeedsReview},
	{"validation", LaneNeedsReview},
	{"triage", LaneNeedsReview},
	{"review", LaneNeedsReview},
}

// maxLaneLen bounds what ParseLane looks at; a lane is a few words.
const maxLaneLen = 200

// normalizeLane is a lane text as Visible shows it, lower case, with words
// separated by single spaces, cut to maxLaneLen. Invisible characters
// count for nothing in the cut (up to three bytes each for every byte).
func normalizeLane(s string) string {
	if len(s) > 4*maxLaneLen {
		s = s[:4*maxLaneLen]
	}
	return words.Normalize(Visible(s), maxLaneLen)
}

// ParseLane normalises the ways people name a lane ("patch now", "Urgent
// patching", "PLANNED_WINDOW", "mitigation-first", "exception review",
// "validate affected status", …), tolerant of case, punctuation and
// underscores. An exact wording wins; then a wording the text starts with
// ("patch now - KEV listed"); then the only lane whose wording appears in
// the text. Text naming several lanes, or none, gives LaneUnknown, false.
// Blocked is a state, not a lane: see IsBlockedText. The text is read as
// Visible shows it, so invisible characters pasted with it change nothing.
func ParseLane(s string) (Lane, bool) {
	n := normalizeLane(s)
	if n == "" {
		return LaneUnknown, false
	}
	n = strings.TrimPrefix(n, "action lane ")
	n = strings.TrimPrefix(n, "lane ")
	for _, l := range Lanes() {
		if n == strings.ReplaceAll(string(l), "_", " ") {
			return l, true
		}
	}
	for _, p := range lanePhrases {
		if n == p.phrase {
			return p.lane, true
		}
	}
	// Longest phrase the text starts with, unless the rest names another
	// lane ("patch now / planned window / …" is the template's list).
	best, bestLen := LaneUnknown, 0
	for _, p := range lanePhrases {
		if len(p.phrase) > bestLen && strings.HasPrefix(n, p.phrase) && len(n) > len(p.phrase) && n[len(p.phrase)] == ' ' {
			best, bestLen = p.lane, len(p.phrase)
		}
	}
	if best != LaneUnknown {
		if namesOtherLane(n[bestLen:], best) {
			return LaneUnknown, false
		}
		return best, true
	}
	l := onlyLane(n)
	return l, l != LaneUnknown
}

// namesOtherLane reports whether n names a lane other than l with a
// wording of two words or more; single words ("monitoring" in "with SOC
// monitoring") are too common in a lane's explanation to count.
func namesOtherLane(n string, l Lane) bool {
	padded := " " + n + " "
	for _, p := range lanePhrases {
		if p.lane != l && strings.IndexByte(p.phrase, ' ') > 0 && strings.Contains(padded, " "+p.phrase+" ") {
			return true
		}
	}
	return false
}

// onlyLane is the one lane whose wordings appear in normalised text n, or
// LaneUnknown when none or several do.
func onlyLane(n string) Lane {
	padded := " " + n + " "
	found := LaneUnknown
	for _, p := range lanePhrases {
		if strings.Contains(padded, " "+p.phrase+" ") {
			if found != LaneUnknown && found != p.lane {
				return LaneUnknown
			}
			found = p.lane
		}
	}
	return found
}

// IsBlockedText reports whether a lane, label or status text says the item
// is blocked ("Blocked", "blocked - waiting for vendor"), and not
// "unblocked" or "not blocked".
func IsBlockedText(s string) bool {
	n := " " + normalizeLane(s) + " "
	return strings.Contains(n, " blocked ") && !strings.Contains(n, " not blocked ") && !strings.Contains(n, " no longer blocked ")
}
