package jira

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/patchbot/patchbot/handoff"
)

// rawIssue is a search hit. go-jira's Issue type drops the `properties`
// the search returns and flattens custom fields, so the connector decodes
// hits itself, field by field.
type rawIssue struct {
	ID         string                     `json:"id"`
	Key        string                     `json:"key"`
	Fields     map[string]json.RawMessage `json:"fields"`
	Properties map[string]json.RawMessage `json:"properties"`
}

// userJSON is a user in either deployment's shape.
type userJSON struct {
	AccountID    string `json:"accountId"`
	Name         string `json:"name"`
	Key          string `json:"key"`
	EmailAddress string `json:"emailAddress"`
	DisplayName  string `json:"displayName"`
}

func (u userJSON) user() handoff.User {
	return handoff.User{AccountID: u.AccountID, Name: u.Name, Key: u.Key, Email: u.EmailAddress, DisplayName: u.DisplayName}
}

// jiraTimeLayouts parse Jira's datetimes: +0000 offsets without a colon
// (RFC 3339 parsing fails on them), with or without milliseconds.
var jiraTimeLayouts = []string{
	"2006-01-02T15:04:05.000-0700",
	"2006-01-02T15:04:05-0700",
	time.RFC3339Nano,
	"2006-01-02",
}

// parseJiraTime parses one of Jira's datetimes or dates.
func parseJiraTime(s string) (time.Time, bool) {
	for _, l := range jiraTimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// rawString is a string value's text; "" for null or anything else.
func rawString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

func rawTime(raw json.RawMessage) time.Time {
	t, _ := parseJiraTime(rawString(raw))
	return t
}

func rawUser(raw json.RawMessage) handoff.User {
	var u userJSON
	if json.Unmarshal(raw, &u) != nil {
		return handoff.User{}
	}
	return u.user()
}

func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || bytes.Equal(t, []byte("null"))
}

// decodeTicket reads the identity and state of a hit. Each field is read
// on its own: one of an unexpected type is left empty, not the ticket.
func (c *Client) decodeTicket(is rawIssue, projectName string) handoff.Ticket {
	f := is.Fields
	t := handoff.Ticket{Key: is.Key, Project: projectName, URL: c.base + "/browse/" + is.Key,
		Summary: rawString(f["summary"]), Created: rawTime(f["created"]), Updated: rawTime(f["updated"]),
		Resolved: rawTime(f["resolutiondate"]), Assignee: rawUser(f["assignee"]), Reporter: rawUser(f["reporter"])}
	var st struct {
		Name     string `json:"name"`
		Category struct {
			Key string `json:"key"`
		} `json:"statusCategory"`
	}
	if json.Unmarshal(f["status"], &st) == nil {
		t.Status = st.Name
		t.StatusCategory = handoff.StatusCategory(st.Category.Key)
	}
	var res struct {
		Name string `json:"name"`
	}
	if json.Unmarshal(f["resolution"], &res) == nil {
		t.Resolution = res.Name
	}
	_ = json.Unmarshal(f["labels"], &t.Labels)
	return t
}

// decodeValue reads one mapped field in any of Jira's shapes: text,
// paragraph (wiki string on v2, ADF on v3), date and datetime (kept as the
// raw text Jira sent), number, URL, user and multi-user, group, single and
// multi select, cascading select, labels, components, versions, status,
// resolution, priority. ok is false for an empty value. An unknown shape
// comes back as its raw JSON text with known false, for a warning (so does
// a number beyond float64, which json.Unmarshal refuses; Jira's numbers
// are doubles).
func decodeValue(raw json.RawMessage) (v handoff.FieldValue, ok, known bool) {
	if isNull(raw) {
		return v, false, true
	}
	var x any
	if err := json.Unmarshal(raw, &x); err != nil {
		return handoff.FieldValue{Text: string(raw)}, true, false
	}
	switch t := x.(type) {
	case string:
		v.Text = strings.TrimSpace(t)
	case float64:
		v.Text = numberText(t)
	case bool:
		v.Text = strconv.FormatBool(t)
	case map[string]any:
		text, user, isUser, k := decodeObject(t)
		if !k {
			return handoff.FieldValue{Text: string(raw)}, true, false
		}
		v.Text = text
		if isUser {
			v.Users = []handoff.User{user}
		}
	case []any:
		known = true
		for _, e := range t {
			switch et := e.(type) {
			case string:
				if s := strings.TrimSpace(et); s != "" {
					v.Items = append(v.Items, s)
				}
			case float64:
				v.Items = append(v.Items, numberText(et))
			case map[string]any:
				text, user, isUser, k := decodeObject(et)
				if !k {
					return handoff.FieldValue{Text: string(raw)}, true, false
				}
				if text != "" {
					v.Items = append(v.Items, text)
				}
				if isUser {
					v.Users = append(v.Users, user)
				}
			case nil:
			default:
				return handoff.FieldValue{Text: string(raw)}, true, false
			}
		}
		v.Text = strings.Join(v.Items, ", ")
	default:
		return handoff.FieldValue{Text: string(raw)}, true, false
	}
	return v, v.Text != "" || len(v.Items) > 0 || len(v.Users) > 0, true
}

// numberText writes a number without an exponent, as Jira shows it.
func numberText(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// decodeObject reads one object-shaped value. A shape it recognises but
// whose text is blank is known and empty; an option whose value is itself
// an object or a list is not a shape it knows.
func decodeObject(m map[string]any) (text string, u handoff.User, isUser, known bool) {
	str := func(k string) string { s, _ := m[k].(string); return strings.TrimSpace(s) }
	switch {
	case m["type"] == "doc": // ADF rich text
		var sb strings.Builder
		adfText(m, &sb)
		return strings.TrimSpace(sb.String()), u, false, true
	case str("accountId") != "" || (str("key") != "" && str("name") != "" && (m["displayName"] != nil || m["emailAddress"] != nil)):
		u = handoff.User{AccountID: str("accountId"), Name: str("name"), Key: str("key"), Email: str("emailAddress"), DisplayName: str("displayName")}
		text = u.DisplayName
		if text == "" {
			text = firstNonEmpty(u.Email, u.Name, u.AccountID)
		}
		return text, u, true, true
	}
	if m["value"] != nil { // select, radio, checkbox, cascading select
		v, ok := scalarText(m["value"])
		if !ok {
			return "", u, false, false
		}
		var parts []string
		if v != "" {
			parts = append(parts, v)
		}
		if child, isObj := m["child"].(map[string]any); isObj {
			if cv, ok := scalarText(child["value"]); ok && cv != "" {
				parts = append(parts, cv)
			}
		}
		if len(parts) > 0 {
			return strings.Join(parts, " - "), u, false, true
		}
	}
	switch {
	case str("name") != "": // group, component, version, status, resolution, priority, issuetype
		return str("name"), u, false, true
	case str("key") != "": // project, linked issue
		return str("key"), u, false, true
	case m["value"] != nil: // an option with a blank value
		return "", u, false, true
	}
	return "", u, false, false
}

// scalarText reads an option's value: a string, number or boolean. ok is
// false for anything else.
func scalarText(x any) (string, bool) {
	switch v := x.(type) {
	case nil:
		return "", true
	case string:
		return strings.TrimSpace(v), true
	case float64:
		return numberText(v), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// adfText flattens Atlassian Document Format into text, a line per block.
// Inline nodes that show text without a text node — a mention, an emoji,
// a status lozenge, a date, a link card — are read from their attributes,
// so a field holding only "@Jane Doe" or a date is not read as empty.
func adfText(n any, sb *strings.Builder) {
	switch v := n.(type) {
	case map[string]any:
		if t, ok := v["text"].(string); ok {
			sb.WriteString(t)
		}
		if attrs, ok := v["attrs"].(map[string]any); ok {
			sb.WriteString(adfInlineText(v["type"], attrs))
		}
		if v["type"] == "hardBreak" {
			sb.WriteString("\n")
		}
		if c, ok := v["content"]; ok {
			adfText(c, sb)
		}
		switch v["type"] {
		case "paragraph", "heading", "listItem", "taskItem", "codeBlock":
			sb.WriteString("\n")
		}
	case []any:
		for _, x := range v {
			adfText(x, sb)
		}
	}
}

// adfInlineText is what an inline node without a text node shows.
func adfInlineText(typ any, attrs map[string]any) string {
	get := func(k string) string { s, _ := attrs[k].(string); return s }
	switch typ {
	case "mention", "status":
		return get("text")
	case "emoji":
		return firstNonEmpty(get("text"), get("shortName"))
	case "inlineCard", "blockCard", "embedCard":
		return get("url")
	case "date": // milliseconds since the epoch, as a string
		if ms, err := strconv.ParseInt(strings.TrimSpace(get("timestamp")), 10, 64); err == nil {
			return time.UnixMilli(ms).UTC().Format("2006-01-02")
		}
		return get("timestamp")
	}
	return ""
}
