package jirahook

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/synctest"
)

// FuzzHandler throws arbitrary bodies and headers at the receiver. It must
// never panic, and never ask for a Recheck unless the body carries a valid
// signature.
func FuzzHandler(f *testing.F) {
	person, bot := cloudUser("5b10:ann"), cloudUser(cloudBot.AccountID)
	for _, b := range [][]byte{
		event(EventIssueUpdated, "SEC-1", map[string]any{"user": person, "changelog": changes(fieldItem("status", "a", "b"))}),
		event(EventIssueUpdated, "OPS-5", map[string]any{"user": person, "changelog": changes(
			map[string]any{"field": "Key", "fromString": "SEC-1", "toString": "OPS-5"})}),
		event(EventIssueUpdated, "SEC-1", map[string]any{"user": person, "changelog": changes(labels("a", "a "+botLabel))}),
		event(EventCommentCreated, "", map[string]any{"comment": commentOf("3", bot, bot)}),
		event(EventIssueDeleted, "SEC-1", nil),
		event("worklog_created", "SEC-1", nil),
		[]byte(`{"webhookEvent":"jira:issue_created","issue":{"id":12}}`),
		[]byte(`{"webhookEvent":"jira:issue_created","issue":{"id":[]}}`),
		[]byte(`null`),
	} {
		f.Add(b, "", true, "id-1", "", "")
		f.Add(b, "sha256=00", false, "", "1", "tok")
		f.Add(b, sign([]byte("another secret"), b), false, "id-2", "2", "")
	}
	f.Fuzz(func(t *testing.T, body []byte, sig string, signIt bool, id, retry, token string) {
		synctest.Test(t, func(t *testing.T) {
			rc := &recorder{}
			h := newHandler(t, Options{Label: botLabel, MaxBody: 4096}, rc)
			start(t, h)
			if signIt {
				sig = sign(testSecret, body)
			}
			req := httptest.NewRequest(http.MethodPost, Path+"?token="+url.QueryEscape(token), bytes.NewReader(body))
			req.Header.Set(HeaderSignature, sig)
			req.Header.Set(HeaderIdentifier, id)
			req.Header.Set(HeaderRetry, retry)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			h.q.flush()
			synctest.Wait()

			calls := rc.got()
			valid := strings.EqualFold(sig, sign(testSecret, body))
			switch {
			case !valid:
				if rec.Code != http.StatusUnauthorized && rec.Code != http.StatusRequestEntityTooLarge {
					t.Fatalf("unsigned delivery answered %d", rec.Code)
				}
				if len(calls) > 0 {
					t.Fatalf("unsigned delivery rechecked %v", calls)
				}
			case rec.Code == http.StatusAccepted:
				if len(calls) == 0 || len(calls) > 2 {
					t.Fatalf("202 with Rechecks %v", calls)
				}
				for _, c := range calls {
					if !validKey(c.key) && !validID(c.key) {
						t.Fatalf("Recheck of a malformed key %q", c.key)
					}
				}
			case rec.Code == http.StatusNoContent, rec.Code == http.StatusBadRequest, rec.Code == http.StatusRequestEntityTooLarge:
				if len(calls) > 0 {
					t.Fatalf("%d with Rechecks %v", rec.Code, calls)
				}
			default:
				t.Fatalf("status %d", rec.Code)
			}
		})
	})
}
