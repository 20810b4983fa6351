package slacktest

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// reply is one method's answer: the JSON body (ok added by the writer)
// or an error code.
type reply struct {
	body map[string]any
	code string // Slack error code; empty for ok
	// extra fields for an error answer (needed, provided, response_metadata)
	extra map[string]any
	// retryAfter, when set, answers HTTP 429 with this Retry-After (seconds).
	retryAfter int
}

func ok(body map[string]any) reply { return reply{body: body} }

func fail(code string) reply { return reply{code: code} }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	params, token, err := readParams(r)
	call := Call{Method: method, Params: params, At: time.Now()}
	if err != nil {
		s.writeReply(w, fail("invalid_form_data"), &call)
		return
	}

	if f := s.takeFault(method); f != nil {
		if f.Delay > 0 {
			t := time.NewTimer(f.Delay)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				call.Dropped = true
				s.record(call)
				return
			}
		}
		switch {
		case f.Drop:
			call.Dropped = true
			s.record(call)
			drop(w)
			return
		case f.Status != 0:
			s.setScopesHeader(w)
			answerStatus(w, f)
			call.Status = f.Status
			s.record(call)
			return
		case f.Error != "":
			rep := fail(f.Error)
			if f.Needed != "" {
				rep.extra = map[string]any{"needed": f.Needed, "provided": s.scopeList()}
			}
			s.writeReply(w, rep, &call)
			return
		case f.DropAfter:
			rep := s.run(method, token, params)
			call.Error = rep.code
			call.Dropped = true
			s.record(call)
			drop(w)
			return
		}
	}
	s.writeReply(w, s.run(method, token, params), &call)
}

func (s *Server) record(c Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
}

func (s *Server) scopeList() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.scopes, ",")
}

func (s *Server) setScopesHeader(w http.ResponseWriter) {
	w.Header().Set("X-OAuth-Scopes", s.scopeList())
}

func (s *Server) writeReply(w http.ResponseWriter, rep reply, call *Call) {
	body := rep.body
	if body == nil {
		body = map[string]any{}
	}
	body["ok"] = rep.code == ""
	if rep.code != "" {
		body["error"] = rep.code
		for k, v := range rep.extra {
			body[k] = v
		}
	}
	b, err := json.Marshal(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	s.setScopesHeader(w)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	call.Status = http.StatusOK
	if rep.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(rep.retryAfter))
		call.Status = http.StatusTooManyRequests
		w.WriteHeader(call.Status)
	}
	_, _ = w.Write(b)
	call.Error = rep.code
	s.record(*call)
}

// readParams reads a form or JSON body (and the query string) into
// url.Values, and takes the token out of them or of the Bearer header.
func readParams(r *http.Request) (url.Values, string, error) {
	params := url.Values{}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/json" {
		raw, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, "", err
		}
		var m map[string]any
		if len(raw) > 0 {
			if err := json.Unmarshal(raw, &m); err != nil {
				return nil, "", err
			}
		}
		for k, v := range m {
			switch v := v.(type) {
			case string:
				params.Set(k, v)
			case bool, float64:
				params.Set(k, fmt.Sprint(v))
			case nil:
			default:
				b, _ := json.Marshal(v)
				params.Set(k, string(b))
			}
		}
		for k, v := range r.URL.Query() {
			params[k] = v
		}
	} else {
		if err := r.ParseForm(); err != nil {
			return nil, "", err
		}
		for k, v := range r.Form {
			params[k] = v
		}
	}
	token := params.Get("token")
	params.Del("token")
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		token = strings.TrimPrefix(h, "Bearer ")
	}
	return params, token, nil
}

// run executes one method under the lock.
func (s *Server) run(method, token string, p url.Values) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	if method == "apps.connections.open" { // takes the app-level token
		return s.connectionsOpen(token)
	}
	switch {
	case token == "":
		return fail("not_authed")
	case token != s.token:
		return fail("invalid_auth")
	}
	if need := s.neededScope(method, p); need != "" && !slices.Contains(s.scopes, need) {
		rep := fail("missing_scope")
		rep.extra = map[string]any{"needed": need, "provided": strings.Join(s.scopes, ",")}
		return rep
	}
	switch method {
	case "auth.test":
		return ok(map[string]any{
			"url": "https://patchbot-fake.slack.com/", "team": "patchbot-fake", "user": "patchbot",
			"team_id": TeamID, "user_id": BotUserID, "bot_id": BotID,
		})
	case "chat.postMessage":
		return s.postMessage(p)
	case "chat.update":
		return s.update(p)
	case "conversations.open":
		return s.open(p)
	case "conversations.history":
		return s.history(p)
	case "conversations.replies":
		return s.replies(p)
	case "conversations.list":
		return s.list(p)
	case "users.lookupByEmail":
		id, found := s.byEmail[strings.ToLower(p.Get("email"))]
		if !found {
			return fail("users_not_found")
		}
		return ok(map[string]any{"user": userJSON(s.users[id])})
	case "users.info":
		u, found := s.users[p.Get("user")]
		if !found {
			return fail("user_not_found")
		}
		return ok(map[string]any{"user": userJSON(u)})
	}
	if rep, found := s.runInteractive(method, p); found {
		return rep
	}
	return fail("unknown_method")
}

// neededScope is the bot scope a method needs, as Slack documents it.
func (s *Server) neededScope(method string, p url.Values) string {
	switch method {
	case "chat.postMessage", "chat.update":
		return "chat:write"
	case "conversations.open":
		return "im:write"
	case "conversations.list":
		return "channels:read"
	case "users.lookupByEmail":
		return "users:read.email"
	case "users.info":
		return "users:read"
	case "conversations.history", "conversations.replies":
		if strings.HasPrefix(p.Get("channel"), "D") {
			return "im:history"
		}
		return "channels:history"
	}
	return ""
}

func userJSON(u *User) map[string]any {
	profile := map[string]any{"real_name": u.RealName, "display_name": u.Name}
	if u.Email != "" {
		profile["email"] = u.Email
	}
	return map[string]any{
		"id": u.ID, "team_id": TeamID, "name": u.Name, "real_name": u.RealName,
		"deleted": u.Deleted, "profile": profile,
	}
}

func (s *Server) open(p url.Values) reply {
	users := strings.Split(p.Get("users"), ",")
	if p.Get("users") == "" || len(users) != 1 {
		return fail("users_list_not_supplied")
	}
	u, found := s.users[users[0]]
	if !found || u.Deleted {
		return fail("user_not_found")
	}
	id, already := s.dms[u.ID]
	if !already {
		id = "D" + strings.TrimPrefix(u.ID, "U")
		s.dms[u.ID] = id
		s.channels[id] = newChannel(id, "", u.ID)
	}
	return ok(map[string]any{
		"already_open": already,
		"channel":      map[string]any{"id": id, "is_im": true, "user": u.ID},
	})
}

func (s *Server) list(p url.Values) reply {
	limit := intParam(p, "limit", 100, 1000)
	start, _ := strconv.Atoi(p.Get("cursor"))
	var chans []map[string]any
	next := ""
	for i := start; i < len(s.order); i++ {
		if len(chans) == limit {
			next = strconv.Itoa(i)
			break
		}
		c := s.channels[s.order[i]]
		chans = append(chans, map[string]any{"id": c.id, "name": c.name, "is_channel": true, "is_member": true})
	}
	return ok(map[string]any{"channels": chans, "response_metadata": map[string]any{"next_cursor": next}})
}

func intParam(p url.Values, key string, def, maxv int) int {
	n, err := strconv.Atoi(p.Get(key))
	if err != nil || n <= 0 {
		return def
	}
	return min(n, maxv)
}

// metadataParam decodes the metadata parameter, if any.
func metadataParam(p url.Values) (*slack.SlackMetadata, bool) {
	raw := p.Get("metadata")
	if raw == "" {
		return nil, true
	}
	var md slack.SlackMetadata
	if err := json.Unmarshal([]byte(raw), &md); err != nil || md.EventType == "" {
		return nil, false
	}
	return &md, true
}
