package jira

import (
	"fmt"
	"testing"
)

// TestSeenKeysBounded: a scan keeps the keys of two pages, whatever it
// has read, and still passes a key of the page before read again with
// the same `updated` on once; a search of listed keys keeps them all.
func TestSeenKeysBounded(t *testing.T) {
	s := newSeenKeys(false)
	const pages, size = 50, 100
	for p := 0; p < pages; p++ {
		s.page()
		if p > 0 {
			// The last hit of the page before, again: once unchanged, once
			// with a new `updated`, and then unchanged again.
			last := fmt.Sprintf("SEC-%d", p*size)
			if s.fresh(last, []byte(`"u"`)) {
				t.Fatalf("page %d: %s read again unchanged was passed on", p, last)
			}
			if !s.fresh(last, []byte(`"u2"`)) || s.fresh(last, []byte(`"u2"`)) {
				t.Fatalf("page %d: %s with a new `updated` was not passed on once", p, last)
			}
		}
		for i := 1; i <= size; i++ {
			if !s.fresh(fmt.Sprintf("SEC-%d", p*size+i), []byte(`"u"`)) {
				t.Fatalf("page %d: a new key was not passed on", p)
			}
		}
		if n := len(s.cur) + len(s.prev); n > 2*(size+1) {
			t.Fatalf("page %d: %d keys kept, want at most %d", p, n, 2*(size+1))
		}
	}
	// A key of an older page is forgotten.
	if !s.fresh("SEC-1", []byte(`"u"`)) {
		t.Error("SEC-1, 50 pages back, is still kept")
	}

	all := newSeenKeys(true)
	for p := 0; p < 3; p++ {
		all.page()
		for i := 1; i <= size; i++ {
			all.fresh(fmt.Sprintf("SEC-%d", p*size+i), []byte(`"u"`))
		}
	}
	if all.fresh("SEC-1", []byte(`"u"`)) || len(all.cur) != 3*size {
		t.Errorf("a key list's search forgot keys: %d kept", len(all.cur))
	}
}
