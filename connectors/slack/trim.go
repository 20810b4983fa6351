package slack

import (
	"bytes"
	"io"
	"net/http"
	"strings"

	"github.com/patchbot/patchbot/connectors/internal/drain"
)

// Slack's answers to chat.postMessage and chat.update echo the whole
// message posted ("message": {..., "blocks": [...]}), and slack-go decodes
// every block of that echo by reflection: some 8 % of a full sync's CPU.
// The connector only uses channel and ts from those answers, so keepAlive
// hands slack-go the answer without its top-level "message" member.
// Through this client, slack-go's *WithResponse calls therefore see an
// empty Message; the connector does not use them.

// Limits of what is trimmed: a bigger answer, or one nested deeper, is
// passed through as it came.
const (
	maxTrim      = 4 << 20
	maxTrimDepth = 256
)

// trimsMessage reports whether an answer to req, resp, is one to trim: a
// 200 with a JSON body (as it came, not compressed) from chat.postMessage
// or chat.update.
func trimsMessage(req *http.Request, resp *http.Response) bool {
	if req == nil || req.URL == nil || resp.StatusCode != http.StatusOK ||
		resp.Header.Get("Content-Encoding") != "" {
		return false
	}
	p := req.URL.Path
	if !strings.HasSuffix(p, "/chat.postMessage") && !strings.HasSuffix(p, "/chat.update") {
		return false
	}
	ct, _, _ := strings.Cut(resp.Header.Get("Content-Type"), ";")
	return strings.EqualFold(strings.TrimSpace(ct), "application/json")
}

// trimBody is the body of an answer to trim. The first Read reads the
// answer whole and serves it trimmed; a read error is served after the
// bytes that came before it, as the body itself would; an answer over
// maxTrim is served as it came, its rest read from the body. Close drains
// the body (drain.Close) so the connection is kept.
type trimBody struct {
	body io.ReadCloser
	size int64     // the Content-Length as it came; -1 if unknown
	r    io.Reader // what Read serves; nil before the first Read
}

func (t *trimBody) Read(p []byte) (int, error) {
	if t.r == nil {
		t.r = t.load()
	}
	return t.r.Read(p)
}

func (t *trimBody) load() io.Reader {
	// Room for the whole body and the EOF, so a known length is read
	// without growing the buffer.
	hint := int64(512)
	if t.size > 0 && t.size <= maxTrim {
		hint = t.size + 1
	}
	b := make([]byte, 0, hint)
	lr := io.LimitReader(t.body, maxTrim+1)
	for {
		n, err := lr.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return io.MultiReader(bytes.NewReader(b), errReader{err})
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
	if len(b) > maxTrim {
		return io.MultiReader(bytes.NewReader(b), t.body)
	}
	return bytes.NewReader(trimMessage(b))
}

func (t *trimBody) Close() error { return drain.Close(t.body) }

// errReader is a reader that fails with err.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// trimMessage returns the JSON object b without its top-level "message"
// member, cut in place (b's bytes are overwritten). Every other byte stays
// as it was, whitespace included. b is returned unchanged unless it is
// exactly one valid JSON object (RFC 8259; checked in the same pass) with
// "ok": true and one "message" member, no top-level key written with
// escapes (such a key might spell "message" and be missed) and nesting
// within maxTrimDepth.
func trimMessage(b []byte) []byte {
	s := scanner{b: b}
	s.space()
	if !s.next('{') {
		return b
	}
	s.space()
	if s.next('}') {
		return b // {}: nothing to trim
	}
	var (
		cutFrom, cutTo = -1, -1 // the bytes to cut: the message member and one comma
		okTrue         bool     // the last "ok" is true: not an error answer
		prevEnd        = -1     // where the value of the member before ends
	)
	for {
		keyFrom := s.i
		escaped, valid := s.str()
		if !valid || escaped {
			return b
		}
		key := b[keyFrom+1 : s.i-1]
		s.space()
		if !s.next(':') {
			return b
		}
		s.space()
		valFrom := s.i
		if !s.value(1) {
			return b
		}
		valTo := s.i
		isMessage := string(key) == "message"
		switch {
		case isMessage && cutFrom >= 0:
			return b // two of them: which would slack-go keep?
		case bytes.EqualFold(key, []byte("ok")): // encoding/json folds case: "OK" sets Ok too
			okTrue = string(b[valFrom:valTo]) == "true"
		}
		s.space()
		if s.next(',') {
			s.space()
			if isMessage { // "message": v, "next" -> "next"
				cutFrom, cutTo = keyFrom, s.i
			}
			prevEnd = valTo
			continue
		}
		if !s.next('}') {
			return b
		}
		if isMessage {
			if prevEnd >= 0 { // "prev": v, "message": v } -> "prev": v }
				cutFrom, cutTo = prevEnd, valTo
			} else { // { "message": v } -> { }
				cutFrom, cutTo = keyFrom, valTo
			}
		}
		break
	}
	s.space()
	if s.i != len(b) || cutFrom < 0 || !okTrue {
		return b
	}
	return append(b[:cutFrom], b[cutTo:]...)
}

// scanner reads JSON from b at i. Each method advances i past what it
// accepts; what it returns false for is not valid JSON (or nests too deep),
// and where i is left then does not matter.
type scanner struct {
	b []byte
	i int
}

// space skips JSON whitespace.
func (s *scanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// next skips c if it is the next byte.
func (s *scanner) next(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// value skips one value at nesting depth (1 for the members of the
// top-level object).
func (s *scanner) value(depth int) bool {
	if s.i >= len(s.b) {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '"':
		_, ok := s.str()
		return ok
	case c == '{' || c == '[':
		return s.container(depth + 1)
	case c == 't':
		return s.lit("true")
	case c == 'f':
		return s.lit("false")
	case c == 'n':
		return s.lit("null")
	case c == '-' || c >= '0' && c <= '9':
		return s.number()
	}
	return false
}

// container skips an object or an array: its members ("key": value) or
// elements, separated by commas, with no comma after the last.
func (s *scanner) container(depth int) bool {
	if depth > maxTrimDepth {
		return false
	}
	open := s.b[s.i]
	end := byte(']')
	if open == '{' {
		end = '}'
	}
	s.i++
	s.space()
	if s.next(end) {
		return true
	}
	for {
		if open == '{' {
			if _, ok := s.str(); !ok {
				return false
			}
			s.space()
			if !s.next(':') {
				return false
			}
			s.space()
		}
		if !s.value(depth) {
			return false
		}
		s.space()
		if s.next(end) {
			return true
		}
		if !s.next(',') {
			return false
		}
		s.space()
	}
}

// str skips a string, and reports whether it holds an escape. Escapes are
// checked (\uXXXX has four hex digits); raw control characters are not
// allowed. Other bytes, invalid UTF-8 included, pass, as with
// encoding/json.
func (s *scanner) str() (escaped, ok bool) {
	if !s.next('"') {
		return false, false
	}
	for s.i < len(s.b) {
		c := s.b[s.i]
		s.i++
		switch {
		case c == '"':
			return escaped, true
		case c < 0x20:
			return false, false
		case c == '\\':
			escaped = true
			if s.i >= len(s.b) {
				return false, false
			}
			e := s.b[s.i]
			s.i++
			switch e {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				for range 4 {
					if s.i >= len(s.b) || !isHex(s.b[s.i]) {
						return false, false
					}
					s.i++
				}
			default:
				return false, false
			}
		}
	}
	return false, false // unterminated
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// lit skips the literal w (true, false, null).
func (s *scanner) lit(w string) bool {
	if len(s.b)-s.i < len(w) || string(s.b[s.i:s.i+len(w)]) != w {
		return false
	}
	s.i += len(w)
	return true
}

// number skips a number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
// What may follow it (a comma, a bracket) is the caller's to check.
func (s *scanner) number() bool {
	s.next('-')
	switch {
	case s.next('0'):
	case s.i < len(s.b) && s.b[s.i] >= '1' && s.b[s.i] <= '9':
		s.digits()
	default:
		return false
	}
	if s.next('.') && !s.digits() {
		return false
	}
	if s.next('e') || s.next('E') {
		if !s.next('+') {
			s.next('-')
		}
		if !s.digits() {
			return false
		}
	}
	return true
}

// digits skips one or more digits; false if there is none.
func (s *scanner) digits() bool {
	from := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	return s.i > from
}
