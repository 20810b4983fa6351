package jirahook

import (
	"container/list"
	"sync"
	"time"
)

// queue holds the tickets waiting for a Recheck. It is a set keyed by
// ticket: the first event for a ticket opens an entry due one window
// later, and every event for it until then folds into that entry (the
// window is not extended, so a ticket edited without pause is still
// rechecked once a window). Its size is bounded by the number of distinct
// tickets, never by the number of events, and nothing in it is dropped:
// when the workers are busy, tickets simply stay dirty until one is free.
//
// A ticket being rechecked is never handed to a second worker; an event
// for it meanwhile opens a new entry, so a change made after the engine
// read the ticket is not lost.
type queue struct {
	window time.Duration

	mu       sync.Mutex
	pending  map[string]*list.Element // of *entry
	order    list.List                // of *entry, by due time
	inflight map[string]bool
	wake     chan struct{} // capacity 1: "something changed"
}

type entry struct {
	key, cause string
	due        time.Time
}

func newQueue(window time.Duration) *queue {
	return &queue{window: window, pending: map[string]*list.Element{}, inflight: map[string]bool{},
		wake: make(chan struct{}, 1)}
}

// mark makes key dirty; it reports whether the event folded into an entry
// already waiting.
func (q *queue) mark(key, cause string, now time.Time) (coalesced bool) {
	q.mu.Lock()
	if el, ok := q.pending[key]; ok {
		e := el.Value.(*entry)
		e.cause = stronger(e.cause, cause)
		q.mu.Unlock()
		return true
	}
	// Every entry is due now+window, and now only moves on, so pushing at
	// the back keeps the list in due order.
	q.pending[key] = q.order.PushBack(&entry{key: key, cause: cause, due: now.Add(q.window)})
	q.mu.Unlock()
	q.signal()
	return false
}

func (q *queue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// next takes the first ticket due at now that no worker holds and marks it
// in flight. When none is due it returns nil and how long until one is
// (or a negative wait when nothing is waiting for time, only for a worker
// or an event).
func (q *queue) next(now time.Time) (*entry, time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for el := q.order.Front(); el != nil; el = el.Next() {
		e := el.Value.(*entry)
		if q.inflight[e.key] {
			continue
		}
		if wait := e.due.Sub(now); wait > 0 {
			return nil, wait
		}
		q.order.Remove(el)
		delete(q.pending, e.key)
		q.inflight[e.key] = true
		return e, 0
	}
	return nil, -1
}

// done releases a ticket a worker has finished with.
func (q *queue) done(key string) {
	q.mu.Lock()
	delete(q.inflight, key)
	q.mu.Unlock()
	q.signal()
}

// flush makes every waiting ticket due at once (tests and benchmarks use
// it to end a window without waiting for the clock).
func (q *queue) flush() {
	q.mu.Lock()
	for el := q.order.Front(); el != nil; el = el.Next() {
		el.Value.(*entry).due = time.Time{}
	}
	q.mu.Unlock()
	q.signal()
}

// idle reports whether no ticket is waiting or in flight.
func (q *queue) idle() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.order.Len() == 0 && len(q.inflight) == 0
}

// len reports how many tickets are waiting (not counting those in flight).
func (q *queue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.order.Len()
}
