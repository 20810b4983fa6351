package slacktest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Messages returns the top-level messages of a channel (an id, a DM id or
// "#name"), oldest first.
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.channels[s.channelID(channel)]
	if c == nil {
		return nil
	}
	out := make([]Message, len(c.msgs))
	for i, m := range c.msgs {
		out[i] = *m
	}
	return out
}

// Replies returns the replies in the thread under ts, oldest first
// (without the parent).
func (s *Server) Replies(channel, ts string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.channels[s.channelID(channel)]
	if c == nil || c.byTS[ts] == nil {
		return nil
	}
	parent := c.byTS[ts]
	out := make([]Message, len(parent.replies))
	for i, m := range parent.replies {
		out[i] = *m
	}
	return out
}

// Message returns one message by channel and ts.
func (s *Server) Message(channel, ts string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.channels[s.channelID(channel)]
	if c == nil || c.byTS[ts] == nil {
		return Message{}, false
	}
	return *c.byTS[ts], true
}

// DMChannel is the id of the DM opened with a user, or "" if none was.
func (s *Server) DMChannel(userID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dms[userID]
}

// DMs returns the top-level messages sent to a user by DM, oldest first.
func (s *Server) DMs(userID string) []Message {
	id := s.DMChannel(userID)
	if id == "" {
		return nil
	}
	return s.Messages(id)
}

// All returns every message, replies included, in the order posted.
func (s *Server) All() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, 0, s.seq)
	for _, c := range s.channels {
		for _, m := range c.byTS {
			out = append(out, *m)
		}
	}
	sortBySeq(out)
	return out
}

// Transcript renders every message in post order, for a demo or a failing
// test: where it went, its thread, its fallback text and the texts inside
// its blocks.
func (s *Server) Transcript() string {
	all := s.All()
	s.mu.Lock()
	names := map[string]string{}
	for id, c := range s.channels {
		switch {
		case c.name != "":
			names[id] = "#" + c.name
		case c.user != "":
			names[id] = "DM @" + c.user
		}
	}
	s.mu.Unlock()
	var b strings.Builder
	for _, m := range all {
		where := names[m.Channel]
		if where == "" {
			where = m.Channel
		}
		fmt.Fprintf(&b, "--- %s ts=%s", where, m.TS)
		if m.ThreadTS != "" {
			fmt.Fprintf(&b, " thread=%s", m.ThreadTS)
		}
		if m.Edits > 0 {
			fmt.Fprintf(&b, " (edited %d)", m.Edits)
		}
		b.WriteString("\n")
		for _, t := range m.BlockTexts() {
			b.WriteString(t)
			b.WriteString("\n")
		}
		if len(m.Blocks) == 0 {
			b.WriteString(m.Text)
			b.WriteString("\n")
		}
	}
	return b.String()
}

// BlockTexts returns every text inside the message's blocks, in order.
func (m Message) BlockTexts() []string {
	if len(m.Blocks) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(m.Blocks, &v); err != nil {
		return nil
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			// "text" first, so a section reads text before fields.
			sort.Slice(keys, func(i, j int) bool {
				if (keys[i] == "text") != (keys[j] == "text") {
					return keys[i] == "text"
				}
				return keys[i] < keys[j]
			})
			for _, k := range keys {
				if t, isStr := v[k].(string); isStr {
					if k == "text" {
						out = append(out, t)
					}
					continue
				}
				walk(v[k])
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
	return out
}

// Texts returns the fallback text followed by every text in the blocks.
func (m Message) Texts() []string { return append([]string{m.Text}, m.BlockTexts()...) }

// mentionRE matches what Slack turns into a notification: special
// mentions, user mentions and user-group mentions.
var mentionRE = regexp.MustCompile(`<!(?:channel|here|everyone)(?:\|[^>]*)?>|<!subteam\^[A-Z0-9]+(?:\|[^>]*)?>|<@[UW][A-Z0-9]+(?:\|[^>]*)?>`)

// Mentions returns the mention tokens Slack would act on in the message's
// text and blocks ("<!channel>", "<@U123>", ...). Escaped text
// ("&lt;!channel&gt;") is not a mention.
func (m Message) Mentions() []string {
	var out []string
	for _, t := range m.Texts() {
		out = append(out, mentionRE.FindAllString(t, -1)...)
	}
	return out
}
