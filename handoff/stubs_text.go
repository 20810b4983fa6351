package handoff

// TEMPORARY: signatures of the texts and renderers so that other packages
// compile while they are written. Their owner deletes each stub as the real
// code lands, and this file with the last one.

import (
	"encoding/json"
	"time"
)

// Wording holds every sentence the bot says; config can replace entries.
type Wording map[string]string

// DefaultWording is the embedded wording.
func DefaultWording() Wording { return Wording{} }

// Merge returns w with the overrides applied, or an error naming unknown
// keys and templates that do not parse.
func (w Wording) Merge(over map[string]string) (Wording, error) { return w, nil }

// TextOptions carries what every text needs besides its subject.
type TextOptions struct {
	Wording Wording
	Now     time.Time
	Loc     *time.Location
	// OwnerSlackID, when known, makes the owner a real Slack mention.
	OwnerSlackID string
	// Ticked lists fields flagged before and provided since.
	Ticked []FieldID
}

// ValidationRequest is the living checklist posted when fields are missing.
func ValidationRequest(ev Evaluation, o TextOptions) Doc { return Doc{} }

// Reopened is the short note when findings reappear after completion.
func Reopened(ev Evaluation, o TextOptions) Doc { return Doc{} }

// Complete says once that the handoff is complete.
func Complete(ev Evaluation, o TextOptions) Doc { return Doc{} }

// HeadsUp warns an owner of what falls due soon.
func HeadsUp(owner Person, items []Due, o TextOptions) Doc { return Doc{} }

// Reminder is one owner's batch of overdue items.
func Reminder(owner Person, items []Due, o TextOptions) Doc { return Doc{} }

// Escalation tells the escalation target what an owner left overdue.
func Escalation(owner Person, items []Due, level int, o TextOptions) Doc { return Doc{} }

// ClosureRequest asks for closure proof on a ticket resolved without it.
func ClosureRequest(d Due, o TextOptions) Doc { return Doc{} }

// Digest is the weekly overdue digest, grouped by owner and lane.
func Digest(items []Due, o TextOptions) Doc { return Doc{} }

// PersonalDigest is one owner's share of the weekly digest.
func PersonalDigest(owner Person, items []Due, o TextOptions) Doc { return Doc{} }

// RenderADF renders a Doc as an Atlassian Document Format document.
func RenderADF(d Doc) json.RawMessage {
	return json.RawMessage(`{"type":"doc","version":1,"content":[]}`)
}

// RenderWiki renders a Doc as Jira wiki markup.
func RenderWiki(d Doc) string { return "" }

// SlackMessage is one Slack message: Block Kit blocks and a fallback text.
type SlackMessage struct {
	Text   string
	Blocks json.RawMessage
}

// RenderSlack renders a Doc as one or more Slack messages within Slack's
// limits.
func RenderSlack(d Doc) []SlackMessage { return nil }

// RenderText renders a Doc as plain text.
func RenderText(d Doc) string { return d.Title }
