package jirahook

import (
	"container/list"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"
)

// seen remembers delivery identities for a bounded time and count, so a
// retry or a replay is processed once. Every entry lives the same ttl and
// is added at the back with the current time, so the list is in expiry
// order and both bounds are kept by dropping from the front.
type seen struct {
	ttl time.Duration
	max int

	mu    sync.Mutex
	at    map[string]*list.Element
	order list.List // of seenEntry, oldest first
}

type seenEntry struct {
	id string
	at time.Time
}

func newSeen(ttl time.Duration, max int) *seen {
	return &seen{ttl: ttl, max: max, at: make(map[string]*list.Element)}
}

// maxIDLen bounds what one remembered identity costs; longer ones are kept
// as their SHA-256.
const maxIDLen = 128

// add records id at now and reports whether it was already there.
func (s *seen) add(id string, now time.Time) (dup bool) {
	if len(id) > maxIDLen {
		sum := sha256.Sum256([]byte(id))
		id = hex.EncodeToString(sum[:])
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for e := s.order.Front(); e != nil; e = s.order.Front() {
		v := e.Value.(seenEntry)
		if s.order.Len() < s.max && now.Sub(v.at) < s.ttl {
			break
		}
		s.order.Remove(e)
		delete(s.at, v.id)
	}
	if _, ok := s.at[id]; ok {
		return true
	}
	s.at[id] = s.order.PushBack(seenEntry{id: id, at: now})
	return false
}

// len reports how many identities are remembered.
func (s *seen) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.order.Len()
}
