package jiratest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Webhook describes one webhook delivery about an issue the fake holds, as
// Jira Cloud and Data Center send them: webhookEvent, timestamp, user,
// issue (with all its fields), changelog and comment.
type Webhook struct {
	// Event is the webhookEvent (default "jira:issue_updated"):
	// jira:issue_created, jira:issue_updated, jira:issue_deleted,
	// comment_created, comment_updated, comment_deleted, or any other.
	Event string
	// Key is the issue; it must exist in the fake.
	Key string
	// User is who acted; nil leaves "user" out, as comment events do.
	User *User
	// Changes are the changelog items (issue updates).
	Changes []WebhookChange
	// CommentID names a comment of the issue to carry (comment events, or
	// an issue update that is a comment). Comment, when set, is carried
	// instead: a comment already deleted from the fake.
	CommentID string
	Comment   *Comment
	// EventType is issue_event_type_name; by default issue_created,
	// issue_updated, issue_deleted or issue_commented (issue events only).
	EventType string
	// Identifier is X-Atlassian-Webhook-Identifier (a fresh one when
	// empty); NoIdentifier sends none, as some Data Center versions do.
	// Retry, when above zero, is sent as X-Atlassian-Webhook-Retry.
	Identifier   string
	NoIdentifier bool
	Retry        int
	// Timestamp defaults to the fake's clock.
	Timestamp time.Time
}

// WebhookChange is one changelog item. Empty From, To, FromString or
// ToString are sent as null.
type WebhookChange struct {
	Field, FieldID, FieldType      string
	From, FromString, To, ToString string
}

// LabelChange is the changelog item Jira writes when an issue's labels go
// from one list to another.
func LabelChange(from, to []string) WebhookChange {
	return WebhookChange{Field: "labels", FieldID: "labels", FieldType: "jira",
		FromString: strings.Join(from, " "), ToString: strings.Join(to, " ")}
}

// FieldChange is the changelog item of a custom or system field changed
// from one text to another.
func FieldChange(field, fieldID, from, to string) WebhookChange {
	typ := "custom"
	if !strings.HasPrefix(fieldID, "customfield_") {
		typ = "jira"
	}
	return WebhookChange{Field: field, FieldID: fieldID, FieldType: typ, FromString: from, ToString: to}
}

var webhookSeq atomic.Int64

// WebhookPayload builds the body of a webhook about an issue of the fake.
func (s *Server) WebhookPayload(wh Webhook) ([]byte, error) {
	event := wh.Event
	if event == "" {
		event = "jira:issue_updated"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.issues[wh.Key]
	if is == nil {
		return nil, fmt.Errorf("jiratest: webhook: no issue %s", wh.Key)
	}
	ts := wh.Timestamp
	if ts.IsZero() {
		ts = s.opts.Now()
	}
	m := map[string]any{"timestamp": ts.UnixMilli(), "webhookEvent": event, "issue": s.issueJSON(is, nil, true, nil)}
	if wh.User != nil {
		m["user"] = wh.User.json(s.opts.Flavor, s.URL)
	}
	c := wh.Comment
	if c == nil && wh.CommentID != "" {
		i := findComment(is, wh.CommentID)
		if i < 0 {
			return nil, fmt.Errorf("jiratest: webhook: %s has no comment %s", wh.Key, wh.CommentID)
		}
		c = is.Comments[i]
	}
	if c != nil {
		m["comment"] = s.commentJSON(is, c, false)
	}
	if strings.HasPrefix(event, "jira:issue_") {
		typ := wh.EventType
		if typ == "" {
			typ = "issue_" + strings.TrimPrefix(event, "jira:issue_")
			if c != nil && len(wh.Changes) == 0 && event == "jira:issue_updated" {
				typ = "issue_commented"
			}
		}
		m["issue_event_type_name"] = typ
	}
	if len(wh.Changes) > 0 {
		items := make([]map[string]any, len(wh.Changes))
		for i, ch := range wh.Changes {
			items[i] = map[string]any{"field": ch.Field, "fieldtype": ch.FieldType, "fieldId": ch.FieldID,
				"from": nullable(ch.From), "fromString": nullable(ch.FromString),
				"to": nullable(ch.To), "toString": nullable(ch.ToString)}
		}
		m["changelog"] = map[string]any{"id": strconv.FormatInt(10000+webhookSeq.Add(1), 10), "items": items}
	}
	return json.Marshal(m)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// SignWebhook is the X-Hub-Signature Jira sends for a body signed with
// secret: "sha256=" and the hex HMAC-SHA256.
func SignWebhook(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// WebhookRequest builds the POST Jira would make to url, signed with
// secret when it is not empty (a Data Center webhook without a secret
// carries its token in url instead).
func (s *Server) WebhookRequest(ctx context.Context, url string, secret []byte, wh Webhook) (*http.Request, error) {
	body, err := s.WebhookPayload(wh)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("jiratest: webhook: %w", err)
	}
	req.Header.Set("Content-Type", "application/json; charset=UTF-8")
	req.Header.Set("User-Agent", "Atlassian Webhook HTTP Client")
	req.Header.Set("X-Atlassian-Webhook-Flow", "Primary")
	switch {
	case wh.NoIdentifier:
	case wh.Identifier == "":
		req.Header.Set("X-Atlassian-Webhook-Identifier", fmt.Sprintf("jiratest-%d", webhookSeq.Add(1)))
	default:
		req.Header.Set("X-Atlassian-Webhook-Identifier", wh.Identifier)
	}
	if wh.Retry > 0 {
		req.Header.Set("X-Atlassian-Webhook-Retry", strconv.Itoa(wh.Retry))
	}
	if len(secret) > 0 {
		req.Header.Set("X-Hub-Signature", SignWebhook(secret, body))
	}
	return req, nil
}

// SendWebhook posts a webhook to url as Jira would and returns the status
// the receiver answered.
func (s *Server) SendWebhook(ctx context.Context, url string, secret []byte, wh Webhook) (int, error) {
	req, err := s.WebhookRequest(ctx, url, secret, wh)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("jiratest: webhook to %s: %w", req.URL.Redacted(), err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}
