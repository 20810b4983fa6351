package jira

import (
	"encoding/json"

	"github.com/patchbot/patchbot/handoff"
)

// rawJSON is a request body already encoded as JSON: callStatus sends it
// as it is (go-jira's NewRawRequestWithContext) instead of having go-jira
// encode a value.
type rawJSON []byte

// editBody is what one issue edit says: the comment operation, the label
// operation and the trail property, each when present.
type editBody struct {
	comment bool   // update.comment: add {body}, or edit {body, id}
	edit    bool   // edit comment id; else add
	id      string // the comment to edit
	// The comment's body: with cloud, adf (a rendered ADF document),
	// else wiki (wiki markup, Data Center).
	cloud bool
	adf   json.RawMessage
	wiki  string

	labelVerb string // update.labels: "add" or "remove"; "" for none
	label     string

	trail       bool // properties: [{key, value}]
	propertyKey string
	trailValue  json.RawMessage
}

// appendJSON appends the edit's JSON to dst:
//
//	{"update":{"comment":[{"add":{"body":…}}],"labels":[{"add":"…"}]},
//	 "properties":[{"key":"…","value":…}]}
//
// (edit: {"edit":{"body":…,"id":"…"}}), the same members and values as
// encoding/json gives for the nested maps the connector sent before, in
// one pass: the ADF document and the trail, already JSON (from
// encoding/json, so valid and compact), are copied in, not re-validated
// and compacted. Strings are escaped as encoding/json escapes them except
// that < > & are written as themselves (as RenderADF writes them), which
// is the same JSON value.
func (e *editBody) appendJSON(dst []byte) []byte {
	dst = append(dst, '{')
	if e.comment || e.labelVerb != "" {
		dst = append(dst, `"update":{`...)
		if e.comment {
			if e.edit {
				dst = append(dst, `"comment":[{"edit":{"body":`...)
			} else {
				dst = append(dst, `"comment":[{"add":{"body":`...)
			}
			if e.cloud {
				dst = appendRawJSON(dst, e.adf)
			} else {
				dst = handoff.AppendJSONString(dst, e.wiki)
			}
			if e.edit {
				dst = append(dst, `,"id":`...)
				dst = handoff.AppendJSONString(dst, e.id)
			}
			dst = append(dst, "}}]"...)
		}
		if e.labelVerb != "" {
			if e.comment {
				dst = append(dst, ',')
			}
			dst = append(dst, `"labels":[{`...)
			dst = handoff.AppendJSONString(dst, e.labelVerb)
			dst = append(dst, ':')
			dst = handoff.AppendJSONString(dst, e.label)
			dst = append(dst, "}]"...)
		}
		dst = append(dst, '}')
	}
	if e.trail {
		if e.comment || e.labelVerb != "" {
			dst = append(dst, ',')
		}
		dst = append(dst, `"properties":[{"key":`...)
		dst = handoff.AppendJSONString(dst, e.propertyKey)
		dst = append(dst, `,"value":`...)
		dst = appendRawJSON(dst, e.trailValue)
		dst = append(dst, "}]"...)
	}
	return append(dst, '}')
}

// size is a guess of the JSON's length, for the buffer: enough unless
// the strings need much escaping (a wiki body's line breaks are allowed
// for).
func (e *editBody) size() int {
	return 160 + len(e.adf) + len(e.trailValue) + len(e.wiki) + len(e.wiki)/8 +
		2*(len(e.id)+len(e.labelVerb)+len(e.label)+len(e.propertyKey))
}

// appendRawJSON appends raw, a JSON value encoding/json produced, as it
// is; an empty one is null, as encoding/json writes a nil RawMessage.
func appendRawJSON(dst []byte, raw json.RawMessage) []byte {
	if len(raw) == 0 {
		return append(dst, "null"...)
	}
	return append(dst, raw...)
}
