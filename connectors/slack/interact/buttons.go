package interact

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// known reports whether b is one of the buttons.
func known(b Button) bool { return b.Label() != "" }

// actionsBlockPrefix starts the block id of every actions block the
// adapter makes.
const actionsBlockPrefix = "patchbot_actions"

// maxBlockID and maxValue are Slack's limits on a block id and a button
// value.
const (
	maxBlockID = 255
	maxValue   = 2000
)

// target is what a button acts on: a ticket, and optionally one item of it.
type target struct {
	Key  string `json:"key"`
	Item string `json:"item,omitempty"`
}

// Actions is the actions block of buttons for a ticket (key) and
// optionally one item of it (item, the engine's item reference), for the
// message renderers to append to a message. Buttons that are not
// patchbot's are left out; with none left it returns nil. Show buttons only
// while the adapter runs: a click nobody answers is an error in Slack.
func Actions(key, item string, buttons ...Button) slack.Block {
	return actionsBlock(blockID(key, item, ""), target{Key: key, Item: item}, buttons)
}

func actionsBlock(id string, t target, buttons []Button) slack.Block {
	value := t.encode()
	var els []slack.BlockElement
	for _, b := range buttons {
		if !known(b) {
			continue
		}
		btn := slack.NewButtonBlockElement(string(b), value,
			slack.NewTextBlockObject(slack.PlainTextType, b.Label(), true, false))
		if b == ButtonAcknowledge {
			btn.Style = slack.StylePrimary
		}
		els = append(els, btn)
	}
	if len(els) == 0 {
		return nil
	}
	return slack.NewActionBlock(id, els...)
}

// blockID is a block id unique per target (and suffix) within a message
// or view, within Slack's 255 characters.
func blockID(key, item, suffix string) string {
	id := actionsBlockPrefix + ":" + key
	if item != "" {
		id += ":" + item
	}
	if suffix != "" {
		id += ":" + suffix
	}
	if len(id) > maxBlockID {
		id = id[:maxBlockID-len(suffix)-1] + "~" + suffix
	}
	return id
}

// encode is the button value: the target as JSON, the item dropped when
// it would not fit Slack's limit.
func (t target) encode() string {
	b, err := json.Marshal(t)
	if err != nil || len(b) > maxValue {
		b, _ = json.Marshal(target{Key: t.Key})
	}
	return string(b)
}

// keyRE is a Jira issue key.
var keyRE = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,49}-[0-9]{1,12}$`)

// maxItem bounds an item reference read back from Slack.
const maxItem = 512

var errBadTarget = errors.New("not a patchbot button value")

// decodeTarget reads a button value back, refusing anything the adapter
// would not have put there.
func decodeTarget(value string) (target, error) {
	var t target
	if len(value) > maxValue || json.Unmarshal([]byte(value), &t) != nil {
		return target{}, errBadTarget
	}
	if err := t.check(); err != nil {
		return target{}, err
	}
	return t, nil
}

// check accepts a Jira key and a printable item reference.
func (t target) check() error {
	if !keyRE.MatchString(t.Key) {
		return fmt.Errorf("%w: key %q", errBadTarget, cut(t.Key, 40))
	}
	if len(t.Item) > maxItem || !utf8.ValidString(t.Item) || strings.IndexFunc(t.Item, unicode.IsControl) >= 0 {
		return fmt.Errorf("%w: item reference", errBadTarget)
	}
	return nil
}

// cut shortens s for a log line.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
