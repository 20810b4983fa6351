package slacktest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// Message is a message as the fake stores it.
type Message struct {
	Channel string
	TS      string
	// ThreadTS is the parent's ts for a thread reply, empty otherwise.
	ThreadTS string
	Text     string
	// Blocks is the Block Kit JSON as posted (nil when none).
	Blocks   json.RawMessage
	Metadata *slack.SlackMetadata
	// Params are the chat.postMessage parameters as posted, without the
	// token (to check e.g. that link_names was not set).
	Params url.Values
	// Edits counts chat.update calls on the message.
	Edits int
	// Seq is the message's place in the order of all posts, from 1.
	Seq int

	us      int64
	replies []*Message
}

type channel struct {
	id, name, user string // user is set for a DM
	msgs           []*Message
	byTS           map[string]*Message
	lastPost       time.Time // for EnforcePostRate
}

func newChannel(id, name, user string) *channel {
	return &channel{id: id, name: name, user: user, byTS: map[string]*Message{}}
}

// checkContent checks what chat.postMessage and chat.update send alike:
// the metadata, and Slack's limits on text and blocks.
func checkContent(p url.Values) (*slack.SlackMetadata, reply, bool) {
	md, valid := metadataParam(p)
	if !valid {
		return nil, fail("invalid_metadata_format"), true
	}
	if rep, bad := checkLimits(p.Get("text"), p.Get("blocks")); bad {
		return nil, rep, true
	}
	return md, reply{}, false
}

func (s *Server) postMessage(p url.Values) reply {
	c := s.channels[p.Get("channel")]
	if c == nil {
		return fail("channel_not_found")
	}
	md, rep, bad := checkContent(p)
	if bad {
		return rep
	}
	var parent *Message
	if ts := p.Get("thread_ts"); ts != "" {
		if parent = c.byTS[ts]; parent == nil {
			return fail("thread_not_found")
		}
		if parent.ThreadTS != "" { // replying to a reply lands in its thread
			parent = c.byTS[parent.ThreadTS]
		}
	}
	if s.postGap > 0 {
		now := s.now()
		if next := c.lastPost.Add(s.postGap); now.Before(next) {
			rep := fail("ratelimited")
			rep.retryAfter = int((next.Sub(now) + time.Second - 1) / time.Second)
			return rep
		}
		c.lastPost = now
	}
	ts, us := s.newTS()
	s.seq++
	params := cloneValues(p)
	m := &Message{
		Channel: c.id, TS: ts, Text: p.Get("text"), Metadata: md,
		Params: params, Seq: s.seq, us: us,
	}
	if b := p.Get("blocks"); b != "" {
		m.Blocks = json.RawMessage(b)
	}
	c.byTS[ts] = m
	if parent != nil {
		m.ThreadTS = parent.TS
		parent.replies = append(parent.replies, m)
	} else {
		c.msgs = append(c.msgs, m)
	}
	return ok(map[string]any{"channel": c.id, "ts": ts, "message": messageJSON(m, true)})
}

func (s *Server) update(p url.Values) reply {
	c := s.channels[p.Get("channel")]
	if c == nil {
		return fail("channel_not_found")
	}
	m := c.byTS[p.Get("ts")]
	if m == nil {
		return fail("message_not_found")
	}
	md, rep, bad := checkContent(p)
	if bad {
		return rep
	}
	m.Text = p.Get("text")
	if b, set := p["blocks"]; set {
		m.Blocks = json.RawMessage(b[0])
	}
	if md != nil {
		m.Metadata = md
	}
	m.Edits++
	return ok(map[string]any{"channel": c.id, "ts": m.TS, "text": m.Text, "message": messageJSON(m, true)})
}

// window is the oldest/latest/inclusive filter of history and replies.
type window struct {
	oldest, latest int64
	inclusive      bool
}

func windowOf(p url.Values) window {
	w := window{latest: 1 << 62, inclusive: p.Get("inclusive") == "1" || p.Get("inclusive") == "true"}
	if v, ok := parseTS(p.Get("oldest")); ok {
		w.oldest = v
	}
	if v, ok := parseTS(p.Get("latest")); ok {
		w.latest = v
	}
	return w
}

func (w window) has(us int64) bool {
	if w.inclusive {
		return us >= w.oldest && us <= w.latest
	}
	return us > w.oldest && us < w.latest
}

func (s *Server) history(p url.Values) reply {
	c := s.channels[p.Get("channel")]
	if c == nil {
		return fail("channel_not_found")
	}
	w := windowOf(p)
	meta := p.Get("include_all_metadata") == "1" || p.Get("include_all_metadata") == "true"
	var sel []*Message
	for i := len(c.msgs) - 1; i >= 0; i-- { // newest first, as Slack answers
		if w.has(c.msgs[i].us) {
			sel = append(sel, c.msgs[i])
		}
	}
	page, next := paginate(sel, p, 100)
	out := make([]map[string]any, len(page))
	for i, m := range page {
		out[i] = messageJSON(m, meta)
	}
	return ok(map[string]any{
		"messages": out, "has_more": next != "",
		"response_metadata": map[string]any{"next_cursor": next},
	})
}

func (s *Server) replies(p url.Values) reply {
	c := s.channels[p.Get("channel")]
	if c == nil {
		return fail("channel_not_found")
	}
	parent := c.byTS[p.Get("ts")]
	if parent == nil {
		return fail("thread_not_found")
	}
	if parent.ThreadTS != "" {
		parent = c.byTS[parent.ThreadTS]
	}
	w := windowOf(p)
	meta := p.Get("include_all_metadata") == "1" || p.Get("include_all_metadata") == "true"
	sel := []*Message{parent} // Slack always answers the parent first
	for _, m := range parent.replies {
		if w.has(m.us) {
			sel = append(sel, m)
		}
	}
	page, next := paginate(sel, p, 1000)
	out := make([]map[string]any, len(page))
	for i, m := range page {
		out[i] = messageJSON(m, meta)
	}
	return ok(map[string]any{
		"messages": out, "has_more": next != "",
		"response_metadata": map[string]any{"next_cursor": next},
	})
}

func paginate(sel []*Message, p url.Values, def int) ([]*Message, string) {
	limit := intParam(p, "limit", def, 1000)
	start, _ := strconv.Atoi(p.Get("cursor"))
	if start > len(sel) {
		start = len(sel)
	}
	end := min(start+limit, len(sel))
	next := ""
	if end < len(sel) {
		next = strconv.Itoa(end)
	}
	return sel[start:end], next
}

func messageJSON(m *Message, meta bool) map[string]any {
	j := map[string]any{
		"type": "message", "ts": m.TS, "text": m.Text,
		"user": BotUserID, "bot_id": BotID, "app_id": "A0PATCHBOT", "team": TeamID,
	}
	if len(m.Blocks) > 0 {
		j["blocks"] = m.Blocks
	}
	if m.ThreadTS != "" {
		j["thread_ts"] = m.ThreadTS
		j["parent_user_id"] = BotUserID
	} else if n := len(m.replies); n > 0 {
		j["thread_ts"] = m.TS
		j["reply_count"] = n
		j["latest_reply"] = m.replies[n-1].TS
	}
	if m.Edits > 0 {
		j["edited"] = map[string]any{"user": BotUserID, "ts": m.TS}
	}
	if meta && m.Metadata != nil {
		j["metadata"] = m.Metadata
	}
	return j
}

// Slack's documented limits.
const (
	maxBlocks      = 50
	maxHeaderText  = 150
	maxSectionText = 3000
	maxFieldText   = 2000
	maxFields      = 10
	maxContextElem = 10
	maxMessageText = 40000
)

// checkLimits answers msg_too_long or invalid_blocks (with Slack-style
// response_metadata messages) when a message breaks the limits.
func checkLimits(text, blocksJSON string) (reply, bool) {
	if utf8.RuneCountInString(text) > maxMessageText {
		return fail("msg_too_long"), true
	}
	if blocksJSON == "" {
		if text == "" {
			return fail("no_text"), true
		}
		return reply{}, false
	}
	var blocks []map[string]any
	if err := json.Unmarshal([]byte(blocksJSON), &blocks); err != nil {
		return fail("invalid_blocks_format"), true
	}
	var errs []string
	bad := func(format string, a ...any) { errs = append(errs, "[ERROR] "+fmt.Sprintf(format, a...)) }
	if len(blocks) > maxBlocks {
		bad("no more than %d items allowed [json-pointer:/blocks]", maxBlocks)
	}
	for i, b := range blocks {
		at := fmt.Sprintf("/blocks/%d", i)
		switch b["type"] {
		case "header":
			if n := textLen(b["text"]); n > maxHeaderText {
				bad("must be less than %d characters [json-pointer:%s/text]", maxHeaderText+1, at)
			}
		case "section":
			if n := textLen(b["text"]); n > maxSectionText {
				bad("must be less than %d characters [json-pointer:%s/text]", maxSectionText+1, at)
			}
			fields, _ := b["fields"].([]any)
			if len(fields) > maxFields {
				bad("no more than %d items allowed [json-pointer:%s/fields]", maxFields, at)
			}
			for j, f := range fields {
				if textLen(f) > maxFieldText {
					bad("must be less than %d characters [json-pointer:%s/fields/%d]", maxFieldText+1, at, j)
				}
			}
			if b["text"] == nil && len(fields) == 0 {
				bad("must provide text or fields [json-pointer:%s]", at)
			}
		case "context":
			if el, _ := b["elements"].([]any); len(el) > maxContextElem {
				bad("no more than %d items allowed [json-pointer:%s/elements]", maxContextElem, at)
			}
		case nil:
			bad("missing required field: type [json-pointer:%s]", at)
		}
	}
	if len(errs) > 0 {
		rep := fail("invalid_blocks")
		rep.extra = map[string]any{"response_metadata": map[string]any{"messages": errs}}
		return rep, true
	}
	return reply{}, false
}

func textLen(obj any) int {
	m, _ := obj.(map[string]any)
	s, _ := m["text"].(string)
	return utf8.RuneCountInString(s)
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// sortBySeq orders messages by post order.
func sortBySeq(ms []Message) {
	sort.Slice(ms, func(i, j int) bool { return ms[i].Seq < ms[j].Seq })
}

// channelID accepts an id or a "#name".
func (s *Server) channelID(ref string) string {
	if name, isName := strings.CutPrefix(ref, "#"); isName {
		for _, id := range s.order {
			if s.channels[id].name == name {
				return id
			}
		}
		return ""
	}
	return ref
}
