package config

import (
	"sort"
	"strings"
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
		dist := levenshtein(g, norm(c))
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

// levenshtein is the edit distance between a and b, in runes.
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
