package jira

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/scheduler"
)

// ownCommentSkew is how far before a failed post the bot looks for the
// comment that post may have created anyway (clock skew with Jira).
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
// Each of these is one comment write and one trail write: the property is
// written last (PUT .../properties/{key}), or, when the label changes too,
// together with the label in one issue edit. A ticket whose only change is
// its label costs one issue edit. A comment post that may have gone
// through (network error, 5xx, unreadable answer) is not repeated blindly:
// the bot first looks among the ticket's comments for its own.
func (c *Client) Publish(ctx context.Context, cl scheduler.Checklist) (handoff.Trail, error) {
	t := cl.Trail
	fp := cl.Evaluation.Fingerprint
	flagged := findingFields(cl.Evaluation.Findings)
	next := t
	var err error
	switch {
	case fp != "" && fp == t.Fingerprint && !t.Complete:
		// Already said (or deleted by a person with these findings).
	case fp != "" && (t.CommentID == "" || t.Deleted):
		var id string
		if id, err = c.resumeOrPost(ctx, cl, cl.Request); err != nil {
			return t, err
		}
		next = handoff.Trail{Fingerprint: fp, Flagged: flagged, CommentID: id}
	case fp != "" && t.Complete:
		var id string
		if id, err = c.resumeOrPost(ctx, cl, joinDocs(cl.Reopened, cl.Request)); err != nil {
			return t, err
		}
		next = handoff.Trail{Fingerprint: fp, Flagged: flagged, CommentID: id}
	case fp != "":
		next = handoff.Trail{Fingerprint: fp, Flagged: union(t.Flagged, flagged), CommentID: t.CommentID}
		err = c.editComment(ctx, cl.Key, t.CommentID, cl.Request, false)
		if errors.Is(err, ErrNotFound) {
			c.log.Info("jira: the bot's comment was deleted; not posting again until the findings change", "ticket", cl.Key, "comment", t.CommentID)
			next.CommentID, next.Deleted, err = "", true, nil
		}
		if err != nil {
			return t, err
		}
	case t.Fingerprint != "" && !t.Complete:
		next = handoff.Trail{Complete: true, CommentID: t.CommentID, Deleted: t.Deleted}
		if t.CommentID != "" && !t.Deleted {
			err = c.editComment(ctx, cl.Key, t.CommentID, joinDocs(cl.Complete, cl.Request), true)
			if errors.Is(err, ErrNotFound) {
				next.CommentID, next.Deleted, err = "", true, nil
			}
			if err != nil {
				return t, err
			}
		}
	}
	trailChanged := !sameTrail(t, next)
	if trailChanged {
		next.Written = c.opts.Now().UTC()
	}
	label := c.labelOp(cl, fp, t, next)
	switch {
	case label != "":
		if err := c.editIssue(ctx, cl.Key, label, next, trailChanged); err != nil {
			return next, err
		}
	case trailChanged:
		path := "rest/api/2/issue/" + url.PathEscape(cl.Key) + "/properties/" + url.PathEscape(c.opts.PropertyKey)
		if err := c.call(ctx, "publish: write trail", cl.Key, http.MethodPut, path, encodeTrail(next), nil); err != nil {
			return next, err
		}
	}
	return next, nil
}

// labelOp says whether the label must be added ("add") or removed
// ("remove"), from the ticket's labels as scanned.
func (c *Client) labelOp(cl scheduler.Checklist, fp string, before, after handoff.Trail) string {
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

// editIssue changes the label and, when withTrail, writes the trail
// property in the same request.
func (c *Client) editIssue(ctx context.Context, key, op string, tr handoff.Trail, withTrail bool) error {
	body := map[string]any{"update": map[string]any{"labels": []any{map[string]string{op: c.opts.Label}}}}
	if withTrail {
		body["properties"] = []any{map[string]any{"key": c.opts.PropertyKey, "value": encodeTrail(tr)}}
	}
	return c.call(ctx, "publish: "+op+" label", key, http.MethodPut, "rest/api/2/issue/"+url.PathEscape(key), body, nil)
}

// commentPath is the comment endpoint in the site's rich-text format:
// v3 (ADF) on Cloud, v2 (wiki markup) on Data Center.
func (c *Client) commentPath(key, id string) (string, func(handoff.Doc) any) {
	v, render := "2", func(d handoff.Doc) any { return map[string]any{"body": handoff.RenderWiki(d)} }
	if c.deployment == DeploymentCloud {
		v, render = "3", func(d handoff.Doc) any { return map[string]any{"body": handoff.RenderADF(d)} }
	}
	p := "rest/api/" + v + "/issue/" + url.PathEscape(key) + "/comment"
	if id != "" {
		p += "/" + url.PathEscape(id)
	}
	return p, render
}

func (c *Client) editComment(ctx context.Context, key, id string, d handoff.Doc, notify bool) error {
	path, render := c.commentPath(key, id)
	if !notify {
		path += "?notifyUsers=false"
	}
	return c.call(ctx, "publish: edit comment", key, http.MethodPut, path, render(d), nil)
}

// resumeOrPost posts d as a new comment, unless an interrupted earlier
// attempt at this checklist (cl.Resumed) had already posted it: the
// comment went out but the trail saying so was never written.
func (c *Client) resumeOrPost(ctx context.Context, cl scheduler.Checklist, d handoff.Doc) (string, error) {
	if !cl.Resumed.IsZero() {
		id, found, err := c.findOwnComment(ctx, cl.Key, cl.Resumed.Add(-ownCommentSkew))
		if err != nil {
			return "", err
		}
		if found {
			c.log.Info("jira: an interrupted run had posted the comment; keeping it", "ticket", cl.Key, "comment", id)
			return id, nil
		}
	}
	return c.postComment(ctx, cl.Key, d)
}

// postComment posts d as a new comment and returns its id.
func (c *Client) postComment(ctx context.Context, key string, d handoff.Doc) (string, error) {
	path, render := c.commentPath(key, "")
	body := render(d)
	for attempt := 0; ; attempt++ {
		start := c.opts.Now()
		var out struct {
			ID string `json:"id"`
		}
		status, err := c.callStatus(ctx, "publish: post comment", key, http.MethodPost, path, body, &out)
		if err == nil {
			return out.ID, nil
		}
		maybe := status == 0 || status >= 500 || (status >= 200 && status < 300)
		if !maybe || attempt >= 1 || ctx.Err() != nil {
			return "", err
		}
		// The comment may exist: look before posting again.
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
	ja, _ := json.Marshal(trailJSON{Fingerprint: a.Fingerprint, Flagged: a.Flagged, CommentID: a.CommentID, Complete: a.Complete, Deleted: a.Deleted})
	jb, _ := json.Marshal(trailJSON{Fingerprint: b.Fingerprint, Flagged: b.Flagged, CommentID: b.CommentID, Complete: b.Complete, Deleted: b.Deleted})
	return string(ja) == string(jb)
}

// joinDocs puts b under a, keeping a's title and summary.
func joinDocs(a, b handoff.Doc) handoff.Doc {
	out := handoff.Doc{Title: a.Title, Summary: a.Summary}
	out.Blocks = append(out.Blocks, a.Blocks...)
	if b.Title != "" {
		out.Blocks = append(out.Blocks, handoff.Block{Kind: handoff.BlockHeading, Level: 3,
			Inlines: []handoff.Inline{{Kind: handoff.InlineText, Text: b.Title}}})
	}
	out.Blocks = append(out.Blocks, b.Blocks...)
	if out.Title == "" {
		out.Title, out.Summary = b.Title, b.Summary
	}
	return out
}
