package slacktest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// The interactive half of the fake: Socket Mode (socketmode.go), views and
// response URLs (views.go), and realistic payloads to deliver
// (payloads.go). Its state hangs off Server.ix and is guarded by Server.mu
// like the rest.

// DefaultAppToken is the app-level token (connections:write) the server
// accepts on apps.connections.open unless SetAppToken changes it.
const DefaultAppToken = "xapp-1-A0PATCHBOT-1-fake"

// AppID is the app the fake's Socket Mode connections belong to.
const AppID = "A0PATCHBOT"

// interactive is the state of Socket Mode, views and response URLs.
type interactive struct {
	appToken string
	tickets  map[string]bool // one-time WebSocket tickets handed out, true once used
	conns    []*wsConn       // open connections, oldest first
	hellos   int             // connections that were greeted, ever
	pingGap  time.Duration

	envs     map[string]*envelope
	envOrder []string // envelope ids in delivery order
	loseAcks int      // acks still to lose (LoseNextAck)

	triggers map[string]*trigger
	views    map[string]*View
	viewSeq  []string          // view ids in open order
	homes    map[string]string // user id -> home view id
	hooks    map[string]*hook  // response URL id -> hook
	posts    []ResponsePost
	ephs     []Ephemeral

	groups map[string][]string // user group id -> members (usergroups.go)

	seq     int           // ids for envelopes, triggers, views, hooks
	changed chan struct{} // closed and replaced on every change (WaitFor)
}

// ix returns the interactive state, creating it on first use. Callers hold
// s.mu.
func (s *Server) ix() *interactive {
	if s.interact == nil {
		s.interact = &interactive{
			appToken: DefaultAppToken,
			tickets:  map[string]bool{},
			pingGap:  10 * time.Second,
			envs:     map[string]*envelope{},
			triggers: map[string]*trigger{},
			views:    map[string]*View{},
			homes:    map[string]string{},
			hooks:    map[string]*hook{},
			changed:  make(chan struct{}),
		}
	}
	return s.interact
}

// nextID hands out "<prefix><n>" ids. Callers hold s.mu.
func (x *interactive) nextID(prefix string) string {
	x.seq++
	return fmt.Sprintf("%s%06d", prefix, x.seq)
}

// changedLocked wakes every WaitFor. Callers hold s.mu.
func (s *Server) changedLocked() {
	x := s.ix()
	close(x.changed)
	x.changed = make(chan struct{})
}

// SetAppToken sets the only app-level token apps.connections.open accepts.
func (s *Server) SetAppToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ix().appToken = token
}

// WaitFor blocks until cond reports true or ctx ends. cond is checked at
// once and again after every API call, Socket Mode frame and response URL
// post the server handles; it must not block. WaitFor is how tests wait for
// work that happens after an ack, without sleeping.
func (s *Server) WaitFor(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ch := s.ix().changed
		s.mu.Unlock()
		if cond() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// route is the server's handler: the Web API under /api/, the Socket Mode
// WebSocket under /link/, response URLs under /hooks/.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasPrefix(r.URL.Path, "/link/"):
		s.serveSocket(w, r)
		return
	case strings.HasPrefix(r.URL.Path, "/hooks/"):
		s.serveHook(w, r)
	default:
		s.serve(w, r)
	}
	s.mu.Lock()
	s.changedLocked()
	s.mu.Unlock()
}

// connectionsOpen answers apps.connections.open, which takes the app-level
// token and nothing else. Callers hold s.mu.
func (s *Server) connectionsOpen(token string) reply {
	x := s.ix()
	switch {
	case token == "":
		return fail("not_authed")
	case !strings.HasPrefix(token, "xapp-"):
		return fail("not_allowed_token_type")
	case token != x.appToken:
		return fail("invalid_auth")
	}
	ticket := x.nextID("tk-")
	x.tickets[ticket] = false
	u := strings.Replace(s.http.URL, "http://", "ws://", 1) + "/link/?" +
		url.Values{"ticket": {ticket}, "app_id": {AppID}}.Encode()
	return ok(map[string]any{"url": u})
}

// runInteractive runs the methods of the interactive half; found is false
// for a method it does not know. Callers hold s.mu; the bot token has been
// checked.
func (s *Server) runInteractive(method string, p url.Values) (rep reply, found bool) {
	switch method {
	case "views.open":
		return s.viewsOpen(p), true
	case "views.update":
		return s.viewsUpdate(p), true
	case "views.publish":
		return s.viewsPublish(p), true
	case "usergroups.users.list":
		return s.userGroupMembers(p), true
	case "chat.postEphemeral":
		if !slices.Contains(s.scopes, "chat:write") {
			rep := fail("missing_scope")
			rep.extra = map[string]any{"needed": "chat:write", "provided": strings.Join(s.scopes, ",")}
			return rep, true
		}
		return s.postEphemeral(p), true
	}
	return reply{}, false
}

// rawJSON marshals v for a payload, keeping < > & as they are (Slack does
// not escape them either).
func rawJSON(v any) json.RawMessage {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic("slacktest: " + err.Error()) // only maps of plain values reach here
	}
	return json.RawMessage(strings.TrimSuffix(b.String(), "\n"))
}

// ResponseURLPrefix is how every response_url the server hands out
// starts; give it to an adapter that only posts to Slack's own hooks.
func (s *Server) ResponseURLPrefix() string { return s.http.URL + "/hooks/" }
