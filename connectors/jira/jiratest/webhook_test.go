package jiratest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestWebhookPayloadAndSignature(t *testing.T) {
	t.Parallel()
	for _, flavor := range []Flavor{Cloud, DataCenter} {
		t.Run(string(flavor), func(t *testing.T) {
			t.Parallel()
			s := New(Options{Flavor: flavor})
			defer s.Close()
			key, err := s.AddIssue(IssueSpec{Project: "SEC", Summary: "Patch openssl", Labels: []string{"a"}})
			if err != nil {
				t.Fatal(err)
			}
			person := User{AccountID: "5b10:ann", Name: "ann", Key: "JIRAUSER10001", DisplayName: "Ann"}
			cid, err := s.AddPersonComment(key, person, "done?")
			if err != nil {
				t.Fatal(err)
			}

			type got struct {
				header http.Header
				body   []byte
			}
			gotc := make(chan got, 1)
			recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				gotc <- got{r.Header.Clone(), b}
				w.WriteHeader(http.StatusAccepted)
			}))
			defer recv.Close()

			secret := []byte("s3cret")
			status, err := s.SendWebhook(context.Background(), recv.URL+"/webhooks/jira", secret, Webhook{
				Key: key, User: &person, Changes: []WebhookChange{LabelChange([]string{"a"}, []string{"a", "b"})},
				CommentID: cid, Identifier: "id-1", Retry: 2,
			})
			if err != nil || status != http.StatusAccepted {
				t.Fatalf("SendWebhook = %d, %v", status, err)
			}
			g := <-gotc
			if sig := g.header.Get("X-Hub-Signature"); sig != SignWebhook(secret, g.body) {
				t.Errorf("X-Hub-Signature = %q, want the body's HMAC", sig)
			}
			if id, retry := g.header.Get("X-Atlassian-Webhook-Identifier"), g.header.Get("X-Atlassian-Webhook-Retry"); id != "id-1" || retry != "2" {
				t.Errorf("identifier, retry = %q, %q", id, retry)
			}
			var p struct {
				WebhookEvent string `json:"webhookEvent"`
				Timestamp    int64  `json:"timestamp"`
				EventType    string `json:"issue_event_type_name"`
				User         struct{ AccountID, Name, Key string }
				Issue        struct {
					ID, Key string
					Fields  struct {
						Project struct{ Key string }
						Labels  []string
					}
				}
				Changelog struct {
					ID    string
					Items []struct {
						Field, FieldID, FromString, ToString string
						From                                 *string
					}
				}
				Comment struct {
					ID     string
					Author struct{ AccountID, Name string }
				}
			}
			if err := json.Unmarshal(g.body, &p); err != nil {
				t.Fatal(err)
			}
			if p.WebhookEvent != "jira:issue_updated" || p.EventType != "issue_updated" || p.Timestamp == 0 {
				t.Errorf("event %q type %q timestamp %d", p.WebhookEvent, p.EventType, p.Timestamp)
			}
			if p.Issue.Key != key || p.Issue.ID == "" || p.Issue.Fields.Project.Key != "SEC" || len(p.Issue.Fields.Labels) != 1 {
				t.Errorf("issue = %+v", p.Issue)
			}
			if flavor == Cloud && p.User.AccountID != "5b10:ann" || flavor == DataCenter && (p.User.Name != "ann" || p.User.Key != "JIRAUSER10001") {
				t.Errorf("user = %+v", p.User)
			}
			if len(p.Changelog.Items) != 1 || p.Changelog.ID == "" {
				t.Fatalf("changelog = %+v", p.Changelog)
			}
			if it := p.Changelog.Items[0]; it.Field != "labels" || it.FromString != "a" || it.ToString != "a b" || it.From != nil {
				t.Errorf("item = %+v", it)
			}
			if p.Comment.ID != cid {
				t.Errorf("comment = %+v", p.Comment)
			}
		})
	}
}

func TestWebhookRequestOptions(t *testing.T) {
	t.Parallel()
	s := New(Options{})
	defer s.Close()
	key, err := s.AddIssue(IssueSpec{Project: "SEC"})
	if err != nil {
		t.Fatal(err)
	}
	req, err := s.WebhookRequest(context.Background(), "http://127.0.0.1/webhooks/jira?token=t", nil, Webhook{Key: key, NoIdentifier: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"X-Hub-Signature", "X-Atlassian-Webhook-Identifier", "X-Atlassian-Webhook-Retry"} {
		if v := req.Header.Get(h); v != "" {
			t.Errorf("%s = %q, want none", h, v)
		}
	}
	if _, err := s.WebhookPayload(Webhook{Key: "NOPE-1"}); err == nil {
		t.Error("a webhook about an unknown issue built without error")
	}
	if _, err := s.WebhookPayload(Webhook{Key: key, CommentID: "999"}); err == nil {
		t.Error("a webhook about an unknown comment built without error")
	}
}
