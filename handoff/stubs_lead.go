package handoff

// TEMPORARY: core functions the scheduler needs that are not yet written.

import "time"

// FingerprintOf is the fingerprint of a set of findings.
func FingerprintOf(f []Finding) string { return "" }

// Backlog is the one-time summary of old tickets left out by the cut-off.
func Backlog(keys []string, since time.Time, o TextOptions) Doc { return Doc{} }
