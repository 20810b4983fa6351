package jiratest

import (
	"fmt"
	"strings"
)

// Shape is a custom field type as Jira's field list describes it.
type Shape string

// The custom field shapes the fake can define.
const (
	ShapeText        Shape = "textfield"
	ShapeParagraph   Shape = "textarea"
	ShapeDate        Shape = "datepicker"
	ShapeDateTime    Shape = "datetime"
	ShapeNumber      Shape = "float"
	ShapeURL         Shape = "url"
	ShapeUser        Shape = "userpicker"
	ShapeMultiUser   Shape = "multiuserpicker"
	ShapeGroup       Shape = "grouppicker"
	ShapeMultiGroup  Shape = "multigrouppicker"
	ShapeSelect      Shape = "select"
	ShapeMultiSelect Shape = "multiselect"
	ShapeRadio       Shape = "radiobuttons"
	ShapeCheckboxes  Shape = "multicheckboxes"
	ShapeCascading   Shape = "cascadingselect"
	ShapeLabels      Shape = "labels"
	ShapeVersion     Shape = "version"
	ShapeMultiVer    Shape = "multiversion"
	ShapeProject     Shape = "project"
)

var shapeSchema = map[Shape][2]string{ // type, items
	ShapeText:        {"string", ""},
	ShapeParagraph:   {"string", ""},
	ShapeDate:        {"date", ""},
	ShapeDateTime:    {"datetime", ""},
	ShapeNumber:      {"number", ""},
	ShapeURL:         {"string", ""},
	ShapeUser:        {"user", ""},
	ShapeMultiUser:   {"array", "user"},
	ShapeGroup:       {"group", ""},
	ShapeMultiGroup:  {"array", "group"},
	ShapeSelect:      {"option", ""},
	ShapeMultiSelect: {"array", "option"},
	ShapeRadio:       {"option", ""},
	ShapeCheckboxes:  {"array", "option"},
	ShapeCascading:   {"option-with-child", ""},
	ShapeLabels:      {"array", "string"},
	ShapeVersion:     {"version", ""},
	ShapeMultiVer:    {"array", "version"},
	ShapeProject:     {"project", ""},
}

// Field is one field in GET /rest/api/2/field.
type Field struct {
	ID     string
	Name   string
	Custom bool
	Type   string // schema type: string, date, user, array, ...
	Items  string
	System string // system field id for system fields
	Shape  Shape  // custom fields
}

func (f *Field) json() map[string]any {
	schema := map[string]any{"type": f.Type}
	if f.Items != "" {
		schema["items"] = f.Items
	}
	clause := []string{f.ID}
	if f.Custom {
		schema["custom"] = "com.atlassian.jira.plugin.system.customfieldtypes:" + string(f.Shape)
		var n int
		_, _ = fmt.Sscanf(f.ID, "customfield_%d", &n)
		schema["customId"] = n
		clause = []string{fmt.Sprintf("cf[%d]", n), f.Name}
	} else {
		schema["system"] = f.System
	}
	return map[string]any{
		"id": f.ID, "key": f.ID, "name": f.Name, "custom": f.Custom,
		"orderable": true, "navigable": true, "searchable": true,
		"clauseNames": clause, "schema": schema,
	}
}

func systemFields() []*Field {
	sys := func(id, name, typ, items string) *Field {
		return &Field{ID: id, Name: name, Type: typ, Items: items, System: id}
	}
	return []*Field{
		sys("summary", "Summary", "string", ""),
		sys("description", "Description", "string", ""),
		sys("status", "Status", "status", ""),
		sys("resolution", "Resolution", "resolution", ""),
		sys("resolutiondate", "Resolved", "datetime", ""),
		sys("assignee", "Assignee", "user", ""),
		sys("reporter", "Reporter", "user", ""),
		sys("labels", "Labels", "array", "string"),
		sys("created", "Created", "datetime", ""),
		sys("updated", "Updated", "datetime", ""),
		sys("duedate", "Due date", "date", ""),
		sys("fixVersions", "Fix versions", "array", "version"),
		sys("versions", "Affects versions", "array", "version"),
		sys("components", "Components", "array", "component"),
		sys("priority", "Priority", "priority", ""),
		sys("issuetype", "Issue Type", "issuetype", ""),
		sys("project", "Project", "project", ""),
	}
}

// AddField defines a custom field and returns its id (customfield_NNNNN).
// Two fields may share a name, as on a real site.
func (s *Server) AddField(name string, shape Shape) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	sc, ok := shapeSchema[shape]
	if !ok {
		sc = [2]string{"any", ""}
	}
	id := fmt.Sprintf("customfield_%d", s.nextCF)
	s.nextCF++
	s.fields = append(s.fields, &Field{ID: id, Name: name, Custom: true, Type: sc[0], Items: sc[1], Shape: shape})
	return id
}

// FieldID returns the id of the first field with this name (or id).
func (s *Server) FieldID(name string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fieldIDLocked(name)
}

func (s *Server) fieldIDLocked(name string) (string, bool) {
	for _, f := range s.fields {
		if f.ID == name || strings.EqualFold(f.Name, name) {
			return f.ID, true
		}
	}
	return "", false
}

// Value helpers build the JSON shapes Jira sends for each field type.

// Option is a single select / radio value.
func Option(v string) map[string]any {
	return map[string]any{"self": "https://jira.invalid/rest/api/2/customFieldOption/1", "value": v, "id": "10100"}
}

// MultiOption is a multi select / checkboxes value.
func MultiOption(vs ...string) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = Option(v)
	}
	return out
}

// Cascade is a cascading select value.
func Cascade(parent, child string) map[string]any {
	o := Option(parent)
	if child != "" {
		o["child"] = Option(child)
	}
	return o
}

// Group is a group picker value.
func Group(name string) map[string]any {
	return map[string]any{"name": name, "groupId": "g-" + name, "self": "https://jira.invalid/rest/api/2/group?groupId=g-" + name}
}

// Version is a version value (fixVersions, versions, version pickers).
func Version(name string) map[string]any {
	return map[string]any{"self": "https://jira.invalid/rest/api/2/version/1", "id": "10200", "name": name, "archived": false, "released": false}
}

// Versions is a list of versions.
func Versions(names ...string) []any {
	out := make([]any, len(names))
	for i, n := range names {
		out[i] = Version(n)
	}
	return out
}

// Component is a component value.
func Component(name string) map[string]any {
	return map[string]any{"self": "https://jira.invalid/rest/api/2/component/1", "id": "10300", "name": name}
}

// Priority is a priority value.
func Priority(name string) map[string]any {
	return map[string]any{"self": "https://jira.invalid/rest/api/2/priority/2", "id": "2", "name": name}
}
