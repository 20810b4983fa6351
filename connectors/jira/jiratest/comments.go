package jiratest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// comments serves /issue/{key}/comment (id == "") and
// /issue/{key}/comment/{id}, in wiki markup on v2 and ADF on v3.
func (s *Server) comments(v3 bool, id string) func(w http.ResponseWriter, r *http.Request, body []byte, is *Issue) {
	return func(w http.ResponseWriter, r *http.Request, body []byte, is *Issue) {
		switch {
		case id == "" && r.Method == http.MethodGet:
			list := is.Comments
			if strings.TrimPrefix(r.URL.Query().Get("orderBy"), "+") == "-created" {
				list = make([]*Comment, len(is.Comments))
				for i, c := range is.Comments {
					list[len(list)-1-i] = c
				}
			}
			startAt, _ := strconv.Atoi(r.URL.Query().Get("startAt"))
			max := 5000
			if m, err := strconv.Atoi(r.URL.Query().Get("maxResults")); err == nil && m > 0 && m < max {
				max = m
			}
			total := len(list)
			if startAt > total {
				startAt = total
			}
			end := startAt + max
			if end > total {
				end = total
			}
			out := make([]any, 0, end-startAt)
			for _, c := range list[startAt:end] {
				out = append(out, s.commentJSON(is, c, v3))
			}
			writeJSON(w, http.StatusOK, map[string]any{"startAt": startAt, "maxResults": max, "total": total, "comments": out})
		case id == "" && r.Method == http.MethodPost:
			if s.site.NoAddComments {
				writeError(w, http.StatusBadRequest, "You do not have the permission to comment on this issue.")
				return
			}
			b, ok := commentBody(w, body, v3)
			if !ok {
				return
			}
			props, ok := commentProps(body)
			if !ok {
				writeError(w, http.StatusBadRequest, "The property key and a JSON value are required.")
				return
			}
			c := s.addComment(is, b, r.URL.Path)
			if len(props) > 0 {
				c.Properties = props
			}
			s.notified++
			s.touch(is)
			writeJSON(w, http.StatusCreated, s.commentJSON(is, c, v3))
		default:
			var c *Comment
			idx := -1
			for i, x := range is.Comments {
				if x.ID == id {
					c, idx = x, i
				}
			}
			if c == nil {
				writeError(w, http.StatusNotFound, "Can not find a comment for the id: "+id+".")
				return
			}
			switch r.Method {
			case http.MethodGet:
				writeJSON(w, http.StatusOK, s.commentJSON(is, c, v3))
			case http.MethodPut:
				if s.site.NoEditOwnComments || c.Author != s.opts.Bot {
					writeError(w, http.StatusBadRequest, "You do not have the permission to edit this comment.")
					return
				}
				b, ok := commentBody(w, body, v3)
				if !ok {
					return
				}
				props, ok := commentProps(body)
				if !ok {
					writeError(w, http.StatusBadRequest, "The property key and a JSON value are required.")
					return
				}
				setBody(c, b)
				for k, v := range props {
					if c.Properties == nil {
						c.Properties = map[string]json.RawMessage{}
					}
					c.Properties[k] = v
				}
				if r.URL.Query().Get("notifyUsers") != "false" {
					s.notified++
				}
				c.Updated = s.opts.Now().UTC()
				s.touch(is)
				writeJSON(w, http.StatusOK, s.commentJSON(is, c, v3))
			case http.MethodDelete:
				is.Comments = append(is.Comments[:idx], is.Comments[idx+1:]...)
				s.touch(is)
				w.WriteHeader(http.StatusNoContent)
			default:
				writeError(w, http.StatusMethodNotAllowed, "Method not allowed.")
			}
		}
	}
}

// commentBody checks a comment request: a wiki string on v2, an ADF
// document on v3 (the real v3 rejects strings).
func commentBody(w http.ResponseWriter, body []byte, v3 bool) (json.RawMessage, bool) {
	var req struct {
		Body json.RawMessage `json:"body"`
	}
	if err := json.Unmarshal(body, &req); err != nil || len(req.Body) == 0 {
		writeError(w, http.StatusBadRequest, "Comment body can not be empty!")
		return nil, false
	}
	isString := req.Body[0] == '"'
	if v3 == isString {
		if v3 {
			writeJSON(w, http.StatusBadRequest, map[string]any{"errorMessages": []string{}, "errors": map[string]string{"comment": "Operation value must be an Atlassian Document (see the Atlassian Document Format)"}})
		} else {
			writeJSON(w, http.StatusBadRequest, map[string]any{"errorMessages": []string{}, "errors": map[string]string{"comment": "Operation value must be a string"}})
		}
		return nil, false
	}
	return req.Body, true
}

func (s *Server) addComment(is *Issue, body json.RawMessage, path string) *Comment {
	s.nextCmt++
	now := s.opts.Now().UTC()
	c := &Comment{ID: strconv.Itoa(s.nextCmt), Author: s.opts.Bot, Created: now, Updated: now}
	setBody(c, body)
	is.Comments = append(is.Comments, c)
	return c
}

func setBody(c *Comment, b json.RawMessage) {
	if len(b) > 0 && b[0] == '"' {
		_ = json.Unmarshal(b, &c.Body)
		c.ADF = nil
		return
	}
	c.ADF = append(json.RawMessage(nil), b...)
	var doc any
	_ = json.Unmarshal(b, &doc)
	var sb strings.Builder
	adfText(doc, &sb)
	c.Body = strings.TrimSpace(sb.String())
}

// adfText flattens an ADF document into text.
func adfText(n any, sb *strings.Builder) {
	switch v := n.(type) {
	case map[string]any:
		if t, ok := v["text"].(string); ok {
			sb.WriteString(t)
		}
		if c, ok := v["content"]; ok {
			adfText(c, sb)
		}
		switch v["type"] {
		case "paragraph", "heading", "listItem", "taskItem":
			sb.WriteString("\n")
		}
	case []any:
		for _, x := range v {
			adfText(x, sb)
		}
	}
}

// AddPersonComment adds a comment by someone other than the bot.
func (s *Server) AddPersonComment(key string, author User, body string) (string, error) {
	var id string
	err := s.Update(key, func(is *Issue) {
		b, _ := json.Marshal(body)
		c := s.addComment(is, b, "")
		c.Author = author
		id = c.ID
	})
	return id, err
}

func (s *Server) commentJSON(is *Issue, c *Comment, v3 bool) map[string]any {
	m := map[string]any{
		"self":         s.URL + "/rest/api/2/issue/" + is.ID + "/comment/" + c.ID,
		"id":           c.ID,
		"author":       c.Author.json(s.opts.Flavor, s.URL),
		"updateAuthor": c.Author.json(s.opts.Flavor, s.URL),
		"created":      jiraTime(c.Created),
		"updated":      jiraTime(c.Updated),
	}
	if s.opts.Flavor == Cloud {
		m["jsdPublic"] = true
	}
	switch {
	case v3 && c.ADF != nil:
		m["body"] = c.ADF
	case v3:
		m["body"] = map[string]any{"type": "doc", "version": 1, "content": []any{
			map[string]any{"type": "paragraph", "content": []any{map[string]any{"type": "text", "text": c.Body}}}}}
	default:
		m["body"] = c.Body
	}
	return m
}

func (s *Server) propertyKeys(w http.ResponseWriter, r *http.Request, _ []byte, is *Issue) {
	keys := []any{}
	for k := range is.Properties {
		keys = append(keys, map[string]any{"key": k, "self": s.URL + "/rest/api/2/issue/" + is.ID + "/properties/" + k})
	}
	writeJSON(w, http.StatusOK, map[string]any{"keys": keys})
}

func (s *Server) property(key string) func(w http.ResponseWriter, r *http.Request, body []byte, is *Issue) {
	return func(w http.ResponseWriter, r *http.Request, body []byte, is *Issue) {
		v, ok := is.Properties[key]
		switch r.Method {
		case http.MethodGet:
			if !ok {
				writeError(w, http.StatusNotFound, "The property with key '"+key+"' does not exist.")
				return
			}
			writeJSON(w, http.StatusOK, map[string]any{"key": key, "value": v})
		case http.MethodPut:
			if s.refuseProperty(w, is) {
				return
			}
			if !json.Valid(body) {
				writeError(w, http.StatusBadRequest, "The property value must be valid JSON.")
				return
			}
			is.Properties[key] = append(json.RawMessage(nil), body...)
			s.touch(is)
			if ok {
				writeRaw(w, http.StatusOK, []byte("{}"))
			} else {
				writeRaw(w, http.StatusCreated, []byte("{}"))
			}
		case http.MethodDelete:
			if !ok {
				writeError(w, http.StatusNotFound, "The property with key '"+key+"' does not exist.")
				return
			}
			delete(is.Properties, key)
			s.touch(is)
			w.WriteHeader(http.StatusNoContent)
		default:
			writeError(w, http.StatusMethodNotAllowed, "Method not allowed.")
		}
	}
}
