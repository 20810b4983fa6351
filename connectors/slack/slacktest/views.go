package slacktest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Views (modals and App Home tabs), ephemeral messages and response URLs.

// TriggerTTL is how long a trigger_id can be exchanged for a modal, as in
// Slack: three seconds after the interaction, by the server's clock.
const TriggerTTL = 3 * time.Second

// Slack's modal limits.
const (
	maxViewTitle    = 24
	maxViewBlocks   = 100
	maxPrivateMeta  = 3000
	maxCallbackID   = 255
	hookUses        = 5
	hookLifetime    = 30 * time.Minute
	viewTypeModal   = "modal"
	viewTypeHomeTab = "home"
)

type trigger struct {
	user string
	at   time.Time
	used bool
}

// View is a modal or an App Home tab as the fake keeps it.
type View struct {
	ID         string
	Type       string // "modal" or "home"
	User       string // who it was opened for or published to
	CallbackID string
	ExternalID string
	// PrivateMetadata is the view's private_metadata, verbatim.
	PrivateMetadata string
	Hash            string
	// JSON is the view as last sent by the app.
	JSON json.RawMessage
	// Updates counts views.update and views.publish calls after the first.
	Updates int
	// Closed is set when a view_submission was acked without errors (the
	// modal went away); Errors holds the last response_action errors.
	Closed bool
	Errors map[string]string
}

// BlockTexts returns every text inside the view's blocks, in order.
func (v View) BlockTexts() []string {
	var body struct {
		Blocks json.RawMessage `json:"blocks"`
	}
	if json.Unmarshal(v.JSON, &body) != nil {
		return nil
	}
	return Message{Blocks: body.Blocks}.BlockTexts()
}

// hook is one response_url handed out in a payload.
type hook struct {
	user, channel, ts string // ts: the message the interaction came from
	ephemeral         bool
	at                time.Time
	uses              int
}

// ResponsePost is one POST to a response_url.
type ResponsePost struct {
	// URL is the response_url posted to; User, Channel and TS say which
	// interaction it was handed out for.
	URL, User, Channel, TS string
	// ResponseType is "ephemeral" or "in_channel" (Slack's default for a
	// response_url post is ephemeral).
	ResponseType    string
	ReplaceOriginal bool
	DeleteOriginal  bool
	// Message holds the text and blocks posted.
	Message Message
	// Body is the request body as sent.
	Body json.RawMessage
}

// Ephemeral is one chat.postEphemeral message.
type Ephemeral struct {
	User    string
	Message Message
}

// newTrigger hands out a trigger_id for user. Callers hold s.mu.
func (s *Server) newTrigger(user string) string {
	x := s.ix()
	id := x.nextID("trig-")
	x.triggers[id] = &trigger{user: user, at: s.now()}
	return id
}

// newHook hands out a response_url. Callers hold s.mu.
func (s *Server) newHook(user, channel, ts string, ephemeral bool) string {
	x := s.ix()
	id := x.nextID("hk-")
	x.hooks[id] = &hook{user: user, channel: channel, ts: ts, ephemeral: ephemeral, at: s.now()}
	return s.http.URL + "/hooks/" + id
}

// viewParam reads and checks the "view" parameter against Slack's rules.
func viewParam(p url.Values, wantType string) (map[string]any, reply, bool) {
	raw := p.Get("view")
	var v map[string]any
	if raw == "" || json.Unmarshal([]byte(raw), &v) != nil {
		return nil, fail("invalid_arguments"), false
	}
	var errs []string
	bad := func(format string, a ...any) { errs = append(errs, "[ERROR] "+fmt.Sprintf(format, a...)) }
	if v["type"] != wantType {
		bad("must be %q [json-pointer:/view/type]", wantType)
	}
	blocks, _ := v["blocks"].([]any)
	if len(blocks) > maxViewBlocks {
		bad("no more than %d items allowed [json-pointer:/view/blocks]", maxViewBlocks)
	}
	hasInput := false
	ids := map[string]bool{}
	for i, b := range blocks {
		m, _ := b.(map[string]any)
		if m["type"] == "input" {
			hasInput = true
		}
		if id, _ := m["block_id"].(string); id != "" {
			if ids[id] {
				bad("duplicate block_id %q [json-pointer:/view/blocks/%d/block_id]", id, i)
			}
			ids[id] = true
		}
	}
	if wantType == viewTypeModal {
		if n := textLen(v["title"]); n == 0 || n > maxViewTitle {
			bad("must be 1 to %d characters [json-pointer:/view/title/text]", maxViewTitle)
		}
		if hasInput && v["submit"] == nil {
			bad("must provide submit when the view has input blocks [json-pointer:/view/submit]")
		}
	}
	if s, _ := v["private_metadata"].(string); len(s) > maxPrivateMeta {
		bad("must be at most %d characters [json-pointer:/view/private_metadata]", maxPrivateMeta)
	}
	if s, _ := v["callback_id"].(string); len(s) > maxCallbackID {
		bad("must be at most %d characters [json-pointer:/view/callback_id]", maxCallbackID)
	}
	if len(errs) > 0 {
		rep := fail("invalid_arguments")
		rep.extra = map[string]any{"response_metadata": map[string]any{"messages": errs}}
		return nil, rep, false
	}
	return v, reply{}, true
}

// store records a view as sent and returns Slack's answer for it.
// Callers hold s.mu.
func (s *Server) storeView(vw *View, v map[string]any) reply {
	x := s.ix()
	vw.JSON = rawJSON(v)
	vw.CallbackID, _ = v["callback_id"].(string)
	vw.ExternalID, _ = v["external_id"].(string)
	vw.PrivateMetadata, _ = v["private_metadata"].(string)
	vw.Hash = x.nextID("h-")
	out := map[string]any{}
	for k, val := range v {
		out[k] = val
	}
	out["id"], out["team_id"], out["hash"], out["app_id"], out["bot_id"] = vw.ID, TeamID, vw.Hash, AppID, BotID
	out["state"] = map[string]any{"values": map[string]any{}}
	return ok(map[string]any{"view": out})
}

func (s *Server) viewsOpen(p url.Values) reply {
	x := s.ix()
	tr := x.triggers[p.Get("trigger_id")]
	switch {
	case p.Get("trigger_id") == "" || tr == nil:
		return fail("invalid_trigger_id")
	case tr.used:
		return fail("exchanged_trigger_id")
	case s.now().Sub(tr.at) > TriggerTTL:
		return fail("expired_trigger_id")
	}
	v, rep, valid := viewParam(p, viewTypeModal)
	if !valid {
		return rep
	}
	tr.used = true
	vw := &View{ID: x.nextID("V"), Type: viewTypeModal, User: tr.user}
	x.views[vw.ID] = vw
	x.viewSeq = append(x.viewSeq, vw.ID)
	return s.storeView(vw, v)
}

func (s *Server) viewsUpdate(p url.Values) reply {
	x := s.ix()
	var vw *View
	if id := p.Get("view_id"); id != "" {
		vw = x.views[id]
	} else if ext := p.Get("external_id"); ext != "" {
		for _, v := range x.views {
			if v.ExternalID == ext {
				vw = v
			}
		}
	} else {
		return fail("invalid_arguments")
	}
	if vw == nil {
		return fail("not_found")
	}
	if h := p.Get("hash"); h != "" && h != vw.Hash {
		return fail("hash_conflict")
	}
	v, rep, valid := viewParam(p, vw.Type)
	if !valid {
		return rep
	}
	vw.Updates++
	return s.storeView(vw, v)
}

func (s *Server) viewsPublish(p url.Values) reply {
	x := s.ix()
	user := p.Get("user_id")
	if user == "" {
		return fail("invalid_arguments")
	}
	if u, found := s.users[user]; !found || u.Deleted {
		return fail("user_not_found")
	}
	v, rep, valid := viewParam(p, viewTypeHomeTab)
	if !valid {
		return rep
	}
	vw := x.views[x.homes[user]]
	if vw == nil {
		vw = &View{ID: x.nextID("V"), Type: viewTypeHomeTab, User: user}
		x.views[vw.ID] = vw
		x.homes[user] = vw.ID
	} else {
		if h := p.Get("hash"); h != "" && h != vw.Hash {
			return fail("hash_conflict")
		}
		vw.Updates++
	}
	return s.storeView(vw, v)
}

func (s *Server) postEphemeral(p url.Values) reply {
	c := s.channels[p.Get("channel")]
	switch {
	case c == nil:
		return fail("channel_not_found")
	case p.Get("user") == "":
		return fail("user_not_in_channel")
	}
	if u, found := s.users[p.Get("user")]; !found || u.Deleted {
		return fail("user_not_in_channel")
	}
	if rep, bad := checkLimits(p.Get("text"), p.Get("blocks")); bad {
		return rep
	}
	ts, us := s.newTS()
	m := Message{Channel: c.id, TS: ts, Text: p.Get("text"), Params: cloneValues(p), us: us}
	if b := p.Get("blocks"); b != "" {
		m.Blocks = json.RawMessage(b)
	}
	s.ix().ephs = append(s.ix().ephs, Ephemeral{User: p.Get("user"), Message: m})
	return ok(map[string]any{"message_ts": ts})
}

// serveHook takes a POST to a response_url: five uses within thirty
// minutes, as Slack allows.
func (s *Server) serveHook(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/hooks/")
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil || r.Method != http.MethodPost {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	var msg struct {
		Text            string          `json:"text"`
		Blocks          json.RawMessage `json:"blocks"`
		ResponseType    string          `json:"response_type"`
		ReplaceOriginal bool            `json:"replace_original"`
		DeleteOriginal  bool            `json:"delete_original"`
	}
	if json.Unmarshal(body, &msg) != nil {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.ix().hooks[id]
	switch {
	case h == nil:
		http.Error(w, "no_service", http.StatusNotFound)
		return
	case h.uses >= hookUses || s.now().Sub(h.at) > hookLifetime:
		http.Error(w, "used_url", http.StatusNotFound)
		return
	}
	if rep, bad := checkLimits(msg.Text, string(msg.Blocks)); bad && !msg.DeleteOriginal {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write(rawJSON(map[string]any{"ok": false, "error": rep.code}))
		return
	}
	h.uses++
	if msg.ResponseType == "" {
		msg.ResponseType = "ephemeral"
	}
	post := ResponsePost{
		URL: s.http.URL + r.URL.Path, User: h.user, Channel: h.channel, TS: h.ts,
		ResponseType: msg.ResponseType, ReplaceOriginal: msg.ReplaceOriginal, DeleteOriginal: msg.DeleteOriginal,
		Message: Message{Channel: h.channel, Text: msg.Text}, Body: body,
	}
	if len(msg.Blocks) > 0 && string(msg.Blocks) != "null" {
		post.Message.Blocks = msg.Blocks
	}
	s.ix().posts = append(s.ix().posts, post)
	// Replacing a message the bot posted edits it in place.
	if c := s.channels[h.channel]; msg.ReplaceOriginal && !h.ephemeral && c != nil && c.byTS[h.ts] != nil {
		m := c.byTS[h.ts]
		m.Text, m.Blocks = post.Message.Text, post.Message.Blocks
		m.Edits++
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"ok":true}`))
}

// ackedLocked applies an ack's payload to what it answered: a
// view_submission acked without errors closes the modal; with
// response_action "errors" it stays open showing them. Callers hold s.mu.
func (s *Server) ackedLocked(e *envelope) {
	if e.Type != EnvelopeInteractive {
		return
	}
	var in struct {
		Type string `json:"type"`
		View struct {
			ID string `json:"id"`
		} `json:"view"`
	}
	if json.Unmarshal(e.Payload, &in) != nil || in.Type != "view_submission" {
		return
	}
	vw := s.ix().views[in.View.ID]
	if vw == nil {
		return
	}
	var out struct {
		ResponseAction string            `json:"response_action"`
		Errors         map[string]string `json:"errors"`
	}
	_ = json.Unmarshal(e.Ack, &out)
	if out.ResponseAction == "errors" {
		vw.Errors = out.Errors
		return
	}
	vw.Errors = nil
	if out.ResponseAction == "" || out.ResponseAction == "clear" {
		vw.Closed = true
	}
}

// View returns a view by id.
func (s *Server) View(id string) (View, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	vw := s.ix().views[id]
	if vw == nil {
		return View{}, false
	}
	return *vw, true
}

// Modals returns the modals opened for a user (every user when empty),
// oldest first.
func (s *Server) Modals(user string) []View {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []View
	for _, id := range s.ix().viewSeq {
		if vw := s.ix().views[id]; user == "" || vw.User == user {
			out = append(out, *vw)
		}
	}
	return out
}

// Home returns the App Home tab last published to a user.
func (s *Server) Home(user string) (View, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	vw := s.ix().views[s.ix().homes[user]]
	if vw == nil {
		return View{}, false
	}
	return *vw, true
}

// ResponsePosts returns the posts to response URLs handed out for a user
// (every user when empty), oldest first.
func (s *Server) ResponsePosts(user string) []ResponsePost {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []ResponsePost
	for _, p := range s.ix().posts {
		if user == "" || p.User == user {
			out = append(out, p)
		}
	}
	return out
}

// Ephemerals returns the ephemeral messages shown to a user (every user
// when empty), oldest first.
func (s *Server) Ephemerals(user string) []Ephemeral {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Ephemeral
	for _, e := range s.ix().ephs {
		if user == "" || e.User == user {
			out = append(out, e)
		}
	}
	return out
}
