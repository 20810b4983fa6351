package jirahook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

var (
	testSecret = []byte("0123456789abcdef-test-secret")
	testToken  = "tok-0123456789abcdef0123456789"
	cloudBot   = Identity{AccountID: "557058:bot"}
	dcBot      = Identity{Name: "patchbot", Key: "JIRAUSER10000"}
)

// call is one Recheck.
type call struct{ key, cause string }

// recorder is a Rechecker that remembers its calls. block, when set, holds
// every Recheck until it is closed.
type recorder struct {
	mu    sync.Mutex
	calls []call
	block chan struct{}
	err   error
	on    func(key, cause string)
}

func (r *recorder) Recheck(ctx context.Context, key, cause string) error {
	if r.block != nil {
		select {
		case <-r.block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	r.mu.Lock()
	r.calls = append(r.calls, call{key, cause})
	on := r.on
	r.mu.Unlock()
	if on != nil {
		on(key, cause)
	}
	return r.err
}

func (r *recorder) got() []call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]call(nil), r.calls...)
}

func newHandler(t testing.TB, o Options, rc Rechecker) *Handler {
	t.Helper()
	if o.Secret == nil && o.Token == "" {
		o.Secret = testSecret
	}
	if o.Self.IsZero() {
		o.Self = cloudBot
	}
	if o.Label == "" {
		o.Label = "handoff-incomplete"
	}
	h, err := New(o, rc)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// start runs h until the test ends and waits for Run to return.
func start(t testing.TB, h *Handler) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}

func sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// post serves one signed delivery and returns the status.
func post(h http.Handler, body []byte, hdr map[string]string) int {
	req := httptest.NewRequest(http.MethodPost, Path, bytes.NewReader(body))
	req.Header.Set(HeaderSignature, sign(testSecret, body))
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}

// event builds a webhook body: an issue event about key with the given
// extra top-level fields.
func event(name, key string, extra map[string]any) []byte {
	m := map[string]any{"timestamp": 1700000000000, "webhookEvent": name}
	if key != "" {
		proj := projectOf(key)
		m["issue"] = map[string]any{"id": "10001", "key": key, "self": "https://x.atlassian.net/rest/api/2/10001",
			"fields": map[string]any{"project": map[string]any{"key": proj, "id": "10000"}, "summary": "s", "labels": []string{}}}
	}
	for k, v := range extra {
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

func cloudUser(id string) map[string]any {
	return map[string]any{"accountId": id, "displayName": id, "active": true, "accountType": "atlassian"}
}

func dcUser(name, key string) map[string]any {
	return map[string]any{"name": name, "key": key, "displayName": name, "active": true}
}

func changes(items ...map[string]any) map[string]any {
	return map[string]any{"id": "10500", "items": items}
}

func labels(from, to string) map[string]any {
	return map[string]any{"field": "labels", "fieldtype": "jira", "fieldId": "labels", "from": nil, "fromString": from, "to": nil, "toString": to}
}

func fieldItem(field, from, to string) map[string]any {
	return map[string]any{"field": field, "fieldtype": "jira", "fieldId": field, "from": nil, "fromString": from, "to": nil, "toString": to}
}

func commentOf(id string, author, updater map[string]any) map[string]any {
	return map[string]any{"id": id, "self": "https://x.atlassian.net/rest/api/2/issue/10001/comment/" + id,
		"author": author, "updateAuthor": updater, "body": "secret-body-text"}
}

// advance moves synctest's fake clock by d and waits until every goroutine
// of the bubble is blocked again: the test owns time, nothing sleeps for
// real.
func advance(d time.Duration) {
	time.Sleep(d)
	synctest.Wait()
}

func rejected(h *Handler, reason string) float64 {
	return testutil.ToFloat64(h.m.rejected.WithLabelValues(reason))
}

func outcome(h *Handler, o string) float64 {
	return testutil.ToFloat64(h.m.events.WithLabelValues(o))
}

func coalescedCount(h *Handler) float64 { return testutil.ToFloat64(h.m.coalesced) }

func testutilRechecks(h *Handler, result string) float64 {
	return testutil.ToFloat64(h.m.rechecks.WithLabelValues(result))
}
