package scheduler

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/ports"
	"github.com/patchbot/patchbot/handoff/render/plain"
)

// The memory of the nag and the digest over a large scope. Both read every
// ticket of the scope, but what they keep should grow with the items due,
// not with the tickets read, and not by a copy of each ticket's whole
// handoff per item and per step.
//
// By default a small scope runs (a smoke test of the generator and the
// figures); PATCHBOT_MEM_N=50000 runs a large one and logs the peaks:
//
//	PATCHBOT_MEM_N=50000 go test ./scheduler -run TestNagDigestMemory -v

// genTracker streams a generated scope without holding it: every Scan
// builds the tickets again, one at a time, as a paging connector would.
// One ticket in ten is overdue (its review date passed 1 to 30 days ago),
// one in fifty is due within the heads-up window, the rest are quiet;
// every owner has a few overdue items.
type genTracker struct {
	n, owners int
	now       time.Time
}

func (g *genTracker) ticket(i int) handoff.Input {
	f := complete(g.now)
	o := (i / 10) % g.owners
	owner := handoff.FieldValue{Text: fmt.Sprintf("Owner %d", o),
		Users: []handoff.User{{AccountID: fmt.Sprintf("acc-%d", o), DisplayName: fmt.Sprintf("Owner %d", o), Email: fmt.Sprintf("owner%d@example.com", o)}}}
	f[handoff.FieldOwner] = owner
	f[handoff.FieldExceptionOwner] = owner
	switch {
	case i%10 == 3:
		f[handoff.FieldReviewDate] = handoff.FieldValue{Text: g.now.AddDate(0, 0, -1-i%30).Format("2006-01-02")}
	case i%50 == 7:
		f[handoff.FieldReviewDate] = handoff.FieldValue{Text: g.now.AddDate(0, 0, 1+i%2).Format("2006-01-02")}
	}
	lanes := []handoff.Lane{handoff.LanePatchNow, handoff.LanePlannedWindow, handoff.LaneMitigateFirst, handoff.LaneMonitor}
	key := fmt.Sprintf("SEC-%d", i+1)
	in := input(key, lanes[i%len(lanes)], g.now.AddDate(0, -2, 0), f)
	in.Ticket.Summary = "Patch " + key + ": " + strings.Repeat("a vendor advisory's title ", 3)
	return in
}

func (g *genTracker) Scan(ctx context.Context, req ports.ScanRequest, fn func(ports.Ticket) error) error {
	for i := range g.n {
		if err := fn(ports.Ticket{Input: g.ticket(i)}); err != nil {
			return err
		}
	}
	return nil
}

func (g *genTracker) Apply(ctx context.Context, c ports.CommentChange) (ports.Applied, error) {
	return ports.Applied{Trail: c.Trail}, nil
}

func (g *genTracker) Label() string { return "" }

// sinkMessenger resolves every owner to a DM and keeps no message, only a
// hash of what was sent in order, so that runs can be compared.
type sinkMessenger struct {
	mu    sync.Mutex
	sends atomic.Int64
	h     [sha256.Size]byte
}

func (s *sinkMessenger) Owner(ctx context.Context, p handoff.Person) (ports.Recipient, error) {
	id := strings.TrimPrefix(p.User.AccountID, "acc-")
	return ports.Recipient{UserID: "U" + id, Reachable: true, Name: p.Text}, nil
}

func (s *sinkMessenger) Send(ctx context.Context, m ports.Message) (ports.Receipt, error) {
	n := s.sends.Add(1)
	s.mu.Lock()
	h := sha256.New()
	h.Write(s.h[:])
	fmt.Fprintf(h, "%s|%s|%s|%s", m.To.UserID, m.To.Channel, m.Ref, plain.Render(m.Doc))
	copy(s.h[:], h.Sum(nil))
	s.mu.Unlock()
	return ports.Receipt{Channel: "D" + m.To.UserID, TS: strconv.FormatInt(n, 10)}, nil
}

func (s *sinkMessenger) Update(ctx context.Context, r ports.Receipt, m ports.Message) error {
	return nil
}

func (s *sinkMessenger) Lookup(ctx context.Context, to ports.Recipient, ref string, since time.Time) (ports.Receipt, bool, error) {
	return ports.Receipt{}, false, nil
}

// nullSends records no send, so every item is new (and, with an empty
// ledger behind it, nothing is snoozed).
type nullSends struct{ SendLog }

func (nullSends) Intend(ctx context.Context, s ports.Send) (ports.Send, bool, error) {
	return s, false, nil
}
func (nullSends) Done(ctx context.Context, id int64, r ports.Receipt, at time.Time, thread string) error {
	return nil
}

// peakHeap samples the heap's live and not yet swept objects while f runs
// and returns the highest value above the heap before f, and what f
// allocated in all.
func peakHeap(f func()) (peak, total uint64) {
	runtime.GC()
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	base, alloc0 := s[0].Value.Uint64(), s[1].Value.Uint64()
	var max atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > max.Load() {
				max.Store(v)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	f()
	close(stop)
	<-done
	metrics.Read(s)
	if m := max.Load(); m > base {
		peak = m - base
	}
	return peak, s[1].Value.Uint64() - alloc0
}

func TestNagDigestMemory(t *testing.T) {
	n := 2000
	if v := os.Getenv("PATCHBOT_MEM_N"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			t.Fatalf("PATCHBOT_MEM_N=%q: %v", v, err)
		}
	}
	gen := &genTracker{n: n, owners: max(1, n/50), now: t0}
	due := 0
	for i := range n {
		if i%10 == 3 || i%50 == 7 {
			due++
		}
	}
	// kept: the report keeps each message's text (the options' default);
	// streamed: the CLI's way, each text seen once as it goes, none kept.
	sent := map[string][sha256.Size]byte{} // by job, what the kept run sent
	for _, mode := range []string{"kept", "streamed"} {
		for _, personal := range []bool{false, true} {
			msg := &sinkMessenger{}
			opt := Options{
				Tracker: gen, Messenger: msg, Location: berlin, Now: func() time.Time { return t0 },
				Projects: []Project{{Name: "SEC", Policy: handoff.DefaultPolicy()}},
				Nag:      NagPolicy{DigestChannel: "#patch-digest", EscalationChannel: "#patch-escalations", EscalateAfter: 3, PersonalDigest: personal},
			}
			led := newMemLedger()
			led.plug(&opt)
			opt.Sends = nullSends{led}
			e, err := New(opt)
			if err != nil {
				t.Fatal(err)
			}
			streamed := mode == "streamed"
			seen := 0
			show := func(a Action, dry bool) {
				if a.Doc.Title == "" {
					t.Errorf("%s: streamed without its text", a.Ref)
				}
				seen++
			}
			if !streamed {
				show = nil
			}
			for _, job := range []string{"nag", "digest"} {
				if job == "nag" && personal {
					continue
				}
				seen = 0
				var rep *Report
				peak, total := peakHeap(func() {
					if job == "nag" {
						rep, err = e.Nag(context.Background(), NagOptions{CountsOnly: streamed, OnAction: show})
					} else {
						rep, err = e.Digest(context.Background(), DigestOptions{CountsOnly: streamed, OnAction: show})
					}
				})
				if err != nil {
					t.Fatalf("%s: %v", job, err)
				}
				if rep.Tickets != n {
					t.Errorf("%s read %d tickets, want %d", job, rep.Tickets, n)
				}
				if streamed && seen != len(rep.Actions) {
					t.Errorf("%s: %d actions streamed, %d in the report", job, seen, len(rep.Actions))
				}
				name := job
				if job == "digest" && personal {
					name = "digest+personal"
				}
				if !streamed {
					sent[name] = msg.h
				} else if msg.h != sent[name] {
					t.Errorf("%s: the streamed run sent other messages than the kept one", name)
				}
				// Before the due items were kept as briefs, a nag held about
				// 16 KiB at its peak per item due; now about 3.5.
				if per := float64(peak) / float64(due); job == "nag" && streamed && n >= 20000 && per > 8<<10 {
					t.Errorf("nag: peak heap %.0f B per due item, want at most 8 KiB", per)
				}
				t.Logf("%-16s %-8s N=%d due=%d sends=%d: peak heap %6.1f MiB (%5.0f B per ticket, %6.0f B per due item), allocated %7.1f MiB, messages %x",
					name, mode, n, due, len(rep.Actions), mib(peak), float64(peak)/float64(n), float64(peak)/float64(due), mib(total), msg.h[:6])
				msg.h = [sha256.Size]byte{}
			}
		}
	}
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
