package store_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/patchbot/patchbot/connectors/store/storetest"
	"github.com/patchbot/patchbot/handoff/ports"
)

// BenchmarkDrivers is the ledger's cost per send on each driver, as a sync
// makes sends: a batch of 50 intents in one transaction, then their 50
// completions (each with a thread) in another. ns/op is per batch; sends/s
// is ledger throughput. PostgreSQL runs when PATCHBOT_TEST_POSTGRES_DSN is
// set (see storetest).
func BenchmarkDrivers(b *testing.B) {
	for _, d := range []storetest.Driver{storetest.SQLite, storetest.Postgres} {
		b.Run(d.Name, func(b *testing.B) {
			ctx := context.Background()
			s, _ := d.Open(b)
			const batch = 50
			var i int64
			sends := make([]ports.Send, batch)
			cs := make([]ports.Completion, batch)
			for b.Loop() {
				for j := range sends {
					i++
					ref := "validation/SEC-" + strconv.FormatInt(i, 10) + "/fp/0"
					sends[j] = ports.Send{Kind: "validation", Ref: ref, Recipient: "C1",
						Items: []string{"SEC-" + strconv.FormatInt(i, 10)}, Intended: storetest.T0}
				}
				got, err := s.IntendAll(ctx, sends)
				if err != nil {
					b.Fatal(err)
				}
				for j, g := range got {
					cs[j] = ports.Completion{ID: g.Send.ID, Receipt: ports.Receipt{Channel: "C1", TS: g.Send.Ref, Parts: 1},
						At: storetest.T0, Thread: g.Send.Items[0]}
				}
				if err := s.DoneAll(ctx, cs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "sends/s")
		})
	}
}
