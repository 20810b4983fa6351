package interact

import (
	"testing"
	"unicode/utf8"
)

// FuzzDecodeInteraction: whatever JSON arrives as an interactive payload,
// decoding never panics, and anything accepted is a well-formed request.
func FuzzDecodeInteraction(f *testing.F) {
	for _, seed := range []string{
		`{"type":"block_actions","user":{"id":"U1","team_id":"T1"},"container":{"type":"message","message_ts":"1.2","channel_id":"C1"},"trigger_id":"t","response_url":"https://hooks.slack.com/x","actions":[{"type":"button","action_id":"patchbot_recheck","block_id":"b","value":"{\"key\":\"SEC-1\",\"item\":\"SEC-1/review_passed/2026-05-20\"}","action_ts":"1.3"}]}`,
		`{"type":"block_actions","user":{"id":"U1"},"container":{"type":"view","view_id":"V1"},"view":{"type":"home"},"actions":[null,{"action_id":"patchbot_ack","block_id":"b","value":"{\"key\":\"SEC-1\"}"}]}`,
		`{"type":"view_submission","user":{"id":"U1"},"view":{"callback_id":"patchbot_snooze","private_metadata":"{\"key\":\"SEC-1\",\"at\":{\"ch\":\"C1\",\"ts\":\"1.2\"}}","state":{"values":{"until":{"until":{"type":"datepicker","selected_date":"2026-08-01"}},"reason":{"reason":{"type":"plain_text_input","value":"<!channel>"}}}}}}`,
		`{"type":"view_submission","user":{"id":"U1"},"view":{"callback_id":"patchbot_disown","private_metadata":"nope","state":null}}`,
		`{"type":"view_closed","user":{"id":"U1"}}`,
		`{"type":"block_actions","actions":{}}`,
		`{}`, `null`, `[]`, `"x"`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		in, err := decodeInteraction(raw)
		if err != nil {
			return
		}
		for _, c := range in.clicks {
			if !known(c.button) || c.target.check() != nil || c.by.UserID == "" {
				t.Fatalf("accepted a bad click: %+v", c)
			}
		}
		if s := in.submit; s != nil {
			if s.meta.target.check() != nil || s.by.UserID == "" || (s.callback != callbackSnooze && s.callback != callbackDisown) {
				t.Fatalf("accepted a bad submission: %+v", s)
			}
			s.check() // never panics either
		}
	})
}

// FuzzParseCommand: any slash command text parses to a verb without
// panicking; a snooze keeps a valid key and a reason that was typed.
func FuzzParseCommand(f *testing.F) {
	for _, seed := range []string{"", "help", "mine", "status SEC-1", "snooze SEC-1 2026-07-01 because", "snooze sec-1 2026-02-30 x", "&lt;!channel&gt;", "snooze SEC-1 2026-07-01 \u00a0x\u2028y"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := parseCommand(s)
		switch c.verb {
		case verbStatus, verbSnooze:
			if !keyRE.MatchString(c.key) {
				t.Fatalf("key %q accepted from %q", c.key, s)
			}
		}
		if c.verb == verbSnooze && utf8.ValidString(s) && !utf8.ValidString(c.reason) {
			t.Fatalf("reason %q is not valid UTF-8", c.reason)
		}
	})
}
