package jira

import (
	"encoding/json"
	"time"

	"github.com/patchbot/patchbot/handoff"
)

// trailJSON is the entity property's value: the bot's state on the ticket.
// Its field names are a stored format; change them only with a version.
type trailJSON struct {
	V           int               `json:"v"`
	Fingerprint string            `json:"fingerprint,omitempty"`
	Flagged     []handoff.FieldID `json:"flagged,omitempty"`
	CommentID   string            `json:"commentId,omitempty"`
	// CommentUnknown: a comment was posted (in the same issue edit as
	// this property) whose id is not known yet.
	CommentUnknown bool       `json:"commentUnknown,omitempty"`
	Complete       bool       `json:"complete,omitempty"`
	Deleted        bool       `json:"deleted,omitempty"`
	Written        *time.Time `json:"written,omitempty"`
	// Snooze: reminders silenced until a time, by whom and why.
	Snooze *snoozeJSON `json:"snooze,omitempty"`
}

// snoozeJSON is a snooze as the property keeps it.
type snoozeJSON struct {
	Until  time.Time `json:"until"`
	By     string    `json:"by,omitempty"`
	Name   string    `json:"name,omitempty"`
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
}

func encodeTrail(t handoff.Trail) json.RawMessage {
	j := trailJSON{V: 1, Fingerprint: t.Fingerprint, Flagged: t.Flagged, CommentID: t.CommentID,
		CommentUnknown: t.CommentUnknown, Complete: t.Complete, Deleted: t.Deleted}
	if !t.Written.IsZero() {
		w := t.Written.UTC()
		j.Written = &w
	}
	if z := t.Snooze; z != nil {
		j.Snooze = &snoozeJSON{Until: z.Until.UTC(), By: z.By, Name: z.Name, Reason: z.Reason, At: z.At.UTC()}
	}
	b, _ := json.Marshal(j)
	return b
}

// decodeTrail reads the property; a missing or unreadable one is no trail.
func decodeTrail(raw json.RawMessage) (handoff.Trail, bool) {
	if isNull(raw) {
		return handoff.Trail{}, true
	}
	var j trailJSON
	if json.Unmarshal(raw, &j) != nil {
		return handoff.Trail{}, false
	}
	t := handoff.Trail{Fingerprint: j.Fingerprint, Flagged: j.Flagged, CommentID: j.CommentID,
		CommentUnknown: j.CommentUnknown, Complete: j.Complete, Deleted: j.Deleted}
	if j.Written != nil {
		t.Written = *j.Written
	}
	if z := j.Snooze; z != nil && !z.Until.IsZero() {
		t.Snooze = &handoff.Snooze{Until: z.Until, By: z.By, Name: z.Name, Reason: z.Reason, At: z.At}
	}
	return t, true
}
