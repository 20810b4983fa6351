package jira

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
)

// A search answer is read by splitPage, with the scanner of
// decode_fast.go: the page's members, each hit's identity, and its
// `fields` and `properties` objects split into their keys and the raw
// bytes of each value, without json.Decoder, reflection or a copy per
// value. It answers only for a page it has read completely and knows it
// reads exactly as encoding/json would into searchPage; anything else
// (invalid JSON, a member of an unexpected type, a duplicate or
// case-folded struct key, deep nesting) is decoded by encoding/json, the
// reference, as go-jira's Client.Do would have. TestDecodePageEquivalence
// and FuzzDecodePageEquivalence hold it to that.

// bodyReader is an out value of Client.call that reads a 2xx answer's
// body itself: go-jira's Client.Do hands the body over unread when it has
// nothing to decode into.
type bodyReader interface {
	readBody(body io.Reader, size int64) error
}

// pageReader reads search answers into page. The hits' raw values alias
// the buffer their answer was read into, a buffer of their own: each
// answer is read into a new one, sized like the answer before (the
// pages of a search are much alike) when Jira does not announce the
// length.
type pageReader struct {
	page searchPage
	last int // the length of the answer before
}

// readBody reads a 2xx search answer as go-jira's Client.Do reads one,
// json.NewDecoder(body).Decode(&r.page): the first JSON value of the
// body, with what follows it ignored. size is the body's length when
// known (the response's ContentLength), else -1.
func (r *pageReader) readBody(body io.Reader, size int64) error {
	b, err := readAll(body, size, r.last)
	r.last = len(b)
	r.page = searchPage{}
	if err == nil && splitPage(b, &r.page) {
		return nil
	}
	// The reader go-jira's decoder would have read: the same bytes, then
	// the same error.
	var rest io.Reader = bytes.NewReader(b)
	if err != nil {
		rest = io.MultiReader(rest, errReader{err})
	}
	r.page = searchPage{}
	return json.NewDecoder(rest).Decode(&r.page)
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// maxSizeHint bounds the buffer a Content-Length makes readAll allocate
// up front; a body longer than announced still reads whole.
const maxSizeHint = 16 << 20

// readAll reads body up to the end of its first JSON value, where a
// json.Decoder stops reading (callStatus drains what follows, so that the
// connection is kept). The buffer is
// sized from the announced length, else from the length of the answer
// before (guess), else doubled as it fills.
func readAll(r io.Reader, size int64, guess int) ([]byte, error) {
	n := 64 << 10
	switch {
	case size >= 0 && size < maxSizeHint:
		n = int(size) + 1 // room to read the end without growing
	case guess > 0 && guess < maxSizeHint:
		n = guess + guess/8 + 512
	}
	b := make([]byte, 0, n)
	var end valueEnd
	for {
		if len(b) == cap(b) {
			nb := make([]byte, len(b), 2*cap(b))
			copy(nb, b)
			b = nb
		}
		m, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+m]
		if end.feed(b[len(b)-m:]) || err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// valueEnd follows the brackets and strings of a JSON text, as it is
// read, to the end of its first value when that is an object or an
// array: there json.Decoder has read enough. A value of another kind, or
// a text that is not JSON, is read to its end (json.Decoder would then
// have read less, or failed sooner on the same bytes).
type valueEnd struct {
	depth         int
	str, esc      bool
	done, readAll bool
}

// strStop marks the bytes that end a run of a string's bytes; jsonStop
// the bytes that end a run of the bytes between strings.
var (
	strStop  = [256]bool{'"': true, '\\': true}
	jsonStop = [256]bool{'"': true, '{': true, '[': true, '}': true, ']': true}
)

// feed follows b, the bytes read after the last feed, and reports
// whether the value has ended.
func (v *valueEnd) feed(b []byte) bool {
	if v.done || v.readAll {
		return v.done
	}
	i, depth, str, esc := 0, v.depth, v.str, v.esc
	if depth == 0 { // the value has not begun
		for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
			i++
		}
		if i == len(b) {
			return false
		}
		if b[i] != '{' && b[i] != '[' {
			v.readAll = true
			return false
		}
		depth = 1
		i++
	}
	for i < len(b) {
		switch {
		case esc:
			esc = false
			i++
			continue
		case str:
			for i < len(b) && !strStop[b[i]] {
				i++
			}
			if i == len(b) {
				continue
			}
			esc, str = b[i] == '\\', b[i] == '\\'
			i++
			continue
		}
		for i < len(b) && !jsonStop[b[i]] {
			i++
		}
		if i == len(b) {
			continue
		}
		switch b[i] {
		case '"':
			str = true
		case '{', '[':
			depth++
		default:
			if depth--; depth == 0 {
				v.done = true
				return true
			}
		}
		i++
	}
	v.depth, v.str, v.esc = depth, str, esc
	return false
}

var (
	pageFieldNames  = []string{"issues", "isLast", "nextPageToken", "startAt", "maxResults", "total"}
	issueFieldNames = []string{"id", "key", "fields", "properties"}
)

// pageSplitter holds what splitting one page reuses from hit to hit.
type pageSplitter struct {
	d fastDecoder
	// members is the current object's members before its map is made,
	// so the map is made once at its size.
	members []member
	// names are the keys read so far: the same field ids come back in
	// every hit of a page, and each is made a string once.
	names map[string]string
}

type member struct {
	name string
	raw  json.RawMessage
}

// splitPage reads the first JSON value of body into p as
// json.NewDecoder(bytes.NewReader(body)).Decode(p) would, when it can
// tell; handled is false when encoding/json must decide, and p is then
// to be thrown away. The hits' raw values alias body.
func splitPage(body []byte, p *searchPage) (handled bool) {
	s := pageSplitter{d: fastDecoder{b: body}}
	d := &s.d
	if d.peek() != '{' {
		return false
	}
	var seen uint
	d.enter()
	for n := 0; d.more('}', n); n++ {
		k := d.key()
		if d.bad {
			return false
		}
		i, ok := structField(k, pageFieldNames)
		if !ok {
			return false
		}
		if i >= 0 {
			if seen&(1<<i) != 0 {
				return false // a second one merges into the first in encoding/json
			}
			seen |= 1 << i
		}
		switch i {
		case -1:
			d.value()
		case 0:
			switch d.peek() {
			case '[':
				if !s.issues(p) {
					return false
				}
			case 'n':
				d.value() // leaves the slice nil
			default:
				return false
			}
		case 1:
			switch v := d.value(); v.kind {
			case jBool:
				b := v.raw[0] == 't'
				p.IsLast = &b
			case jNull:
			default:
				return false
			}
		case 2:
			switch v := d.value(); v.kind {
			case jString:
				p.NextPageToken = d.str(v)
			case jNull:
			default:
				return false
			}
		default:
			v := d.value()
			if v.kind == jNull {
				continue
			}
			if v.kind != jNumber {
				return false
			}
			// encoding/json reads an int with ParseInt and refuses what
			// does not fit.
			x, err := strconv.ParseInt(string(v.raw), 10, strconv.IntSize)
			if err != nil {
				return false
			}
			switch i {
			case 3:
				p.StartAt = int(x)
			case 4:
				p.MaxResults = int(x)
			default:
				p.Total = int(x)
			}
		}
		if d.bad {
			return false
		}
	}
	return !d.bad // what follows the value is not read
}

// issues reads the hits array at d.i into p.Issues: an empty array is an
// empty slice, a null element a zero hit.
func (s *pageSplitter) issues(p *searchPage) bool {
	d := &s.d
	p.Issues = []rawIssue{}
	d.enter()
	for n := 0; d.more(']', n); n++ {
		var is rawIssue
		switch d.peek() {
		case '{':
			if !s.issue(&is) {
				return false
			}
		case 'n':
			d.value()
		default:
			return false
		}
		p.Issues = append(p.Issues, is)
	}
	return !d.bad
}

// issue reads one hit at d.i.
func (s *pageSplitter) issue(is *rawIssue) bool {
	d := &s.d
	var seen uint
	d.enter()
	for n := 0; d.more('}', n); n++ {
		k := d.key()
		if d.bad {
			return false
		}
		i, ok := structField(k, issueFieldNames)
		if !ok {
			return false
		}
		if i >= 0 {
			if seen&(1<<i) != 0 {
				return false
			}
			seen |= 1 << i
		}
		switch i {
		case -1:
			d.value()
		case 0, 1:
			switch v := d.value(); v.kind {
			case jString:
				if i == 0 {
					is.ID = d.str(v)
				} else {
					is.Key = d.str(v)
				}
			case jNull:
			default:
				return false
			}
		default:
			var m map[string]json.RawMessage
			switch d.peek() {
			case '{':
				if m = s.rawObject(); m == nil {
					return false
				}
			case 'n':
				d.value() // a nil map
			default:
				return false
			}
			if i == 2 {
				is.Fields = m
			} else {
				is.Properties = m
			}
		}
		if d.bad {
			return false
		}
	}
	return !d.bad
}

// rawObject reads the object at d.i as a map of raw values, each value's
// bytes as they appear (json.RawMessage keeps them so), the last of a
// duplicate key. nil is a fault.
func (s *pageSplitter) rawObject() map[string]json.RawMessage {
	d := &s.d
	s.members = s.members[:0]
	d.enter()
	for n := 0; d.more('}', n); n++ {
		k := d.key()
		v := d.value()
		if d.bad {
			return nil
		}
		s.members = append(s.members, member{s.name(k), v.raw[:len(v.raw):len(v.raw)]})
	}
	if d.bad {
		return nil
	}
	m := make(map[string]json.RawMessage, len(s.members))
	for _, e := range s.members {
		m[e.name] = e.raw
	}
	return m
}

// maxNames bounds the keys a page's splitter keeps.
const maxNames = 4096

// name is a map key's text, made once per page for a key without
// escapes.
func (s *pageSplitter) name(k jtok) string {
	if k.esc {
		return s.d.str(k)
	}
	if n, ok := s.names[string(k.body())]; ok {
		return n
	}
	n := string(k.body())
	if s.names == nil {
		s.names = make(map[string]string, 64)
	}
	if len(s.names) < maxNames {
		s.names[n] = n
	}
	return n
}
