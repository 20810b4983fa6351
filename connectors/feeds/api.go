package feeds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// apiMaxBytes bounds one API answer: 100 scores are some 10 KB.
const apiMaxBytes = 4 << 20

// apiFeed is EPSS in API mode: scores fetched for the CVEs the caller names
// and kept, each with the time it was asked.
type apiFeed struct {
	src  source
	mu   sync.Mutex // one refresh at a time
	st   state
	data atomic.Pointer[map[string]apiScore]
}

// apiScore is one CVE's answer from the API, as cached. Found is false when
// FIRST had no score for it (a CVE too new, or rejected).
type apiScore struct {
	Found      bool      `json:"found"`
	EPSS       float64   `json:"epss,omitempty"`
	Percentile float64   `json:"percentile,omitempty"`
	Date       time.Time `json:"date,omitzero"`
	Checked    time.Time `json:"checked"`
}

// apiCache is the file epss-api.json.
type apiCache struct {
	Source     string              `json:"source"`
	FetchedAt  time.Time           `json:"fetchedAt"`
	VerifiedAt time.Time           `json:"verifiedAt"`
	Scores     map[string]apiScore `json:"scores"`
}

// apiAnswer is the API's JSON. The scores arrive as strings
// ("0.943210000"); json.Number takes them as strings or numbers.
type apiAnswer struct {
	Status     string `json:"status"`
	StatusCode int    `json:"status-code"`
	Total      int    `json:"total"`
	Data       []struct {
		CVE        string      `json:"cve"`
		EPSS       json.Number `json:"epss"`
		Percentile json.Number `json:"percentile"`
		Date       string      `json:"date"`
	} `json:"data"`
}

func (a *apiFeed) lookup(id string) (Score, bool) {
	m := a.data.Load()
	if m == nil {
		return Score{}, false
	}
	v, ok := (*m)[id]
	if !ok || !v.Found {
		return Score{}, false
	}
	return Score{CVE: id, EPSS: v.EPSS, Percentile: v.Percentile, Date: v.Date}, true
}

// use puts a set of scores in use and records it in the state.
func (a *apiFeed) use(scores map[string]apiScore, fetchedAt, verifiedAt time.Time) {
	a.data.Store(&scores)
	n, newest := 0, time.Time{}
	for _, v := range scores {
		if v.Found {
			n++
			if v.Date.After(newest) {
				newest = v.Date
			}
		}
	}
	a.st.mu.Lock()
	defer a.st.mu.Unlock()
	a.st.entries, a.st.released = n, newest
	a.st.meta = cacheMeta{Source: a.src.raw, FetchedAt: fetchedAt, VerifiedAt: verifiedAt}
}

func (s *Store) loadAPICache() {
	a := s.api
	path := filepath.Join(s.cfg.Dir, epssAPIFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return
	}
	var c apiCache
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil {
		a.st.mu.Lock()
		a.st.lastErr = &Error{Feed: FeedEPSS, Source: path, Op: "cache", Err: err}
		a.st.mu.Unlock()
		s.log.Warn("feed cache unreadable; waiting for a refresh", "feed", FeedEPSS, "err", err)
		return
	}
	scores := make(map[string]apiScore, len(c.Scores))
	for id, v := range c.Scores {
		if norm, ok := NormalizeCVE(id); ok {
			scores[norm] = v
		}
	}
	a.use(scores, c.FetchedAt, c.VerifiedAt)
}

// RefreshScores makes sure the EPSS API's scores for ids are at most
// Interval old, asking for the missing and stale ones in requests of up to
// 100; nil ids means every CVE already held. Ids that are not CVE ids are
// skipped. In the daily-file mode, or with EPSS off, it does nothing: the
// file holds every score. On a failure the scores fetched so far are kept
// and cached, the rest stay as they were.
func (s *Store) RefreshScores(ctx context.Context, ids []string) error {
	a := s.api
	if a == nil {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	now := s.now()

	cur := map[string]apiScore{}
	if m := a.data.Load(); m != nil {
		cur = *m
	}
	if ids == nil {
		ids = slices.Sorted(maps.Keys(cur))
	}
	var stale []string
	seen := map[string]bool{}
	for _, id := range ids {
		norm, ok := NormalizeCVE(id)
		if !ok || seen[norm] {
			continue
		}
		seen[norm] = true
		if v, ok := cur[norm]; !ok || now.Sub(v.Checked) >= s.cfg.Interval {
			stale = append(stale, norm)
		}
	}

	var err error
	next := cur
	fetched := 0
	for batch := range slices.Chunk(stale, apiBatch) {
		var got map[string]apiScore
		if got, err = s.fetchScores(ctx, batch, now); err != nil {
			break // the next batch would most likely fail the same way
		}
		if fetched == 0 {
			next = maps.Clone(cur)
		}
		fetched++
		for _, id := range batch {
			v := got[id] // Found false when the answer did not list it
			v.Checked = now
			next[id] = v
		}
	}
	if fetched > 0 {
		verified := now
		if err != nil {
			a.st.mu.Lock()
			verified = a.st.meta.VerifiedAt
			a.st.mu.Unlock()
		}
		b, merr := json.Marshal(apiCache{Source: a.src.raw, FetchedAt: now, VerifiedAt: verified, Scores: next})
		if merr == nil {
			merr = writeFileAtomic(s.cfg.Dir, epssAPIFile, b)
		}
		a.use(next, now, verified)
		err = errors.Join(err, wrap(FeedEPSS, s.cfg.Dir, "cache", merr))
	}
	a.st.mu.Lock()
	a.st.checkedAt, a.st.lastErr = now, err
	a.st.mu.Unlock()
	if err != nil {
		s.log.Warn("EPSS API refresh failed; the scores held stay in use", "feed", FeedEPSS, "asked", len(stale), "err", err)
	} else if fetched > 0 {
		s.log.Info("EPSS API scores updated", "feed", FeedEPSS, "asked", len(stale), "requests", fetched)
	}
	return err
}

// fetchScores asks the API for one batch of ids.
func (s *Store) fetchScores(ctx context.Context, ids []string, now time.Time) (map[string]apiScore, error) {
	endpoint := s.api.src.url
	sep := "?"
	if strings.Contains(endpoint, "?") {
		sep = "&"
	}
	// Ids are checked CVE ids, safe in a query as they are; the API wants
	// the commas unescaped.
	u := endpoint + sep + "cve=" + strings.Join(ids, ",")
	batch := fmt.Sprintf("%d CVEs from %s", len(ids), ids[0])
	fail := func(op string, err error) (map[string]apiScore, error) {
		return nil, wrap(FeedEPSS, endpoint, op, fmt.Errorf("%s: %w", batch, err))
	}
	resp, err := s.get(ctx, u, false, cacheMeta{})
	if err != nil {
		return fail("fetch", err)
	}
	defer closeQuietly(resp.Body)
	if resp.StatusCode != http.StatusOK {
		e := wrap(FeedEPSS, endpoint, "fetch", fmt.Errorf("%s: HTTP %s", batch, resp.Status)).(*Error)
		e.Status = resp.StatusCode
		return nil, e
	}
	scores, err := ParseEPSSAPI(newCapReader(resp.Body, apiMaxBytes, "API answer"))
	if err != nil {
		return fail("parse", err)
	}
	got := make(map[string]apiScore, len(scores))
	for _, sc := range scores {
		got[sc.CVE] = apiScore{Found: true, EPSS: sc.EPSS, Percentile: sc.Percentile, Date: sc.Date, Checked: now}
	}
	return got, nil
}

// ParseEPSSAPI reads one answer of FIRST's EPSS API
// ({"status":"OK","status-code":200,…,"data":[{"cve":…,"epss":"0.94",…}]}).
// It fails on an answer whose status is not 200, that lists fewer scores
// than its total (a page this package did not ask for), or with a row
// that is not a CVE id and two probabilities.
func ParseEPSSAPI(r io.Reader) ([]Score, error) {
	var ans apiAnswer
	cr := &countingReader{r: r}
	if err := json.NewDecoder(cr).Decode(&ans); err != nil {
		return nil, jsonError(err, cr.n)
	}
	if ans.StatusCode != 0 && ans.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("API status %d %q", ans.StatusCode, ans.Status)
	}
	if ans.Total > len(ans.Data) {
		return nil, fmt.Errorf("the answer lists %d of %d scores", len(ans.Data), ans.Total)
	}
	out := make([]Score, 0, len(ans.Data))
	for i, d := range ans.Data {
		id, ok := NormalizeCVE(d.CVE)
		if !ok {
			return nil, fmt.Errorf("data[%d]: %q is not a CVE id", i, d.CVE)
		}
		epss, err := parseProbability(d.EPSS.String())
		if err != nil {
			return nil, fmt.Errorf("data[%d] %s: epss: %w", i, id, err)
		}
		pct, err := parseProbability(d.Percentile.String())
		if err != nil {
			return nil, fmt.Errorf("data[%d] %s: percentile: %w", i, id, err)
		}
		date, _ := parseTime(d.Date) // zero when absent: the score stands without it
		out = append(out, Score{CVE: id, EPSS: epss, Percentile: pct, Date: date})
	}
	return out, nil
}
