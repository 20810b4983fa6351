package slacktest

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Realistic payloads to deliver over Socket Mode, shaped as Slack sends
// them: each hands out a fresh trigger_id (exchangeable once, for three
// seconds) and, where Slack gives one, a response_url the server captures.

// VerificationToken is the deprecated token field every payload carries.
const VerificationToken = "fake-verification-token"

// Click is a button click (block_actions).
type Click struct {
	// User is who clicked.
	User string
	// Channel and MessageTS are the message the button is on. For a button
	// in a view (the App Home tab, a modal), set ViewID instead.
	Channel, MessageTS string
	// Ephemeral says the message was ephemeral (only its user saw it).
	Ephemeral bool
	ViewID    string
	// ActionID, BlockID and Value are the button's; Text its label.
	ActionID, BlockID, Value, Text string
}

// Input is the value of one input in a view_submission: Value is the
// selected date (YYYY-MM-DD) of a datepicker, the text of a
// plain_text_input, the user id of a users_select, the option value of a
// static_select. The element's type is read from the view as opened.
type Input struct {
	Block, Action, Value string
}

// Submit is a modal's submission (view_submission).
type Submit struct {
	User   string
	ViewID string
	Values []Input
}

// Command is a slash command.
type Command struct {
	User, Channel string
	// Name is the command, "/patchbot" when empty.
	Name string
	Text string
}

// userObj is the "user" object of an interaction payload. Callers
// hold s.mu.
func (s *Server) userObj(id string) map[string]any {
	name := strings.ToLower(id)
	if u := s.users[id]; u != nil && u.Name != "" {
		name = u.Name
	}
	return map[string]any{"id": id, "username": name, "name": name, "team_id": TeamID}
}

func (s *Server) userName(id string) string {
	return s.userObj(id)["name"].(string)
}

func teamObj() map[string]any { return map[string]any{"id": TeamID, "domain": "patchbot-fake"} }

// Click delivers a button click and returns the envelope id.
func (s *Server) Click(c Click) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	actionTS, _ := s.newTS()
	label := c.Text
	if label == "" {
		label = c.ActionID
	}
	p := map[string]any{
		"type": "block_actions", "token": VerificationToken, "api_app_id": AppID,
		"user": s.userObj(c.User), "team": teamObj(), "enterprise": nil, "is_enterprise_install": false,
		"trigger_id": s.newTrigger(c.User),
		"state":      map[string]any{"values": map[string]any{}},
		"actions": []any{map[string]any{
			"type": "button", "action_id": c.ActionID, "block_id": c.BlockID, "value": c.Value,
			"text":      map[string]any{"type": "plain_text", "text": label, "emoji": true},
			"action_ts": actionTS,
		}},
	}
	if c.ViewID != "" {
		vw := s.ix().views[c.ViewID]
		p["container"] = map[string]any{"type": "view", "view_id": c.ViewID}
		if vw != nil {
			var v map[string]any
			_ = json.Unmarshal(vw.JSON, &v)
			v["id"], v["hash"], v["team_id"], v["app_id"] = vw.ID, vw.Hash, TeamID, AppID
			p["view"] = v
		}
	} else {
		p["container"] = map[string]any{"type": "message", "message_ts": c.MessageTS, "channel_id": c.Channel, "is_ephemeral": c.Ephemeral}
		ch := map[string]any{"id": c.Channel, "name": ""}
		if cc := s.channels[c.Channel]; cc != nil {
			ch["name"] = cc.name
			if cc.user != "" {
				ch["name"] = "directmessage"
			}
		}
		p["channel"] = ch
		msg := map[string]any{"type": "message", "ts": c.MessageTS, "text": ""}
		if cc := s.channels[c.Channel]; cc != nil && cc.byTS[c.MessageTS] != nil {
			msg = messageJSON(cc.byTS[c.MessageTS], true)
		}
		p["message"] = msg
		p["response_url"] = s.newHook(c.User, c.Channel, c.MessageTS, c.Ephemeral)
	}
	return s.deliverNewLocked(EnvelopeInteractive, rawJSON(p))
}

// Submit delivers a modal's submission and returns the envelope id. It
// fails when the view is unknown or a value names an input the view does
// not have.
func (s *Server) Submit(sub Submit) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	vw := s.ix().views[sub.ViewID]
	if vw == nil || vw.Type != viewTypeModal {
		return "", fmt.Errorf("slacktest: no modal %q", sub.ViewID)
	}
	var v map[string]any
	if err := json.Unmarshal(vw.JSON, &v); err != nil {
		return "", fmt.Errorf("slacktest: view %s: %w", vw.ID, err)
	}
	given := map[[2]string]string{}
	for _, in := range sub.Values {
		given[[2]string{in.Block, in.Action}] = in.Value
	}
	values := map[string]any{}
	blocks, _ := v["blocks"].([]any)
	for _, b := range blocks {
		bm, _ := b.(map[string]any)
		el, _ := bm["element"].(map[string]any)
		blockID, _ := bm["block_id"].(string)
		actionID, _ := el["action_id"].(string)
		if bm["type"] != "input" || el == nil {
			continue
		}
		k := [2]string{blockID, actionID}
		val, set := given[k]
		delete(given, k)
		typ, _ := el["type"].(string)
		state, err := inputState(typ, val, set)
		if err != nil {
			return "", fmt.Errorf("slacktest: view %s block %q: %w", vw.ID, blockID, err)
		}
		if values[blockID] == nil {
			values[blockID] = map[string]any{}
		}
		values[blockID].(map[string]any)[actionID] = state
	}
	for k := range given {
		return "", fmt.Errorf("slacktest: view %s has no input %q/%q", vw.ID, k[0], k[1])
	}
	v["id"], v["hash"], v["team_id"], v["app_id"], v["bot_id"] = vw.ID, vw.Hash, TeamID, AppID, BotID
	v["state"] = map[string]any{"values": values}
	v["root_view_id"], v["previous_view_id"] = vw.ID, nil
	p := map[string]any{
		"type": "view_submission", "token": VerificationToken, "api_app_id": AppID,
		"user": s.userObj(sub.User), "team": teamObj(), "enterprise": nil, "is_enterprise_install": false,
		"trigger_id": s.newTrigger(sub.User), "view": v, "response_urls": []any{},
	}
	return s.deliverNewLocked(EnvelopeInteractive, rawJSON(p)), nil
}

// inputState is one element's entry in state.values.
func inputState(typ, val string, set bool) (map[string]any, error) {
	var v any // null when nothing was entered
	if set && val != "" {
		v = val
	}
	switch typ {
	case "datepicker":
		return map[string]any{"type": typ, "selected_date": v}, nil
	case "plain_text_input":
		return map[string]any{"type": typ, "value": v}, nil
	case "users_select":
		return map[string]any{"type": typ, "selected_user": v}, nil
	case "timepicker":
		return map[string]any{"type": typ, "selected_time": v}, nil
	case "static_select":
		var opt any
		if v != nil {
			opt = map[string]any{"value": val, "text": map[string]any{"type": "plain_text", "text": val}}
		}
		return map[string]any{"type": typ, "selected_option": opt}, nil
	}
	return nil, fmt.Errorf("input type %q is not supported by the fake", typ)
}

// Command delivers a slash command and returns the envelope id.
func (s *Server) Command(c Command) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := c.Name
	if name == "" {
		name = "/patchbot"
	}
	chName := ""
	if cc := s.channels[c.Channel]; cc != nil {
		chName = cc.name
		if cc.user != "" {
			chName = "directmessage"
		}
	}
	p := map[string]any{
		"token": VerificationToken, "team_id": TeamID, "team_domain": "patchbot-fake",
		"channel_id": c.Channel, "channel_name": chName, "user_id": c.User, "user_name": s.userName(c.User),
		"command": name, "text": c.Text, "api_app_id": AppID,
		// Slack has sent this as the string "false"; slack-go decodes a bool.
		"is_enterprise_install": false,
		"response_url":          s.newHook(c.User, c.Channel, "", true),
		"trigger_id":            s.newTrigger(c.User),
	}
	return s.deliverNewLocked(EnvelopeSlash, rawJSON(p))
}

// AppHomeOpened delivers an app_home_opened event for the user's Home tab
// and returns the envelope id.
func (s *Server) AppHomeOpened(user string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	x := s.ix()
	ts, _ := s.newTS()
	ev := map[string]any{"type": "app_home_opened", "user": user, "channel": "D" + strings.TrimPrefix(user, "U"), "tab": "home", "event_ts": ts}
	if vw := x.views[x.homes[user]]; vw != nil {
		var v map[string]any
		_ = json.Unmarshal(vw.JSON, &v)
		v["id"], v["hash"], v["team_id"], v["app_id"] = vw.ID, vw.Hash, TeamID, AppID
		ev["view"] = v
	}
	p := map[string]any{
		"token": VerificationToken, "team_id": TeamID, "api_app_id": AppID, "event": ev,
		"type": "event_callback", "event_id": x.nextID("Ev"), "event_time": s.now().Unix(),
		"authorizations":        []any{map[string]any{"team_id": TeamID, "user_id": BotUserID, "is_bot": true, "is_enterprise_install": false}},
		"is_ext_shared_channel": false,
	}
	return s.deliverNewLocked(EnvelopeEvents, rawJSON(p))
}
