package slack

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/patchbot/patchbot/handoff/ports"
	slackgo "github.com/slack-go/slack"
)

// Bounds on how far a lookup reads: pages of history, threads whose
// replies are searched, and how old a thread's parent may be for a
// follow-up in it to be found.
const (
	lookupPageSize = 200
	maxLookupPages = 50
	maxThreadScans = 100
	threadHorizon  = 60 * 24 * time.Hour
)

// Lookup finds the message the bot sent to "to" with this Ref at or after
// since, by the metadata every post carries. It reads
// conversations.history (with include_all_metadata) back to since for a
// top-level message, and further back, to threadHorizon (60 days) before
// since, for thread parents with a reply at or after since, whose replies
// it then searches: a follow-up posted into a ticket's older thread is
// found too. It resolves intents a crash left open.
//
// The contract's Lookup has no ThreadTS; with it the thread could be read
// directly instead of walking back through the channel's history.
func (c *Connector) Lookup(ctx context.Context, to ports.Recipient, ref string, since time.Time) (ports.Receipt, bool, error) {
	if ref == "" {
		return ports.Receipt{}, false, nil
	}
	ch, err := c.destination(ctx, to)
	if err != nil {
		return ports.Receipt{}, false, err
	}
	return c.find(ctx, ch, "", ref, 1, since)
}

// find looks for part partNo of the message with ref in a channel (or,
// when thread is set, in that thread) posted at or after since.
func (c *Connector) find(ctx context.Context, ch, thread, ref string, partNo int, since time.Time) (ports.Receipt, bool, error) {
	if thread != "" {
		return c.findInThread(ctx, ch, thread, ref, partNo, since)
	}
	oldest := time.Time{}
	if !since.IsZero() {
		oldest = since.Add(-threadHorizon)
	}
	sinceTS := tsOf(since)
	params := &slackgo.GetConversationHistoryParameters{
		ChannelID: ch, Oldest: tsOf(oldest), Inclusive: true, Limit: lookupPageSize, IncludeAllMetadata: true,
	}
	var threads []string
	for page := 0; page < maxLookupPages; page++ {
		var resp *slackgo.GetConversationHistoryResponse
		err := c.retry(ctx, "conversations.history", func() error {
			var err error
			resp, err = c.api.GetConversationHistoryContext(ctx, params)
			return err
		})
		if err != nil {
			return ports.Receipt{}, false, c.wrap("conversations.history", err)
		}
		for _, m := range resp.Messages {
			if r, n, parts := refOf(m); r == ref && n == partNo && !tsBefore(m.Timestamp, sinceTS) {
				return ports.Receipt{Channel: ch, TS: m.Timestamp, Parts: parts}, true, nil
			}
			if m.ReplyCount > 0 && !tsBefore(m.LatestReply, sinceTS) && len(threads) < maxThreadScans {
				threads = append(threads, m.Timestamp)
			}
		}
		if !resp.HasMore || resp.ResponseMetaData.NextCursor == "" {
			break
		}
		params.Cursor = resp.ResponseMetaData.NextCursor
	}
	for _, ts := range threads {
		rc, found, err := c.findInThread(ctx, ch, ts, ref, partNo, since)
		if err != nil || found {
			return rc, found, err
		}
	}
	return ports.Receipt{}, false, nil
}

// tsBefore reports whether Slack ts a is before ts b ("" is the start of
// time).
func tsBefore(a, b string) bool {
	if b == "" {
		return false
	}
	as, af, _ := strings.Cut(a, ".")
	bs, bf, _ := strings.Cut(b, ".")
	if len(as) != len(bs) {
		return len(as) < len(bs)
	}
	if as != bs {
		return as < bs
	}
	return (af + "000000")[:6] < (bf + "000000")[:6]
}

// findInThread looks for the message among a thread's replies.
func (c *Connector) findInThread(ctx context.Context, ch, thread, ref string, partNo int, since time.Time) (ports.Receipt, bool, error) {
	var rc ports.Receipt
	found := false
	err := c.scanThread(ctx, ch, thread, since, func(m slackgo.Message) bool {
		if r, n, parts := refOf(m); r == ref && n == partNo {
			rc, found = ports.Receipt{Channel: ch, TS: m.Timestamp, Parts: parts}, true
		}
		return found
	})
	return rc, found, err
}

// partsInThread maps part numbers (2 and up) to the ts of the Ref's
// messages in a thread.
func (c *Connector) partsInThread(ctx context.Context, ch, thread, ref string) (map[int]string, error) {
	out := map[int]string{}
	err := c.scanThread(ctx, ch, thread, time.Time{}, func(m slackgo.Message) bool {
		if r, n, _ := refOf(m); r == ref && n > 1 {
			out[n] = m.Timestamp
		}
		return false
	})
	return out, err
}

// scanThread calls fn on a thread's messages (parent first) posted at or
// after since, page by page, until fn returns true.
func (c *Connector) scanThread(ctx context.Context, ch, thread string, since time.Time, fn func(slackgo.Message) bool) error {
	params := &slackgo.GetConversationRepliesParameters{
		ChannelID: ch, Timestamp: thread, Oldest: tsOf(since), Inclusive: true,
		Limit: lookupPageSize, IncludeAllMetadata: true,
	}
	for page := 0; page < maxLookupPages; page++ {
		var (
			msgs    []slackgo.Message
			hasMore bool
			next    string
		)
		err := c.retry(ctx, "conversations.replies", func() error {
			var err error
			msgs, hasMore, next, err = c.api.GetConversationRepliesContext(ctx, params)
			return err
		})
		if err != nil {
			return c.wrap("conversations.replies", err)
		}
		for _, m := range msgs {
			if fn(m) {
				return nil
			}
		}
		if !hasMore || next == "" {
			return nil
		}
		params.Cursor = next
	}
	return nil
}

// tsOf formats a time as a Slack ts ("seconds.micros"); zero is "".
func tsOf(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	us := t.UnixMicro()
	if us < 0 {
		return ""
	}
	return fmt.Sprintf("%d.%06d", us/1e6, us%1e6)
}
