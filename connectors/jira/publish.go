package jira

import (
	"context"
	"encoding/json"
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

// Publish brings the ticket's one living comment, optional label and
// trail property in line with the checklist, and returns the trail now on
// the ticket. It writes nothing when the trail already says it all, so a
// second run over the same tickets, even with the local database lost,
// posts nothing.
//
//   - findings, nothing said yet (or a person deleted the comment and the
//     findings changed since): post the checklist as a new comment;
//   - findings changed: edit the living comment in place, without
//     notifying watchers (notifyUsers=false); when the edit finds the
//     comment deleted, record Deleted and post nothing;
//   - findings back after the handoff was complete: post the reopened
//     note with the checklist as a new comment, which becomes the living
//     one, so watchers hear of it;
//   - findings gone: edit the living comment into the complete note, with
//     notification, once.
//
// Each of these is ONE request: an issue edit (PUT /rest/api/3/issue/{key}
// on Cloud, whose comment bodies are ADF; /rest/api/2 with wiki markup on
// Data Center) carrying the comment operation (update.comment add, or edit
// {id, body}), the label when it changes (update.labels) and the trail
// (properties) together. So there is no moment when the comment is on the
// ticket and the trail saying so is not. An issue edit does not return the
// new comment's id: the trail records CommentUnknown, and the first edit
// of that comment looks it up (GET comments, newest first, the bot's
// newest), one extra read once per posted comment. A change with no
// comment and no label is a property write (PUT .../properties/{key});
// one with only a label change is a label + trail issue edit.
//
// An issue edit that adds a comment is not repeated blindly (the transport
// does not retry it): when it may have gone through (network error, 5xx,
// unreadable answer), the bot first looks among the ticket's comments for
// its own, and so it does when the checklist says an earlier attempt was
// interrupted (Resumed).
func (c *Client) Publish(ctx context.Context, cl ports.Checklist) (handoff.Trail, error) {
	t := cl.Trail
	fp := cl.Evaluation.Fingerprint
	flagged := findingFields(cl.Evaluation.Findings)
	next := t
	var op *commentOp
	switch {
	case fp != "" && fp == t.Fingerprint && !t.Complete:
		// Already said (or deleted by a person with these findings).
	case fp != "" && (!hasComment(t) || t.Deleted):
		next = handoff.Trail{Fingerprint: fp, Flagged: flagged, CommentUnknown: true}
		op = &commentOp{doc: cl.Request, notify: true}
	case fp != "" && t.Complete:
		next = handoff.Trail{Fingerprint: fp, Flagged: flagged, CommentUnknown: true}
		op = &commentOp{doc: joinDocs(cl.Reopened, cl.Request), notify: true}
	case fp != "":
		next = handoff.Trail{Fingerprint: fp, Flagged: union(t.Flagged, flagged), CommentID: t.CommentID, CommentUnknown: t.CommentUnknown}
		op = &commentOp{edit: true, id: t.CommentID, doc: cl.Request}
	case t.Fingerprint != "" && !t.Complete:
		next = handoff.Trail{Complete: true, CommentID: t.CommentID, CommentUnknown: t.CommentUnknown, Deleted: t.Deleted}
		if hasComment(t) && !t.Deleted {
			op = &commentOp{edit: true, id: t.CommentID, doc: joinDocs(cl.Complete, cl.Request), notify: true}
		}
	}
	deleted := func(id string) {
		c.log.Info("jira: the bot's comment was deleted; not posting again until the findings change", "ticket", cl.Key, "comment", id)
		op = nil
		next.CommentID, next.CommentUnknown, next.Deleted = "", false, true
	}
	switch {
	case op != nil && op.edit && op.id == "":
		// Posted through an issue edit, id not known: the living comment
		// is the bot's newest, posted with the trail (at t.Written). An
		// older comment of the bot's is not it: that one was deleted.
		var since time.Time
		if !t.Written.IsZero() {
			since = t.Written.Add(-ownCommentSkew)
		}
		id, found, err := c.findOwnComment(ctx, cl.Key, since)
		if err != nil {
			return t, err
		}
		if !found {
			deleted("")
			break
		}
		op.id = id
		next.CommentID, next.CommentUnknown = id, false
	case op != nil && !op.edit && !cl.Resumed.IsZero():
		// An interrupted earlier attempt may have posted it already (its
		// trail went with it, but the scan may not have seen it yet).
		id, found, err := c.findOwnComment(ctx, cl.Key, cl.Resumed.Add(-ownCommentSkew))
		if err != nil {
			return t, err
		}
		if found {
			c.log.Info("jira: an interrupted run had posted the comment; keeping it", "ticket", cl.Key, "comment", id)
			op = nil
			next.CommentID, next.CommentUnknown = id, false
		}
	}
	err := c.write(ctx, cl, fp, t, &next, op)
	if op != nil && op.edit && commentGone(err, op.id) {
		deleted(op.id)
		err = c.write(ctx, cl, fp, t, &next, nil)
	}
	if err != nil {
		return t, err
	}
	return next, nil
}

// commentOp is the comment change an issue edit carries.
type commentOp struct {
	edit   bool   // edit comment id in place; else add a new comment
	id     string // the comment to edit
	doc    richtext.Doc
	notify bool // notify watchers (else notifyUsers=false)
}

// hasComment says whether the trail knows of a living comment, by id or
// as posted with its id unknown.
func hasComment(t handoff.Trail) bool { return t.CommentID != "" || t.CommentUnknown }

// write sends the one request that brings the ticket from before to next:
// an issue edit when a comment or the label changes, else a property
// write when the trail changes, else nothing.
func (c *Client) write(ctx context.Context, cl ports.Checklist, fp string, before handoff.Trail, next *handoff.Trail, op *commentOp) error {
	trailChanged := !sameTrail(before, *next)
	if trailChanged {
		next.Written = c.opts.Now().UTC()
	}
	label := c.labelOp(cl, fp, before, *next)
	switch {
	case op != nil && !op.edit:
		return c.postComment(ctx, cl.Key, op, label, *next)
	case op != nil || label != "":
		_, err := c.editIssue(ctx, cl.Key, op, label, *next, trailChanged)
		return err
	case trailChanged:
		path := "rest/api/2/issue/" + url.PathEscape(cl.Key) + "/properties/" + url.PathEscape(c.opts.PropertyKey)
		return c.call(ctx, "publish: write trail", cl.Key, http.MethodPut, path, encodeTrail(*next), nil)
	}
	return nil
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

// labelOp says whether the label must be added ("add") or removed
// ("remove"), from the ticket's labels as scanned.
func (c *Client) labelOp(cl ports.Checklist, fp string, before, after handoff.Trail) string {
	if c.opts.Label == "" {
		return ""
	}
	want := fp != ""
	tk := cl.Evaluation.Handoff.Ticket
	var has bool
	if tk.Key != "" {
		for _, l := range tk.Labels {
			has = has || l == c.opts.Label
		}
	} else {
		// No labels scanned: go by what the bot did.
		has = before.Fingerprint != "" && !before.Complete
		if sameTrail(before, after) {
			return ""
		}
	}
	switch {
	case want && !has:
		return "add"
	case !want && has:
		return "remove"
	}
	return ""
}

// editIssue sends one issue edit: the comment operation (when op is not
// nil), the label operation (when label is "add" or "remove") and, when
// withTrail, the trail property. With a comment it goes through the
// site's rich-text version: v3 (ADF) on Cloud, v2 (wiki markup) on Data
// Center; an edit in place that should not notify adds
// notifyUsers=false.
func (c *Client) editIssue(ctx context.Context, key string, op *commentOp, label string, tr handoff.Trail, withTrail bool) (int, error) {
	what, path, body := c.editRequest(key, op, label, tr, withTrail)
	if op != nil && !op.edit {
		ctx = once(ctx) // adds a comment: the transport must not repeat it
	}
	return c.callStatus(ctx, what, key, http.MethodPut, path, body, nil)
}

// editRequest is editIssue's operation name, path and body.
func (c *Client) editRequest(key string, op *commentOp, label string, tr handoff.Trail, withTrail bool) (what, path string, body issueEdit) {
	v := "2"
	what = "publish: " + label + " label"
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
	if label != "" {
		update.Labels = []map[string]string{{label: c.opts.Label}}
	}
	if op != nil || label != "" {
		body.Update = &update
	}
	if withTrail {
		body.Properties = []property{{Key: c.opts.PropertyKey, Value: encodeTrail(tr)}}
	}
	return what, path, body
}

// postComment sends the issue edit that adds the comment (with label and
// trail). When it fails in a way that may have gone through, it looks for
// the bot's comment before sending it once more: found, the edit had gone
// through whole (comment, label and trail are one request).
func (c *Client) postComment(ctx context.Context, key string, op *commentOp, label string, tr handoff.Trail) error {
	for attempt := 0; ; attempt++ {
		start := c.opts.Now()
		status, err := c.editIssue(ctx, key, op, label, tr, true)
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

func findingFields(fs []handoff.Finding) []handoff.FieldID {
	return union(nil, func() []handoff.FieldID {
		out := make([]handoff.FieldID, 0, len(fs))
		for _, f := range fs {
			if f.Field != "" {
				out = append(out, f.Field)
			}
		}
		return out
	}())
}

// union keeps a's order and appends b's new fields.
func union(a, b []handoff.FieldID) []handoff.FieldID {
	seen := map[handoff.FieldID]bool{}
	var out []handoff.FieldID
	for _, s := range [][]handoff.FieldID{a, b} {
		for _, f := range s {
			if !seen[f] {
				seen[f] = true
				out = append(out, f)
			}
		}
	}
	return out
}

func sameTrail(a, b handoff.Trail) bool {
	ja, _ := json.Marshal(trailJSON{Fingerprint: a.Fingerprint, Flagged: a.Flagged, CommentID: a.CommentID, CommentUnknown: a.CommentUnknown, Complete: a.Complete, Deleted: a.Deleted})
	jb, _ := json.Marshal(trailJSON{Fingerprint: b.Fingerprint, Flagged: b.Flagged, CommentID: b.CommentID, CommentUnknown: b.CommentUnknown, Complete: b.Complete, Deleted: b.Deleted})
	return string(ja) == string(jb)
}

// joinDocs puts b under a, keeping a's title and summary.
func joinDocs(a, b richtext.Doc) richtext.Doc {
	out := richtext.Doc{Title: a.Title, Summary: a.Summary}
	out.Blocks = append(out.Blocks, a.Blocks...)
	if b.Title != "" {
		out.Blocks = append(out.Blocks, richtext.Block{Kind: richtext.BlockHeading, Level: 3,
			Inlines: []richtext.Inline{{Kind: richtext.InlineText, Text: b.Title}}})
	}
	out.Blocks = append(out.Blocks, b.Blocks...)
	if out.Title == "" {
		out.Title, out.Summary = b.Title, b.Summary
	}
	return out
}
