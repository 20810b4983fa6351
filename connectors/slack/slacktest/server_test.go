package slacktest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

func newClient(s *Server) *slack.Client {
	return slack.New(DefaultToken, slack.OptionAPIURL(s.URL()))
}

func TestTimestampsUniqueWithinASecond(t *testing.T) {
	t.Parallel()
	s := New()
	defer s.Close()
	frozen := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return frozen })
	ch := s.AddChannel("c")
	api := newClient(s)
	seen := map[string]bool{}
	for range 5 {
		_, ts, err := api.PostMessage(ch, slack.MsgOptionText("x", false))
		if err != nil {
			t.Fatal(err)
		}
		if seen[ts] || !strings.Contains(ts, ".") || len(strings.Split(ts, ".")[1]) != 6 {
			t.Fatalf("ts %q repeated or without microseconds", ts)
		}
		seen[ts] = true
	}
}

func TestAuthAndScopes(t *testing.T) {
	t.Parallel()
	s := New()
	defer s.Close()
	s.SetScopes("chat:write")
	resp, err := newClient(s).AuthTest()
	if err != nil || resp.UserID != BotUserID {
		t.Fatalf("auth.test: %+v %v", resp, err)
	}
	if got := resp.Header.Get("X-OAuth-Scopes"); got != "chat:write" {
		t.Errorf("x-oauth-scopes = %q", got)
	}
	_, err = newClient(s).GetUserByEmail("a@example.com")
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) || se.Err != "missing_scope" || se.Needed != "users:read.email" || se.Provided != "chat:write" {
		t.Errorf("err = %#v", err)
	}
	_, err = slack.New("xoxb-other", slack.OptionAPIURL(s.URL())).AuthTest()
	if err == nil || err.Error() != "invalid_auth" {
		t.Errorf("bad token: %v", err)
	}
}

func TestLimitsEnforced(t *testing.T) {
	t.Parallel()
	s := New()
	defer s.Close()
	ch := s.AddChannel("c")
	api := newClient(s)
	var blocks []slack.Block
	for range 51 {
		blocks = append(blocks, slack.NewDividerBlock())
	}
	_, _, err := api.PostMessage(ch, slack.MsgOptionText("x", false), slack.MsgOptionBlocks(blocks...))
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) || se.Err != "invalid_blocks" || len(se.ResponseMetadata.Messages) == 0 {
		t.Errorf("51 blocks: %#v", err)
	}
	long := slack.NewHeaderBlock(slack.NewTextBlockObject("plain_text", strings.Repeat("h", 151), false, false))
	if _, _, err := api.PostMessage(ch, slack.MsgOptionBlocks(long)); err == nil || err.Error() != "invalid_blocks" {
		t.Errorf("long header: %v", err)
	}
	if len(s.Messages(ch)) != 0 {
		t.Error("a rejected message was stored")
	}
}

// JSON bodies (as the Bolt SDKs send them) work as well as forms.
func TestJSONBody(t *testing.T) {
	t.Parallel()
	s := New()
	defer s.Close()
	ch := s.AddChannel("c")
	body, _ := json.Marshal(map[string]any{
		"channel": ch, "text": "hi",
		"metadata": map[string]any{"event_type": "e", "event_payload": map[string]any{"ref": "r1"}},
	})
	req, _ := http.NewRequest(http.MethodPost, s.URL()+"chat.postMessage", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Authorization", "Bearer "+DefaultToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		OK bool   `json:"ok"`
		TS string `json:"ts"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || !out.OK {
		t.Fatalf("answer %+v %v", out, err)
	}
	m, ok := s.Message(ch, out.TS)
	if !ok || m.Text != "hi" || m.Metadata == nil || m.Metadata.EventPayload["ref"] != "r1" {
		t.Errorf("stored %+v", m)
	}
}

func TestHistoryWindowMetadataAndPaging(t *testing.T) {
	t.Parallel()
	s := New()
	defer s.Close()
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { now = now.Add(time.Second); return now })
	ch := s.AddChannel("c")
	api := newClient(s)
	var tss []string
	for i := range 5 {
		_, ts, err := api.PostMessage(ch, slack.MsgOptionText("m", false),
			slack.MsgOptionMetadata(slack.SlackMetadata{EventType: "e", EventPayload: map[string]any{"i": i}}))
		if err != nil {
			t.Fatal(err)
		}
		tss = append(tss, ts)
	}
	ctx := context.Background()
	resp, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: ch, Oldest: tss[2], Inclusive: true, Limit: 2, IncludeAllMetadata: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Messages) != 2 || resp.Messages[0].Timestamp != tss[4] || !resp.HasMore || resp.Messages[0].Metadata.EventType != "e" {
		t.Fatalf("page 1: %+v", resp)
	}
	resp, err = api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: ch, Oldest: tss[2], Inclusive: true, Limit: 2, Cursor: resp.ResponseMetaData.NextCursor})
	if err != nil || len(resp.Messages) != 1 || resp.Messages[0].Timestamp != tss[2] || resp.HasMore {
		t.Fatalf("page 2: %+v %v", resp, err)
	}
	if resp.Messages[0].Metadata.EventType != "" {
		t.Error("metadata returned without include_all_metadata")
	}
}

func TestFaultsAndRecording(t *testing.T) {
	t.Parallel()
	s := New()
	defer s.Close()
	ch := s.AddChannel("c")
	api := newClient(s)
	s.RateLimit("chat.postMessage", 1, 3)
	_, _, err := api.PostMessage(ch, slack.MsgOptionText("x", false))
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != 3*time.Second {
		t.Errorf("429: %v", err)
	}
	s.FailWith("chat.postMessage", "channel_not_found")
	if _, _, err := api.PostMessage(ch, slack.MsgOptionText("x", false)); err == nil || err.Error() != "channel_not_found" {
		t.Errorf("injected error: %v", err)
	}
	s.DropAfterStore("chat.postMessage")
	if _, _, err := api.PostMessage(ch, slack.MsgOptionText("dropped", false)); err == nil {
		t.Error("dropped connection reported success")
	}
	if msgs := s.Messages(ch); len(msgs) != 1 || msgs[0].Text != "dropped" {
		t.Errorf("after drop-after-store: %+v", msgs)
	}
	calls := s.Calls("chat.postMessage")
	if len(calls) != 3 || calls[0].Status != 429 || calls[1].Error != "channel_not_found" || !calls[2].Dropped {
		t.Errorf("calls = %+v", calls)
	}
	for _, c := range calls {
		if _, has := c.Params["token"]; has {
			t.Error("the token was recorded")
		}
	}
}

func TestThreadsDMsAndMentions(t *testing.T) {
	t.Parallel()
	s := New()
	defer s.Close()
	s.AddUser(User{ID: "U0A", Name: "a", Email: "a@example.com"})
	ch := s.AddChannel("c")
	api := newClient(s)
	_, parent, _ := api.PostMessage(ch, slack.MsgOptionText("hi <!here> &lt;!channel&gt;", false))
	if _, _, err := api.PostMessage(ch, slack.MsgOptionText("r", false), slack.MsgOptionTS(parent)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := api.PostMessage(ch, slack.MsgOptionText("r", false), slack.MsgOptionTS("1.000001")); err == nil {
		t.Error("reply to a missing thread accepted")
	}
	msgs, _, _, err := api.GetConversationReplies(&slack.GetConversationRepliesParameters{ChannelID: ch, Timestamp: parent})
	if err != nil || len(msgs) != 2 || msgs[0].ReplyCount != 1 {
		t.Errorf("replies: %d %v", len(msgs), err)
	}
	if got := s.Messages("#c")[0].Mentions(); len(got) != 1 || got[0] != "<!here>" {
		t.Errorf("Mentions = %v", got)
	}
	dm, _, _, err := api.OpenConversation(&slack.OpenConversationParameters{Users: []string{"U0A"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := api.PostMessage(dm.ID, slack.MsgOptionText("dm", false)); err != nil {
		t.Fatal(err)
	}
	if len(s.DMs("U0A")) != 1 || !strings.Contains(s.Transcript(), "DM @U0A") {
		t.Errorf("DMs %v, transcript:\n%s", s.DMs("U0A"), s.Transcript())
	}
	if _, err := api.GetUserByEmail("nobody@example.com"); err == nil || err.Error() != "users_not_found" {
		t.Errorf("lookup miss: %v", err)
	}
}
