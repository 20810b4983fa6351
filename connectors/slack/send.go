package slack

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/patchbot/patchbot/handoff/ports"
	slackgo "github.com/slack-go/slack"
)

// lookBack widens the window a post is looked for in after a connection
// error, so that a clock skew between us and Slack cannot hide it.
const lookBack = 10 * time.Minute

// Send posts a message and returns where its first part went. With
// To.Channel set (an id or "#name") it posts there; otherwise it opens a
// DM with To.UserID (conversations.open). ThreadTS, when set, posts in that
// thread. A Doc that renders to several messages (a long digest) posts the
// first as the Receipt and the rest as replies in its thread (or, when
// ThreadTS is set, in that thread after it); Receipt.Parts says how many.
// If a later part fails, the Receipt of what was posted is returned with
// the error.
//
// Every part carries the Ref as message metadata. Rate limits are waited
// out and retried for as long as ctx allows; posts to one channel are
// paced PerChannelInterval apart. After a connection error or a 5xx the
// post is looked up by its Ref before it is tried again, so a message is
// never posted twice; without a Ref such a failure is ErrUncertain.
func (c *Connector) Send(ctx context.Context, m ports.Message) (ports.Receipt, error) {
	ch, err := c.destination(ctx, m.To)
	if err != nil {
		return ports.Receipt{}, err
	}
	parts, err := render(c.render, m.Doc)
	if err != nil {
		return ports.Receipt{}, err
	}
	parts = withButtons(parts, m.Buttons)
	rc := ports.Receipt{Channel: ch, Parts: len(parts)}
	thread := m.ThreadTS
	for i, p := range parts {
		ts, err := c.post(ctx, ch, thread, m.Ref, i+1, len(parts), p)
		if err != nil {
			if i == 0 {
				return ports.Receipt{}, err
			}
			rc.Parts = i
			return rc, fmt.Errorf("slack: part %d of %d of %q: %w", i+1, len(parts), m.Ref, err)
		}
		if i == 0 {
			rc.TS = ts
			if thread == "" {
				thread = ts
			}
		}
	}
	c.log.Debug("slack: sent", "channel", ch, "ts", rc.TS, "ref", m.Ref, "parts", rc.Parts)
	return rc, nil
}

// destination is the channel id a recipient's messages go to: the channel
// (resolved if a name), else a DM with the user (an id, or an email looked
// up; an email Slack does not know goes to the fallback channel).
func (c *Connector) destination(ctx context.Context, to ports.Recipient) (string, error) {
	switch {
	case to.Channel != "":
		return c.ResolveChannel(ctx, to.Channel)
	case emailRE.MatchString(to.UserID):
		// A configured email (a manager, say) that was not resolved first.
		id, found, err := c.lookupEmail(ctx, to.UserID)
		if err != nil {
			return "", err
		}
		if !found {
			c.log.Info("slack: recipient not found in Slack; using the fallback channel", "email", to.UserID)
			return c.fallback, nil
		}
		return c.openDM(ctx, id)
	case to.UserID != "":
		return c.openDM(ctx, to.UserID)
	}
	return "", ErrNoRecipient
}

// openDM opens (or finds) the DM with a user; the id is cached.
func (c *Connector) openDM(ctx context.Context, userID string) (string, error) {
	c.mu.Lock()
	id, ok := c.dms[userID]
	c.mu.Unlock()
	if ok {
		return id, nil
	}
	var ch *slackgo.Channel
	err := c.retry(ctx, "conversations.open", func() error {
		var err error
		ch, _, _, err = c.api.OpenConversationContext(ctx, &slackgo.OpenConversationParameters{Users: []string{userID}})
		return err
	})
	if err != nil {
		return "", c.wrap("conversations.open", err)
	}
	if ch == nil || ch.ID == "" {
		return "", errors.New("slack: conversations.open returned no channel")
	}
	c.mu.Lock()
	c.dms[userID] = ch.ID
	c.mu.Unlock()
	return ch.ID, nil
}

// msgOptions are the options of a post (update false) or an update.
// Deliberately absent: link_names and parse=full, which would turn escaped
// ticket text back into @channel or user mentions.
func msgOptions(p part, ref string, n, of int, update bool) []slackgo.MsgOption {
	opts := []slackgo.MsgOption{slackgo.MsgOptionText(p.text, false)}
	if len(p.blocks) > 0 || update { // an update with no blocks clears them
		opts = append(opts, slackgo.MsgOptionBlocks(p.blocks...))
	}
	if !update {
		opts = append(opts, slackgo.MsgOptionDisableLinkUnfurl(), slackgo.MsgOptionDisableMediaUnfurl())
	}
	if ref != "" {
		opts = append(opts, slackgo.MsgOptionMetadata(metadata(ref, n, of)))
	}
	return opts
}

// post sends one part with chat.postMessage; see Send for the rules.
func (c *Connector) post(ctx context.Context, ch, thread, ref string, n, of int, p part) (string, error) {
	opts := msgOptions(p, ref, n, of, false)
	if thread != "" {
		opts = append(opts, slackgo.MsgOptionTS(thread))
	}
	since := c.now().Add(-lookBack)
	uncertain := 0
	for attempt := 1; ; attempt++ {
		if err := c.pace.wait(ctx, ch); err != nil {
			return "", c.wrap("chat.postMessage", err)
		}
		_, ts, err := c.api.PostMessageContext(ctx, ch, opts...)
		if err == nil {
			return ts, nil
		}
		kind, wait := classify(ctx, err)
		switch kind {
		case failRateLimit:
			c.log.Warn("slack: rate limited; waiting", "method", "chat.postMessage", "channel", ch,
				"ref", ref, "retry_after", wait, "attempt", attempt)
			if err := c.sleep(ctx, wait); err != nil {
				return "", c.wrap("chat.postMessage", err)
			}
			continue
		case failTransient:
		default:
			return "", c.wrap("chat.postMessage", err)
		}
		// The post may or may not have gone out: never repost blindly.
		if ref == "" {
			return "", fmt.Errorf("%w (no Ref to look it up by): %w", ErrUncertain, c.wrap("chat.postMessage", err))
		}
		uncertain++
		c.log.Warn("slack: post failed in transit; looking it up before trying again",
			"channel", ch, "ref", ref, "part", n, "err", c.redact(err.Error()), "attempt", attempt)
		if err := c.sleep(ctx, transientBackoff<<(uncertain-1)); err != nil {
			return "", fmt.Errorf("%w: %w", ErrUncertain, c.wrap("chat.postMessage", err))
		}
		rc, found, lerr := c.find(ctx, ch, thread, ref, n, since)
		if lerr != nil {
			return "", fmt.Errorf("%w: the post failed (%v) and looking it up failed too: %w",
				ErrUncertain, c.redact(err.Error()), lerr)
		}
		if found {
			c.log.Info("slack: the post had gone out; not posting again", "channel", ch, "ts", rc.TS, "ref", ref)
			return rc.TS, nil
		}
		if uncertain >= maxTransientTries {
			return "", c.wrap("chat.postMessage", fmt.Errorf("after %d tries: %w", uncertain, err))
		}
	}
}

// Update replaces a message already sent (chat.update) with m's Doc. When
// the Doc renders to several messages, the later parts in the thread are
// updated too, missing ones posted, and surplus ones emptied.
func (c *Connector) Update(ctx context.Context, r ports.Receipt, m ports.Message) error {
	if r.TS == "" {
		return errors.New("slack: update: the receipt has no ts")
	}
	ch := r.Channel
	if ch == "" {
		var err error
		if ch, err = c.destination(ctx, m.To); err != nil {
			return err
		}
	}
	parts, err := render(c.render, m.Doc)
	if err != nil {
		return err
	}
	parts = withButtons(parts, m.Buttons)
	if err := c.update(ctx, ch, r.TS, m.Ref, 1, len(parts), parts[0]); err != nil {
		return err
	}
	if len(parts) == 1 && r.Parts <= 1 {
		return nil
	}
	thread := m.ThreadTS
	if thread == "" {
		thread = r.TS
	}
	existing, err := c.partsInThread(ctx, ch, thread, m.Ref)
	if err != nil {
		return err
	}
	for i := 1; i < len(parts); i++ {
		if ts, ok := existing[i+1]; ok {
			err = c.update(ctx, ch, ts, m.Ref, i+1, len(parts), parts[i])
		} else {
			_, err = c.post(ctx, ch, thread, m.Ref, i+1, len(parts), parts[i])
		}
		if err != nil {
			return fmt.Errorf("slack: update part %d of %d: %w", i+1, len(parts), err)
		}
	}
	for n, ts := range existing {
		if n > len(parts) {
			empty := part{text: "(This part of the message is no longer needed.)"}
			if err := c.update(ctx, ch, ts, m.Ref, n, len(parts), empty); err != nil {
				return err
			}
		}
	}
	return nil
}

// update runs chat.update on one message; it is idempotent, so it is
// retried after connection errors.
func (c *Connector) update(ctx context.Context, ch, ts, ref string, n, of int, p part) error {
	opts := msgOptions(p, ref, n, of, true)
	err := c.retry(ctx, "chat.update", func() error {
		_, _, _, err := c.api.UpdateMessageContext(ctx, ch, ts, opts...)
		return err
	})
	return c.wrap("chat.update", err)
}

// pacer spaces posts to one channel at least interval apart.
type pacer struct {
	interval time.Duration
	now      func() time.Time
	sleep    func(context.Context, time.Duration) error

	mu   sync.Mutex
	next map[string]time.Time // channel -> earliest time of its next post
}

func newPacer(interval time.Duration, now func() time.Time, sleep func(context.Context, time.Duration) error) *pacer {
	return &pacer{interval: interval, now: now, sleep: sleep, next: map[string]time.Time{}}
}

// wait reserves the channel's next slot and sleeps until it.
func (p *pacer) wait(ctx context.Context, ch string) error {
	if p.interval <= 0 {
		return nil
	}
	p.mu.Lock()
	now := p.now()
	at := p.next[ch]
	if at.Before(now) {
		at = now
	}
	p.next[ch] = at.Add(p.interval)
	if len(p.next) > 4096 { // forget channels that are long idle
		for k, t := range p.next {
			if t.Before(now) {
				delete(p.next, k)
			}
		}
	}
	p.mu.Unlock()
	return p.sleep(ctx, at.Sub(now))
}
