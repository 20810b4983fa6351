package jira

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/ports"
	"github.com/patchbot/patchbot/handoff/render/adf"
	"github.com/patchbot/patchbot/handoff/render/wiki"
)

// written is what write did with a change.
type written struct {
	// dropped: the comment operation was not carried out (the bot may
	// not edit its own comment here); the trail was written.
	dropped bool
	// adopted: the bot's newest comment on the ticket was taken as the
	// living comment instead of posting another (its trail had been kept
	// only in memory, and a restart forgot it).
	adopted bool
}

// write carries out the change the way the site allows, chosen per
// project and ticket state from the bot's rights:
//
//   - where the issue edit takes the comment, the label and the trail
//     property, ONE issue edit carries them together (a change with no
//     comment and no label is a property write);
//   - otherwise the comment goes through the comment endpoints (POST to
//     add, PUT .../comment/{id} to edit the bot's own comment in place,
//     notifyUsers=false honoured there without admin rights), then the
//     label and the trail in an issue edit or a property write, the trail
//     where the bot may keep it (trailhome.go). The label is skipped where
//     it cannot be set.
//
// A one-request write that Jira refuses for a reason the bot can route
// around (a 400 naming fields off the screen, an issue edit or a property
// the bot may not write) updates the project's rights, which logs one
// warning, and the change is made once more the other way.
func (c *Client) write(ctx context.Context, ch ports.CommentChange, next *handoff.Trail, op *commentOp) (written, error) {
	next.Written = c.opts.Now().UTC()
	label := ch.Label
	if c.opts.Label == "" {
		label = ports.LabelKeep
	}
	rt, st := c.routeOf(ctx, ch.Key)
	if !rt.label {
		label = ports.LabelKeep
	}
	for attempt := 0; attempt < 2 && rt.single(op); attempt++ {
		err := c.writeOne(ctx, ch.Key, op, label, *next)
		if err == nil {
			c.forget(ch.Key)
			return written{}, nil
		}
		if !c.routable(ch.Key, st, op, err) {
			return written{}, err
		}
		// Once more without what was refused: as one edit where that
		// still works, else split.
		if rt, _ = c.routeOf(ctx, ch.Key); !rt.label {
			label = ports.LabelKeep
		}
		if attempt == 1 {
			break
		}
	}
	return c.writeSplit(ctx, ch, st, rt, next, op, label)
}

// writeOne sends the one request that carries the change: an issue edit
// when a comment or the label changes, else a property write.
func (c *Client) writeOne(ctx context.Context, key string, op *commentOp, label ports.LabelOp, tr handoff.Trail) error {
	switch {
	case op != nil && !op.edit:
		return c.postComment(ctx, key, op, label, tr)
	case op != nil || label != ports.LabelKeep:
		_, err := c.editIssue(ctx, key, op, label, tr)
		return err
	}
	path := "rest/api/2/issue/" + url.PathEscape(key) + "/properties/" + url.PathEscape(c.opts.PropertyKey)
	return c.call(ctx, "publish: write trail", key, http.MethodPut, path, encodeTrail(tr), nil)
}

// routable learns from a refused one-request write what the site does
// not allow, and says whether the change can be made another way. A
// comment a person deleted is not routed: Apply handles it.
func (c *Client) routable(key string, st state, op *commentOp, err error) bool {
	var e *Error
	if !errors.As(err, &e) || (op != nil && op.edit && commentGone(err, op.id)) {
		return false
	}
	switch e.Status {
	case http.StatusBadRequest:
		named := false
		for f := range e.Fields {
			switch strings.ToLower(f) {
			case "labels":
				c.learn(key, func(r *rights) { r.noLabel[st] = true })
				named = true
			case "comment":
				c.learn(key, func(r *rights) { r.noCommentField[st] = true })
				named = true
			case "properties":
				c.learn(key, func(r *rights) { r.noProperty[st] = true })
				named = true
			}
		}
		if !named {
			// No field named: the issue takes no edit from the bot.
			c.learn(key, func(r *rights) { r.noEdit[st] = true })
		}
		c.log.Debug("jira: an issue edit was refused; writing the change another way", "ticket", key, "err", err)
		return true
	case http.StatusForbidden:
		// The issue edit carries the trail property, and so does the
		// property write: the property is what the bot may not write.
		c.learn(key, func(r *rights) { r.noProperty[st] = true })
		c.log.Debug("jira: the trail property was refused; writing the change another way", "ticket", key, "err", err)
		return true
	}
	return false
}

// writeSplit makes the change in several requests: the comment through
// the comment endpoints, then the label and the trail.
func (c *Client) writeSplit(ctx context.Context, ch ports.CommentChange, st state, rt route, next *handoff.Trail, op *commentOp, label ports.LabelOp) (written, error) {
	key := ch.Key
	var w written
	home := rt.home()
	if op != nil && !op.edit && !rt.add {
		return w, c.notPermitted(key, "post comment", "Add Comments")
	}
	if op != nil && op.edit && !rt.editOwn {
		op, w.dropped = nil, true
	}
	fresh := ch.LastWritten.IsZero() // the ticket as read carried no trail
	if op != nil && !op.edit && home == homeComment && fresh && !c.looked(key) {
		// The trail was not looked for on the bot's comment when the
		// ticket was read (the property was refused only now, and a
		// restart had forgotten it): look before posting a second one.
		tr, err := c.commentTrail(ctx, key)
		if err != nil {
			return w, err
		}
		if tr.CommentID != "" && !tr.Complete && tr.Fingerprint == next.Fingerprint {
			c.log.Info("jira: the bot's comment already says this; keeping it", "ticket", key, "comment", tr.CommentID)
			written := next.Written
			*next = tr
			next.Written = written
			op, w.adopted = nil, true
		}
	}
	carried := w.adopted // the comment's trail already says it
	if op != nil && !op.edit && home == homeMemory && fresh {
		if adopted, err := c.adopt(ctx, key, next); err != nil || adopted {
			w.adopted = adopted
			op = nil
			if err != nil {
				return w, err
			}
		}
	}
	if op != nil {
		var tr *handoff.Trail
		if home == homeComment {
			tr = next
		}
		id, err := c.commentWrite(ctx, key, op, tr)
		if err != nil {
			var e *Error
			if errors.As(err, &e) && !commentGone(err, op.id) && (e.Status == http.StatusBadRequest || e.Status == http.StatusForbidden) {
				c.learn(key, func(r *rights) {
					if op.edit {
						r.noEditOwn = true
					} else {
						r.noAdd = true
					}
				})
			}
			return w, err
		}
		if !op.edit {
			next.CommentID, next.CommentUnknown = id, false
		}
		carried = home == homeComment
		// Remembered before the rest is written: a failure below must
		// not make the next cycle post it again.
		c.keep(key, *next)
	}
	if label != ports.LabelKeep || home == homeIssue {
		kept, err := c.labelAndTrail(ctx, key, st, label, home == homeIssue, *next)
		if err != nil {
			return w, err
		}
		if home == homeIssue && !kept {
			rt, _ = c.routeOf(ctx, key)
			home = rt.home()
		}
	}
	if home == homeComment && !carried {
		id := next.CommentID
		if id == "" && next.CommentUnknown {
			found, ok, err := c.findOwnComment(ctx, key, ch.LastWritten.Add(-ownCommentSkew))
			if err != nil {
				return w, err
			}
			if ok {
				id, next.CommentID, next.CommentUnknown = found, found, false
			}
		}
		if id != "" && !next.Deleted {
			err := c.writeCommentTrail(ctx, key, id, *next)
			var e *Error
			switch {
			case errors.As(err, &e) && e.Status == http.StatusForbidden:
				c.learn(key, func(r *rights) { r.noEditOwn = true })
			case errors.Is(err, ErrNotFound):
				// The comment is gone: the trail stays in memory.
			case err != nil:
				return w, err
			}
		}
	}
	if home == homeIssue {
		c.forget(key)
	} else {
		c.keep(key, *next)
	}
	return w, nil
}

// labelAndTrail writes the label operation and, when withTrail, the
// trail property: one issue edit where the issue takes edits, else a
// property write. A refusal that names the label is routed around once
// without it; a refused property is learned and reported as not kept.
func (c *Client) labelAndTrail(ctx context.Context, key string, st state, label ports.LabelOp, withTrail bool, tr handoff.Trail) (kept bool, err error) {
	rt, _ := c.routeOf(ctx, key)
	if !rt.label {
		label = ports.LabelKeep
	}
	for attempt := 0; attempt < 2; attempt++ {
		switch {
		case label != ports.LabelKeep && rt.edit:
			var body issueEdit
			body.Update = &issueUpdate{Labels: []map[string]string{{string(label): c.opts.Label}}}
			if withTrail && rt.property {
				body.Properties = []property{{Key: c.opts.PropertyKey, Value: encodeTrail(tr)}}
			}
			_, err = c.callStatus(ctx, "publish: "+string(label)+" label", key, http.MethodPut, "rest/api/2/issue/"+url.PathEscape(key), body, nil)
			if err == nil {
				return withTrail && rt.property, nil
			}
		case withTrail && rt.property:
			path := "rest/api/2/issue/" + url.PathEscape(key) + "/properties/" + url.PathEscape(c.opts.PropertyKey)
			if err = c.call(ctx, "publish: write trail", key, http.MethodPut, path, encodeTrail(tr), nil); err == nil {
				return true, nil
			}
		default:
			return false, nil
		}
		if !c.routable(key, st, nil, err) {
			return false, err
		}
		rt, _ = c.routeOf(ctx, key)
		if !rt.label {
			label = ports.LabelKeep
		}
	}
	return false, err
}

// commentRequest is the body of a comment add or edit: the rendered body
// and, where the trail lives on the bot's comment, the trail.
type commentRequest struct {
	Body       any        `json:"body"`
	Properties []property `json:"properties,omitempty"`
}

// commentWrite adds a comment (POST .../comment) or edits the bot's own
// (PUT .../comment/{id}, with notifyUsers=false unless it notifies),
// through the site's rich-text version, with the trail when tr is set.
// It returns the comment's id. A post that fails in a way that may have
// gone through is looked for before it is sent once more.
func (c *Client) commentWrite(ctx context.Context, key string, op *commentOp, tr *handoff.Trail) (string, error) {
	v, body := "2", commentRequest{}
	if c.deployment == DeploymentCloud {
		v, body.Body = "3", adf.Render(op.doc)
	} else {
		body.Body = wiki.Render(op.doc)
	}
	if tr != nil {
		body.Properties = []property{{Key: c.opts.PropertyKey, Value: encodeTrail(*tr)}}
	}
	base := "rest/api/" + v + "/issue/" + url.PathEscape(key) + "/comment"
	if op.edit {
		path := base + "/" + url.PathEscape(op.id)
		if !op.notify {
			path += "?notifyUsers=false"
		}
		return op.id, c.call(ctx, "publish: edit comment", key, http.MethodPut, path, body, nil)
	}
	for attempt := 0; ; attempt++ {
		start := c.opts.Now()
		var made struct {
			ID string `json:"id"`
		}
		status, err := c.callStatus(once(ctx), "publish: post comment", key, http.MethodPost, base, body, &made)
		if err == nil {
			return made.ID, nil
		}
		maybe := status == 0 || status >= 500 || (status >= 200 && status < 300)
		if !maybe || attempt >= 1 || ctx.Err() != nil {
			return "", err
		}
		id, found, lerr := c.findOwnComment(ctx, key, start.Add(-ownCommentSkew))
		if lerr != nil {
			return "", errors.Join(err, lerr)
		}
		if found {
			c.log.Info("jira: a comment post that failed had gone through; keeping it", "ticket", key, "comment", id)
			return id, nil
		}
		c.log.Warn("jira: comment post failed and did not go through; posting once more", "ticket", key, "err", err)
	}
}

// adopt, where the trail is kept only in memory and the bot has none for
// the ticket (a restart), takes the bot's newest comment as the living
// one instead of posting a second.
func (c *Client) adopt(ctx context.Context, key string, next *handoff.Trail) (bool, error) {
	c.book.mu.Lock()
	wrote := !c.book.trails[key].wrote.Written.IsZero()
	c.book.mu.Unlock()
	if wrote {
		return false, nil
	}
	id, found, err := c.findOwnComment(ctx, key, time.Time{})
	if err != nil || !found {
		return false, err
	}
	c.log.Info("jira: the bot's trail here is kept only in memory and a restart forgot it; keeping its newest comment rather than posting another", "ticket", key, "comment", id)
	next.CommentID, next.CommentUnknown = id, false
	return true, nil
}

// notPermitted is the error of a write the bot's rights say it may not
// make: it is not attempted.
func (c *Client) notPermitted(key, what, perm string) error {
	return &Error{Op: "publish: " + what, Key: key, Method: http.MethodPost, Endpoint: "/rest/api/2/issue/" + key + "/comment",
		Err: fmt.Errorf("%w: the bot lacks %s in project %s; not attempted", ErrNotPermitted, perm, projectOf(key))}
}
