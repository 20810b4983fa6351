package jirahook

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/patchbot/patchbot/connectors/jira/jiratest"
)

// benchPayloads builds n signed jira:issue_updated deliveries spread over
// the given number of tickets, with bodies as the fake Jira writes them
// (every field of the issue, a changelog, the user).
func benchPayloads(b *testing.B, n, tickets int) (bodies [][]byte, sigs []string) {
	b.Helper()
	fake := jiratest.New(jiratest.Options{})
	defer fake.Close()
	cf := fake.AddField("Affected versions", jiratest.ShapeText)
	specs := make([]jiratest.IssueSpec, tickets)
	for i := range specs {
		specs[i] = jiratest.IssueSpec{Project: "SEC", Summary: fmt.Sprintf("Patch CVE-2026-%04d in openssl", i),
			Description: "h2. Scope\nopenssl 3.0.0 to 3.0.8 on the edge fleet\nh2. Fix\n3.0.9", Labels: []string{"cve", "edge"},
			Fields: map[string]any{cf: "3.0.0 - 3.0.8"}}
	}
	keys, err := fake.AddIssues(specs...)
	if err != nil {
		b.Fatal(err)
	}
	ann := jiratest.User{AccountID: "5b10:ann", DisplayName: "Ann"}
	for i := range n {
		body, err := fake.WebhookPayload(jiratest.Webhook{Key: keys[i%tickets], User: &ann,
			Changes: []jiratest.WebhookChange{jiratest.FieldChange("Affected versions", cf, "3.0.0", fmt.Sprint("3.0.", i))}})
		if err != nil {
			b.Fatal(err)
		}
		bodies = append(bodies, body)
		sigs = append(sigs, jiratest.SignWebhook(testSecret, body))
	}
	return bodies, sigs
}

func serveSigned(h http.Handler, body []byte, sig, id string) int {
	req := httptest.NewRequest(http.MethodPost, Path, bytes.NewReader(body))
	req.Header.Set(HeaderSignature, sig)
	req.Header.Set(HeaderIdentifier, id)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}

// BenchmarkHandler is the receiver's cost per delivery: read, verify the
// HMAC, decode, deduplicate, classify, queue.
func BenchmarkHandler(b *testing.B) {
	bodies, sigs := benchPayloads(b, 1000, 1000)
	h := newHandler(b, Options{Window: time.Hour}, &recorder{})
	b.SetBytes(int64(len(bodies[0])))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0, n := cpuTime(), 0
	for i := 0; b.Loop(); i++ {
		if code := serveSigned(h, bodies[i%len(bodies)], sigs[i%len(sigs)], fmt.Sprint("d-", i)); code != http.StatusAccepted {
			b.Fatalf("status %d", code)
		}
		n++
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(n), "cpu-ns/op")
}

// BenchmarkBurst: 10,000 events over 1,000 tickets within one window, then
// the window closes; it reports how many Rechecks the engine was asked for.
func BenchmarkBurst(b *testing.B) {
	const events, tickets = 10000, 1000
	bodies, sigs := benchPayloads(b, events, tickets)
	var rechecks, ops int
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		got := make(chan call, events)
		h := newHandler(b, Options{Window: time.Hour, Workers: 4}, &recorder{on: func(k, c string) { got <- call{k, c} }})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- h.Run(ctx) }()
		for i := range events {
			if code := serveSigned(h, bodies[i], sigs[i], fmt.Sprint("d-", i)); code != http.StatusAccepted {
				b.Fatalf("status %d", code)
			}
		}
		h.q.flush()
		for range tickets {
			<-got
		}
		cancel()
		<-done
		if n := len(got) + h.q.len(); n != 0 {
			b.Fatalf("%d Rechecks beyond one a ticket", n)
		}
		rechecks += tickets
		ops++
	}
	b.ReportMetric(float64(rechecks)/float64(ops), "rechecks/op")
	b.ReportMetric(events, "events/op")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(ops*events), "ns/event")
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(ops*events), "cpu-ns/event")
}
