package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/patchbot/patchbot/cmd/patchbot/app"
	"github.com/patchbot/patchbot/connectors/statuspage"
)

// statusEndpoint is the status page (GET /status) on status.listen, a
// listener of its own: 127.0.0.1:8081 unless configured, so the page that
// names tickets and owners is not reachable where /metrics is (often every
// interface, for Prometheus and the probes).
type statusEndpoint struct {
	addr string
	stop func()
}

// startStatus starts the status page when status.enabled is on. With
// status.listen equal to http.listen it returns mount, which puts the page
// on the daemon's health and metrics mux; otherwise it binds status.listen
// (before the jobs start, so a port in use ends run at once) and serves the
// page there until ctx ends or close is called. Off, it returns nothing.
func startStatus(ctx context.Context, a *app.App) (*statusEndpoint, func(*http.ServeMux), error) {
	h, err := a.StatusPage()
	if err != nil || h == nil {
		return nil, nil, err
	}
	log := a.Logger.With("service", "status")
	if a.Config.StatusSharesHTTPListener() {
		log.Info("serving the status page on the http.listen listener", "path", statuspage.Path)
		return nil, h.Register, nil
	}
	listen := a.Config.Status.Listen
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot listen on %s (status.listen): %w", listen, err)
	}
	mux := http.NewServeMux()
	h.Register(mux)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("status page stopped", "err", err)
		}
	})
	wg.Go(func() {
		<-ctx.Done()
		sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer scancel()
		_ = hs.Shutdown(sctx)
	})
	log.Info("serving the status page", "addr", ln.Addr().String(), "path", statuspage.Path, "basic_auth", a.Config.Status.Hash() != "")
	var once sync.Once
	return &statusEndpoint{addr: ln.Addr().String(), stop: func() { once.Do(func() { cancel(); wg.Wait() }) }}, nil, nil
}

// close stops the page's listener and waits for it; nil (off, or on the
// http.listen listener) closes at once.
func (s *statusEndpoint) close() {
	if s != nil {
		s.stop()
	}
}

// demoStatus turns the status page on for demo --serve, on the demo's own
// listener (loopback by default), and says where it is.
func demoStatus(a *app.App, out io.Writer, addr string) {
	a.Config.Status.Enabled = true
	a.Config.Status.Listen = a.Config.HTTP.Listen
	fmt.Fprintf(out, "The status page: http://%s%s\n", addr, statuspage.Path)
}
