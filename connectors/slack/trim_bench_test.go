package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	slackgo "github.com/slack-go/slack"
)

// postAnswer is Slack's answer to posting the validation request golden
// (12 header, section and context blocks): the message echoed as Slack
// does, with a block_id on each block, the bot's profile and the metadata.
func postAnswer(tb testing.TB) []byte {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "handoff", "testdata", "golden", "validation_request.slack.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var msgs []struct {
		Text   string           `json:"text"`
		Blocks []map[string]any `json:"blocks"`
	}
	if err := json.Unmarshal(raw, &msgs); err != nil || len(msgs) == 0 {
		tb.Fatalf("the golden: %v", err)
	}
	m := msgs[0]
	for i, b := range m.Blocks {
		b["block_id"] = fmt.Sprintf("x%04d", i)
	}
	const ts = "1764147600.000100"
	icon := "https://avatars.slack-edge.com/2026-01-01/patchbot_48.png"
	answer, err := json.Marshal(map[string]any{
		"ok": true, "channel": "C0SECPATCH", "ts": ts,
		"message": map[string]any{
			"type": "message", "ts": ts, "text": m.Text, "user": "U0BOT", "bot_id": "B0BOT",
			"app_id": "A0PATCHBOT", "team": "T0", "blocks": m.Blocks,
			"bot_profile": map[string]any{
				"id": "B0BOT", "app_id": "A0PATCHBOT", "name": "patchbot", "deleted": false,
				"updated": 1764000000, "team_id": "T0",
				"icons": map[string]any{"image_36": icon, "image_48": icon, "image_72": icon},
			},
			"metadata": map[string]any{
				"event_type":    MetadataEventType,
				"event_payload": map[string]any{"ref": "validation/SEC-101/3f9a1c", "part": 1, "of": 1},
			},
		},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return answer
}

// answering is a client whose every call gets answer, from memory.
func answering(answer []byte) *http.Client {
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{
			StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{
				"Content-Type":   {"application/json; charset=utf-8"},
				"Content-Length": {strconv.Itoa(len(answer))},
			},
			ContentLength: int64(len(answer)),
			Body:          io.NopCloser(bytes.NewReader(answer)),
			Request:       r,
		}, nil
	})}
}

// BenchmarkPostAnswer is one PostMessageContext through slack-go with the
// answer from memory: "echo" as slack-go reads it by itself, "trimmed"
// through keepAlive. The post is text only, so that the difference is the
// answer's.
func BenchmarkPostAnswer(b *testing.B) {
	answer := postAnswer(b)
	ctx := context.Background()
	for _, bc := range []struct {
		name string
		hc   slackgo.Option
	}{
		{"echo", slackgo.OptionHTTPClient(answering(answer))},
		{"trimmed", slackgo.OptionHTTPClient(keepAlive{answering(answer)})},
	} {
		b.Run(bc.name, func(b *testing.B) {
			api := slackgo.New("xoxb-bench", bc.hc, slackgo.OptionAPIURL("https://slack.invalid/api/"))
			b.ReportAllocs()
			b.SetBytes(int64(len(answer)))
			for b.Loop() {
				ch, ts, err := api.PostMessageContext(ctx, "C0SECPATCH", slackgo.MsgOptionText("SEC-101", false))
				if err != nil || ch != "C0SECPATCH" || ts != "1764147600.000100" {
					b.Fatalf("post: %q %q %v", ch, ts, err)
				}
			}
		})
	}
}

// BenchmarkTrimMessage is the scan and cut alone.
func BenchmarkTrimMessage(b *testing.B) {
	answer := postAnswer(b)
	buf := make([]byte, len(answer))
	b.ReportAllocs()
	b.SetBytes(int64(len(answer)))
	for b.Loop() {
		copy(buf, answer)
		if len(trimMessage(buf)) == len(answer) {
			b.Fatal("not trimmed")
		}
	}
}
