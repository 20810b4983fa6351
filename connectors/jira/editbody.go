package jira

import "encoding/json"

// issueEdit is the body of one issue edit (PUT /rest/api/{2,3}/issue/{key}):
// the comment operation, the label operation and the trail property, each
// when present. go-jira encodes it.
type issueEdit struct {
	Update     *issueUpdate `json:"update,omitempty"`
	Properties []property   `json:"properties,omitempty"`
}

type issueUpdate struct {
	Comment []commentVerb `json:"comment,omitempty"`
	// Labels is [{"add": label}] or [{"remove": label}].
	Labels []map[string]string `json:"labels,omitempty"`
}

// commentVerb adds a comment or edits one.
type commentVerb struct {
	Add  *commentBody `json:"add,omitempty"`
	Edit *commentBody `json:"edit,omitempty"`
}

type commentBody struct {
	// Body is the rendered comment: an ADF document (json.RawMessage) on
	// Cloud, wiki markup (a string) on Data Center.
	Body any `json:"body"`
	// ID is the comment an edit changes.
	ID string `json:"id,omitempty"`
}

// property is an entity property set by the edit.
type property struct {
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
}
