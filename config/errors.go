package config

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Error is one problem in a config file, at a key.
type Error struct {
	// File is the config file's name as given to Parse or Load.
	File string
	// Line is the 1-based line of the key, or 0 when unknown (a hand-built
	// Config has no positions).
	Line int
	// Path is the key path, e.g. "projects[1].fields.rollback"; empty for
	// problems with the file as a whole (YAML syntax).
	Path string
	// Message says what is wrong and, where it can, how to fix it.
	Message string
}

// Error formats the problem as "file:line path: message".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		if b.Len() > 0 {
			b.WriteByte(':')
		} else {
			b.WriteString("line ")
		}
		b.WriteString(strconv.Itoa(e.Line))
	}
	if e.Path != "" {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(e.Path)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	return b.String()
}

// Errors is every problem found in a config, sorted by line. Parse, Load
// and Validate return it as their error; use errors.As to get at the list.
type Errors []*Error

// Error lists the problems, one per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap gives errors.Is and errors.As access to each problem.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// sort orders the problems by line, then path, keeping the order in which
// they were found otherwise.
func (es Errors) sort() {
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].Line != es[j].Line {
			return es[i].Line < es[j].Line
		}
		return es[i].Path < es[j].Path
	})
}

// err returns es as an error, or nil when there is no problem. It exists
// so that an empty Errors never becomes a non-nil error interface.
func (es Errors) err() error {
	if len(es) == 0 {
		return nil
	}
	es.sort()
	return es
}

// Pos is where a key sits in the config file.
type Pos struct {
	Line, Column int
}

// Path builds a key path from keys and indexes the way errors spell it:
// Path("projects", 1, "fields", "rollback") is "projects[1].fields.rollback".
// A key holding anything but letters, digits, "_" and "-" is quoted, as in
// slack.owner_map["alice@example.com"].
func Path(parts ...any) string { return sub("", parts...) }

// sub appends keys (strings) and indexes (ints) to a built path.
func sub(path string, parts ...any) string {
	for _, p := range parts {
		switch p := p.(type) {
		case int:
			path = index(path, p)
		case string:
			path = join(path, p)
		default:
			path = join(path, fmt.Sprint(p))
		}
	}
	return path
}

// join appends one map or struct key to a path.
func join(path, key string) string { return path + pathKey(path == "", key) }

// index appends a sequence index to a path.
func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

func pathKey(first bool, key string) string {
	plain := key != ""
	for _, r := range key {
		if !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			plain = false
			break
		}
	}
	switch {
	case !plain:
		return "[" + strconv.Quote(key) + "]"
	case first:
		return key
	default:
		return "." + key
	}
}

// parent returns the path one key or index up, and false at the root.
func parent(path string) (string, bool) {
	if path == "" {
		return "", false
	}
	if strings.HasSuffix(path, `"]`) {
		// A quoted key. Inside Go quoting every '"' is escaped, so the last
		// `["` opens the last segment.
		return path[:strings.LastIndex(path, `["`)], true
	}
	if strings.HasSuffix(path, "]") {
		return path[:strings.LastIndexByte(path, '[')], true
	}
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[:i], true
	}
	return "", true
}

// quote shows a user's value in an error, shortened so a pasted blob does
// not flood the report.
func quote(s string) string {
	const max = 60
	if r := []rune(s); len(r) > max {
		s = string(r[:max]) + "…"
	}
	return strconv.Quote(s)
}
