package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/patchbot/patchbot/cmd/patchbot/app"
	"github.com/patchbot/patchbot/connectors/jirahook"
)

// webhookEndpoint is run's Jira webhook endpoint: POST /webhooks/jira on
// webhook.listen, a listener of its own (the port Jira reaches; /metrics
// and the probes stay on http.listen), and the receiver's worker, which
// asks the engine for a targeted sync of each changed ticket.
//
// It runs on every replica. The leader's engine syncs the ticket at once;
// a standby's leaves it in the ledger's inbox, which the leader drains
// (scheduler/recheck.go), so a webhook the load balancer hands to a
// standby is not lost.
type webhookEndpoint struct {
	addr string
	h    *jirahook.Handler
	stop func()
}

// startWebhook binds webhook.listen (before the jobs start, so a port in
// use ends run at once) and serves the receiver on it until ctx ends or
// close is called. It returns nil when the endpoint is off. wrap, when
// set, wraps what the receiver calls (tests).
func startWebhook(ctx context.Context, a *app.App, wrap func(jirahook.Rechecker) jirahook.Rechecker) (*webhookEndpoint, error) {
	h, err := a.Webhook(wrap)
	if err != nil || h == nil {
		return nil, err
	}
	listen := a.Config.Webhook.Listen
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s (webhook.listen): %w", listen, err)
	}
	mux := http.NewServeMux()
	h.Register(mux)
	// Jira's deliveries are small and answered at once; the timeouts
	// bound what a slow or hostile client can hold.
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
	ctx, cancel := context.WithCancel(ctx)
	log := a.Logger.With("service", "webhook")
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := h.Run(ctx); err != nil {
			log.Error("jira webhook receiver", "err", err)
		}
	})
	wg.Go(func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("jira webhook endpoint stopped", "err", err)
		}
	})
	wg.Go(func() {
		<-ctx.Done()
		sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer scancel()
		_ = hs.Shutdown(sctx)
	})
	log.Info("serving Jira webhooks", "addr", ln.Addr().String(), "path", jirahook.Path)
	var once sync.Once
	return &webhookEndpoint{addr: ln.Addr().String(), h: h, stop: func() {
		once.Do(func() { cancel(); wg.Wait() })
	}}, nil
}

// close stops the endpoint and waits for it; tickets still queued are
// left to the next sync. A nil endpoint (off) closes at once.
func (w *webhookEndpoint) close() {
	if w != nil {
		w.stop()
	}
}
