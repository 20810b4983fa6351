package jiratest

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// The fake understands the JQL subset patchbot sends and tests write:
// clauses on project, key/issuekey, updated, created, labels, status,
// statusCategory and resolution with =, !=, <, <=, >, >=, in, not in,
// is [not] EMPTY; AND, OR, NOT, parentheses; ORDER BY one or more of key,
// updated, created with ASC/DESC. Dates are "yyyy/MM/dd HH:mm" or
// "yyyy-MM-dd" in the searching user's time zone, as in Jira.

type pred func(*Issue) bool

type query struct {
	match pred
	order []orderKey
}

type orderKey struct {
	field string
	desc  bool
}

type jqlParser struct {
	toks []string
	pos  int
	loc  *time.Location
}

func parseJQL(s string, loc *time.Location) (*query, error) {
	toks, err := lexJQL(s)
	if err != nil {
		return nil, err
	}
	p := &jqlParser{toks: toks, loc: loc}
	q := &query{match: func(*Issue) bool { return true }}
	if p.peek() != "" && !p.isWord("order") {
		m, err := p.or()
		if err != nil {
			return nil, err
		}
		q.match = m
	}
	if p.isWord("order") {
		p.pos++
		if !p.isWord("by") {
			return nil, p.errorf("expecting 'by'")
		}
		p.pos++
		for {
			f := strings.ToLower(p.next())
			switch f {
			case "key", "issuekey", "updated", "created":
			default:
				return nil, fmt.Errorf("Not able to sort using field '%s'.", f)
			}
			if f == "issuekey" {
				f = "key"
			}
			k := orderKey{field: f}
			if p.isWord("asc") {
				p.pos++
			} else if p.isWord("desc") {
				k.desc = true
				p.pos++
			}
			q.order = append(q.order, k)
			if p.peek() != "," {
				break
			}
			p.pos++
		}
	}
	if p.peek() != "" {
		return nil, p.errorf("unexpected %q", p.peek())
	}
	return q, nil
}

func (p *jqlParser) errorf(f string, a ...any) error {
	return fmt.Errorf("Error in the JQL Query: "+f+" (token %d)", append(a, p.pos+1)...)
}

func (p *jqlParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *jqlParser) next() string {
	t := p.peek()
	p.pos++
	return t
}

func (p *jqlParser) isWord(w string) bool { return strings.EqualFold(p.peek(), w) }

func (p *jqlParser) or() (pred, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.isWord("or") {
		p.pos++
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		a, b := l, r
		l = func(is *Issue) bool { return a(is) || b(is) }
	}
	return l, nil
}

func (p *jqlParser) and() (pred, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	for p.isWord("and") {
		p.pos++
		r, err := p.unary()
		if err != nil {
			return nil, err
		}
		a, b := l, r
		l = func(is *Issue) bool { return a(is) && b(is) }
	}
	return l, nil
}

func (p *jqlParser) unary() (pred, error) {
	if p.isWord("not") {
		p.pos++
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return func(is *Issue) bool { return !x(is) }, nil
	}
	if p.peek() == "(" {
		p.pos++
		x, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.next() != ")" {
			return nil, p.errorf("expecting ')'")
		}
		return x, nil
	}
	return p.clause()
}

func (p *jqlParser) clause() (pred, error) {
	field := strings.ToLower(p.next())
	op := strings.ToLower(p.next())
	if op == "not" && p.isWord("in") {
		p.pos++
		op = "not in"
	}
	if op == "is" {
		neg := false
		if p.isWord("not") {
			neg = true
			p.pos++
		}
		if !p.isWord("empty") && !p.isWord("null") {
			return nil, p.errorf("expecting EMPTY")
		}
		p.pos++
		get, err := p.getter(field)
		if err != nil {
			return nil, err
		}
		return func(is *Issue) bool { return (len(get(is)) == 0 || get(is)[0] == "") != neg }, nil
	}
	var vals []string
	if op == "in" || op == "not in" {
		if p.next() != "(" {
			return nil, p.errorf("expecting '('")
		}
		for {
			vals = append(vals, unquote(p.next()))
			t := p.next()
			if t == ")" {
				break
			}
			if t != "," {
				return nil, p.errorf("expecting ',' or ')'")
			}
		}
	} else {
		vals = []string{unquote(p.next())}
	}
	switch field {
	case "updated", "created", "updateddate", "createddate":
		return p.dateClause(field, op, vals[0])
	case "key", "issuekey", "issue", "id":
		if op == "<" || op == ">" || op == "<=" || op == ">=" {
			proj, n, ok := splitKey(vals[0])
			if !ok {
				return nil, fmt.Errorf("The issue key '%s' for field 'key' is invalid.", vals[0])
			}
			return func(is *Issue) bool {
				return is.Project == proj && compare(is.num-n, op)
			}, nil
		}
	}
	get, err := p.getter(field)
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for _, v := range vals {
		set[strings.ToLower(v)] = true
	}
	any := func(is *Issue) bool {
		for _, v := range get(is) {
			if set[strings.ToLower(v)] {
				return true
			}
		}
		return false
	}
	switch op {
	case "=", "in":
		return any, nil
	case "!=", "not in":
		return func(is *Issue) bool { return !any(is) }, nil
	}
	return nil, p.errorf("operator %q is not supported for field %s", op, field)
}

func compare(d int, op string) bool {
	switch op {
	case "<":
		return d < 0
	case "<=":
		return d <= 0
	case ">":
		return d > 0
	case ">=":
		return d >= 0
	}
	return d == 0
}

func (p *jqlParser) dateClause(field, op, v string) (pred, error) {
	var t time.Time
	var err error
	for _, layout := range []string{"2006/01/02 15:04", "2006-01-02 15:04", "2006/01/02", "2006-01-02"} {
		if t, err = time.ParseInLocation(layout, v, p.loc); err == nil {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("Date value '%s' for field '%s' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.", v, field)
	}
	created := strings.HasPrefix(field, "created")
	return func(is *Issue) bool {
		at := is.Updated
		if created {
			at = is.Created
		}
		// JQL compares at minute resolution.
		at = at.Truncate(time.Minute)
		switch {
		case at.Before(t):
			return compare(-1, op)
		case at.After(t):
			return compare(1, op)
		}
		return compare(0, op)
	}, nil
}

func (p *jqlParser) getter(field string) (func(*Issue) []string, error) {
	switch field {
	case "project":
		return func(is *Issue) []string { return []string{is.Project} }, nil
	case "key", "issuekey", "issue":
		return func(is *Issue) []string { return []string{is.Key} }, nil
	case "labels":
		return func(is *Issue) []string { return is.Labels }, nil
	case "status":
		return func(is *Issue) []string { return []string{is.Status} }, nil
	case "statuscategory":
		return func(is *Issue) []string {
			return []string{is.StatusCategory, categoryJSON[is.StatusCategory]["name"].(string)}
		}, nil
	case "resolution":
		return func(is *Issue) []string {
			if is.Resolution == "" {
				return []string{"unresolved", ""}
			}
			return []string{is.Resolution}
		}, nil
	}
	return nil, fmt.Errorf("Field '%s' does not exist or you do not have permission to view it.", field)
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') {
		return strings.ReplaceAll(s[1:len(s)-1], `\"`, `"`)
	}
	return s
}

func lexJQL(s string) ([]string, error) {
	var toks []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')' || c == ',':
			toks = append(toks, string(c))
			i++
		case c == '"' || c == '\'':
			j := i + 1
			for j < len(s) && s[j] != c {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(s) {
				return nil, fmt.Errorf("Error in the JQL Query: unterminated quoted string")
			}
			toks = append(toks, s[i:j+1])
			i = j + 1
		case c == '=' || c == '!' || c == '<' || c == '>' || c == '~':
			j := i + 1
			if j < len(s) && s[j] == '=' {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r(),=!<>~\"'", rune(s[j])) {
				j++
			}
			if j == i {
				return nil, fmt.Errorf("Error in the JQL Query: unexpected %q", c)
			}
			toks = append(toks, s[i:j])
			i = j
		}
	}
	return toks, nil
}

// run evaluates q over the key-sorted issues.
func (q *query) run(sorted []*Issue) []*Issue {
	var out []*Issue
	for _, is := range sorted {
		if q.match(is) {
			out = append(out, is)
		}
	}
	if len(q.order) == 0 || (len(q.order) == 1 && q.order[0].field == "key" && !q.order[0].desc) {
		return out
	}
	sort.SliceStable(out, func(i, j int) bool {
		for _, k := range q.order {
			var c int
			switch k.field {
			case "key":
				switch {
				case keyLess(out[i], out[j]):
					c = -1
				case keyLess(out[j], out[i]):
					c = 1
				}
			case "updated":
				c = out[i].Updated.Compare(out[j].Updated)
			case "created":
				c = out[i].Created.Compare(out[j].Created)
			}
			if k.desc {
				c = -c
			}
			if c != 0 {
				return c < 0
			}
		}
		return false
	})
	return out
}
