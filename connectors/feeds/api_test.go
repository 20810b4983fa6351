package feeds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeEPSSAPI answers like FIRST's API: a score for every CVE whose number
// is even, none for the odd ones, and an error while down is set.
type fakeEPSSAPI struct {
	*httptest.Server
	mu    sync.Mutex
	asked [][]string
	down  bool
}

func newFakeEPSSAPI(t *testing.T) *fakeEPSSAPI {
	a := &fakeEPSSAPI{}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ids := strings.Split(r.URL.Query().Get("cve"), ",")
		a.mu.Lock()
		a.asked = append(a.asked, ids)
		down := a.down
		a.mu.Unlock()
		if r.Header.Get("User-Agent") != "patchbot" || strings.Contains(r.URL.RawQuery, "%2C") {
			t.Errorf("request %s, User-Agent %q", r.URL, r.Header.Get("User-Agent"))
		}
		if down {
			http.Error(w, "rate limited", http.StatusTooManyRequests)
			return
		}
		var data []map[string]string
		for _, id := range ids {
			var n int
			fmt.Sscanf(id[9:], "%d", &n)
			if n%2 == 0 {
				data = append(data, map[string]string{"cve": id, "epss": fmt.Sprintf("%.9f", float64(n%1000)/1000), "percentile": "0.500000000", "date": "2026-12-04"})
			}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"status": "OK", "status-code": 200, "version": "1.0", "total": len(data), "offset": 0, "limit": 100, "data": data})
	}))
	t.Cleanup(a.Close)
	return a
}

func (a *fakeEPSSAPI) requests() [][]string {
	a.mu.Lock()
	defer a.mu.Unlock()
	r := a.asked
	a.asked = nil
	return r
}

func TestStoreEPSSAPI(t *testing.T) {
	t.Parallel()
	api := newFakeEPSSAPI(t)
	clock := newClock()
	cfg := Config{Dir: t.TempDir(), KEV: Off, EPSS: api.URL + "/data/v1/epss", EPSSMode: EPSSAPI, Now: clock.Now, HTTPClient: api.Client()}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var ids []string
	for i := range 150 {
		ids = append(ids, fmt.Sprintf("CVE-2026-%04d", 1000+i))
	}
	ids = append(ids, "cve-2026-1000", "KB123") // a repeat in another case, and no CVE
	if err := s.RefreshScores(ctx, ids); err != nil {
		t.Fatal(err)
	}
	reqs := api.requests()
	if len(reqs) != 2 || len(reqs[0]) != 100 || len(reqs[1]) != 50 {
		t.Fatalf("requests of %d ids, want 100 and 50", lens(reqs))
	}
	sc, ok := s.EPSS("CVE-2026-1002")
	if want := (Score{CVE: "CVE-2026-1002", EPSS: 0.002, Percentile: 0.5, Date: day("2026-12-04")}); !ok || sc != want {
		t.Errorf("score %+v %v, want %+v", sc, ok, want)
	}
	if _, ok := s.EPSS("CVE-2026-1001"); ok {
		t.Error("a CVE without a score has one")
	}
	if st := statusOf(t, s, FeedEPSS); st.Entries != 75 || st.Mode != EPSSAPI || !st.Released.Equal(day("2026-12-04")) || st.LastError != "" {
		t.Errorf("status %+v", st)
	}

	// Within Interval nothing is asked again, even the CVEs without a
	// score; a new CVE is.
	clock.Advance(time.Hour)
	if err := s.RefreshScores(ctx, append(ids, "CVE-2026-2000")); err != nil {
		t.Fatal(err)
	}
	if reqs := api.requests(); len(reqs) != 1 || len(reqs[0]) != 1 || reqs[0][0] != "CVE-2026-2000" {
		t.Errorf("requests %q, want only the new CVE", reqs)
	}

	// A day on, a failing API keeps the scores held and says why.
	clock.Advance(DefaultInterval)
	api.mu.Lock()
	api.down = true
	api.mu.Unlock()
	err = s.Refresh(ctx) // every held CVE, as Run does
	var fe *Error
	if !errors.As(err, &fe) || fe.Feed != FeedEPSS || fe.Status != http.StatusTooManyRequests || !strings.Contains(fe.Source, api.URL) {
		t.Errorf("error %v", err)
	}
	if reqs := api.requests(); len(reqs) != 1 {
		t.Errorf("%d requests after a failure, want 1 (stop at the first)", len(reqs))
	}
	if _, ok := s.EPSS("CVE-2026-1002"); !ok {
		t.Error("held score lost")
	}

	// A restart reads the cached scores without the network.
	cfg.HTTPClient = &http.Client{Transport: noNetwork{t}}
	again, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if sc, ok := again.EPSS("CVE-2026-2000"); !ok || sc.EPSS != 0 || sc.Percentile != 0.5 {
		t.Errorf("cached score %+v %v", sc, ok)
	}
	if st := statusOf(t, again, FeedEPSS); st.Entries != 76 {
		t.Errorf("status from the cache %+v", st)
	}
}

func TestRefreshScoresInFileModeDoesNothing(t *testing.T) {
	t.Parallel()
	s, err := New(Config{Dir: t.TempDir(), HTTPClient: &http.Client{Transport: noNetwork{t}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RefreshScores(context.Background(), []string{"CVE-2024-3400"}); err != nil {
		t.Error(err)
	}
}

func lens(r [][]string) []int {
	var n []int
	for _, ids := range r {
		n = append(n, len(ids))
	}
	return n
}
