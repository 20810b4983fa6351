package scheduler

import (
	"context"
	"errors"
	"testing"
)

// fakeTerm is a term the test ends.
type fakeTerm struct {
	epoch    int64
	done     chan struct{}
	released chan struct{}
}

func (t *fakeTerm) Epoch() int64          { return t.epoch }
func (t *fakeTerm) Done() <-chan struct{} { return t.done }
func (t *fakeTerm) Err() error            { return errors.New("lease lost") }
func (t *fakeTerm) Release(context.Context) error {
	close(t.released)
	return nil
}

// fakeElector grants the terms the test hands it, one per campaign.
type fakeElector struct{ terms chan *fakeTerm }

func (e fakeElector) Campaign(ctx context.Context) (Term, error) {
	select {
	case t := <-e.terms:
		return t, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// TestLeadStopsTheJobsWhenTheTermEnds: the jobs run only while a term
// lasts; when it ends, Run has returned (no job is left running, so none
// sends) before the replica reports standing by, and it campaigns again;
// on shutdown the term in hand is released.
func TestLeadStopsTheJobsWhenTheTermEnds(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	el := fakeElector{terms: make(chan *fakeTerm)}
	changes := make(chan bool)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m := NewLeaderMetrics(nil)
	out := make(chan error, 1)
	go func() {
		out <- r.eng.Lead(ctx, Schedules{}, el, m, func(leading bool) { changes <- leading })
	}()

	t1 := &fakeTerm{epoch: 1, done: make(chan struct{}), released: make(chan struct{})}
	el.terms <- t1
	if !<-changes {
		t.Fatal("the first change is not to leading")
	}
	close(t1.done)
	if <-changes {
		t.Fatal("the term ended but the replica still leads")
	}
	// It campaigns again: the next term is taken.
	t2 := &fakeTerm{epoch: 2, done: make(chan struct{}), released: make(chan struct{})}
	el.terms <- t2
	if !<-changes {
		t.Fatal("the second term did not lead")
	}
	cancel()
	if <-changes {
		t.Fatal("shutdown left the replica leading")
	}
	if err := <-out; err != nil {
		t.Fatal(err)
	}
	select {
	case <-t2.released:
	default:
		t.Error("shutdown did not release the term")
	}
	select {
	case <-t1.released:
		t.Error("a lost term was released")
	default:
	}
}
