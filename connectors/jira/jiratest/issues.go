package jiratest

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// JiraTime is the layout Jira uses for datetimes (no colon in the offset).
const JiraTime = "2006-01-02T15:04:05.000-0700"

// User is a Jira user. Cloud users have an AccountID (and often a hidden
// email); Data Center users have a Name and Key.
type User struct {
	AccountID   string
	Name        string
	Key         string
	Email       string
	DisplayName string
	// HideEmail drops emailAddress from responses, as Cloud profile
	// visibility often does.
	HideEmail bool
}

// IsZero reports whether u is empty.
func (u User) IsZero() bool {
	return u.AccountID == "" && u.Name == "" && u.Key == "" && u.DisplayName == ""
}

func (u User) json(flavor Flavor, base string) map[string]any {
	m := map[string]any{"displayName": u.DisplayName, "active": true, "timeZone": "UTC"}
	if flavor == Cloud {
		m["accountId"] = u.AccountID
		m["accountType"] = "atlassian"
		m["self"] = base + "/rest/api/2/user?accountId=" + u.AccountID
	} else {
		m["name"] = u.Name
		m["key"] = u.Key
		m["self"] = base + "/rest/api/2/user?username=" + u.Name
	}
	if u.Email != "" && !u.HideEmail {
		m["emailAddress"] = u.Email
	}
	return m
}

// Comment is one comment on an issue.
type Comment struct {
	ID      string
	Author  User
	Body    string          // wiki markup (v2), or the text of an ADF body
	ADF     json.RawMessage // the ADF body when posted through v3
	Created time.Time
	Updated time.Time
	// Properties are the comment's entity properties.
	Properties map[string]json.RawMessage
}

// Issue is one issue held by the fake.
type Issue struct {
	Key            string
	ID             string
	Project        string
	Summary        string
	Description    string
	Status         string
	StatusCategory string // new, indeterminate, done
	Resolution     string
	Resolved       time.Time
	Assignee       *User
	Reporter       *User
	Labels         []string
	Created        time.Time
	Updated        time.Time
	// Fields holds other fields by id, as the JSON value Jira sends.
	Fields     map[string]any
	Properties map[string]json.RawMessage
	Comments   []*Comment
	num        int
}

// IssueSpec seeds one issue. Fields are keyed by field name or id.
type IssueSpec struct {
	Key         string // "SEC-12"; empty = next number in Project
	Project     string
	Summary     string
	Description string
	Status      string // default "To Do"
	Category    string // status category key; derived from Status if empty
	Resolution  string
	Resolved    time.Time
	Assignee    *User
	Reporter    *User
	Labels      []string
	Created     time.Time
	Updated     time.Time
	Fields      map[string]any
	Properties  map[string]any
}

// AddIssues seeds issues in bulk; it fails on an unknown field name or a
// duplicate key and then adds none of them.
func (s *Server) AddIssues(specs ...IssueSpec) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now().UTC()
	next := map[string]int{}
	for _, is := range s.issues {
		if is.num >= next[is.Project] {
			next[is.Project] = is.num
		}
	}
	built := make([]*Issue, 0, len(specs))
	seen := map[string]bool{}
	for _, sp := range specs {
		is := &Issue{Summary: sp.Summary, Description: sp.Description, Status: sp.Status,
			StatusCategory: sp.Category, Resolution: sp.Resolution, Resolved: sp.Resolved,
			Assignee: sp.Assignee, Reporter: sp.Reporter, Labels: append([]string(nil), sp.Labels...),
			Created: sp.Created, Updated: sp.Updated, Fields: map[string]any{}, Properties: map[string]json.RawMessage{}}
		if sp.Key != "" {
			p, n, ok := splitKey(sp.Key)
			if !ok {
				return nil, fmt.Errorf("jiratest: bad issue key %q", sp.Key)
			}
			is.Project, is.num = p, n
		} else {
			if sp.Project == "" {
				return nil, fmt.Errorf("jiratest: issue spec needs a Key or a Project")
			}
			next[sp.Project]++
			is.Project, is.num = sp.Project, next[sp.Project]
		}
		if is.num > next[is.Project] {
			next[is.Project] = is.num
		}
		is.Key = fmt.Sprintf("%s-%d", is.Project, is.num)
		if s.issues[is.Key] != nil || seen[is.Key] {
			return nil, fmt.Errorf("jiratest: issue %s exists", is.Key)
		}
		seen[is.Key] = true
		if is.Status == "" {
			is.Status = "To Do"
		}
		if is.StatusCategory == "" {
			is.StatusCategory = categoryOf(is.Status)
		}
		if is.Created.IsZero() {
			is.Created = now
		}
		if is.Updated.IsZero() {
			is.Updated = is.Created
		}
		for name, v := range sp.Fields {
			id, ok := s.fieldIDLocked(name)
			if !ok {
				return nil, fmt.Errorf("jiratest: issue %s: no field named %q", is.Key, name)
			}
			is.Fields[id] = v
		}
		for k, v := range sp.Properties {
			b, err := json.Marshal(v)
			if err != nil {
				return nil, err
			}
			is.Properties[k] = b
		}
		built = append(built, is)
	}
	keys := make([]string, len(built))
	for i, is := range built {
		s.nextID++
		is.ID = strconv.Itoa(s.nextID)
		s.issues[is.Key] = is
		s.sorted = append(s.sorted, is)
		keys[i] = is.Key
	}
	s.dirty = true
	s.version++
	return keys, nil
}

// AddIssue seeds one issue and returns its key.
func (s *Server) AddIssue(sp IssueSpec) (string, error) {
	keys, err := s.AddIssues(sp)
	if err != nil {
		return "", err
	}
	return keys[0], nil
}

// Update changes an issue as a person would; `updated` moves to now
// unless fn set it.
func (s *Server) Update(key string, fn func(*Issue)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.issues[key]
	if is == nil {
		return fmt.Errorf("jiratest: no issue %s", key)
	}
	before := is.Updated
	s.version++
	fn(is)
	if is.Updated.Equal(before) {
		is.Updated = s.opts.Now().UTC()
	}
	return nil
}

// SetField sets one field (by name or id) as a person would.
func (s *Server) SetField(key, field string, v any) error {
	id, ok := s.FieldID(field)
	if !ok {
		return fmt.Errorf("jiratest: no field named %q", field)
	}
	return s.Update(key, func(is *Issue) {
		if v == nil {
			delete(is.Fields, id)
		} else {
			is.Fields[id] = v
		}
	})
}

// Issue returns a copy of an issue (comments and properties included).
func (s *Server) Issue(key string) (Issue, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.issues[key]
	if is == nil {
		return Issue{}, false
	}
	c := *is
	c.Labels = append([]string(nil), is.Labels...)
	c.Comments = nil
	for _, cm := range is.Comments {
		cc := *cm
		c.Comments = append(c.Comments, &cc)
	}
	c.Properties = map[string]json.RawMessage{}
	for k, v := range is.Properties {
		c.Properties[k] = v
	}
	return c, true
}

// DeleteComment deletes a comment as a person would.
func (s *Server) DeleteComment(key, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.issues[key]
	if is == nil {
		return fmt.Errorf("jiratest: no issue %s", key)
	}
	for i, c := range is.Comments {
		if c.ID == id {
			is.Comments = append(is.Comments[:i], is.Comments[i+1:]...)
			s.touch(is)
			return nil
		}
	}
	return fmt.Errorf("jiratest: %s has no comment %s", key, id)
}

// Len reports how many issues the fake holds.
func (s *Server) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.issues)
}

func categoryOf(status string) string {
	switch strings.ToLower(status) {
	case "to do", "open", "backlog", "new":
		return "new"
	case "done", "closed", "resolved":
		return "done"
	}
	return "indeterminate"
}

func splitKey(k string) (string, int, bool) {
	i := strings.LastIndexByte(k, '-')
	if i <= 0 {
		return "", 0, false
	}
	n, err := strconv.Atoi(k[i+1:])
	if err != nil || n <= 0 {
		return "", 0, false
	}
	return strings.ToUpper(k[:i]), n, true
}

func keyLess(a, b *Issue) bool {
	if a.Project != b.Project {
		return a.Project < b.Project
	}
	return a.num < b.num
}

// sortedLocked returns the issues in key order.
func (s *Server) sortedLocked() []*Issue {
	if s.dirty {
		sort.Slice(s.sorted, func(i, j int) bool { return keyLess(s.sorted[i], s.sorted[j]) })
		s.dirty = false
	}
	return s.sorted
}

// touch records a write by the bot: like real Jira, it bumps `updated`.
func (s *Server) touch(is *Issue) {
	is.Updated = s.opts.Now().UTC()
	s.version++
}

func jiraTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(JiraTime)
}

var categoryJSON = map[string]map[string]any{
	"new":           {"id": 2, "key": "new", "colorName": "blue-gray", "name": "To Do"},
	"indeterminate": {"id": 4, "key": "indeterminate", "colorName": "yellow", "name": "In Progress"},
	"done":          {"id": 3, "key": "done", "colorName": "green", "name": "Done"},
}

// fieldJSON renders one field of an issue as Jira sends it on v2.
func (s *Server) fieldJSON(is *Issue, id string) any {
	base := s.URL
	switch id {
	case "summary":
		return is.Summary
	case "description":
		if is.Description == "" {
			return nil
		}
		return is.Description
	case "status":
		cat := categoryJSON[is.StatusCategory]
		if cat == nil {
			cat = categoryJSON["indeterminate"]
		}
		cc := map[string]any{"self": base + "/rest/api/2/statuscategory/" + fmt.Sprint(cat["id"])}
		for k, v := range cat {
			cc[k] = v
		}
		return map[string]any{"self": base + "/rest/api/2/status/1", "description": "", "iconUrl": base + "/s.png",
			"name": is.Status, "id": "1", "statusCategory": cc}
	case "resolution":
		if is.Resolution == "" {
			return nil
		}
		return map[string]any{"self": base + "/rest/api/2/resolution/1", "id": "1", "description": "", "name": is.Resolution}
	case "resolutiondate":
		return jiraTime(is.Resolved)
	case "assignee", "reporter":
		u := is.Assignee
		if id == "reporter" {
			u = is.Reporter
		}
		if u == nil {
			return nil
		}
		return u.json(s.opts.Flavor, base)
	case "labels":
		if is.Labels == nil {
			return []string{}
		}
		return is.Labels
	case "created":
		return jiraTime(is.Created)
	case "updated":
		return jiraTime(is.Updated)
	case "project":
		return map[string]any{"self": base + "/rest/api/2/project/" + is.Project, "id": "10000", "key": is.Project, "name": is.Project}
	case "issuetype":
		return map[string]any{"self": base + "/rest/api/2/issuetype/1", "id": "1", "name": "Task", "subtask": false}
	}
	v, ok := is.Fields[id]
	if !ok {
		return nil
	}
	if u, ok := v.(User); ok {
		return u.json(s.opts.Flavor, base)
	}
	if us, ok := v.([]User); ok {
		out := make([]any, len(us))
		for i, u := range us {
			out[i] = u.json(s.opts.Flavor, base)
		}
		return out
	}
	return v
}

// issueJSON renders an issue with the requested fields and properties.
func (s *Server) issueJSON(is *Issue, fields []string, all bool, props []string) map[string]any {
	m := map[string]any{"expand": "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
		"id": is.ID, "key": is.Key, "self": s.URL + "/rest/api/2/issue/" + is.ID}
	f := map[string]any{}
	if all {
		for _, fd := range s.fields {
			f[fd.ID] = s.fieldJSON(is, fd.ID)
		}
	}
	for _, id := range fields {
		f[id] = s.fieldJSON(is, id)
	}
	if len(f) > 0 || all {
		m["fields"] = f
	}
	if len(props) > 0 {
		p := map[string]any{}
		for _, k := range props {
			if v, ok := is.Properties[k]; ok {
				p[k] = v
			}
		}
		m["properties"] = p
	}
	return m
}
