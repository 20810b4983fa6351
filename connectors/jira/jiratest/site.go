package jiratest

import (
	"encoding/json"
	"net/http"
	"strings"
)

// Site is how the fake site is configured for the bot: its permissions,
// its screens and its workflow. The zero Site lets the bot do everything,
// as the fake always did. Each switch is one way a real site differs.
type Site struct {
	// NoLabelsOnScreen: the Labels field is not on the project's edit
	// screen. editmeta leaves it out; an issue edit that sets labels is
	// refused with 400 naming the field.
	NoLabelsOnScreen bool
	// NoCommentOnScreen: Comment is not in editmeta; an issue edit that
	// carries update.comment is refused with 400 naming the field. The
	// comment endpoints still work.
	NoCommentOnScreen bool
	// NoEditIssues: the bot lacks Edit Issues (mypermissions says so):
	// editmeta is empty, every issue edit is refused with 400, an issue
	// property write with 403. Browse, Add Comments and Edit Own Comments
	// remain.
	NoEditIssues bool
	// ResolvedNotEditable: the workflow's done step carries
	// jira.issue.editable=false: on a resolved issue (status category
	// done) editmeta is empty, every field of an issue edit is refused
	// with 400 (not on the screen) and an issue property write with 403;
	// comments, and the bot's own comment's properties, are still allowed.
	ResolvedNotEditable bool
	// NoAdmin: the bot lacks Administer Projects. notifyUsers=false on an
	// issue edit is then silently ignored (watchers are notified); on a
	// comment edit (PUT .../comment/{id}) it is honoured.
	NoAdmin bool
	// PropertyForbidden: issue property writes are refused with 403, on
	// their own or inside an issue edit; everything else works.
	PropertyForbidden bool
	// NoEditOwnComments: the bot lacks Edit Own Comments: a comment edit,
	// and a property write on a comment, are refused.
	NoEditOwnComments bool
	// NoAddComments: the bot lacks Add Comments: a new comment is refused
	// through either route.
	NoAddComments bool
}

// SetSite reconfigures the site; it takes effect with the next request.
func (s *Server) SetSite(site Site) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.site = site
}

// Hide puts an issue under an issue security level the bot is not in:
// from now on every request about it answers 404 and searches leave it
// out, as for an issue that was deleted.
func (s *Server) Hide(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hidden[strings.ToUpper(key)] = true
	s.version++
}

// HideOnFirstWrite hides an issue when the first write about it arrives:
// the write, and everything after, answers 404, as when a security level
// is set between the bot's search and its write.
func (s *Server) HideOnFirstWrite(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hideOnWrite[strings.ToUpper(key)] = true
}

// Notifications counts the notification mails the bot's writes caused:
// one per comment added, one per issue edit or comment edit unless
// notifyUsers=false was honoured.
func (s *Server) Notifications() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.notified
}

// visibleLocked drops the hidden issues from search hits.
func (s *Server) visibleLocked(hits []*Issue) []*Issue {
	if len(s.hidden) == 0 {
		return hits
	}
	out := hits[:0:0]
	for _, is := range hits {
		if !s.hidden[is.Key] {
			out = append(out, is)
		}
	}
	return out
}

// resolved says whether an issue is in the done status category.
func resolved(is *Issue) bool { return is.StatusCategory == "done" }

// editable says whether the bot may edit an issue's fields at all.
func (s *Server) editable(is *Issue) bool {
	return !s.site.NoEditIssues && !(s.site.ResolvedNotEditable && resolved(is))
}

// permissionKeys are the project permissions mypermissions answers about.
var permissionKeys = map[string]struct{ id, name, desc string }{
	"BROWSE_PROJECTS":     {"10", "Browse Projects", "Ability to browse projects and the issues within them."},
	"ADD_COMMENTS":        {"15", "Add Comments", "Ability to comment on issues."},
	"EDIT_OWN_COMMENTS":   {"35", "Edit Own Comments", "Ability to edit own comments made on issues."},
	"EDIT_ALL_COMMENTS":   {"34", "Edit All Comments", "Ability to edit all comments made on issues."},
	"EDIT_ISSUES":         {"12", "Edit Issues", "Ability to edit issues."},
	"ADMINISTER_PROJECTS": {"23", "Administer Projects", "Ability to administer a project in Jira."},
}

func (s *Server) have(perm string) bool {
	switch perm {
	case "ADD_COMMENTS":
		return !s.site.NoAddComments
	case "EDIT_OWN_COMMENTS":
		return !s.site.NoEditOwnComments
	case "EDIT_ALL_COMMENTS":
		return false
	case "EDIT_ISSUES":
		return !s.site.NoEditIssues
	case "ADMINISTER_PROJECTS":
		return !s.site.NoAdmin
	}
	return true
}

// myPermissions is GET /rest/api/2/mypermissions: the bot's permissions
// in a project or issue context, for the keys asked for.
func (s *Server) myPermissions(w http.ResponseWriter, r *http.Request, _ []byte) {
	q := r.URL.Query()
	var keys []string
	for _, k := range strings.Split(q.Get("permissions"), ",") {
		if k = strings.TrimSpace(k); k != "" {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 && s.opts.Flavor == Cloud {
		writeError(w, http.StatusBadRequest, "The permissions query parameter is required.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := q.Get("projectKey"); p != "" && !s.hasProjectLocked(p) {
		writeError(w, http.StatusNotFound, "No project could be found with key '"+p+"'.")
		return
	}
	if k := q.Get("issueKey"); k != "" {
		if is := s.issues[strings.ToUpper(k)]; is == nil || s.hidden[is.Key] {
			writeError(w, http.StatusNotFound, "Issue does not exist or you do not have permission to see it.")
			return
		}
	}
	out := map[string]any{}
	for _, k := range keys {
		p, ok := permissionKeys[k]
		if !ok {
			writeError(w, http.StatusBadRequest, "Unrecognized permission key: "+k)
			return
		}
		out[k] = map[string]any{"id": p.id, "key": k, "name": p.name, "type": "PROJECT", "description": p.desc, "havePermission": s.have(k)}
	}
	writeJSON(w, http.StatusOK, map[string]any{"permissions": out})
}

func (s *Server) hasProjectLocked(key string) bool {
	for _, is := range s.issues {
		if strings.EqualFold(is.Project, key) {
			return true
		}
	}
	return false
}

// editMeta is GET /issue/{key}/editmeta: the fields the bot may edit on
// the issue now (screen, permission and workflow step together).
func (s *Server) editMeta(w http.ResponseWriter, r *http.Request, _ []byte, is *Issue) {
	fields := map[string]any{}
	if s.editable(is) {
		fields["summary"] = map[string]any{"required": true, "schema": map[string]any{"type": "string", "system": "summary"},
			"name": "Summary", "key": "summary", "operations": []string{"set"}}
		if !s.site.NoLabelsOnScreen {
			fields["labels"] = map[string]any{"required": false, "schema": map[string]any{"type": "array", "items": "string", "system": "labels"},
				"name": "Labels", "key": "labels", "autoCompleteUrl": s.URL + "/rest/api/1.0/labels/suggest?query=",
				"operations": []string{"add", "set", "remove"}}
		}
		if !s.site.NoCommentOnScreen && !s.site.NoAddComments {
			fields["comment"] = map[string]any{"required": false, "schema": map[string]any{"type": "comments-page", "system": "comment"},
				"name": "Comment", "key": "comment", "operations": []string{"add", "edit", "remove"}}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"fields": fields})
}

// refuseEdit answers an issue edit the site does not allow, before
// anything is applied, and reports whether it did. fields are the fields
// the edit sets or updates; props whether it writes entity properties.
func (s *Server) refuseEdit(w http.ResponseWriter, is *Issue, fields []string, props bool) bool {
	if s.site.NoEditIssues {
		writeError(w, http.StatusBadRequest, "You do not have permission to edit issues in this project.")
		return true
	}
	off := map[string]string{}
	for _, f := range fields {
		screen := true
		switch {
		case s.site.ResolvedNotEditable && resolved(is):
			screen = false
		case f == "labels":
			screen = !s.site.NoLabelsOnScreen
		case f == "comment":
			screen = !s.site.NoCommentOnScreen && !s.site.NoAddComments
		}
		if !screen {
			off[f] = "Field '" + f + "' cannot be set. It is not on the appropriate screen, or unknown."
		}
	}
	if len(off) > 0 {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errorMessages": []string{}, "errors": off})
		return true
	}
	if props && (s.site.PropertyForbidden || (s.site.ResolvedNotEditable && resolved(is))) {
		writeError(w, http.StatusForbidden, "You do not have permission to edit the properties of this issue.")
		return true
	}
	return false
}

// refuseProperty answers an issue property write the site does not allow.
func (s *Server) refuseProperty(w http.ResponseWriter, is *Issue) bool {
	if s.site.NoEditIssues || s.site.PropertyForbidden || (s.site.ResolvedNotEditable && resolved(is)) {
		writeError(w, http.StatusForbidden, "You do not have permission to edit the properties of this issue.")
		return true
	}
	return false
}

// commentProperty serves /comment/{id}/properties/{prop}: a property of
// one comment, written by its author with Edit Own Comments.
func (s *Server) commentProperty(id, key string) handler {
	return func(w http.ResponseWriter, r *http.Request, body []byte) {
		s.mu.Lock()
		defer s.mu.Unlock()
		var c *Comment
		for _, is := range s.issues {
			if s.hidden[is.Key] {
				continue
			}
			if i := findComment(is, id); i >= 0 {
				c = is.Comments[i]
				break
			}
		}
		if c == nil {
			writeError(w, http.StatusNotFound, "Can not find a comment for the id: "+id+".")
			return
		}
		v, ok := c.Properties[key]
		switch r.Method {
		case http.MethodGet:
			if !ok {
				writeError(w, http.StatusNotFound, "The property with key '"+key+"' does not exist.")
				return
			}
			writeJSON(w, http.StatusOK, map[string]any{"key": key, "value": v})
		case http.MethodPut:
			if s.site.NoEditOwnComments || c.Author != s.opts.Bot {
				writeError(w, http.StatusForbidden, "You do not have permission to edit this comment's properties.")
				return
			}
			if !json.Valid(body) {
				writeError(w, http.StatusBadRequest, "The property value must be valid JSON.")
				return
			}
			if c.Properties == nil {
				c.Properties = map[string]json.RawMessage{}
			}
			c.Properties[key] = append(json.RawMessage(nil), body...)
			s.version++
			if ok {
				writeRaw(w, http.StatusOK, []byte("{}"))
			} else {
				writeRaw(w, http.StatusCreated, []byte("{}"))
			}
		default:
			writeError(w, http.StatusMethodNotAllowed, "Method not allowed.")
		}
	}
}

// commentProps reads the properties a comment request sets.
func commentProps(body []byte) (map[string]json.RawMessage, bool) {
	var req struct {
		Properties []struct {
			Key   string          `json:"key"`
			Value json.RawMessage `json:"value"`
		} `json:"properties"`
	}
	if json.Unmarshal(body, &req) != nil {
		return nil, true
	}
	out := map[string]json.RawMessage{}
	for _, p := range req.Properties {
		if p.Key == "" || !json.Valid(p.Value) {
			return nil, false
		}
		out[p.Key] = append(json.RawMessage(nil), p.Value...)
	}
	return out, true
}
