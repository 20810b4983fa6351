package scheduler

import (
	"strings"
	"testing"

	"github.com/patchbot/patchbot/handoff"
)

// TestNewNamesAMissingLedgerPort: New refuses options without one of the
// ledger's ports, and says which.
func TestNewNamesAMissingLedgerPort(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		port  string
		unset func(*Options)
	}{
		{"Sends", func(o *Options) { o.Sends = nil }},
		{"Intents", func(o *Options) { o.Intents = nil }},
		{"History", func(o *Options) { o.History = nil }},
		{"Threads", func(o *Options) { o.Threads = nil }},
		{"Watermarks", func(o *Options) { o.Watermarks = nil }},
		{"Runs", func(o *Options) { o.Runs = nil }},
		{"Snoozes", func(o *Options) { o.Snoozes = nil }},
	} {
		t.Run(tc.port, func(t *testing.T) {
			t.Parallel()
			opt := Options{Tracker: newFakeTracker(nil), Messenger: newFakeMessenger(),
				Projects: []Project{{Name: "SEC", Policy: handoff.DefaultPolicy()}}}
			newMemLedger().plug(&opt)
			if _, err := New(opt); err != nil {
				t.Fatalf("with every port: %v", err)
			}
			tc.unset(&opt)
			_, err := New(opt)
			if err == nil || !strings.Contains(err.Error(), "Options."+tc.port+" ") {
				t.Fatalf("without %s: err = %v, want one naming Options.%s", tc.port, err, tc.port)
			}
		})
	}
}
