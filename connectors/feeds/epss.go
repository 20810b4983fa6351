package feeds

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Score is a CVE's EPSS score: the probability of exploitation activity in
// the next 30 days, and its rank among all scored CVEs.
type Score struct {
	CVE        string
	EPSS       float64   // 0..1
	Percentile float64   // 0..1
	Date       time.Time // the day the score was computed; zero if the source did not say
}

// EPSSScores is a parsed EPSS daily file, indexed by CVE id.
type EPSSScores struct {
	Model  string    // model_version from the file's comment line, e.g. "v2025.03.14"
	Date   time.Time // score_date from the comment line; zero when absent
	scores map[string]epssValue
}

// epssValue is a score without its id and date, which the map key and the
// file hold once; at some 300,000 rows this is most of the heap.
type epssValue struct{ epss, percentile float64 }

// Lookup returns the score of a normalised CVE id.
func (s *EPSSScores) Lookup(id string) (Score, bool) {
	if s == nil {
		return Score{}, false
	}
	v, ok := s.scores[id]
	if !ok {
		return Score{}, false
	}
	return Score{CVE: id, EPSS: v.epss, Percentile: v.percentile, Date: s.Date}, true
}

// Len is the number of CVEs scored.
func (s *EPSSScores) Len() int {
	if s == nil {
		return 0
	}
	return len(s.scores)
}

// DefaultEPSSMaxUncompressed bounds the decompressed size of an EPSS daily
// file (today some 15 MB of CSV for 300,000 CVEs).
const DefaultEPSSMaxUncompressed int64 = 512 << 20

// ParseEPSSCSV reads an EPSS daily file, gzip-compressed or plain (the
// first two bytes decide): an optional "#model_version:…,score_date:…"
// comment line, a header naming at least the columns cve, epss and
// percentile, then one row per CVE. Any malformed row fails the parse with
// its line number: a damaged file is refused whole rather than half read.
func ParseEPSSCSV(r io.Reader) (*EPSSScores, error) {
	return parseEPSSCSV(r, DefaultEPSSMaxUncompressed, 0)
}

// parseEPSSCSV is ParseEPSSCSV with a bound on the decompressed size and a
// guess at the row count (the last good copy's) to size the map.
func parseEPSSCSV(r io.Reader, maxUncompressed int64, sizeHint int) (*EPSSScores, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	src := io.Reader(br)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		defer gz.Close()
		src = gzipErrors{newCapReader(gz, maxUncompressed, "decompressed")}
	}
	lines := bufio.NewReaderSize(src, 64<<10)
	out := &EPSSScores{}
	skip := 0 // lines consumed before the csv.Reader, to report file line numbers
	if first, _ := lines.Peek(1); len(first) == 1 && first[0] == '#' {
		comment, err := lines.ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		skip = 1
		out.Model, out.Date = parseEPSSComment(comment)
	}

	cr := csv.NewReader(lines)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &parseError{line: skip + 1, err: errors.New("no header: the file ends after the comment line")}
	}
	if err != nil {
		return nil, csvError(err, skip)
	}
	col := map[string]int{"cve": -1, "epss": -1, "percentile": -1}
	for i, name := range header {
		name = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(name, "\ufeff")))
		if j, ok := col[name]; ok && j < 0 {
			col[name] = i
		}
	}
	for _, name := range []string{"cve", "epss", "percentile"} {
		if col[name] < 0 {
			return nil, &parseError{line: skip + 1, err: fmt.Errorf("header %q has no %q column", strings.Join(header, ","), name)}
		}
	}
	ci, ei, pi := col["cve"], col["epss"], col["percentile"]

	out.scores = make(map[string]epssValue, sizeHint)
	line := 1
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				// A read error (truncated gzip, over the limit): say how
				// far the file got.
				return nil, fmt.Errorf("after line %d: %w", line+skip, err)
			}
			return nil, csvError(err, skip)
		}
		line, _ = cr.FieldPos(0)
		id := rec[ci]
		if !isCVE(id) {
			norm, ok := NormalizeCVE(id)
			if !ok {
				return nil, &parseError{line: line + skip, err: fmt.Errorf("%q is not a CVE id", id)}
			}
			id = norm
		}
		epss, err := parseProbability(rec[ei])
		if err != nil {
			return nil, &parseError{line: line + skip, err: fmt.Errorf("%s: epss: %w", id, err)}
		}
		pct, err := parseProbability(rec[pi])
		if err != nil {
			return nil, &parseError{line: line + skip, err: fmt.Errorf("%s: percentile: %w", id, err)}
		}
		if _, dup := out.scores[id]; dup {
			continue // the first row for a CVE wins; FIRST's file has none twice
		}
		// The record's fields share one string per line; a copy of the id
		// lets that line go.
		out.scores[strings.Clone(id)] = epssValue{epss: epss, percentile: pct}
	}
	if len(out.scores) == 0 {
		return nil, fmt.Errorf("%w: a header and no rows", ErrEmpty)
	}
	return out, nil
}

// parseEPSSComment reads "#model_version:v2025.03.14,score_date:2026-12-04T12:55:00Z".
// Unknown keys are ignored; an unreadable date leaves Date zero.
func parseEPSSComment(line string) (model string, date time.Time) {
	line = strings.TrimSpace(strings.TrimPrefix(line, "#"))
	for part := range strings.SplitSeq(line, ",") {
		k, v, _ := strings.Cut(part, ":")
		switch strings.TrimSpace(k) {
		case "model_version":
			model = strings.TrimSpace(v)
		case "score_date":
			date, _ = parseTime(v)
		}
	}
	return model, date
}

// parseProbability reads a score or percentile: a decimal in [0, 1].
func parseProbability(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if !(v >= 0 && v <= 1) { // also refuses NaN
		return 0, fmt.Errorf("%q is outside 0..1", s)
	}
	return v, nil
}

// csvError turns encoding/csv's error into one with the file's line number
// (the csv.Reader counts from the header, after any comment line).
func csvError(err error, skip int) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &parseError{line: pe.Line + skip, err: pe.Err}
	}
	return err
}

// gzipErrors says that a read error came from the decompression.
type gzipErrors struct{ r io.Reader }

func (g gzipErrors) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if err != nil && err != io.EOF && !errors.Is(err, ErrTooLarge) {
		err = fmt.Errorf("gzip: %w", err)
	}
	return n, err
}

// capReader reads at most left bytes from r and fails with ErrTooLarge if r
// holds more, unlike io.LimitReader, which would end a too-large input
// quietly and let a truncated copy pass.
type capReader struct {
	r     io.Reader
	left  int64
	limit int64
	what  string
}

func newCapReader(r io.Reader, limit int64, what string) *capReader {
	return &capReader{r: r, left: limit, limit: limit, what: what}
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		// Read one byte to tell "exactly at the limit" from "over it".
		var one [1]byte
		n, err := c.r.Read(one[:])
		if n > 0 {
			return 0, fmt.Errorf("%s size %w of %d bytes", c.what, ErrTooLarge, c.limit)
		}
		return 0, err
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}
