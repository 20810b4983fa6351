package feeds

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// RansomwareUse is the KEV catalog's knownRansomwareCampaignUse.
type RansomwareUse string

// The values CISA uses; an entry without the field has "".
const (
	RansomwareKnown   RansomwareUse = "Known"
	RansomwareUnknown RansomwareUse = "Unknown"
)

// KEVEntry is one vulnerability in CISA's Known Exploited Vulnerabilities
// catalog. Dates are UTC midnights.
type KEVEntry struct {
	CVE              string
	VendorProject    string
	Product          string
	Name             string // vulnerabilityName
	DateAdded        time.Time
	DueDate          time.Time // the federal remediation deadline
	ShortDescription string
	RequiredAction   string
	Ransomware       RansomwareUse // "" when the catalog does not say
	Notes            string
	CWEs             []string
}

// KEVCatalog is a parsed catalog, indexed by CVE id.
type KEVCatalog struct {
	Title    string
	Version  string    // catalogVersion, e.g. "2026.12.04"
	Released time.Time // dateReleased; zero when missing or unreadable
	Entries  map[string]KEVEntry
	// Problems lists what was tolerated rather than refused: entries
	// dropped (a cveID that is no CVE id, a date that is no date, a
	// duplicate) and a declared count that differs from the entries.
	Problems []string
}

// kevJSON and kevEntryJSON are the catalog's wire shapes. Fields not named
// here are ignored, so CISA may add some without breaking the parse.
type kevJSON struct {
	Title           string         `json:"title"`
	CatalogVersion  string         `json:"catalogVersion"`
	DateReleased    string         `json:"dateReleased"`
	Count           *int           `json:"count"`
	Vulnerabilities []kevEntryJSON `json:"vulnerabilities"`
}

type kevEntryJSON struct {
	CVEID             string   `json:"cveID"`
	VendorProject     string   `json:"vendorProject"`
	Product           string   `json:"product"`
	VulnerabilityName string   `json:"vulnerabilityName"`
	DateAdded         string   `json:"dateAdded"`
	ShortDescription  string   `json:"shortDescription"`
	RequiredAction    string   `json:"requiredAction"`
	DueDate           string   `json:"dueDate"`
	Ransomware        string   `json:"knownRansomwareCampaignUse"`
	Notes             string   `json:"notes"`
	CWEs              []string `json:"cwes"`
}

// maxProblems bounds KEVCatalog.Problems: a catalog with thousands of bad
// entries needs the count and a few examples, not every one.
const maxProblems = 20

// ParseKEV reads a KEV catalog. It fails on anything that is not one JSON
// object of the catalog's shape, and on a catalog with no usable entry;
// a bad entry alone is dropped and noted in Problems, so one typo upstream
// does not freeze the feed.
func ParseKEV(r io.Reader) (*KEVCatalog, error) {
	var raw kevJSON
	cr := &countingReader{r: r}
	dec := json.NewDecoder(cr)
	if err := dec.Decode(&raw); err != nil {
		return nil, jsonError(err, cr.n)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("data after the catalog at byte %d", dec.InputOffset())
	}
	if raw.Vulnerabilities == nil {
		return nil, errors.New(`no "vulnerabilities" array`)
	}
	c := &KEVCatalog{
		Title:   raw.Title,
		Version: raw.CatalogVersion,
		Entries: make(map[string]KEVEntry, len(raw.Vulnerabilities)),
	}
	if t, err := parseTime(raw.DateReleased); err == nil {
		c.Released = t
	}
	dropped := 0
	note := func(format string, args ...any) {
		dropped++
		if len(c.Problems) < maxProblems {
			c.Problems = append(c.Problems, fmt.Sprintf(format, args...))
		}
	}
	for i, v := range raw.Vulnerabilities {
		id, ok := NormalizeCVE(v.CVEID)
		if !ok {
			note("vulnerabilities[%d]: cveID %q is not a CVE id", i, v.CVEID)
			continue
		}
		added, err1 := time.Parse(time.DateOnly, strings.TrimSpace(v.DateAdded))
		due, err2 := time.Parse(time.DateOnly, strings.TrimSpace(v.DueDate))
		if err := errors.Join(err1, err2); err != nil {
			note("vulnerabilities[%d] %s: dateAdded %q, dueDate %q: not dates (YYYY-MM-DD)", i, id, v.DateAdded, v.DueDate)
			continue
		}
		if _, dup := c.Entries[id]; dup {
			note("vulnerabilities[%d]: %s listed twice; the first kept", i, id)
			continue
		}
		c.Entries[id] = KEVEntry{
			CVE:              id,
			VendorProject:    v.VendorProject,
			Product:          v.Product,
			Name:             v.VulnerabilityName,
			DateAdded:        added,
			DueDate:          due,
			ShortDescription: v.ShortDescription,
			RequiredAction:   v.RequiredAction,
			Ransomware:       ransomware(v.Ransomware),
			Notes:            v.Notes,
			CWEs:             v.CWEs,
		}
	}
	if dropped > maxProblems {
		c.Problems = append(c.Problems, fmt.Sprintf("%d more entries dropped", dropped-maxProblems))
	}
	if raw.Count != nil && *raw.Count != len(raw.Vulnerabilities) {
		c.Problems = append(c.Problems, fmt.Sprintf("count says %d, the catalog lists %d", *raw.Count, len(raw.Vulnerabilities)))
	}
	if len(c.Entries) == 0 {
		return nil, fmt.Errorf("%w (%d listed, none usable)", ErrEmpty, len(raw.Vulnerabilities))
	}
	return c, nil
}

// ransomware maps CISA's value to the canonical spelling, keeping anything
// new as it came.
func ransomware(s string) RansomwareUse {
	s = strings.TrimSpace(s)
	switch {
	case strings.EqualFold(s, string(RansomwareKnown)):
		return RansomwareKnown
	case strings.EqualFold(s, string(RansomwareUnknown)):
		return RansomwareUnknown
	}
	return RansomwareUse(s)
}

// jsonError says where a JSON document went wrong, since encoding/json's
// syntax errors carry the offset only as a field; read is how many bytes
// the decoder had.
func jsonError(err error, read int64) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return errors.New("empty document")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("truncated JSON: the document ends at byte %d: %w", read, err)
	case errors.As(err, &se):
		return fmt.Errorf("invalid JSON at byte %d: %w", se.Offset, err)
	case errors.As(err, &te):
		return fmt.Errorf("unexpected JSON at byte %d: %w", te.Offset, err)
	}
	return err
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// parseTime reads the timestamps the feeds use: RFC 3339 (KEV's
// dateReleased), EPSS's "2024-06-10T00:00:00+0000", or a bare date.
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	var firstErr error
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", time.DateOnly} {
		t, err := time.Parse(layout, s)
		if err == nil {
			return t.UTC(), nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return time.Time{}, firstErr
}
