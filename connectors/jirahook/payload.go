package jirahook

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
)

// The webhook events the receiver acts on. Jira Cloud and Data Center use
// the same names.
const (
	EventIssueCreated   = "jira:issue_created"
	EventIssueUpdated   = "jira:issue_updated"
	EventIssueDeleted   = "jira:issue_deleted"
	EventCommentCreated = "comment_created"
	EventCommentUpdated = "comment_updated"
	EventCommentDeleted = "comment_deleted"
)

// The causes handed to Recheck. When several events for one ticket are
// folded together the strongest cause wins, in the order deleted, moved,
// created, updated, comment.
const (
	CauseComment = "comment" // a comment was added, edited or removed
	CauseUpdated = "updated" // a field changed
	CauseCreated = "created" // the ticket is new
	// CauseMoved: the ticket was moved and this is its old key, which no
	// longer names it (the new key gets its own Recheck).
	CauseMoved = "moved"
	// CauseDeleted: the ticket was deleted.
	CauseDeleted = "deleted"
)

var causeRank = map[string]int{CauseComment: 1, CauseUpdated: 2, CauseCreated: 3, CauseMoved: 4, CauseDeleted: 5}

// stronger returns whichever of two causes wins when they are folded.
func stronger(a, b string) string {
	if causeRank[b] > causeRank[a] {
		return b
	}
	return a
}

// Identity names the bot's own Jira account, so that the webhooks its own
// edits fire are recognised: AccountID on Cloud; Name (the username) and/or
// Key (e.g. JIRAUSER10000) on Data Center. Empty fields never match.
type Identity struct {
	AccountID string
	Name      string
	Key       string
}

// IsZero reports whether no field is set.
func (id Identity) IsZero() bool { return id.AccountID == "" && id.Name == "" && id.Key == "" }

func (id Identity) is(u *user) bool {
	if u == nil {
		return false
	}
	return (id.AccountID != "" && u.AccountID == id.AccountID) ||
		(id.Name != "" && strings.EqualFold(u.Name, id.Name)) ||
		(id.Key != "" && strings.EqualFold(u.Key, id.Key))
}

// payload is the part of a webhook body the receiver reads. Every other
// field (the issue's fields, the comment's body, avatars...) is skipped.
type payload struct {
	WebhookEvent string `json:"webhookEvent"`
	// Timestamp is milliseconds since the epoch; kept raw, it only feeds
	// the fallback delivery identity.
	Timestamp json.RawMessage `json:"timestamp"`
	EventType string          `json:"issue_event_type_name"`
	User      *user           `json:"user"`
	Issue     *issue          `json:"issue"`
	Changelog *changelog      `json:"changelog"`
	Comment   *comment        `json:"comment"`
}

type user struct {
	AccountID string `json:"accountId"`
	Name      string `json:"name"`
	Key       string `json:"key"`
}

type issue struct {
	ID     flexString `json:"id"`
	Key    string     `json:"key"`
	Fields *struct {
		Project *struct {
			Key string `json:"key"`
		} `json:"project"`
	} `json:"fields"`
}

type changelog struct {
	ID    flexString `json:"id"`
	Items []item     `json:"items"`
}

type item struct {
	Field      string     `json:"field"`
	FieldID    string     `json:"fieldId"`
	FromString flexString `json:"fromString"`
	ToString   flexString `json:"toString"`
}

type comment struct {
	ID           flexString `json:"id"`
	Self         string     `json:"self"`
	Author       *user      `json:"author"`
	UpdateAuthor *user      `json:"updateAuthor"`
}

// flexString reads a JSON string, number or null as text: Jira sends ids
// as strings, but a tolerant reader costs nothing.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	switch {
	case bytes.Equal(b, []byte("null")):
		*f = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
	case len(b) > 0 && (b[0] == '-' || (b[0] >= '0' && b[0] <= '9')):
		*f = flexString(b)
	default:
		return errors.New("jirahook: want a string or a number")
	}
	return nil
}

// target is one ticket to recheck.
type target struct {
	key, cause string
}

// The outcomes of a delivery, as counted by patchbot_webhook_events_total.
const (
	outcomeAccepted  = "accepted"  // at least one Recheck queued
	outcomeDuplicate = "duplicate" // a delivery already seen (a retry or a replay)
	outcomeSelf      = "self"      // caused by the bot's own edit
	outcomeUnwatched = "unwatched" // a project not in Options.Projects
	outcomeUnused    = "unused"    // an event the receiver does not act on
)

var outcomes = []string{outcomeAccepted, outcomeDuplicate, outcomeSelf, outcomeUnwatched, outcomeUnused}

// errNoIssue: an issue or comment event that names no issue.
var errNoIssue = errors.New("jirahook: the event names no issue (key or id)")

// used reports whether the receiver acts on an event.
func used(event string) bool {
	switch event {
	case EventIssueCreated, EventIssueUpdated, EventIssueDeleted,
		EventCommentCreated, EventCommentUpdated, EventCommentDeleted:
		return true
	}
	return false
}

func isCommentEvent(event string) bool {
	return event == EventCommentCreated || event == EventCommentUpdated || event == EventCommentDeleted
}

// subject returns the ticket an event is about: the issue key, or its id
// when the payload has no key (JQL's `issue = X` takes either), or the
// issue id in the comment's self URL (a comment event without an issue).
// The project is "" when the payload does not say.
func (p *payload) subject() (key, project string, err error) {
	if p.Issue != nil {
		if p.Issue.Fields != nil && p.Issue.Fields.Project != nil {
			project = p.Issue.Fields.Project.Key
		}
		if p.Issue.Key != "" {
			if !validKey(p.Issue.Key) {
				return "", "", errNoIssue
			}
			if project == "" {
				project = projectOf(p.Issue.Key)
			}
			return p.Issue.Key, project, nil
		}
		if id := string(p.Issue.ID); id != "" {
			if !validID(id) {
				return "", "", errNoIssue
			}
			return id, project, nil
		}
	}
	if p.Comment != nil {
		// …/rest/api/2/issue/10010/comment/10000
		if _, rest, ok := strings.Cut(p.Comment.Self, "/issue/"); ok {
			id, _, _ := strings.Cut(rest, "/")
			if validID(id) {
				return id, "", nil
			}
		}
	}
	return "", "", errNoIssue
}

// selfCaused reports whether an event is the echo of the bot's own edit:
//  1. the acting user is the bot; or
//  2. a comment event on the bot's own comment, last changed by the bot,
//     with no one else named as acting (a person editing the bot's
//     comment is worth a look; one deleting it is seen by the next sync,
//     since Cloud does not say who deleted); or
//  3. an update whose changelog only adds or removes the bot's label.
func (p *payload) selfCaused(self Identity, label string) bool {
	if self.is(p.User) {
		return true
	}
	someoneElse := p.User != nil && !isZeroUser(p.User)
	if c := p.Comment; c != nil && !someoneElse && (isCommentEvent(p.WebhookEvent) || p.onlyComment()) {
		by := c.UpdateAuthor
		if by == nil || isZeroUser(by) {
			by = c.Author
		}
		if self.is(c.Author) && self.is(by) {
			return true
		}
	}
	if p.WebhookEvent == EventIssueUpdated && p.Changelog != nil && len(p.Changelog.Items) > 0 && label != "" {
		for _, it := range p.Changelog.Items {
			if !onlyLabel(it, label) {
				return false
			}
		}
		return true
	}
	return false
}

// onlyComment reports whether an issue update carries a comment and no
// field change (Jira's issue_commented, issue_comment_edited...).
func (p *payload) onlyComment() bool {
	return p.WebhookEvent == EventIssueUpdated && p.Comment != nil && (p.Changelog == nil || len(p.Changelog.Items) == 0)
}

func isZeroUser(u *user) bool { return u.AccountID == "" && u.Name == "" && u.Key == "" }

// onlyLabel reports whether a changelog item adds or removes exactly the
// given label and nothing else. Jira writes the labels before and after as
// space-separated lists in fromString and toString.
func onlyLabel(it item, label string) bool {
	if !strings.EqualFold(it.Field, "labels") && it.FieldID != "labels" {
		return false
	}
	from := strings.Fields(string(it.FromString))
	to := strings.Fields(string(it.ToString))
	diff := map[string]int{}
	for _, l := range from {
		diff[l]--
	}
	for _, l := range to {
		diff[l]++
	}
	changed := 0
	for l, d := range diff {
		if d == 0 {
			continue
		}
		if l != label {
			return false
		}
		changed++
	}
	return changed == 1
}

// cause is the Recheck cause of a used event.
func (p *payload) cause() string {
	switch {
	case p.WebhookEvent == EventIssueCreated:
		return CauseCreated
	case p.WebhookEvent == EventIssueDeleted:
		return CauseDeleted
	case isCommentEvent(p.WebhookEvent), p.onlyComment():
		return CauseComment
	}
	return CauseUpdated
}

// movedFrom returns the ticket's old key when an update moved it to
// another key (a changelog item on the field "Key").
func (p *payload) movedFrom() string {
	if p.WebhookEvent != EventIssueUpdated || p.Changelog == nil {
		return ""
	}
	for _, it := range p.Changelog.Items {
		if strings.EqualFold(it.Field, "key") || it.FieldID == "issuekey" {
			if old := string(it.FromString); validKey(old) && old != p.keyOrEmpty() {
				return old
			}
		}
	}
	return ""
}

func (p *payload) keyOrEmpty() string {
	if p.Issue == nil {
		return ""
	}
	return p.Issue.Key
}

// fallbackID is the delivery identity when Jira sent no
// X-Atlassian-Webhook-Identifier: event, issue, changelog, comment and
// timestamp. Without a timestamp it is "" (no deduplication), since two
// real changes could then look alike.
func (p *payload) fallbackID() string {
	ts := strings.TrimSpace(string(p.Timestamp))
	if ts == "" || ts == "null" {
		return ""
	}
	var b strings.Builder
	b.WriteString(p.WebhookEvent)
	b.WriteByte('|')
	if p.Issue != nil {
		b.WriteString(string(p.Issue.ID))
		b.WriteByte('/')
		b.WriteString(p.Issue.Key)
	}
	b.WriteByte('|')
	if p.Changelog != nil {
		b.WriteString(string(p.Changelog.ID))
	}
	b.WriteByte('|')
	if p.Comment != nil {
		b.WriteString(string(p.Comment.ID))
	}
	b.WriteByte('|')
	b.WriteString(ts)
	return b.String()
}

// validKey reports whether s looks like an issue key: a project key (a
// letter, then letters, digits or underscores) and a number. What passes
// is safe to put in JQL.
func validKey(s string) bool {
	if len(s) > 255 {
		return false
	}
	i := strings.LastIndexByte(s, '-')
	if i < 1 || !validID(s[i+1:]) {
		return false
	}
	for j := 0; j < i; j++ {
		c := s[j]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		case j > 0 && (c >= '0' && c <= '9' || c == '_'):
		default:
			return false
		}
	}
	return true
}

// validID reports whether s is a decimal id of sane length.
func validID(s string) bool {
	if s == "" || len(s) > 19 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func projectOf(key string) string {
	if i := strings.LastIndexByte(key, '-'); i > 0 {
		return key[:i]
	}
	return ""
}
