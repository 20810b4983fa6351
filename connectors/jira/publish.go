package jira

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/ports"
	"github.com/patchbot/patchbot/handoff/render/adf"
	"github.com/patchbot/patchbot/handoff/render/wiki"
	"github.com/patchbot/patchbot/handoff/richtext"
)

// ownCommentSkew is how far before a post (a failed one, an interrupted
// one, or the one a trail's Written records) the bot looks for the comment
// that post created (clock skew with Jira).
const ownCommentSkew = 2 * time.Minute

// Apply carries out one decided change to the ticket's living comment,
// label and trail property (handoff.DecideComment, composed by the
// engine): the operation and the body as given, never another. It adds
// only what the tracker alone can know:
//
//   - an edit of a comment the trail names first checks that it is the
//     bot's own (GET the comment): the trail is an issue property anyone
//     who may edit the ticket can write, so a trail naming someone else's
//     comment is taken as forged: that comment is left untouched, the
//     bot posts its own instead (OutcomeForgedTrail) and says so in the
//     log; a comment gone (404) was deleted by a person;
//   - an edit of a comment whose id the trail does not know (it went out
//     in an issue edit, which does not return the new comment's id) first
//     finds it: the bot's newest comment since the trail was written (GET
//     comments, newest first), one extra read once per posted comment; an
//     older comment of the bot's is not it, so none found means a person
//     deleted it;
//   - an edit that Jira refuses because the comment is gone (400 or 404
//     naming it) means a person deleted it: nothing is posted, the trail
//     records Deleted (OutcomeCommentGone), and the bot does not post
//     again until the findings change;
//   - a post whose earlier attempt was interrupted (Resumed) first looks
//     for a comment that attempt may have posted, and keeps it
//     (OutcomeAlreadyThere).
//
// Where the site allows it, each change is ONE request: an issue edit
// (PUT /rest/api/3/issue/{key} on Cloud, whose comment bodies are ADF;
// /rest/api/2 with wiki markup on Data Center) carrying the comment
// operation (update.comment add, or edit {id, body}), the label operation
// (update.labels) and the trail (properties) together, so there is no
// moment when the comment is on the ticket and the trail saying so is
// not. A change with no comment and no label is a property write (PUT
// .../properties/{key}). Where the site does not (a field off the edit
// screen, no Edit Issues, a step that takes no edits, a property refused),
// write (route.go) takes the comment endpoints and keeps the trail where
// the bot may. Every change writes the trail, stamped with when it was
// written.
//
// An issue edit that adds a comment is not repeated blindly (the transport
// does not retry it): when it may have gone through (network error, 5xx,
// unreadable answer), the bot first looks among the ticket's comments for
// its own.
func (c *Client) Apply(ctx context.Context, ch ports.CommentChange) (ports.Applied, error) {
	next := ch.Trail
	op, out := commentOpOf(ch)
	deleted := func(id string) {
		c.log.Info("jira: the bot's comment was deleted; not posting again until the findings change", "ticket", ch.Key, "comment", id)
		op, out = nil, ports.OutcomeCommentGone
		next.CommentID, next.CommentUnknown, next.Deleted = "", false, true
	}
	switch {
	case op != nil && op.edit && op.id != "":
		// The trail names the comment; the trail is a property anyone
		// with edit rights can write, so the bot edits only a comment
		// that is its own. Someone else's is left alone and the bot
		// posts its own instead.
		own, err := c.ownComment(ctx, ch.Key, op.id)
		switch {
		case commentGone(err, op.id):
			deleted(op.id)
		case err != nil:
			return ports.Applied{}, err
		case !own:
			c.log.Warn("jira: the trail names a comment that is not the bot's; leaving it and posting the bot's own", "ticket", ch.Key, "comment", op.id)
			op.edit, op.id, op.notify, out = false, "", true, ports.OutcomeForgedTrail
			next.CommentID, next.CommentUnknown, next.Deleted = "", true, false
		}
	case op != nil && op.edit && op.id == "":
		// Posted through an issue edit, id not known: the living comment
		// is the bot's newest, posted with the trail (at LastWritten). An
		// older comment of the bot's is not it: that one was deleted.
		var since time.Time
		if !ch.LastWritten.IsZero() {
			since = ch.LastWritten.Add(-ownCommentSkew)
		}
		id, found, err := c.findOwnComment(ctx, ch.Key, since)
		if err != nil {
			return ports.Applied{}, err
		}
		if !found {
			deleted("")
			break
		}
		op.id = id
		next.CommentID, next.CommentUnknown = id, false
	case op != nil && !op.edit && !ch.Resumed.IsZero():
		// An interrupted earlier attempt may have posted it already (its
		// trail went with it, but the scan may not have seen it yet).
		id, found, err := c.findOwnComment(ctx, ch.Key, ch.Resumed.Add(-ownCommentSkew))
		if err != nil {
			return ports.Applied{}, err
		}
		if found {
			c.log.Info("jira: an interrupted run had posted the comment; keeping it", "ticket", ch.Key, "comment", id)
			op, out = nil, ports.OutcomeAlreadyThere
			next.CommentID, next.CommentUnknown = id, false
		}
	}
	w, err := c.write(ctx, ch, &next, op)
	if op != nil && op.edit && commentGone(err, op.id) {
		deleted(op.id)
		w, err = c.write(ctx, ch, &next, nil)
	}
	if err != nil {
		return ports.Applied{}, err
	}
	switch {
	case w.adopted:
		out = ports.OutcomeAlreadyThere
	case w.dropped:
		out = ports.OutcomeTrailOnly
	}
	return ports.Applied{Trail: next, Outcome: out}, nil
}

// Label is the label kept on tickets whose handoff is incomplete (config
// jira.label; empty: none). The engine decides when it is added or
// removed.
func (c *Client) Label() string { return c.opts.Label }

// commentOp is the comment change an issue edit carries.
type commentOp struct {
	edit   bool   // edit comment id in place; else add a new comment
	id     string // the comment to edit
	doc    richtext.Doc
	notify bool // notify watchers (else notifyUsers=false)
}

// commentOpOf is the decided comment operation as an issue edit carries
// it (nil for none), and its outcome when it goes through.
func commentOpOf(ch ports.CommentChange) (*commentOp, ports.Outcome) {
	switch ch.Op {
	case handoff.CommentPost, handoff.CommentReopen:
		return &commentOp{doc: ch.Doc, notify: ch.Notify}, ports.OutcomePosted
	case handoff.CommentEdit, handoff.CommentComplete:
		return &commentOp{edit: true, id: ch.CommentID, doc: ch.Doc, notify: ch.Notify}, ports.OutcomeEdited
	}
	return nil, ports.OutcomeTrailOnly
}

// commentGone says whether err is Jira refusing to edit comment id
// because it no longer exists: 400 (an issue edit's failed validation) or
// 404, with Jira's comment service message naming the comment ("Can not
// find a comment for the id: N.").
func commentGone(err error, id string) bool {
	var e *Error
	if id == "" || !errors.As(err, &e) || (e.Status != http.StatusBadRequest && e.Status != http.StatusNotFound) {
		return false
	}
	msgs := append([]string(nil), e.Messages...)
	for k, v := range e.Fields {
		msgs = append(msgs, k+": "+v)
	}
	for _, m := range msgs {
		l := strings.ToLower(m)
		if strings.Contains(l, "comment") && strings.Contains(l, id) {
			return true
		}
	}
	return false
}

// editIssue sends one issue edit: the comment operation (when op is not
// nil), the label operation and the trail property. With a comment it
// goes through the site's rich-text version: v3 (ADF) on Cloud, v2 (wiki
// markup) on Data Center; an edit in place that should not notify adds
// notifyUsers=false.
func (c *Client) editIssue(ctx context.Context, key string, op *commentOp, label ports.LabelOp, tr handoff.Trail) (int, error) {
	what, path, body := c.editRequest(key, op, label, tr)
	if op != nil && !op.edit {
		ctx = once(ctx) // adds a comment: the transport must not repeat it
	}
	return c.callStatus(ctx, what, key, http.MethodPut, path, body, nil)
}

// editRequest is editIssue's operation name, path and body.
func (c *Client) editRequest(key string, op *commentOp, label ports.LabelOp, tr handoff.Trail) (what, path string, body issueEdit) {
	v := "2"
	what = "publish: " + string(label) + " label"
	var update issueUpdate
	if op != nil {
		comment := &commentBody{}
		if c.deployment == DeploymentCloud {
			v, comment.Body = "3", adf.Render(op.doc)
		} else {
			comment.Body = wiki.Render(op.doc)
		}
		verb := commentVerb{Add: comment}
		what = "publish: post comment"
		if op.edit {
			comment.ID, verb, what = op.id, commentVerb{Edit: comment}, "publish: edit comment"
		}
		update.Comment = []commentVerb{verb}
	}
	path = "rest/api/" + v + "/issue/" + url.PathEscape(key)
	if op != nil && !op.notify {
		path += "?notifyUsers=false"
	}
	if label != ports.LabelKeep {
		update.Labels = []map[string]string{{string(label): c.opts.Label}}
	}
	if op != nil || label != ports.LabelKeep {
		body.Update = &update
	}
	body.Properties = []property{{Key: c.opts.PropertyKey, Value: encodeTrail(tr)}}
	return what, path, body
}

// postComment sends the issue edit that adds the comment (with label and
// trail). When it fails in a way that may have gone through, it looks for
// the bot's comment before sending it once more: found, the edit had gone
// through whole (comment, label and trail are one request).
func (c *Client) postComment(ctx context.Context, key string, op *commentOp, label ports.LabelOp, tr handoff.Trail) error {
	for attempt := 0; ; attempt++ {
		start := c.opts.Now()
		status, err := c.editIssue(ctx, key, op, label, tr)
		if err == nil {
			return nil
		}
		maybe := status == 0 || status >= 500 || (status >= 200 && status < 300)
		if !maybe || attempt >= 1 || ctx.Err() != nil {
			return err
		}
		// The comment may exist: look before posting again.
		id, found, lerr := c.findOwnComment(ctx, key, start.Add(-ownCommentSkew))
		if lerr != nil {
			return errors.Join(err, lerr)
		}
		if found {
			c.log.Info("jira: a comment post that failed had gone through; keeping it", "ticket", key, "comment", id)
			return nil
		}
		c.log.Warn("jira: comment post failed and did not go through; posting once more", "ticket", key, "err", err)
	}
}

// ownComment says whether comment id on the ticket is the bot's (GET the
// comment; an error names Jira's answer, a 404 for a comment gone).
func (c *Client) ownComment(ctx context.Context, key, id string) (bool, error) {
	var cm struct {
		Author userJSON `json:"author"`
	}
	path := "rest/api/2/issue/" + url.PathEscape(key) + "/comment/" + url.PathEscape(id)
	if err := c.call(ctx, "publish: check the comment is the bot's", key, http.MethodGet, path, nil, &cm); err != nil {
		return false, err
	}
	return c.isMe(cm.Author.user()), nil
}

// findOwnComment finds the newest comment by the bot created at or after
// since.
func (c *Client) findOwnComment(ctx context.Context, key string, since time.Time) (string, bool, error) {
	var page struct {
		Comments []struct {
			ID      string   `json:"id"`
			Author  userJSON `json:"author"`
			Created string   `json:"created"`
		} `json:"comments"`
	}
	path := "rest/api/2/issue/" + url.PathEscape(key) + "/comment?orderBy=-created&maxResults=50"
	if err := c.call(ctx, "publish: look for the bot's comment", key, http.MethodGet, path, nil, &page); err != nil {
		return "", false, err
	}
	for _, cm := range page.Comments {
		if !c.isMe(cm.Author.user()) {
			continue
		}
		if at, ok := parseJiraTime(cm.Created); ok && !at.Before(since) {
			return cm.ID, true, nil
		}
	}
	return "", false, nil
}

func (c *Client) isMe(u handoff.User) bool {
	switch {
	case c.me.AccountID != "":
		return u.AccountID == c.me.AccountID
	case c.me.Key != "":
		return u.Key == c.me.Key
	}
	return u.Name != "" && u.Name == c.me.Name
}
