package config

import (
	"sort"
	"strings"

	"github.com/agnivade/levenshtein"
)

// didYouMean returns ` (did you mean "x"?)` for the candidate closest to
// got, or "" when none is close enough to be a likely typo.
func didYouMean(got string, candidates []string) string {
	if best := closest(got, candidates); best != "" {
		return " (did you mean " + quote(best) + "?)"
	}
	return ""
}

// closest picks the candidate nearest to got by edit distance, ignoring
// case and treating " " and "-" as "_"; ties go to the alphabetically
// first so messages are stable.
func closest(got string, candidates []string) string {
	norm := func(s string) string {
		return strings.NewReplacer(" ", "_", "-", "_").Replace(strings.ToLower(strings.TrimSpace(s)))
	}
	g := norm(got)
	if g == "" || len(g) > 64 {
		return ""
	}
	sorted := append([]string(nil), candidates...)
	sort.Strings(sorted)
	best, bestDist := "", -1
	for _, c := range sorted {
		dist := levenshtein.ComputeDistance(g, norm(c))
		if c == got {
			continue
		}
		if bestDist < 0 || dist < bestDist {
			best, bestDist = c, dist
		}
	}
	limit := max(2, len(g)/3)
	if best == "" || bestDist > limit {
		// A prefix or contained word ("rollback_plan" for "rollback")
		// is still a useful hint.
		for _, c := range sorted {
			if n := norm(c); len(n) >= 4 && (strings.HasPrefix(g, n) || strings.HasPrefix(n, g) && len(g) >= 4) {
				return c
			}
		}
		return ""
	}
	return best
}
