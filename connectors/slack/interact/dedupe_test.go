package interact

import (
	"fmt"
	"testing"
	"time"
)

func TestRecentTTLAndBound(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	r := newRecent(time.Minute, 3)
	if !r.first("a", t0) || r.first("a", t0.Add(59*time.Second)) {
		t.Fatal("a key within the TTL was not recognised")
	}
	if !r.first("a", t0.Add(time.Minute)) {
		t.Error("a key past its TTL is still remembered")
	}
	for i := range 10 {
		r.first(fmt.Sprint(i), t0.Add(time.Minute))
	}
	if n := r.size(); n != 3 {
		t.Errorf("size = %d, want the bound 3", n)
	}
	if !r.first("0", t0.Add(time.Minute)) {
		t.Error("the oldest key survived the bound")
	}
	if r.first("9", t0.Add(time.Minute)) {
		t.Error("the newest key was dropped")
	}
	r.first("x", t0.Add(10*time.Minute))
	if n := r.size(); n != 1 {
		t.Errorf("size after expiry = %d, want 1", n)
	}
}

func BenchmarkRecent(b *testing.B) {
	r := newRecent(time.Minute, 10000)
	t0 := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	for i := 0; b.Loop(); i++ {
		r.first(fmt.Sprint("env-", i), t0.Add(time.Duration(i)*time.Millisecond))
	}
}
