package scheduler

import (
	"context"
	"errors"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/patchbot/patchbot/handoff"
)

// Metrics are the engine's Prometheus metrics. A nil *Metrics records
// nothing, so tests and the CLI need not build one.
type Metrics struct {
	tickets     *prometheus.CounterVec
	findings    *prometheus.CounterVec
	sends       *prometheus.CounterVec
	apiErrors   *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	lastSuccess *prometheus.GaugeVec
	deferred    prometheus.Counter
	handoffs    *handoffGauges // gauges.go
	forged      prometheus.Counter

	capability *prometheus.GaugeVec // capabilities.go
}

// NewMetrics registers the engine's metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		tickets: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "patchbot_tickets_evaluated_total", Help: "Tickets read and evaluated by sync, by project and verdict.",
		}, []string{"project", "verdict"}),
		findings: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "patchbot_findings_total", Help: "Findings on evaluated tickets, by lane, field and kind.",
		}, []string{"lane", "field", "kind"}),
		sends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "patchbot_sent_total", Help: "Writes done: Jira comments and Slack messages, by kind (comment, validation, reminder, escalation, digest, ...).",
		}, []string{"kind"}),
		apiErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "patchbot_api_errors_total", Help: "Failed calls to Jira and Slack, by service and HTTP status (0 when there was none).",
		}, []string{"service", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "patchbot_cycle_duration_seconds", Help: "Duration of job runs.",
			Buckets: prometheus.ExponentialBuckets(0.05, 2, 14),
		}, []string{"job"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "patchbot_last_success_timestamp_seconds", Help: "When each job last finished without errors.",
		}, []string{"job"}),
		deferred: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "patchbot_deferred_tickets_total", Help: "Tickets left for the next cycle by the write cap.",
		}),
		forged: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "patchbot_forged_trails_total", Help: "Tickets whose trail named a comment that is not the bot's (left untouched; the bot posted its own).",
		}),
	}
	m.handoffs = newHandoffGauges() // gauges.go
	reg.MustRegister(m.tickets, m.findings, m.sends, m.apiErrors, m.duration, m.lastSuccess, m.deferred, m.forged, m.handoffs)

	m.capability = newCapabilityGauge() // capabilities.go
	reg.MustRegister(m.capability)
	return m
}

func (m *Metrics) evaluated(project string, ev handoff.Evaluation) {
	if m == nil {
		return
	}
	m.tickets.WithLabelValues(project, string(ev.Verdict)).Inc()
	for _, f := range ev.Findings {
		m.findings.WithLabelValues(string(ev.Lane), string(f.Field), string(f.Kind)).Inc()
	}
}

func (m *Metrics) forgedTrail() {
	if m == nil {
		return
	}
	m.forged.Inc()
}

func (m *Metrics) sent(kind string) {
	if m == nil {
		return
	}
	m.sends.WithLabelValues(kind).Inc()
}

// statusCoder is satisfied by connector errors that carry an HTTP status
// (jira.Error); httpStatusCoder by slack-go's StatusCodeError.
type (
	statusCoder     interface{ StatusCode() int }
	httpStatusCoder interface{ HTTPStatusCode() int }
)

func (m *Metrics) apiError(service string, err error) {
	if m == nil || err == nil || errors.Is(err, context.Canceled) {
		return
	}
	status := "0"
	var sc statusCoder
	var hc httpStatusCoder
	switch {
	case errors.As(err, &sc):
		status = strconv.Itoa(sc.StatusCode())
	case errors.As(err, &hc):
		status = strconv.Itoa(hc.HTTPStatusCode())
	}
	m.apiErrors.WithLabelValues(service, status).Inc()
}

func (m *Metrics) cycle(job string, r *Report) {
	if m == nil || r == nil {
		return
	}
	m.duration.WithLabelValues(job).Observe(r.Finished.Sub(r.Started).Seconds())
	m.deferred.Add(float64(r.Deferred))
	if len(r.Errors) == 0 && !r.DryRun {
		m.lastSuccess.WithLabelValues(job).Set(float64(r.Finished.Unix()))
	}
}
