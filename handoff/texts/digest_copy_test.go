package texts

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/intake"
	"github.com/patchbot/patchbot/handoff/internal/handofftest"
)

// The texts about due items are built from Dues that each carry a copy
// of their handoff (3.5 KiB). These benchmarks measure what building them
// costs over a large scope: the weekly digest over ~10,000 due items of
// ~2,000 owners, and every owner's own texts over the same items.

const (
	copyBenchItems  = 10_000
	copyBenchOwners = 2_000
)

var copyBench struct {
	once   sync.Once
	items  []handoff.Due
	owners []handoff.Person
	by     [][]handoff.Due // each owner's items, in the order read
	now    time.Time
	loc    *time.Location
}

// copyBenchData is ~10,000 due items of realistic handoffs (read and
// evaluated from the tickets of copyBenchInput), spread over ~2,000
// owners: some Jira accounts, some Data Center names, some emails, some
// typed names, and a few items with no owner.
func copyBenchData(tb testing.TB) ([]handoff.Due, Options) {
	tb.Helper()
	cb := &copyBench
	cb.once.Do(func() {
		loc, err := time.LoadLocation("Europe/Berlin")
		if err != nil {
			loc = time.UTC
		}
		cb.now, cb.loc = time.Date(2026, 12, 1, 9, 0, 0, 0, loc), loc
		p := handoff.DefaultPolicy()
		p.EscalateTo = "#sec-leads"
		cb.owners = make([]handoff.Person, copyBenchOwners)
		for i := range cb.owners {
			name := fmt.Sprintf("Owner %04d", i)
			switch i % 4 {
			case 0:
				cb.owners[i] = handoff.Person{Value: handoff.Value{Text: name}, User: handoff.User{AccountID: fmt.Sprintf("5b10ac%018d", i), DisplayName: name}}
			case 1:
				cb.owners[i] = handoff.Person{Value: handoff.Value{Text: name}, User: handoff.User{Name: fmt.Sprintf("owner%d", i), DisplayName: name}}
			case 2:
				cb.owners[i] = handoff.Person{Value: handoff.Value{Text: fmt.Sprintf("Owner.%d@Example.com", i)}, User: handoff.User{Email: fmt.Sprintf("Owner.%d@Example.com", i)}}
			default:
				cb.owners[i] = handoff.Person{Value: handoff.Value{Text: fmt.Sprintf("team-%d", i)}}
			}
		}
		cb.by = make([][]handoff.Due, copyBenchOwners)
		r := rand.New(rand.NewPCG(7, 11))
		base := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
		for i := 0; len(cb.items) < copyBenchItems; i++ {
			ev := handoff.Evaluate(intake.Read(copyBenchInput(r, i, base)), p, cb.now, loc)
			for _, d := range handoff.DueItems(ev, p, cb.now, loc) {
				if len(cb.items) == copyBenchItems {
					break
				}
				o := r.IntN(copyBenchOwners)
				if r.IntN(200) == 0 {
					d.Owner = handoff.Person{} // nobody: the digest's "no owner" group
				} else {
					d.Owner = cb.owners[o]
				}
				d.Handoff.Scope.Owner = d.Owner
				cb.items = append(cb.items, d)
				cb.by[o] = append(cb.by[o], d)
			}
		}
	})
	return cb.items, Options{Now: cb.now, Loc: cb.loc}
}

// copyBenchInput is ticket i: a description in one of genDescription's
// paste styles (about 30% of them incomplete), some blocked, some
// resolved. It draws only from r, so the items are the same every run
// (genInputs' mapped fields are not: they drop fields in map order).
func copyBenchInput(r *rand.Rand, i int, base time.Time) handoff.Input {
	lane := handoff.Lanes()[r.IntN(len(handoff.Lanes()))]
	in := handoff.Input{Ticket: handoff.Ticket{
		Key:            fmt.Sprintf("SEC-%d", i+1),
		URL:            fmt.Sprintf("https://jira.example.com/browse/SEC-%d", i+1),
		Summary:        "Patch CVE-2026-" + fmt.Sprint(1000+r.IntN(9000)),
		Status:         "In Progress",
		StatusCategory: handoff.StatusIndeterminate,
		Created:        base.Add(time.Duration(r.IntN(60*24)) * time.Hour),
	}}
	in.Description = handofftest.Description(r, lane, r.IntN(10) < 3)
	if r.IntN(10) == 0 {
		in.Ticket.Labels = []string{"blocked"}
	}
	if r.IntN(8) == 0 {
		in.Ticket.StatusCategory, in.Ticket.Resolved = handoff.StatusDone, in.Ticket.Created.Add(72*time.Hour)
	}
	return in
}

func TestCopyBenchDataIsLarge(t *testing.T) {
	t.Parallel()
	items, _ := copyBenchData(t)
	over, owners := 0, map[string]bool{}
	for _, d := range items {
		if d.Kind != handoff.DueSoon {
			over++
			owners[ownerName(d.Owner)] = true
		}
	}
	if len(items) != copyBenchItems || over < copyBenchItems/2 || len(owners) < copyBenchOwners*9/10 {
		t.Errorf("%d items, %d overdue, %d owners with overdue items", len(items), over, len(owners))
	}
	t.Logf("%d items, %d overdue, %d owners with overdue items", len(items), over, len(owners))
}

// ownerName is a name that tells the bench's owners apart.
func ownerName(p handoff.Person) string {
	return p.User.AccountID + "|" + p.User.Name + "|" + p.User.Email + "|" + p.Text
}

// BenchmarkDigestCopy builds the channel digest over the briefs of
// ~10,000 due items of ~2,000 owners, as the digest job does: the one
// text that holds every overdue item at once.
func BenchmarkDigestCopy(b *testing.B) {
	items, o := copyBenchData(b)
	briefs := handofftest.BriefsOf(items)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		doc := DigestBriefs(briefs, o)
		if len(doc.Blocks) < copyBenchOwners {
			b.Fatalf("%d blocks", len(doc.Blocks))
		}
	}
}

// BenchmarkOwnerTextsCopy builds every owner's texts over the same items:
// a reminder, an escalation, a heads-up and a personal digest (from the
// briefs) each.
func BenchmarkOwnerTextsCopy(b *testing.B) {
	_, o := copyBenchData(b)
	cb := &copyBench
	briefs := make([][]handoff.DueBrief, len(cb.by))
	for i, items := range cb.by {
		briefs[i] = handofftest.BriefsOf(items)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		n := 0
		for i, items := range cb.by {
			owner := cb.owners[i]
			n += len(Reminder(owner, items, o).Blocks)
			n += len(Escalation(owner, items, 1, o).Blocks)
			n += len(HeadsUp(owner, items, o).Blocks)
			n += len(PersonalDigestBriefs(owner, briefs[i], o).Blocks)
		}
		if n == 0 {
			b.Fatal("no blocks")
		}
	}
}
