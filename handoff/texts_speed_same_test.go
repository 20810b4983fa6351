package handoff

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"text/template"
	"time"
)

// The wording plans and the leaner handoff fields must not change a byte
// of any text. These tests compare the texts with the reference copies in
// texts_speed_ref_test.go (as they were before), and the texts that only
// changed through the speaker with themselves said through text/template
// (wordingReference).

// speedWordings are the wordings the texts are compared under: the
// default, and custom ones that are plain, that use what text/template
// offers beyond the plans, that use every field, that use every planned
// construct, and one never merged, with broken entries the speaker falls
// back from.
func speedWordings(t testing.TB) map[string]Wording {
	t.Helper()
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range DefaultWording() {
			if !yield(k) {
				return
			}
		}
	})
	merge := func(name string, pick func(i int, k string) string) Wording {
		over := map[string]string{}
		for i, k := range keys {
			if s := pick(i, k); s != "" {
				over[k] = s
			}
		}
		w, err := DefaultWording().Merge(over)
		if err != nil {
			t.Fatalf("wording %s: %v", name, err)
		}
		return w
	}
	rich := []string{
		`{{if .Advisory}}{{.Advisory | printf "%q"}}{{else}}none{{end}} for {{.Key}}`,
		`{{range $i := .Count}}[{{$i}}]{{end}} {{.Lane}} {{.Key}}`,
		`{{with .Lane}}lane {{.}}{{else}}no lane{{end}} ({{len .Key}})`,
		`{{$k := .Key}}{{printf "%s/%d" $k .Count}} {{and .Advisory .Key}} {{or .Resolution "unresolved"}}`,
		`{{define "x"}}[{{.Labels}}]{{end}}{{template "x" .}} {{.Field}} under {{.Section}}`,
		`{{slice .Key 0 3}}: {{index .Labels 0}} {{.Date}}`, // fails on short keys and empty labels
		`{{plural .Count "one" "many" | printf "%.3s"}} {{.Summary}}`,
		`  {{- .Key -}}  {{/* a comment */}} {{html .Summary}} {{js .Lane}} {{urlquery .Advisory}}  `,
		`{{print .Count .Days}} {{println .Level}}{{.Owner}}`,
		`{{if and (gt .Count 1) (ne .Lane "")}}{{.Count}} at {{.Lane}}{{else}}{{.Section}}{{end}}`,
		`{{if eq .Days 0 1 2}}soon{{else if lt .Days 0}}past{{else}}later{{end}} {{.Field}}`,
		`{{not .Advisory}} {{eq .Key "SEC-1"}} {{.Labels}}`,
		`{{.Key}}{{if .Key}}{{.Count | print}}{{end}}`,
		`{{block "b" .}}{{.Lane}}{{end}} {{.Section}}`,
	}
	every := []string{
		`{{.Key}}|{{.Summary}}|{{.Advisory}}|{{.Lane}}|{{.Action}}|{{.Owner}}|{{.Field}}|{{.Section}}|{{.Date}}|{{.Resolution}}|{{.Labels}}|{{.Count}}|{{.Days}}|{{.Level}}|{{.Owners}}|{{.Total}}`,
		`{{if .Advisory}}({{.Advisory}}){{end}} {{.Key}}: {{.Count}} {{plural .Count "item" "items"}} for {{.Owner}}, {{.Owners}} {{plural .Owners "owner" "owners"}} of {{.Total}}; {{.Summary}} {{.Action}} {{.Lane}}`,
		`{{.Field}} under "{{.Section}}" {{if eq .Days 0}}today{{else if eq .Days 1}}tomorrow{{else}}in {{.Days}} days{{end}} ({{.Date}}){{if .Resolution}} [{{.Resolution}}]{{end}} {{.Labels}} level {{.Level}}`,
	}
	planned := []string{
		`{{"lit"}} {{7}} {{-3}} {{eq .Count 2}} {{ne .Key ""}} {{not .Labels}} {{lt .Days 3}} {{le .Level 1}} {{gt .Total 0}} {{ge .Owners 2}}`,
		`{{if not .Advisory}}no advisory{{else}}{{.Advisory}}{{end}} {{if ne .Lane "patch now"}}{{.Lane}}{{end}} {{plural 1 .Key .Summary}}`,
		"  {{- .Key}}\n\t{{.Lane -}}  \n",
		`{{if .Count}}{{if gt .Count 1}}{{.Count}} {{plural .Count "x" "xs"}}{{end}}{{else}}none{{end}} {{if lt .Summary .Key}}<{{else}}>={{end}} {{eq .Date "2026-01-02" "2026-12-01"}}`,
		`{{/* nothing */}}{{if .Days}}{{end}}{{.Section}}`,
		`{{if eq .Level 0}}{{else if eq .Level 1}}one{{else if ge .Level 2}}many{{end}}{{.Key}}`,
	}
	raw := maps2(DefaultWording())
	for i, k := range keys {
		switch i % 7 {
		case 0:
			raw[k] = `{{.Foo}}` // does not run
		case 1:
			raw[k] = `{{plural .Key "a" "b"}}` // does not run
		case 2:
			raw[k] = `{{eq .Days "x"}} {{.Key}}` // does not run
		case 3:
			raw[k] = `{{if .Key}` // does not parse
		case 4:
			raw[k] = ""
		case 5:
			delete(raw, k)
		}
	}
	return map[string]Wording{
		"default": nil,
		"plain":   merge("plain", func(i int, k string) string { return fmt.Sprintf("Plain %d: %s says so.", i, k) }),
		"rich":    merge("rich", func(i int, k string) string { return rich[i%len(rich)] }),
		"every":   merge("every", func(i int, k string) string { return every[i%len(every)] }),
		"planned": merge("planned", func(i int, k string) string { return planned[i%len(planned)] }),
		"raw":     raw,
	}
}

func maps2(w Wording) Wording {
	out := Wording{}
	for k, v := range w {
		out[k] = v
	}
	return out
}

// speedOptions are the options the texts are compared under.
func speedOptions(w Wording) []TextOptions {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	return []TextOptions{
		{Wording: w, Now: now, Loc: time.UTC},
		{Wording: w, Now: fxNow, Loc: fxLoc, OwnerSlackID: "U0DANA",
			Ticked: []FieldID{FieldAffectedVersions, FieldUrgencyDriver, FieldRollback}},
		{Wording: w},
	}
}

// speedEvals are the evaluations of 1,000 generated tickets, and the
// text fixtures.
func speedEvals() (all, flagged []Evaluation) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for _, in := range genInputs(1000, 1) {
		ev := Evaluate(Read(in), DefaultPolicy(), now, time.UTC)
		all = append(all, ev)
		if ev.Fingerprint != "" {
			flagged = append(flagged, ev)
		}
	}
	fx := []Evaluation{fxValidation(), fxNoLane(), fxComplete(), fxHostile()}
	return append(all, fx...), append(flagged, fx...)
}

func TestTextsSameAsReference(t *testing.T) {
	all, flagged := speedEvals()
	if len(flagged) < 200 {
		t.Fatalf("only %d flagged evaluations", len(flagged))
	}
	n := 0
	for name, w := range speedWordings(t) {
		for oi, o := range speedOptions(w) {
			for i, ev := range flagged {
				n++
				if got, want := ValidationRequest(ev, o), refValidationRequest(ev, o); !reflect.DeepEqual(got, want) {
					t.Fatalf("wording %s options %d evaluation %d (%s): ValidationRequest differs\n got %+v\nwant %+v", name, oi, i, ev.Handoff.Ticket.Key, got, want)
				}
			}
			for i, ev := range all {
				if got, want := Reopened(ev, o), refReopened(ev, o); !reflect.DeepEqual(got, want) {
					t.Fatalf("wording %s options %d evaluation %d (%s): Reopened differs\n got %+v\nwant %+v", name, oi, i, ev.Handoff.Ticket.Key, got, want)
				}
				if got, want := Complete(ev, o), refComplete(ev, o); !reflect.DeepEqual(got, want) {
					t.Fatalf("wording %s options %d evaluation %d (%s): Complete differs\n got %+v\nwant %+v", name, oi, i, ev.Handoff.Ticket.Key, got, want)
				}
			}
		}
	}
	t.Logf("%d validation requests compared, %d evaluations for Reopened and Complete", n, len(all))
}

// TestDueTextsSameThroughTextTemplate: the texts that changed only through
// the speaker (the due items, the digests, the backlog) say the same with
// the plans as with text/template for every template.
func TestDueTextsSameThroughTextTemplate(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	var due []Due
	for _, in := range genInputs(1000, 1) {
		due = append(due, DueItems(Evaluate(Read(in), DefaultPolicy(), now, time.UTC), DefaultPolicy(), now, time.UTC)...)
	}
	var soon, over, resolved []Due
	for _, d := range due {
		switch d.Kind {
		case DueSoon:
			soon = append(soon, d)
		case DueResolvedWithoutProof:
			resolved = append(resolved, d)
			over = append(over, d)
		default:
			over = append(over, d)
		}
	}
	if len(soon) == 0 || len(over) == 0 || len(resolved) == 0 {
		t.Fatalf("due soon %d overdue %d resolved %d: the mix is not mixed", len(soon), len(over), len(resolved))
	}
	texts := func(o TextOptions) []Doc {
		docs := []Doc{
			HeadsUp(fxDana, soon, o), HeadsUp(Person{}, soon[:1], o),
			Reminder(fxDana, over, o), Reminder(fxLee, over[:1], o),
			Escalation(fxDana, over, 2, o), Escalation(Person{}, over[:1], 1, o),
			Digest(due, o), Digest(nil, o), PersonalDigest(fxDana, over, o),
			Backlog([]string{"SEC-1", "SEC-2"}, now, o), Backlog(nil, now, o),
			HeadsUp(fxDana, fxHeadsUpItems(), o), Reminder(fxDana, fxReminderItems(), o),
			Digest(fxDigestItems(), o), ClosureRequest(fxResolved(), o),
		}
		for _, d := range resolved {
			docs = append(docs, ClosureRequest(d, o))
		}
		for i := range min(len(due), 300) {
			docs = append(docs, Reminder(due[i].Owner, due[i:i+1], o), HeadsUp(due[i].Owner, due[i:i+1], o))
		}
		return docs
	}
	for name, w := range speedWordings(t) {
		for oi, o := range speedOptions(w) {
			fast := texts(o)
			wordingReference.Store(true)
			slow := texts(o)
			wordingReference.Store(false)
			for i := range fast {
				if !reflect.DeepEqual(fast[i], slow[i]) {
					t.Fatalf("wording %s options %d text %d differs\n got %+v\nwant %+v", name, oi, i, fast[i], slow[i])
				}
			}
		}
	}
}

// TestSayPlansSameAsTextTemplate runs every entry of every test wording
// over varied data both ways.
func TestSayPlansSameAsTextTemplate(t *testing.T) {
	t.Parallel()
	planned, all := 0, 0
	for name, w := range speedWordings(t) {
		if w == nil {
			w = DefaultWording()
		}
		for key, src := range w {
			tt, err := parseWording(key, src)
			if err != nil {
				continue
			}
			all++
			p := planTemplate(tt)
			if p == nil {
				continue
			}
			planned++
			for _, d := range speedData() {
				want, werr := execTemplate(tt, d)
				if werr != nil {
					t.Fatalf("wording %s %s = %q: planned, but text/template fails on %+v: %v", name, key, src, d, werr)
				}
				for _, prefix := range []string{"", " ", ". "} {
					if got := p.say(prefix, &d); got != prefix+want {
						t.Fatalf("wording %s %s = %q after %q on %+v: plan says %q, text/template %q", name, key, src, prefix, d, got, want)
					}
				}
			}
		}
	}
	t.Logf("%d of %d templates planned", planned, all)
}

// TestDefaultWordingIsPlanned: every template of the default wording runs
// without text/template; a new default entry that does not is worth a
// look (it still works, only slower).
func TestDefaultWordingIsPlanned(t *testing.T) {
	t.Parallel()
	for key, src := range DefaultWording() {
		if !strings.Contains(src, "{{") {
			continue
		}
		tt, err := parseWording(key, src)
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		if planTemplate(tt) == nil {
			t.Errorf("%s = %q has no plan", key, src)
		}
	}
}

func execTemplate(tt *template.Template, d msgData) (string, error) {
	var b strings.Builder
	err := tt.Execute(&b, d)
	return strings.TrimSpace(b.String()), err
}

// speedData is varied data for the templates: empty, the sample, and
// edge values for every comparison and plural.
func speedData() []msgData {
	out := []msgData{{}, sampleData()}
	for _, n := range []int{-1, 0, 1, 2, 3, 7, 100} {
		d := sampleData()
		d.Count, d.Days, d.Level, d.Owners, d.Total = n, n+1, n-1, n*2, -n
		if n%2 == 0 {
			d.Advisory, d.Resolution, d.Labels = "", "", ""
		}
		if n == 1 {
			d.Key, d.Summary, d.Date = "", "  padded  ", "2026-12-01"
		}
		if n == 7 {
			d.Summary, d.Lane, d.Owner = "SEC-0", "", "<b>&amp; \"quoted\" ünïcödé"
		}
		out = append(out, d)
	}
	return out
}
