package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/patchbot/patchbot/cmd/patchbot/demo"
	"github.com/patchbot/patchbot/scheduler"
)

// TestStatusEndpoint: the daemon serves GET /status only when
// status.enabled is on, on a listener of its own at status.listen, or on
// the health and metrics mux when status.listen is http.listen.
func TestStatusEndpoint(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w, err := demo.NewWorld(ctx, demo.Options{Now: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC), Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.App.Engine.Sync(ctx, scheduler.SyncOptions{Full: true}); err != nil {
		t.Fatal(err)
	}
	key := w.Keys["Samba file servers — overdue for weeks"]

	// Off by default.
	if page, mount, err := startStatus(ctx, w.App); page != nil || mount != nil || err != nil {
		t.Fatalf("off: %v %v %v", page, mount != nil, err)
	}

	// Its own listener.
	w.Config.Status.Enabled, w.Config.Status.Listen = true, "127.0.0.1:0"
	if err := w.Config.Validate(); err != nil {
		t.Fatal(err)
	}
	page, mount, err := startStatus(ctx, w.App)
	if err != nil || page == nil || mount != nil {
		t.Fatalf("own listener: %v %v %v", page, mount != nil, err)
	}
	res, err := http.Get("http://" + page.addr + "/status")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), ">"+key+"<") {
		t.Errorf("GET /status on status.listen: %d, %s listed: %v", res.StatusCode, key, strings.Contains(string(body), key))
	}
	page.close()
	if _, err := http.Get("http://" + page.addr + "/status"); err == nil {
		t.Error("the listener still answers after close")
	}

	// On http.listen's mux.
	w.Config.Status.Listen = w.Config.HTTP.Listen
	page, mount, err = startStatus(ctx, w.App)
	if err != nil || page != nil || mount == nil {
		t.Fatalf("shared: %v %v %v", page, mount != nil, err)
	}
	srv := &server{status: w.App.Engine.Status, now: time.Now, reg: prometheus.NewRegistry(), mount: mount}
	rec := httptest.NewRecorder()
	srv.handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/status", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), ">"+key+"<") {
		t.Errorf("GET /status on http.listen: %d", rec.Code)
	}
}
