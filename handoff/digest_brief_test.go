package handoff

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
)

// briefsOf is the briefs of items.
func briefsOf(items []Due) []DueBrief {
	out := make([]DueBrief, len(items))
	for i, d := range items {
		out[i] = d.Brief()
	}
	return out
}

// TestDigestBriefsIsDigest: the digests built from briefs are the ones
// built from the Dues the briefs were made from, on the text fixtures, on
// items with many ties in their order and owners, and on the ~10,000
// items of the copy benchmark; and building them leaves the caller's
// briefs as they were.
func TestDigestBriefsIsDigest(t *testing.T) {
	t.Parallel()
	hostile := fxHostile().Handoff
	hostile.Blocked = true
	sets := map[string][]Due{
		"digest":   fxDigestItems(),
		"reminder": fxReminderItems(),
		"heads-up": fxHeadsUpItems(),
		"many":     fxManyDigest(120),
		"hostile":  {fxDue(DueBlockedReview, hostile, FieldReviewDate, fxOnDay(2026, 11, 15), 5), fxDue(DueSoon, hostile, FieldDeadline, fxOnDay(2026, 11, 22), 2)},
		"none":     nil,
	}
	for seed := uint64(1); seed <= 5; seed++ {
		sets[fmt.Sprintf("ties-%d", seed)] = copyTies(60*int(seed), seed)
	}
	bench, benchOpts := copyBenchData(t)
	sets["bench"] = bench
	for name, items := range sets {
		o := fxOpts()
		if name == "bench" {
			o = benchOpts
		}
		briefs := briefsOf(items)
		keep := slices.Clone(briefs)
		if got, want := DigestBriefs(briefs, o), Digest(items, o); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: Digest from briefs differs from the one from Dues:\n got %s\nwant %s", name, RenderText(got), RenderText(want))
		}
		po := o
		po.OwnerSlackID = "U0DANA"
		for _, owner := range []Person{fxDana, fxLee, {}} {
			if got, want := PersonalDigestBriefs(owner, briefs, po), PersonalDigest(owner, items, po); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: PersonalDigest from briefs differs from the one from Dues:\n got %s\nwant %s", name, RenderText(got), RenderText(want))
			}
		}
		if !reflect.DeepEqual(briefs, keep) {
			t.Errorf("%s: the caller's briefs were changed", name)
		}
	}
	// Each owner's share, as the scheduler sends it.
	_, o := copyBenchData(t)
	o.OwnerSlackID = "U0OWNER"
	for i, items := range copyBench.by {
		owner := copyBench.owners[i]
		if got, want := PersonalDigestBriefs(owner, briefsOf(items), o), PersonalDigest(owner, items, o); !reflect.DeepEqual(got, want) {
			t.Fatalf("owner %d: PersonalDigest from briefs differs from the one from Dues:\n got %s\nwant %s", i, RenderText(got), RenderText(want))
		}
	}
}

// TestDigestBriefsOrder: the briefs are ordered and grouped as the Dues
// are, ties included, each group's owner pointing into its first brief.
func TestDigestBriefsOrder(t *testing.T) {
	t.Parallel()
	summary := func(v dueView) string { return v.Ticket.Summary }
	for seed := uint64(1); seed <= 20; seed++ {
		items := copyTies(50*int(seed), seed)
		briefs := briefsOf(items)
		dues := overdueOnly[Due, *Due](items)
		got := overdueOnly[DueBrief, *DueBrief](briefs)
		if len(got) != len(dues) {
			t.Fatalf("seed %d: %d overdue briefs, want %d", seed, len(got), len(dues))
		}
		for i := range got {
			if a, b := summary(got[i].view()), summary(dues[i].view()); a != b {
				t.Fatalf("seed %d: overdue brief %d is %q, want %q", seed, i, a, b)
			}
		}
		gb, gd := groupByOwner(got), groupByOwner(dues)
		if len(gb) != len(gd) {
			t.Fatalf("seed %d: %d groups of briefs, want %d", seed, len(gb), len(gd))
		}
		for i := range gb {
			if len(gb[i].items) != len(gd[i].items) || gb[i].owner != &gb[i].items[0].Owner || !reflect.DeepEqual(*gb[i].owner, *gd[i].owner) {
				t.Errorf("seed %d: group %d of briefs is not the group of Dues", seed, i)
			}
		}
	}
}

// BenchmarkDigestBriefs is BenchmarkDigestCopy from the briefs of the
// items, as the scheduler builds the digest.
func BenchmarkDigestBriefs(b *testing.B) {
	items, o := copyBenchData(b)
	briefs := briefsOf(items)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		doc := DigestBriefs(briefs, o)
		if len(doc.Blocks) < copyBenchOwners {
			b.Fatalf("%d blocks", len(doc.Blocks))
		}
	}
}
