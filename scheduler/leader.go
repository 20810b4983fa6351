package scheduler

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Elector is what the daemon needs to run as one of several replicas: a
// campaign for the ledger's leadership. The store provides it.
type Elector interface {
	// Campaign blocks until this replica leads, or ctx ends.
	Campaign(ctx context.Context) (Term, error)
}

// Term is one won leadership.
type Term interface {
	// Epoch numbers the term; a newer leader's is higher.
	Epoch() int64
	// Done is closed when the term ends (lost or released).
	Done() <-chan struct{}
	// Err says why the term ended.
	Err() error
	// Release gives the leadership up, so a standby takes over at once.
	Release(ctx context.Context) error
}

// LeaderMetrics are the leadership gauges: patchbot_leader (1 while this
// replica leads) and patchbot_leader_epoch (its last term).
type LeaderMetrics struct {
	leading, epoch prometheus.Gauge
}

// NewLeaderMetrics registers the leadership gauges (nil registers none).
func NewLeaderMetrics(reg prometheus.Registerer) *LeaderMetrics {
	m := &LeaderMetrics{
		leading: prometheus.NewGauge(prometheus.GaugeOpts{Name: "patchbot_leader", Help: "1 while this replica leads and runs the jobs, 0 while it stands by."}),
		epoch:   prometheus.NewGauge(prometheus.GaugeOpts{Name: "patchbot_leader_epoch", Help: "The epoch of this replica's last term of leadership."}),
	}
	if reg != nil {
		reg.MustRegister(m.leading, m.epoch)
	}
	return m
}

func (m *LeaderMetrics) set(leading bool, epoch int64) {
	if m == nil {
		return
	}
	v := 0.0
	if leading {
		v = 1
	}
	m.leading.Set(v)
	if epoch > 0 {
		m.epoch.Set(float64(epoch))
	}
}

// Lead runs the daemon as one replica of several until ctx ends: it
// stands by while another leads, and while it leads it runs the jobs
// (Run, which first recovers the intents a previous leader left open).
// When the term ends — the ledger could not be reached for too long, or a
// newer leader exists — the jobs' context is cancelled at once, so no
// send starts after it, and the replica stands by again. On shutdown it
// releases the leadership so a standby takes over without waiting for the
// lease to run out. leading, when set, is told each change.
func (e *Engine) Lead(ctx context.Context, s Schedules, el Elector, m *LeaderMetrics, leading func(bool)) error {
	if leading == nil {
		leading = func(bool) {}
	}
	for ctx.Err() == nil {
		e.log.Info("standing by: waiting for leadership")
		term, err := el.Campaign(ctx)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			e.log.Error("campaign failed; trying again", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(5 * time.Second):
			}
			continue
		}
		log := e.log.With("epoch", term.Epoch())
		log.Info("leading: running the jobs")
		m.set(true, term.Epoch())
		leading(true)
		jobs, stop := context.WithCancel(ctx)
		go func() {
			select {
			case <-term.Done():
			case <-jobs.Done():
			}
			stop()
		}()
		err = e.Run(jobs, s)
		stop()
		m.set(false, 0)
		leading(false)
		if ctx.Err() != nil {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			if err := term.Release(rctx); err != nil {
				log.Warn("could not release the leadership; a standby takes over when the lease runs out", "err", err)
			}
			cancel()
			return err
		}
		log.Warn("leadership lost: the jobs stopped; standing by", "why", term.Err(), "err", err)
	}
	return nil
}
