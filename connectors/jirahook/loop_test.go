package jirahook

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/synctest"
	"time"

	"github.com/patchbot/patchbot/connectors/jira/jiratest"
)

const botLabel = "handoff-incomplete"

// deliver sends a webhook built by the fake Jira straight to h.
func deliver(t *testing.T, fake *jiratest.Server, h http.Handler, wh jiratest.Webhook) int {
	t.Helper()
	req, err := fake.WebhookRequest(context.Background(), "http://patchbot.test"+Path, testSecret, wh)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}

// TestNoLoop plays the engine: each Recheck makes the bot edit the ticket
// as it would (its label, its comment), and the fake Jira fires the
// webhooks those edits cause. None of them comes back as a Recheck.
func TestNoLoop(t *testing.T) {
	t.Parallel()
	for _, flavor := range []jiratest.Flavor{jiratest.Cloud, jiratest.DataCenter} {
		t.Run(string(flavor), func(t *testing.T) {
			t.Parallel()
			// The fake's server lives outside the bubble; only its
			// in-memory methods are called from inside.
			fake := jiratest.New(jiratest.Options{Flavor: flavor})
			defer fake.Close()
			key, err := fake.AddIssue(jiratest.IssueSpec{Project: "SEC", Summary: "Patch openssl", Labels: []string{"cve"}})
			if err != nil {
				t.Fatal(err)
			}
			bot := fake.Bot()
			self := Identity{AccountID: bot.AccountID, Name: bot.Name, Key: bot.Key}
			ann := jiratest.User{AccountID: "5b10:ann", Name: "ann", Key: "JIRAUSER10001", DisplayName: "Ann"}

			synctest.Test(t, func(t *testing.T) {
				rc := &recorder{}
				h := newHandler(t, Options{Self: self, Label: botLabel}, rc)
				echoes := map[int]int{}
				rc.on = func(key, _ string) {
					// The engine's writes: the label, then its checklist
					// comment, each echoed by Jira.
					if err := fake.Update(key, func(is *jiratest.Issue) { is.Labels = append(is.Labels, botLabel) }); err != nil {
						t.Error(err)
					}
					echoes[deliver(t, fake, h, jiratest.Webhook{Key: key, User: &bot,
						Changes: []jiratest.WebhookChange{jiratest.LabelChange([]string{"cve"}, []string{"cve", botLabel})}})]++
					cid, err := fake.AddPersonComment(key, bot, "Validation request")
					if err != nil {
						t.Error(err)
					}
					echoes[deliver(t, fake, h, jiratest.Webhook{Key: key, User: &bot, CommentID: cid})]++
					echoes[deliver(t, fake, h, jiratest.Webhook{Event: EventCommentCreated, Key: key, CommentID: cid})]++
					// A change of only the bot's label, whoever made it,
					// is not worth a Recheck.
					echoes[deliver(t, fake, h, jiratest.Webhook{Key: key,
						Changes: []jiratest.WebhookChange{jiratest.LabelChange([]string{"cve", botLabel}, []string{"cve"})}})]++
				}
				start(t, h)

				if got := deliver(t, fake, h, jiratest.Webhook{Key: key, User: &ann,
					Changes: []jiratest.WebhookChange{jiratest.FieldChange("Fix Version", "fixVersions", "", "3.0.9")}}); got != http.StatusAccepted {
					t.Fatalf("a person's edit: %d, want 202", got)
				}
				advance(DefaultWindow)
				advance(10 * DefaultWindow)
				if got := rc.got(); len(got) != 1 || got[0] != (call{key, CauseUpdated}) {
					t.Fatalf("Rechecks = %v, want one for the person's edit", got)
				}
				if echoes[http.StatusNoContent] != 4 || outcome(h, outcomeSelf) != 4 {
					t.Errorf("echo answers %v, self = %v; want four 204s", echoes, outcome(h, outcomeSelf))
				}
			})
		})
	}
}

// TestOverHTTP sends the fake Jira's webhooks to the receiver over a real
// (loopback) connection: a signed Cloud one, and a Data Center one with the
// token in the path.
func TestOverHTTP(t *testing.T) {
	t.Parallel()
	for _, flavor := range []jiratest.Flavor{jiratest.Cloud, jiratest.DataCenter} {
		t.Run(string(flavor), func(t *testing.T) {
			t.Parallel()
			fake := jiratest.New(jiratest.Options{Flavor: flavor})
			defer fake.Close()
			key, err := fake.AddIssue(jiratest.IssueSpec{Project: "SEC"})
			if err != nil {
				t.Fatal(err)
			}
			o := Options{Self: Identity{AccountID: fake.Bot().AccountID, Name: fake.Bot().Name}, Window: time.Millisecond}
			var secret []byte
			url := Path
			if flavor == jiratest.Cloud {
				o.Secret, secret = testSecret, testSecret
			} else {
				o.Token, url = testToken, Path+"/"+testToken
			}
			got := make(chan call, 4)
			rc := &recorder{on: func(k, c string) { got <- call{k, c} }}
			h := newHandler(t, o, rc)
			start(t, h)
			mux := http.NewServeMux()
			h.Register(mux)
			srv := httptest.NewServer(mux)
			defer srv.Close()

			ann := jiratest.User{AccountID: "5b10:ann", Name: "ann", Key: "JIRAUSER10001"}
			status, err := fake.SendWebhook(t.Context(), srv.URL+url, secret, jiratest.Webhook{Event: EventIssueCreated, Key: key, User: &ann})
			if err != nil || status != http.StatusAccepted {
				t.Fatalf("SendWebhook = %d, %v", status, err)
			}
			if status, _ := fake.SendWebhook(t.Context(), srv.URL+Path, nil, jiratest.Webhook{Key: key, User: &ann}); status != http.StatusUnauthorized {
				t.Errorf("unauthenticated delivery: %d, want 401", status)
			}
			select {
			case c := <-got:
				if c != (call{key, CauseCreated}) {
					t.Errorf("Recheck(%v), want %s created", c, key)
				}
			case <-time.After(30 * time.Second): // a failure guard, not a synchronisation
				t.Fatal("no Recheck")
			}
		})
	}
}
