package jirahook

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// The reasons a delivery is rejected, as counted by
// patchbot_webhook_rejected_total.
const (
	reasonMethod             = "method"              // not a POST (405)
	reasonTokenMissing       = "token_missing"       // 401
	reasonTokenMismatch      = "token_mismatch"      // 401
	reasonSignatureMissing   = "signature_missing"   // 401
	reasonSignatureMalformed = "signature_malformed" // not sha256=<64 hex digits> (401)
	reasonSignatureMismatch  = "signature_mismatch"  // 401
	reasonTooLarge           = "too_large"           // 413
	reasonUnreadable         = "unreadable"          // the body could not be read (400)
	reasonBadJSON            = "bad_json"            // 400
	reasonNoIssue            = "no_issue"            // an issue event naming no issue (400)
)

var reasons = []string{reasonMethod, reasonTokenMissing, reasonTokenMismatch, reasonSignatureMissing,
	reasonSignatureMalformed, reasonSignatureMismatch, reasonTooLarge, reasonUnreadable, reasonBadJSON, reasonNoIssue}

// metrics are the receiver's Prometheus metrics.
type metrics struct {
	received  prometheus.Counter
	rejected  *prometheus.CounterVec
	events    *prometheus.CounterVec
	coalesced prometheus.Counter
	rechecks  *prometheus.CounterVec
	pending   prometheus.GaugeFunc
}

func newMetrics(q *queue) *metrics {
	m := &metrics{
		received: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "patchbot_webhook_received_total", Help: "Jira webhook deliveries received, before any check.",
		}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "patchbot_webhook_rejected_total", Help: "Jira webhook deliveries refused, by reason (bad or missing signature or token, too large, malformed).",
		}, []string{"reason"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "patchbot_webhook_events_total", Help: "Authentic Jira webhook deliveries, by outcome: accepted (a recheck queued), duplicate, self (the bot's own edit), unwatched (project), unused (event).",
		}, []string{"outcome"}),
		coalesced: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "patchbot_webhook_coalesced_total", Help: "Accepted webhook events folded into a recheck already waiting for the same ticket.",
		}),
		rechecks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "patchbot_webhook_rechecks_total", Help: "Targeted rechecks asked of the engine after webhooks, by result (ok, error).",
		}, []string{"result"}),
		pending: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "patchbot_webhook_pending_tickets", Help: "Tickets waiting for a recheck (one entry per ticket however many events).",
		}, func() float64 { return float64(q.len()) }),
	}
	for _, r := range reasons {
		m.rejected.WithLabelValues(r)
	}
	for _, o := range outcomes {
		m.events.WithLabelValues(o)
	}
	m.rechecks.WithLabelValues("ok")
	m.rechecks.WithLabelValues("error")
	return m
}

func (m *metrics) register(reg prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{m.received, m.rejected, m.events, m.coalesced, m.rechecks, m.pending} {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("jirahook: register metrics: %w", err)
		}
	}
	return nil
}
