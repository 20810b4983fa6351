package config

import (
	"fmt"
	"strings"
	"testing"
)

// TestAliasBombs checks that aliases which expand exponentially stop with
// an error instead of eating memory and time.
func TestAliasBombs(t *testing.T) {
	t.Parallel()
	seqBomb := func() string {
		var b strings.Builder
		b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x]\n")
		for i := 1; i < 10; i++ {
			fmt.Fprintf(&b, "a%d: &a%d [", i, i)
			for j := 0; j < 9; j++ {
				fmt.Fprintf(&b, "*a%d, ", i-1)
			}
			b.WriteString("]\n")
		}
		return b.String() + "nag:\n  backoff: *a9\n"
	}
	mergeBomb := func() string {
		var b strings.Builder
		b.WriteString("x0: &x0 {level: info, format: text}\n")
		for i := 1; i < 12; i++ {
			fmt.Fprintf(&b, "x%d: &x%d {<<: [", i, i)
			for j := 0; j < 20; j++ {
				fmt.Fprintf(&b, "*x%d, ", i-1)
			}
			b.WriteString("]}\n")
		}
		return b.String() + "log:\n  <<: *x11\n"
	}
	for _, tc := range []struct {
		name, doc, msg string
	}{
		// The schema only descends where it expects nesting, so a list bomb
		// stops at the first level.
		{"sequence aliases", seqBomb(), "nag.backoff[8]: expected a whole number, got a list"},
		{"merge keys", mergeBomb(), "merge keys (<<) nested more than 10 deep"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(tc.doc)
			if err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("err = %.500v, want %q", err, tc.msg)
			}
			if n := len(err.(Errors)); n > 40 {
				t.Errorf("%d errors: one note about the blow-up is enough", n)
			}
		})
	}
}
