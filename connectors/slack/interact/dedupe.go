package interact

import (
	"sync"
	"time"
)

// recent remembers keys for a while, within a bound: what was already
// handled (an envelope, a click) so that a re-delivery, a retry after a
// reconnect or a double click runs once. Entries leave after their TTL,
// or oldest first when the bound is reached, so memory stays bounded
// however long the adapter runs.
type recent struct {
	mu    sync.Mutex
	ttl   time.Duration
	limit int
	at    map[string]time.Time
	queue []entry // oldest first
}

type entry struct {
	key string
	at  time.Time
}

func newRecent(ttl time.Duration, limit int) *recent {
	return &recent{ttl: ttl, limit: limit, at: map[string]time.Time{}}
}

// first records key at now and reports whether it is new: not seen within
// the TTL.
func (r *recent) first(key string, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.expire(now)
	if at, seen := r.at[key]; seen && now.Sub(at) < r.ttl {
		return false
	}
	r.at[key] = now
	r.queue = append(r.queue, entry{key, now})
	for len(r.at) > r.limit {
		r.pop()
	}
	return true
}

// expire drops the entries older than the TTL. Callers hold r.mu.
func (r *recent) expire(now time.Time) {
	for len(r.queue) > 0 && now.Sub(r.queue[0].at) >= r.ttl {
		r.pop()
	}
}

// pop drops the oldest entry. A key recorded again later keeps its newer
// time: the queue entry that no longer matches is skipped.
func (r *recent) pop() {
	e := r.queue[0]
	r.queue = r.queue[1:]
	if r.at[e.key].Equal(e.at) {
		delete(r.at, e.key)
	}
}

// size is how many keys are remembered.
func (r *recent) size() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.at)
}
