package store

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patchbot/patchbot/handoff/ports"
)

// BenchmarkIntendDone is one send's ledger cost: record the intent (with
// two items), then mark it done; two write transactions on a real file.
func BenchmarkIntendDone(b *testing.B) {
	ctx := context.Background()
	run := func(b *testing.B, s *Ledger, i int64) {
		ref := "reminder/U1/" + strconv.FormatInt(i, 10)
		rec, _, err := s.Intend(ctx, ports.Send{Kind: "reminder", Ref: ref, Recipient: "U1",
			Items: []string{"SEC-1/review/" + ref, "SEC-2/deadline/" + ref}, Intended: t0})
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Done(ctx, rec.ID, ports.Receipt{Channel: "D1", TS: ref}, t0, ""); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("serial", func(b *testing.B) {
		s, _ := openTest(b)
		var i int64
		for b.Loop() {
			i++
			run(b, s, i)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		s, _ := openTest(b)
		var n atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				run(b, s, n.Add(1))
			}
		})
	})
}

// BenchmarkIntendDoneBatch is the same per send, as a sync makes them: a
// batch of 50 intents in one transaction, then their 50 completions (each
// with a thread) in another. ns/op is per batch; see the send metric.
func BenchmarkIntendDoneBatch(b *testing.B) {
	ctx := context.Background()
	s, _ := openTest(b)
	const batch = 50
	var i int64
	sends := make([]ports.Send, batch)
	cs := make([]ports.Completion, batch)
	for b.Loop() {
		for j := range sends {
			i++
			ref := "validation/SEC-" + strconv.FormatInt(i, 10) + "/fp/0"
			sends[j] = ports.Send{Kind: "validation", Ref: ref, Recipient: "C1",
				Items: []string{"SEC-" + strconv.FormatInt(i, 10)}, Intended: t0}
		}
		got, err := s.IntendAll(ctx, sends)
		if err != nil {
			b.Fatal(err)
		}
		for j, g := range got {
			cs[j] = ports.Completion{ID: g.Send.ID, Receipt: ports.Receipt{Channel: "C1", TS: g.Send.Ref, Parts: 1},
				At: t0, Thread: g.Send.Items[0]}
		}
		if err := s.DoneAll(ctx, cs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/send")
}

// BenchmarkHistory reads one item's history out of 100,000 done sends
// (200,000 item rows); the item was covered by 10 of them.
func BenchmarkHistory(b *testing.B) {
	ctx := context.Background()
	s, _ := openTest(b)
	const sends, perItem = 100_000, 10
	seed(b, s, sends, perItem)

	item := fmt.Sprintf("SEC-%d/review", sends/perItem/2)
	for b.Loop() {
		h, err := s.History(ctx, item)
		if err != nil {
			b.Fatal(err)
		}
		if len(h) != perItem {
			b.Fatalf("history has %d sends, want %d", len(h), perItem)
		}
	}
}

// seed writes n done sends in one transaction, each covering a shared item
// (perItem sends per item) and one of its own.
func seed(b *testing.B, s *Ledger, n, perItem int) {
	b.Helper()
	ctx := context.Background()
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck
	ins, err := tx.PrepareContext(ctx, `INSERT INTO sends (ref, kind, recipient, intended_at, done_at, channel, ts)
		VALUES ($1, 'reminder', 'U1', $2, $2, 'D1', $1) RETURNING id`)
	if err != nil {
		b.Fatal(err)
	}
	item, err := tx.PrepareContext(ctx, `INSERT INTO send_items (send_id, item) VALUES ($1, $2)`)
	if err != nil {
		b.Fatal(err)
	}
	for i := range n {
		var id int64
		ref := "r/" + strconv.Itoa(i)
		if err := ins.QueryRowContext(ctx, ref, t0.Add(time.Duration(i)*time.Second).UnixNano()).Scan(&id); err != nil {
			b.Fatal(err)
		}
		for _, it := range []string{fmt.Sprintf("SEC-%d/review", i%(n/perItem)), ref + "/own"} {
			if _, err := item.ExecContext(ctx, id, it); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkThreads reads the threads of 200 tickets (100 have one), as a
// sync does for a page of tickets: one IN list.
func BenchmarkThreads(b *testing.B) {
	ctx := context.Background()
	s, _ := openTest(b)
	keys := make([]string, 200)
	for i := range keys {
		keys[i] = "SEC-" + strconv.Itoa(i)
		if i%2 == 0 {
			if err := s.SetThread(ctx, keys[i], ports.Receipt{Channel: "C1", TS: keys[i], Parts: 1}); err != nil {
				b.Fatal(err)
			}
		}
	}
	for b.Loop() {
		got, err := s.Threads(ctx, keys)
		if err != nil {
			b.Fatal(err)
		}
		if len(got) != len(keys)/2 {
			b.Fatalf("%d threads, want %d", len(got), len(keys)/2)
		}
	}
}
