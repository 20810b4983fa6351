package texts

import (
	_ "embed"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"text/template"
)

//go:embed wording_default.txt
var defaultWordingFile string

// Wording holds every sentence the bot says, keyed by name ("vr.title",
// "due.review_passed", …), each a text/template over msgData that yields
// plain text, parsed once when the Wording is made. DefaultWording gives
// the embedded defaults; config replaces entries with Merge. A Wording is
// read-only once made and safe to share between goroutines.
type Wording map[string]*template.Template

// DefaultWording returns a fresh copy of the embedded default wording.
func DefaultWording() Wording { return maps.Clone(defaultWording()) }

// defaultWording parses the embedded file once. The file is checked by
// TestDefaultWordingParses, so a line that does not parse cannot ship; it
// is skipped here rather than panic.
var defaultWording = sync.OnceValue(func() Wording {
	w := Wording{}
	for _, line := range strings.Split(defaultWordingFile, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		k = strings.TrimSpace(k)
		if t, err := parseWording(k, strings.TrimSpace(v)); err == nil {
			w[k] = t
		}
	}
	return w
})

// Merge returns a copy of w with the overrides applied. It rejects keys the
// default wording does not have and templates that do not parse or do not
// run (an unknown field such as {{.Foo}}), naming every such key in one
// error.
func (w Wording) Merge(over map[string]string) (Wording, error) {
	known := defaultWording()
	out := maps.Clone(known)
	maps.Copy(out, w)
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(over)) {
		if _, ok := known[k]; !ok {
			errs = append(errs, fmt.Errorf("wording %q: unknown key", k))
			continue
		}
		if strings.TrimSpace(over[k]) == "" {
			errs = append(errs, fmt.Errorf("wording %q: empty text", k))
			continue
		}
		t, err := checkTemplate(k, over[k])
		if err != nil {
			errs = append(errs, fmt.Errorf("wording %q: %w", k, err))
			continue
		}
		out[k] = t
	}
	if len(errs) > 0 {
		return w, errors.Join(errs...)
	}
	return out, nil
}

// msgData is what a wording template can say. Every field is plain text or
// a number; quoted ticket text in it is escaped by the renderers, not here.
type msgData struct {
	Key      string // ticket key, SEC-12
	Summary  string // ticket summary
	Advisory string // CVE or advisory id
	Lane     string // the lane as worded ("patch now")
	Action   string // action requested ("patch in window")
	Owner    string // owner's name
	Field    string // a field's label
	Section  string // the handoff template section a field belongs to
	Date     string // a date, 2006-01-02
	Labels   string // a joined list
	Count    int    // items in this text or group
	Days     int    // days overdue, or days left
	Level    int    // escalation level
	Owners   int    // owners in a digest
	Total    int    // items in a digest
	// What the public feeds say (texts_intel.go).
	Score      string // an EPSS score, 0.94
	Percentile string // its percentile as an ordinal, 99th
}

// sampleData is used to try a template once before accepting it.
func sampleData() msgData {
	return msgData{Key: "SEC-1", Summary: "s", Advisory: "CVE-2026-0001", Lane: "patch now",
		Action: "patch now", Owner: "o", Field: "f", Section: "Scope", Date: "2026-01-02",
		Labels: "a, b", Count: 2, Days: 3, Level: 1, Owners: 1, Total: 2, Score: "0.94", Percentile: "99th"}
}

func wordingFuncs() template.FuncMap {
	return template.FuncMap{
		"plural": func(n int, one, many string) string {
			if n == 1 {
				return one
			}
			return many
		},
	}
}

func parseWording(key, src string) (*template.Template, error) {
	return template.New(key).Funcs(wordingFuncs()).Option("missingkey=error").Parse(src)
}

// checkTemplate parses src and runs it once on sample data.
func checkTemplate(key, src string) (*template.Template, error) {
	t, err := parseWording(key, src)
	if err != nil {
		return nil, err
	}
	if err := t.Execute(new(strings.Builder), sampleData()); err != nil {
		return nil, err
	}
	return t, nil
}

// speaker says wording entries for one text. It falls back to the default
// wording for a key that is missing or fails to run in its Wording, and to
// the key itself if even that fails, so a Wording built by hand never
// panics or silences a text.
type speaker struct {
	w Wording
}

func newSpeaker(w Wording) speaker {
	if len(w) == 0 {
		w = defaultWording() // read-only here: no copy needed
	}
	return speaker{w: w}
}

// say runs the key's template over d, trimmed of white space.
func (s speaker) say(key string, d msgData) string {
	if out, ok := run(s.w[key], d); ok {
		return out
	}
	if out, ok := run(defaultWording()[key], d); ok {
		return out
	}
	return key
}

// word says a key that needs no data.
func (s speaker) word(key string) string { return s.say(key, msgData{}) }

func run(t *template.Template, d msgData) (string, bool) {
	if t == nil {
		return "", false
	}
	var b strings.Builder
	if err := t.Execute(&b, d); err != nil {
		return "", false
	}
	return strings.TrimSpace(b.String()), true
}
