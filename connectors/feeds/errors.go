package feeds

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Sentinel errors a caller may branch on with errors.Is; each arrives
// wrapped in an *Error that says which feed and source.
var (
	// ErrTooLarge: a download or file is over its size limit.
	ErrTooLarge = errors.New("larger than the limit")
	// ErrEmpty: a feed parsed but holds no entries.
	ErrEmpty = errors.New("no entries")
	// ErrShrunk: a feed holds far fewer entries than the last good copy.
	ErrShrunk = errors.New("far fewer entries than the last good copy")
)

// Error is what every failure of this package looks like: which feed,
// where it was read from, what step failed and why.
type Error struct {
	Feed   Feed   // FeedKEV or FeedEPSS
	Source string // the URL or file path; "" for the cache
	Op     string // "fetch", "read", "parse", "check", "cache"
	Status int    // HTTP status when the server answered with an error, else 0
	Line   int    // the CSV line (1-based) where parsing stopped, else 0
	Err    error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("feeds: ")
	b.WriteString(string(e.Feed))
	if e.Source != "" {
		b.WriteString(" ")
		b.WriteString(e.Source)
	}
	b.WriteString(": ")
	b.WriteString(e.Op)
	if e.Line > 0 {
		b.WriteString(": line ")
		b.WriteString(strconv.Itoa(e.Line))
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// parseError is an error from the CSV parser that knows the line where it
// stopped.
type parseError struct {
	line int
	err  error
}

func (e *parseError) Error() string { return fmt.Sprintf("line %d: %v", e.line, e.err) }
func (e *parseError) Unwrap() error { return e.err }

// wrap builds the *Error for feed and source, lifting a parser's line
// number into Line.
func wrap(feed Feed, source, op string, err error) error {
	if err == nil {
		return nil
	}
	var fe *Error
	if errors.As(err, &fe) {
		return err
	}
	e := &Error{Feed: feed, Source: source, Op: op, Err: err}
	var pe *parseError
	if errors.As(err, &pe) {
		e.Line, e.Err = pe.line, pe.err
	}
	return e
}
