package handoff

import (
	"math"
	"strconv"
	"time"
)

// Intel is what the public vulnerability feeds — CISA's Known Exploited
// Vulnerabilities catalog (KEV) and FIRST's Exploit Prediction Scoring
// System (EPSS) — said about the CVE ids a ticket names, as the engine
// found it before evaluating. The core never asks the feeds: it receives
// their answer as data, like Handoff.OwnerReach. The zero Intel (feeds
// off, no CVE id on the ticket) says nothing and changes nothing.
type Intel struct {
	// CVEs are the ticket's CVE ids in the order found (the advisory field
	// first, then the summary), each with what the feeds hold on it; an id
	// the feeds do not know is listed with KEV and HasEPSS false.
	CVEs []CVEIntel
}

// CVEIntel is what the feeds hold on one CVE id.
type CVEIntel struct {
	ID string
	// KEV says the CVE is in the KEV catalog: exploited in the wild.
	// KEVAdded is the day it was listed, KEVDue the remediation due date
	// BOD 22-01 sets for federal agencies (both UTC midnights; the feeds
	// drop an entry without a readable date, so a listed CVE has both).
	KEV              bool
	KEVAdded, KEVDue time.Time
	// Ransomware says the catalog knows of its use in ransomware campaigns.
	Ransomware bool
	// HasEPSS says an EPSS score is known: EPSS is the probability of
	// exploitation in the next 30 days, Percentile its rank among all
	// scored CVEs (both 0..1), ScoreDate the day it was computed (zero
	// when the source did not say).
	HasEPSS          bool
	EPSS, Percentile float64
	ScoreDate        time.Time
}

// Known reports whether the feeds know anything about the CVE.
func (c CVEIntel) Known() bool { return c.KEV || c.HasEPSS }

// Known reports whether the feeds know anything about any of the CVEs.
func (in Intel) Known() bool {
	for _, c := range in.CVEs {
		if c.Known() {
			return true
		}
	}
	return false
}

// KEV lists the KEV-listed CVEs, earliest listed first (stable).
func (in Intel) KEV() []CVEIntel {
	var out []CVEIntel
	for _, c := range in.CVEs {
		if !c.KEV {
			continue
		}
		i := len(out)
		for i > 0 && c.KEVAdded.Before(out[i-1].KEVAdded) {
			i--
		}
		out = append(out, CVEIntel{})
		copy(out[i+1:], out[i:])
		out[i] = c
	}
	return out
}

// KEVSince is the day the first of the ticket's CVEs was KEV-listed; zero
// when none is. The texts about due items mark and order by it.
func (in Intel) KEVSince() time.Time {
	var since time.Time
	for _, c := range in.CVEs {
		if c.KEV && !c.KEVAdded.IsZero() && (since.IsZero() || c.KEVAdded.Before(since)) {
			since = c.KEVAdded
		}
	}
	return since
}

// HighestEPSS is the CVE with the highest EPSS score; ok is false when no
// CVE has one.
func (in Intel) HighestEPSS() (c CVEIntel, ok bool) {
	for _, x := range in.CVEs {
		if x.HasEPSS && (!ok || x.EPSS > c.EPSS) {
			c, ok = x, true
		}
	}
	return c, ok
}

// FormatScore writes an EPSS probability or a threshold for a person: two
// decimals from 0.1 up ("0.94"), two significant digits below ("0.031",
// "0.00043"), without trailing zeros.
func FormatScore(p float64) string {
	if p <= 0 || math.IsNaN(p) {
		return "0"
	}
	prec := 2
	if p < 0.1 {
		prec = int(-math.Floor(math.Log10(p))) + 1
	}
	s := strconv.FormatFloat(p, 'f', prec, 64)
	for len(s) > 1 && s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	if s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	return s
}

// Ordinal writes an EPSS percentile (0..1) as the ordinal of its whole
// percent, rounded down: 0.991 is "99th", 0.42 "42nd", 0.999 "99th".
func Ordinal(percentile float64) string {
	n := int(math.Floor(percentile*100 + 1e-9))
	n = min(max(n, 0), 100)
	suffix := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return strconv.Itoa(n) + suffix
}
