package slack

import (
	"context"
	"errors"
	"regexp"
	"strings"

	slackgo "github.com/slack-go/slack"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/ports"
)

// Recipient is the scheduler's resolved Slack destination.
type Recipient = ports.Recipient

var (
	userIDRE    = regexp.MustCompile(`^[UW][A-Z0-9]{4,}$`)
	channelIDRE = regexp.MustCompile(`^[CGD][A-Z0-9]{4,}$`)
	emailRE     = regexp.MustCompile(`^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$`)
)

// Owner resolves a handoff owner to a Slack user, in this order: the
// OwnerMap (by Jira account id, user name, key, email, or the field's
// text), whose value is a Slack user id or an email; then the Jira user's
// email (or the field's text when it is an email) through
// users.lookupByEmail, cached for LookupTTL, misses included. A user found
// is returned with Reachable true and no Channel (send by DM, or mention
// in a channel). An owner that cannot be found (no email and no map entry,
// an email Slack does not know, a deactivated account) is returned as the
// fallback channel with Reachable false and Name the owner's plain-text
// name. Errors are Slack failures (after retries), not misses.
func (c *Connector) Owner(ctx context.Context, p handoff.Person) (ports.Recipient, error) {
	name := personName(p)
	target := ""
	for _, k := range []string{p.User.AccountID, p.User.Name, p.User.Key, p.User.Email, p.Text} {
		if v, ok := c.ownerMap[strings.ToLower(strings.TrimSpace(k))]; ok && k != "" {
			target = v
			break
		}
	}
	var (
		id    string
		found bool
		err   error
	)
	switch {
	case userIDRE.MatchString(target):
		id, found, err = c.lookupUser(ctx, target)
	case target != "":
		id, found, err = c.lookupEmail(ctx, target)
	case p.User.Email != "":
		id, found, err = c.lookupEmail(ctx, p.User.Email)
	case emailRE.MatchString(strings.TrimSpace(p.Text)):
		id, found, err = c.lookupEmail(ctx, strings.TrimSpace(p.Text))
	}
	if err != nil {
		return ports.Recipient{}, err
	}
	c.reach(p, name, found)
	if !found {
		return ports.Recipient{Channel: c.fallback, Reachable: false, Name: name}, nil
	}
	return ports.Recipient{UserID: id, Reachable: true, Name: name}, nil
}

// reach notes whether an owner was found in Slack and logs it when that
// changes: once when the owner stops being reachable (their messages go
// to the fallback channel from then on) and once when they are reachable
// again, not on every lookup.
func (c *Connector) reach(p handoff.Person, name string, found bool) {
	key := ""
	for _, k := range []string{p.User.AccountID, p.User.Key, p.User.Name, p.User.Email, p.Text} {
		if k = strings.ToLower(strings.TrimSpace(k)); k != "" {
			key = k
			break
		}
	}
	c.mu.Lock()
	was := c.unreachable[key]
	switch {
	case !found && !was:
		if c.unreachable == nil {
			c.unreachable = map[string]bool{}
		}
		c.unreachable[key] = true
	case found && was:
		delete(c.unreachable, key)
	}
	c.mu.Unlock()
	switch {
	case !found && !was:
		c.log.Warn("slack: owner not reachable in Slack; their messages go to the fallback channel until they are",
			"owner", name, "account", p.User.AccountID)
	case found && was:
		c.log.Info("slack: owner reachable in Slack again; messages go to them directly", "owner", name, "account", p.User.AccountID)
	}
}

// personName is how to name an owner in plain text.
func personName(p handoff.Person) string {
	for _, s := range []string{p.User.DisplayName, p.Text, p.User.Name, p.User.Email, p.User.AccountID} {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return "the owner"
}

// lookupEmail finds a Slack user by email, through the cache.
func (c *Connector) lookupEmail(ctx context.Context, email string) (string, bool, error) {
	key := "email:" + strings.ToLower(strings.TrimSpace(email))
	if id, found, ok := c.cachedUser(key); ok {
		return id, found, nil
	}
	var u *slackgo.User
	err := c.retry(ctx, "users.lookupByEmail", func() error {
		var err error
		u, err = c.api.GetUserByEmailContext(ctx, strings.TrimSpace(email))
		return err
	})
	return c.remember(key, u, err, "users.lookupByEmail", "users_not_found")
}

// lookupUser checks that a mapped user id exists and is active, through
// the cache.
func (c *Connector) lookupUser(ctx context.Context, id string) (string, bool, error) {
	key := "id:" + id
	if id, found, ok := c.cachedUser(key); ok {
		return id, found, nil
	}
	var u *slackgo.User
	err := c.retry(ctx, "users.info", func() error {
		var err error
		u, err = c.api.GetUserInfoContext(ctx, id)
		return err
	})
	return c.remember(key, u, err, "users.info", "user_not_found")
}

func (c *Connector) cachedUser(key string) (id string, found, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.emails[key]
	if !ok || c.now().Sub(e.at) >= c.ttl {
		return "", false, false
	}
	return e.userID, e.userID != "", true
}

// remember caches a lookup's outcome (a miss too) and returns it.
func (c *Connector) remember(key string, u *slackgo.User, err error, method, missCode string) (string, bool, error) {
	var se slackgo.SlackErrorResponse
	switch {
	case err == nil:
	case errors.As(err, &se) && se.Err == missCode:
		u = nil
	default:
		return "", false, c.wrap(method, err)
	}
	e := cached{at: c.now()}
	if u != nil && !u.Deleted {
		e.userID = u.ID
	}
	c.mu.Lock()
	c.emails[key] = e
	c.mu.Unlock()
	return e.userID, e.userID != "", nil
}

// ResolveChannel turns "#sec-patching", "sec-patching" or a channel id
// ("C0123ABCD") into a channel id. Names are looked up with
// conversations.list (public and private channels the bot can see) and
// cached. An unknown name is ErrChannelNotFound.
func (c *Connector) ResolveChannel(ctx context.Context, ref string) (string, error) {
	ref = strings.TrimSpace(ref)
	if channelIDRE.MatchString(ref) {
		return ref, nil
	}
	name := strings.ToLower(strings.TrimPrefix(ref, "#"))
	if name == "" {
		return "", ErrChannelNotFound
	}
	c.mu.Lock()
	id, ok := c.channels[name]
	c.mu.Unlock()
	if ok {
		return id, nil
	}
	params := &slackgo.GetConversationsParameters{
		Types: []string{"public_channel", "private_channel"}, ExcludeArchived: true, Limit: 1000,
	}
	for {
		var chans []slackgo.Channel
		var next string
		err := c.retry(ctx, "conversations.list", func() error {
			var err error
			chans, next, err = c.api.GetConversationsContext(ctx, params)
			return err
		})
		if err != nil {
			return "", c.wrap("conversations.list", err)
		}
		c.mu.Lock()
		for _, ch := range chans {
			c.channels[strings.ToLower(ch.Name)] = ch.ID
		}
		id, ok = c.channels[name]
		c.mu.Unlock()
		if ok {
			return id, nil
		}
		if next == "" {
			return "", ErrChannelNotFound
		}
		params.Cursor = next
	}
}

// Channel resolves a channel reference (see ResolveChannel) to a
// Recipient for Send, named as given.
func (c *Connector) Channel(ctx context.Context, ref string) (ports.Recipient, error) {
	id, err := c.ResolveChannel(ctx, ref)
	if err != nil {
		return ports.Recipient{}, err
	}
	return ports.Recipient{Channel: id, Reachable: true, Name: strings.TrimSpace(ref)}, nil
}

// Resolve turns a configured destination into a Recipient: a channel
// ("#name" or "C…" id, see Channel), a Slack user id ("U…"), or an email
// (users.lookupByEmail). It is for routing, managers and escalation
// targets from config. A user who cannot be found is the fallback channel
// with Reachable false, as for Owner.
func (c *Connector) Resolve(ctx context.Context, ref string) (ports.Recipient, error) {
	ref = strings.TrimSpace(ref)
	var (
		id    string
		found bool
		err   error
	)
	switch {
	case userIDRE.MatchString(ref):
		id, found, err = c.lookupUser(ctx, ref)
	case emailRE.MatchString(ref):
		id, found, err = c.lookupEmail(ctx, ref)
	default:
		return c.Channel(ctx, ref)
	}
	if err != nil {
		return ports.Recipient{}, err
	}
	if !found {
		return ports.Recipient{Channel: c.fallback, Reachable: false, Name: ref}, nil
	}
	return ports.Recipient{UserID: id, Reachable: true, Name: ref}, nil
}
