package jirahook

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"testing/synctest"
	"time"
)

// Coalescing runs on synctest's fake clock: advance moves it, and
// synctest.Wait returns once every goroutine is blocked again, so the
// assertions see exactly what the window allows, with no real waiting.

func TestCoalesceBurstForOneTicket(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		rc := &recorder{}
		h := newHandler(t, Options{Window: 2 * time.Second}, rc)
		start(t, h)
		person := cloudUser("5b10:ann")
		for i := range 50 {
			body := event(EventIssueUpdated, "SEC-1", map[string]any{"user": person, "timestamp": 1700000000000 + i,
				"changelog": changes(fieldItem("summary", "a", fmt.Sprint(i)))})
			if got := post(h, body, nil); got != http.StatusAccepted {
				t.Fatalf("event %d: %d", i, got)
			}
		}
		post(h, event(EventCommentCreated, "SEC-2", map[string]any{"comment": commentOf("5", person, person)}), nil)
		post(h, event(EventIssueCreated, "SEC-1", map[string]any{"user": person, "timestamp": 1}), nil)

		advance(2*time.Second - time.Millisecond)
		if got := rc.got(); len(got) != 0 {
			t.Fatalf("Rechecks before the window closed: %v", got)
		}
		advance(time.Millisecond)
		got := rc.got()
		slices.SortFunc(got, func(a, b call) int { return cmpStr(a.key, b.key) })
		want := []call{{"SEC-1", CauseCreated}, {"SEC-2", CauseComment}}
		if !slices.Equal(got, want) {
			t.Fatalf("Rechecks = %v, want %v", got, want)
		}
		if c := coalescedCount(h); c != 50 {
			t.Errorf("coalesced = %v, want 50", c)
		}
		// A later change to the same ticket is a new window.
		post(h, event(EventIssueDeleted, "SEC-1", map[string]any{"user": person, "timestamp": 2}), nil)
		advance(2 * time.Second)
		if got := rc.got(); len(got) != 3 || got[2] != (call{"SEC-1", CauseDeleted}) {
			t.Fatalf("Rechecks = %v, want a third for SEC-1 deleted", got)
		}
	})
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// A ticket edited without pause is still rechecked once a window: an event
// does not push its entry's due time back.
func TestCoalesceDoesNotStarve(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		rc := &recorder{}
		h := newHandler(t, Options{Window: time.Second}, rc)
		start(t, h)
		for i := range 30 { // an event every 100 ms for 3 s
			post(h, event(EventIssueUpdated, "SEC-1", map[string]any{"timestamp": i, "changelog": changes(fieldItem("summary", "", fmt.Sprint(i)))}), nil)
			advance(100 * time.Millisecond)
		}
		advance(time.Second)
		if got := len(rc.got()); got != 3 {
			t.Fatalf("Rechecks = %d, want 3 (one a window)", got)
		}
	})
}

// A change that arrives while its ticket is being rechecked is not lost,
// and the ticket is never rechecked twice at once.
func TestEventDuringRecheck(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		rc := &recorder{block: make(chan struct{})}
		h := newHandler(t, Options{Window: time.Second, Workers: 4}, rc)
		start(t, h)
		post(h, event(EventIssueUpdated, "SEC-1", map[string]any{"timestamp": 1}), nil)
		advance(time.Second) // the Recheck has started and is held
		post(h, event(EventIssueUpdated, "SEC-1", map[string]any{"timestamp": 2}), nil)
		advance(5 * time.Second) // due, but SEC-1 is still in flight
		if n := h.q.len(); n != 1 || h.Idle() {
			t.Fatalf("queued = %d, idle %v; want the second change waiting", n, h.Idle())
		}
		close(rc.block)
		synctest.Wait()
		if got := len(rc.got()); got != 2 || !h.Idle() {
			t.Fatalf("Rechecks = %d, idle %v; want 2 and idle", got, h.Idle())
		}
	})
}

// When the engine is slower than the events, tickets wait as dirty; none
// is dropped, and each is rechecked once.
func TestBurstOverManyTickets(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		rc := &recorder{block: make(chan struct{})}
		h := newHandler(t, Options{Window: 2 * time.Second, Workers: 2}, rc)
		start(t, h)
		const events, tickets = 10000, 1000
		for i := range events {
			key := fmt.Sprintf("SEC-%d", i%tickets+1)
			post(h, event(EventIssueUpdated, key, map[string]any{"timestamp": i}), map[string]string{HeaderIdentifier: fmt.Sprint("d-", i)})
		}
		advance(2 * time.Second)
		// Two tickets are held by the workers, one by the dispatcher handing
		// it over; the rest wait as dirty.
		if n := h.q.len(); n != tickets-3 {
			t.Fatalf("queued while the workers are held = %d, want %d", n, tickets-3)
		}
		close(rc.block)
		synctest.Wait()
		got := rc.got()
		seen := map[string]bool{}
		for _, c := range got {
			if seen[c.key] {
				t.Fatalf("%s rechecked twice", c.key)
			}
			seen[c.key] = true
		}
		if len(got) != tickets {
			t.Fatalf("Rechecks = %d, want %d", len(got), tickets)
		}
		if a, c := outcome(h, outcomeAccepted), coalescedCount(h); a != events || c != events-tickets {
			t.Errorf("accepted %v coalesced %v", a, c)
		}
	})
}

func TestStrongerCause(t *testing.T) {
	t.Parallel()
	order := []string{CauseComment, CauseUpdated, CauseCreated, CauseMoved, CauseDeleted}
	for i, a := range order {
		for j, b := range order {
			want := order[max(i, j)]
			if got := stronger(a, b); got != want {
				t.Errorf("stronger(%s, %s) = %s, want %s", a, b, got, want)
			}
		}
	}
}

func TestSeenBounds(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(1700000000, 0)
	s := newSeen(10*time.Minute, 3)
	if s.add("a", t0) || !s.add("a", t0.Add(time.Minute)) {
		t.Fatal("a replay within the TTL was not seen")
	}
	if s.add("a", t0.Add(10*time.Minute)) {
		t.Fatal("an identity older than the TTL was still remembered")
	}
	for _, id := range []string{"b", "c", "d"} {
		s.add(id, t0.Add(11*time.Minute))
	}
	if s.len() != 3 {
		t.Fatalf("len = %d, want the bound 3", s.len())
	}
	if s.add("a", t0.Add(11*time.Minute)) {
		t.Fatal("the oldest identity survived the count bound")
	}
	long := string(make([]byte, 10000))
	if s.add(long, t0.Add(12*time.Minute)) || !s.add(long, t0.Add(12*time.Minute)) {
		t.Fatal("a long identity (kept hashed) was not deduplicated")
	}
}
