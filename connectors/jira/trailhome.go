package jira

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/ports"
)

// Where the bot may not write the issue property (no Edit Issues, a step
// that takes no edits, a property refused), its trail lives elsewhere:
//
//   - on its own living comment, as a comment property (needs Edit Own
//     Comments; a new comment carries it from its creation, in the same
//     request). A scan reads it back with two requests per ticket whose
//     `updated` moved (the bot's comments, then the newest one's
//     property);
//   - else, and for a trail with no comment to hold it (a person deleted
//     the bot's comment), only in the bot's memory: a restart forgets it.
//     After one, the bot adopts its newest comment on the ticket rather
//     than posting a second one.
//
// The bot also remembers every trail it wrote off the issue property, so
// a write split over several requests that fails half-way is not made
// twice by the next cycle.

// memTrail is what the bot remembers of a ticket's trail kept off the
// issue property.
type memTrail struct {
	wrote   handoff.Trail // the trail the bot last wrote (zero: none)
	read    handoff.Trail // the trail last read from the bot's comment
	updated string        // the ticket's `updated` when read was read
	looked  bool          // read is current for updated
}

// keep remembers a trail the bot wrote off the issue property.
func (c *Client) keep(key string, t handoff.Trail) {
	c.book.mu.Lock()
	defer c.book.mu.Unlock()
	m := c.book.trails[key]
	m.wrote = t
	c.book.trails[key] = m
}

// forget drops what the bot remembers of a ticket's trail: it is on the
// issue property again.
func (c *Client) forget(key string) {
	c.book.mu.Lock()
	defer c.book.mu.Unlock()
	delete(c.book.trails, key)
}

// looked says whether the scan read the trail on the bot's comment for
// the ticket.
func (c *Client) looked(key string) bool {
	c.book.mu.Lock()
	defer c.book.mu.Unlock()
	return c.book.trails[key].looked
}

// newer says whether trail a was written after b.
func newer(a, b handoff.Trail) bool { return a.Written.After(b.Written) }

// overlay completes a scanned ticket's trail: the project's rights are
// read (once), the ticket's state is remembered for the writes, and where
// the trail is not kept on the issue property, the newest of the issue
// property, the bot's memory and its comment's property is the trail.
func (c *Client) overlay(ctx context.Context, is rawIssue, p *project, t *ports.Ticket) error {
	key := t.Input.Ticket.Key
	st := stateOpen
	if t.Input.Ticket.Done() {
		st = stateResolved
	}
	r := c.rightsFor(ctx, key, st)
	c.remember(key, p.Name, st)
	c.book.mu.Lock()
	home := r.route(st).home()
	m, remembered := c.book.trails[key]
	c.book.mu.Unlock()
	// The bot's label with no trail on the issue: the label went out in
	// an issue edit that could not carry the property (refused for this
	// ticket only, which the project's rights do not show), so the trail
	// is on the bot's comment.
	elsewhere := home != homeIssue || (t.Trail.Written.IsZero() && c.opts.Label != "" && slices.Contains(t.Input.Ticket.Labels, c.opts.Label))
	if !elsewhere && !remembered {
		return nil
	}
	if elsewhere {
		updated := string(is.Fields["updated"])
		if !m.looked || m.updated != updated {
			tr, err := c.commentTrail(ctx, key)
			if err != nil {
				return err
			}
			m.read, m.updated, m.looked = tr, updated, true
			c.book.mu.Lock()
			cur := c.book.trails[key]
			cur.read, cur.updated, cur.looked = m.read, m.updated, true
			c.book.trails[key] = cur
			c.book.mu.Unlock()
		}
		if newer(m.read, t.Trail) {
			t.Trail = m.read
		}
	}
	if newer(m.wrote, t.Trail) {
		t.Trail = m.wrote
	}
	return nil
}

// commentTrail reads the trail kept on the bot's newest comment on the
// ticket; zero when there is none. A hidden or deleted ticket has none.
func (c *Client) commentTrail(ctx context.Context, key string) (handoff.Trail, error) {
	id, found, err := c.findOwnComment(ctx, key, time.Time{})
	if errors.Is(err, ErrNotFound) || (err == nil && !found) {
		return handoff.Trail{}, nil
	}
	if err != nil {
		return handoff.Trail{}, err
	}
	var prop struct {
		Value json.RawMessage `json:"value"`
	}
	path := "rest/api/2/comment/" + url.PathEscape(id) + "/properties/" + url.PathEscape(c.opts.PropertyKey)
	err = c.call(ctx, "scan: read the trail on the bot's comment", key, http.MethodGet, path, nil, &prop)
	if errors.Is(err, ErrNotFound) {
		return handoff.Trail{}, nil
	}
	if err != nil {
		return handoff.Trail{}, err
	}
	tr, ok := decodeTrail(prop.Value)
	if !ok {
		c.log.Warn("jira: unreadable trail on the bot's comment; treating the ticket as new", "ticket", key, "comment", id)
		return handoff.Trail{}, nil
	}
	// A trail on a comment is that comment's: it is written with the
	// comment, before Jira gives the comment its id.
	tr.CommentID, tr.CommentUnknown, tr.Deleted = id, false, false
	return tr, nil
}

// writeCommentTrail keeps the trail on the bot's comment id.
func (c *Client) writeCommentTrail(ctx context.Context, key, id string, tr handoff.Trail) error {
	path := "rest/api/2/comment/" + url.PathEscape(id) + "/properties/" + url.PathEscape(c.opts.PropertyKey)
	return c.call(ctx, "publish: write the trail on the bot's comment", key, http.MethodPut, path, encodeTrail(tr), nil)
}
