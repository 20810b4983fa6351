package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/patchbot/patchbot/scheduler"
)

// probe checks that a service answers.
type probe func(ctx context.Context) error

// server serves /healthz, /readyz and /metrics.
type server struct {
	status func() scheduler.Status
	// leading says whether this replica leads and runs the jobs (nil:
	// it always does). A standby syncs nothing: its readiness is its
	// probes alone, so that a rolling update's new replica, which stands
	// by until the old leader goes, becomes ready.
	leading func() bool
	probes  map[string]probe
	// maxSyncAge is how old the last successful sync may be before the
	// daemon reports itself not ready.
	maxSyncAge time.Duration
	now        func() time.Time
	reg        *prometheus.Registry
	// mount, when set, adds a handler of its own (the status page on
	// this listener: status.go).
	mount func(*http.ServeMux)

	// feeds, when set, says how the public feeds stand (feeds.go): a
	// detail of /readyz, never a reason to be unready.
	feeds func() any

	// degraded lists per project what the bot may not do on the Jira
	// site (capabilities.go); nil: nothing is reported.
	degraded func() map[string][]string
}

func (s *server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", s.ready)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{Registry: s.reg}))
	if s.mount != nil {
		s.mount(mux)
	}
	return mux
}

// ready reports whether Jira and Slack answer (the probes, cached: see
// cachedProbe) and, on the leader, whether the last sync is fresh.
func (s *server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	st := s.status()
	body := map[string]any{}
	ok := true
	for name, p := range s.probes {
		if err := p(ctx); err != nil {
			ok = false
			body[name] = err.Error()
		} else {
			body[name] = "ok"
		}
	}
	standby := s.leading != nil && !s.leading()
	body["role"] = "leader"
	switch {
	case standby:
		body["role"] = "standby"
	case st.LastSync.IsZero():
		ok = false
		body["last_sync"] = "none yet"
	default:
		age := s.now().Sub(st.LastSync)
		body["last_sync"] = st.LastSync.UTC().Format(time.RFC3339)
		body["last_sync_age_seconds"] = int(age.Seconds())
		if age > s.maxSyncAge {
			ok = false
		}
	}
	if st.LastSyncError != "" {
		body["last_sync_error"] = st.LastSyncError
	}
	if s.degraded != nil {
		if d := s.degraded(); len(d) > 0 {
			body["degraded"] = d // ready, with these parts routed around
		}
	}
	if s.feeds != nil {
		body["feeds"] = s.feeds()
	}
	body["ready"] = ok
	w.Header().Set("Content-Type", "application/json")
	if !ok {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(body)
}

// serve runs the HTTP server on ln, bound before the jobs started, until
// ctx is cancelled.
func (s *server) serve(ctx context.Context, ln net.Listener, log *slog.Logger) error {
	hs := &http.Server{Handler: s.handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
	}()
	log.Info("serving health and metrics", "addr", ln.Addr().String())
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
