package jiratest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

type handler func(w http.ResponseWriter, r *http.Request, body []byte)

// route maps a request to its counted route name and handler.
func (s *Server) route(method, path string) (string, handler) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) < 4 || parts[0] != "rest" || parts[1] != "api" || (parts[2] != "2" && parts[2] != "3") {
		return method + " " + path, nil
	}
	v3 := parts[2] == "3"
	if v3 && s.opts.Flavor == DataCenter {
		return method + " " + path, nil // Data Center has no v3
	}
	prefix := "/rest/api/" + parts[2]
	rest := parts[3:]
	name := func(tail string) string { return method + " " + prefix + tail }
	switch {
	case len(rest) == 1 && rest[0] == "serverInfo" && method == "GET":
		return name("/serverInfo"), s.serverInfo
	case len(rest) == 1 && rest[0] == "myself" && method == "GET":
		return name("/myself"), s.myself
	case len(rest) == 1 && rest[0] == "mypermissions" && method == "GET":
		return name("/mypermissions"), s.myPermissions
	case len(rest) == 4 && rest[0] == "comment" && rest[2] == "properties" && (method == "GET" || method == "PUT"):
		return name("/comment/{id}/properties/{prop}"), s.commentProperty(rest[1], rest[3])
	case len(rest) == 1 && rest[0] == "field" && method == "GET":
		return name("/field"), s.listFields
	case len(rest) == 2 && rest[0] == "user" && rest[1] == "search" && method == "GET":
		return name("/user/search"), s.userSearch
	case len(rest) == 1 && rest[0] == "search" && method == "GET":
		return name("/search"), s.searchStartAt
	case len(rest) == 2 && rest[0] == "search" && rest[1] == "jql" && method == "GET":
		return name("/search/jql"), s.searchToken
	case len(rest) >= 2 && rest[0] == "issue":
		key := rest[1]
		switch {
		case len(rest) == 2 && method == "GET":
			return name("/issue/{key}"), s.withIssue(key, s.getIssue)
		case len(rest) == 2 && method == "PUT":
			return name("/issue/{key}"), s.withIssue(key, s.editIssue)
		case len(rest) == 3 && rest[2] == "editmeta" && method == "GET":
			return name("/issue/{key}/editmeta"), s.withIssue(key, s.editMeta)
		case len(rest) == 3 && rest[2] == "comment" && (method == "GET" || method == "POST"):
			return name("/issue/{key}/comment"), s.withIssue(key, s.comments(v3, ""))
		case len(rest) == 4 && rest[2] == "comment":
			return name("/issue/{key}/comment/{id}"), s.withIssue(key, s.comments(v3, rest[3]))
		case len(rest) == 3 && rest[2] == "properties" && method == "GET":
			return name("/issue/{key}/properties"), s.withIssue(key, s.propertyKeys)
		case len(rest) == 4 && rest[2] == "properties":
			return name("/issue/{key}/properties/{prop}"), s.withIssue(key, s.property(rest[3]))
		}
	}
	return method + " " + path, nil
}

func (s *Server) serverInfo(w http.ResponseWriter, r *http.Request, _ []byte) {
	m := map[string]any{"baseUrl": s.URL, "version": "1001.0.0-SNAPSHOT", "versionNumbers": []int{1001, 0, 0},
		"deploymentType": "Cloud", "buildNumber": 100, "buildDate": "2025-12-01T00:00:00.000+0000",
		"serverTime": time.Now().UTC().Format(JiraTime), "scmInfo": "abc", "serverTitle": "Jira"}
	if s.opts.Flavor == DataCenter {
		m["version"] = "9.12.0"
		m["versionNumbers"] = []int{9, 12, 0}
		m["deploymentType"] = "Server"
	}
	writeJSON(w, http.StatusOK, m)
}

func (s *Server) myself(w http.ResponseWriter, r *http.Request, _ []byte) {
	m := s.opts.Bot.json(s.opts.Flavor, s.URL)
	m["timeZone"] = s.opts.TimeZone
	m["locale"] = "en_US"
	writeJSON(w, http.StatusOK, m)
}

func (s *Server) listFields(w http.ResponseWriter, r *http.Request, _ []byte) {
	s.mu.Lock()
	out := make([]any, len(s.fields))
	for i, f := range s.fields {
		out[i] = f.json()
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// AddUser makes a user findable through user search.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users = append(s.users, u)
}

func (s *Server) userSearch(w http.ResponseWriter, r *http.Request, _ []byte) {
	q := strings.ToLower(r.URL.Query().Get("query") + r.URL.Query().Get("username"))
	acct := r.URL.Query().Get("accountId")
	s.mu.Lock()
	out := []any{}
	for _, u := range s.users {
		if (acct != "" && u.AccountID == acct) || (q != "" && (strings.Contains(strings.ToLower(u.DisplayName), q) ||
			strings.EqualFold(u.Email, q) || strings.EqualFold(u.Name, q))) {
			out = append(out, u.json(s.opts.Flavor, s.URL))
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) location() *time.Location {
	loc, err := time.LoadLocation(s.opts.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// searchParams reads fields and properties the way both searches do.
func searchParams(r *http.Request) (fields []string, all bool, props []string) {
	for _, v := range r.URL.Query()["fields"] {
		for _, f := range strings.Split(v, ",") {
			switch f = strings.TrimSpace(f); f {
			case "":
			case "*all", "*navigable":
				all = true
			default:
				fields = append(fields, f)
			}
		}
	}
	for _, v := range r.URL.Query()["properties"] {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				props = append(props, p)
			}
		}
	}
	return fields, all, props
}

func (s *Server) pageSize(r *http.Request, def int) int {
	n := def
	if v := r.URL.Query().Get("maxResults"); v != "" {
		if m, err := strconv.Atoi(v); err == nil && m > 0 {
			n = m
		}
	}
	if n > s.opts.MaxResults {
		n = s.opts.MaxResults
	}
	return n
}

// searchStartAt is GET /rest/api/2/search: startAt paging on Data Center;
// gone (410) on Cloud, as on the real service.
func (s *Server) searchStartAt(w http.ResponseWriter, r *http.Request, _ []byte) {
	if s.opts.Flavor == Cloud {
		writeError(w, http.StatusGone, "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046")
		return
	}
	q, err := parseJQL(r.URL.Query().Get("jql"), s.location())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	startAt, _ := strconv.Atoi(r.URL.Query().Get("startAt"))
	if startAt >= s.opts.ResultWindow {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("The requested startAt %d is beyond the result window of %d issues. Refine the query.", startAt, s.opts.ResultWindow))
		return
	}
	max := s.pageSize(r, 50)
	if startAt+max > s.opts.ResultWindow {
		max = s.opts.ResultWindow - startAt
	}
	fields, all, props := searchParams(r)
	if len(fields) == 0 && !all {
		all = true // Data Center returns navigable fields by default
	}
	s.mu.Lock()
	jql := r.URL.Query().Get("jql")
	if s.cacheJQL != jql || s.cacheVer != s.version || s.cacheHits == nil {
		s.cacheJQL, s.cacheVer, s.cacheHits = jql, s.version, s.visibleLocked(q.run(s.sortedLocked()))
	}
	hits := s.cacheHits
	total := len(hits)
	if startAt > len(hits) {
		startAt = len(hits)
	}
	end := startAt + max
	if end > len(hits) {
		end = len(hits)
	}
	issues := make([]any, 0, end-startAt)
	for _, is := range hits[startAt:end] {
		issues = append(issues, s.issueJSON(is, fields, all, props))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"expand": "schema,names", "startAt": startAt, "maxResults": max, "total": total, "issues": issues})
}

// searchToken is GET /rest/api/2/search/jql: nextPageToken paging (Cloud).
// A token is a cursor over the keys that matched when the first page was
// asked for; each page renders those issues as they are now.
func (s *Server) searchToken(w http.ResponseWriter, r *http.Request, _ []byte) {
	if s.opts.Flavor != Cloud {
		writeError(w, http.StatusNotFound, "null for uri: "+r.URL.Path)
		return
	}
	max := s.pageSize(r, 50)
	fields, all, props := searchParams(r)
	token := r.URL.Query().Get("nextPageToken")
	s.mu.Lock()
	var keys []string
	if token != "" {
		var ok bool
		keys, ok = s.cursors[token]
		delete(s.cursors, token)
		if !ok {
			s.mu.Unlock()
			writeError(w, http.StatusBadRequest, "The provided next page token is invalid or expired.")
			return
		}
	} else {
		q, err := parseJQL(r.URL.Query().Get("jql"), s.location())
		if err != nil {
			s.mu.Unlock()
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		for _, is := range s.visibleLocked(q.run(s.sortedLocked())) {
			keys = append(keys, is.Key)
		}
	}
	page := keys
	if len(page) > max {
		page = keys[:max]
	}
	issues := make([]any, 0, len(page))
	for _, k := range page {
		if is := s.issues[k]; is != nil && !s.hidden[k] {
			issues = append(issues, s.issueJSON(is, fields, all, props))
		}
	}
	resp := map[string]any{"issues": issues, "isLast": len(keys) <= max}
	if len(keys) > max {
		s.nextCur++
		t := "cursor-" + strconv.Itoa(s.nextCur)
		s.cursors[t] = keys[max:]
		resp["nextPageToken"] = t
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, resp)
}

// withIssue resolves the issue key (or id) and holds the lock for h.
func (s *Server) withIssue(key string, h func(w http.ResponseWriter, r *http.Request, body []byte, is *Issue)) handler {
	return func(w http.ResponseWriter, r *http.Request, body []byte) {
		s.mu.Lock()
		defer s.mu.Unlock()
		is := s.issues[strings.ToUpper(key)]
		if is == nil {
			for _, c := range s.issues {
				if c.ID == key {
					is = c
					break
				}
			}
		}
		if is != nil && r.Method != http.MethodGet && s.hideOnWrite[is.Key] {
			delete(s.hideOnWrite, is.Key)
			s.hidden[is.Key] = true
			s.version++
		}
		if is == nil || s.hidden[is.Key] {
			writeError(w, http.StatusNotFound, "Issue does not exist or you do not have permission to see it.")
			return
		}
		h(w, r, body, is)
	}
}

func (s *Server) getIssue(w http.ResponseWriter, r *http.Request, _ []byte, is *Issue) {
	fields, all, props := searchParams(r)
	if len(fields) == 0 {
		all = true
	}
	writeJSON(w, http.StatusOK, s.issueJSON(is, fields, all, props))
}

// editIssue is PUT /issue/{key}: labels through update (add/remove/set)
// or fields.labels (set), comments through update (add, edit {id, body},
// remove {id}), entity properties. Like Jira, it checks every operation
// before applying any, so a refused edit changes nothing: editing or
// removing a comment that does not exist (a person deleted it) is refused
// whole with 400 and Jira's comment service message, "Can not find a
// comment for the id: N." (DefaultCommentService.getMutableComment adds it
// as an error message; an issue edit's failed validation answers 400). On
// v3 a comment body must be an ADF document, on v2 a wiki string.
// notifyUsers=false keeps watchers from being notified (Notifications)
// unless the site says the bot lacks Administer Projects (Site.NoAdmin),
// when it is silently ignored. A site's screens, permissions and workflow
// (Site) refuse what they would refuse, before anything is applied.
func (s *Server) editIssue(w http.ResponseWriter, r *http.Request, body []byte, is *Issue) {
	v3 := strings.HasPrefix(r.URL.Path, "/rest/api/3/")
	var req struct {
		Fields     map[string]json.RawMessage              `json:"fields"`
		Update     map[string][]map[string]json.RawMessage `json:"update"`
		Properties []struct {
			Key   string          `json:"key"`
			Value json.RawMessage `json:"value"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "Unexpected character in request body: "+err.Error())
		return
	}
	for f := range req.Fields {
		if f != "labels" {
			writeJSON(w, http.StatusBadRequest, map[string]any{"errorMessages": []string{}, "errors": map[string]string{f: "Field '" + f + "' cannot be set. It is not on the appropriate screen, or unknown."}})
			return
		}
	}
	for f := range req.Update {
		if f != "labels" && f != "comment" {
			writeJSON(w, http.StatusBadRequest, map[string]any{"errorMessages": []string{}, "errors": map[string]string{f: "Field '" + f + "' cannot be set. It is not on the appropriate screen, or unknown."}})
			return
		}
	}
	var labels []string
	if raw, ok := req.Fields["labels"]; ok {
		if err := json.Unmarshal(raw, &labels); err != nil {
			writeError(w, http.StatusBadRequest, "labels: "+err.Error())
			return
		}
	}
	type labelOp struct{ verb, label string }
	var labelOps []labelOp
	for _, op := range req.Update["labels"] {
		for verb, raw := range op {
			var l string
			if err := json.Unmarshal(raw, &l); err != nil || (verb != "add" && verb != "remove" && verb != "set") {
				writeError(w, http.StatusBadRequest, "labels: the operation "+verb+" is not valid")
				return
			}
			labelOps = append(labelOps, labelOp{verb, l})
		}
	}
	type commentOp struct {
		verb string
		id   string
		body json.RawMessage
	}
	var commentOps []commentOp
	for _, op := range req.Update["comment"] {
		for verb, raw := range op {
			var c struct {
				ID   string          `json:"id"`
				Body json.RawMessage `json:"body"`
			}
			if err := json.Unmarshal(raw, &c); err != nil {
				writeJSON(w, http.StatusBadRequest, map[string]any{"errorMessages": []string{}, "errors": map[string]string{"comment": "Operation value must be an object"}})
				return
			}
			o := commentOp{verb: verb, id: c.ID}
			switch verb {
			case "add", "edit":
				b, ok := commentBody(w, raw, v3)
				if !ok {
					return
				}
				o.body = b
			case "remove":
			default:
				writeJSON(w, http.StatusBadRequest, map[string]any{"errorMessages": []string{}, "errors": map[string]string{"comment": "Field 'comment' does not support operation '" + verb + "'"}})
				return
			}
			if verb != "add" && findComment(is, c.ID) < 0 {
				writeError(w, http.StatusBadRequest, "Can not find a comment for the id: "+c.ID+".")
				return
			}
			commentOps = append(commentOps, o)
		}
	}
	for _, p := range req.Properties {
		if p.Key == "" || !json.Valid(p.Value) {
			writeError(w, http.StatusBadRequest, "The property key and a JSON value are required.")
			return
		}
	}
	var touched []string
	for f := range req.Fields {
		touched = append(touched, f)
	}
	for f := range req.Update {
		if _, dup := req.Fields[f]; !dup {
			touched = append(touched, f)
		}
	}
	if s.refuseEdit(w, is, touched, len(req.Properties) > 0) {
		return
	}

	// Everything checked: apply.
	if _, ok := req.Fields["labels"]; ok {
		is.Labels = labels
	}
	for _, op := range labelOps {
		switch op.verb {
		case "add":
			if !contains(is.Labels, op.label) {
				is.Labels = append(is.Labels, op.label)
			}
		case "remove":
			is.Labels = remove(is.Labels, op.label)
		case "set":
			is.Labels = []string{op.label}
		}
	}
	for _, op := range commentOps {
		switch op.verb {
		case "add":
			s.addComment(is, op.body, r.URL.Path)
		case "edit":
			c := is.Comments[findComment(is, op.id)]
			setBody(c, op.body)
			c.Updated = s.opts.Now().UTC()
		case "remove":
			i := findComment(is, op.id)
			is.Comments = append(is.Comments[:i], is.Comments[i+1:]...)
		}
	}
	for _, p := range req.Properties {
		is.Properties[p.Key] = append(json.RawMessage(nil), p.Value...)
	}
	if len(touched) > 0 && (r.URL.Query().Get("notifyUsers") != "false" || s.site.NoAdmin) {
		s.notified++
	}
	s.touch(is)
	if r.URL.Query().Get("returnIssue") == "true" {
		writeJSON(w, http.StatusOK, s.issueJSON(is, nil, true, nil))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// findComment is the index of the comment with this id, or -1.
func findComment(is *Issue, id string) int {
	for i, c := range is.Comments {
		if c.ID == id {
			return i
		}
	}
	return -1
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func remove(ss []string, s string) []string {
	out := ss[:0:0]
	for _, x := range ss {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}
