package handoff

import (
	"reflect"
	"strings"
	"testing"
)

// TestPlanFieldsMatchMsgData: the plans' table of fields is msgData's,
// name for name and type for type, and each accessor reads its own field.
func TestPlanFieldsMatchMsgData(t *testing.T) {
	t.Parallel()
	typ := reflect.TypeFor[msgData]()
	if len(msgFields) != typ.NumField() {
		t.Errorf("msgFields has %d fields, msgData %d", len(msgFields), typ.NumField())
	}
	var d msgData
	v := reflect.ValueOf(&d).Elem()
	for i := range typ.NumField() {
		sf := typ.Field(i)
		switch sf.Type.Kind() {
		case reflect.String:
			v.Field(i).SetString("value of " + sf.Name)
		case reflect.Int:
			v.Field(i).SetInt(int64(1000 + i))
		default:
			t.Errorf("msgData.%s is a %s: the plans read strings and ints only", sf.Name, sf.Type)
		}
	}
	for i := range typ.NumField() {
		sf := typ.Field(i)
		f, ok := msgFields[sf.Name]
		switch {
		case !ok:
			t.Errorf("msgData.%s is not in msgFields", sf.Name)
		case sf.Type.Kind() == reflect.String && (f.kind != kindString || d.str(f.f) != v.Field(i).String()):
			t.Errorf("msgFields[%q] does not read msgData.%s", sf.Name, sf.Name)
		case sf.Type.Kind() == reflect.Int && (f.kind != kindInt || d.num(f.f) != int(v.Field(i).Int())):
			t.Errorf("msgFields[%q] does not read msgData.%s", sf.Name, sf.Name)
		}
	}
}

// FuzzSayFastPath: for any template text/template accepts, the plan (when
// the template gets one) says what text/template says, and a planned
// template never fails to run.
func FuzzSayFastPath(f *testing.F) {
	for _, src := range DefaultWording() {
		f.Add(src, "SEC-12", 1, 0, 2)
	}
	for _, src := range []string{
		`{{eq .Days 1e0}}`, `{{0x10}} {{eq .Count 0x1}}`, `{{plural 007 .Key "b"}}`, `{{'a'}}`, `{{eq .Count -0}}`,
		`{{+5}}`, `{{1_000}}`, `{{if eq .Key .Summary .Date}}x{{end}}`, `{{ne .Count 1 2}}`, `{{eq .Count}}`,
		`{{not .Key .Summary}}`, `{{plural .Count "a"}}`, `{{lt .Key 3}}`, `{{ge .Key .Summary}}`, `{{le .Days .Count}}`,
		`{{gt .Level -1}}`, `{{if not (eq .Days 0)}}x{{end}}`, `{{"a" | printf "%s"}}`, `{{$x := 1}}{{$x}}`,
		`{{if $x := .Key}}{{$x}}{{end}}`, `{{.Key.Len}}`, `{{.key}}`, `{{.}}`, `{{$.Key}}`, `{{nil}}`, `{{true}}`,
		`{{eq true true}}`, `{{with .Key}}{{.}}{{end}}`, `{{range .Count}}.{{end}}`, `{{- "  x  " -}}`,
		" \t{{.Summary}}\n ", `{{if .Summary}}{{else if .Key}}k{{else}}e{{end}}`, `{{9223372036854775807}}`,
		`{{eq .Count 9223372036854775807}}`, `{{-9223372036854775808}}`, `{{1.0}}`, `{{eq .Count 1.0}}`, `{{1i}}`,
		`{{define "T"}}t{{end}}{{template "T"}}`, `{{plural .Count .Key .Summary}}{{plural -1 "a" "b"}}`,
	} {
		f.Add(src, "SEC-12|Patch it|CVE-1", -1, 1, 0)
	}
	f.Fuzz(func(t *testing.T, src, text string, a, b, c int) {
		// Wording templates are short; long inputs only make the
		// fuzzer's minimising slow.
		if len(src) > 400 || len(text) > 200 {
			return
		}
		tt, err := parseWording("fuzz", src)
		if err != nil {
			return
		}
		p := planTemplate(tt)
		if p == nil {
			return // declined: text/template runs it
		}
		parts := strings.Split(text, "|")
		part := func(i int) string { return parts[i%len(parts)] }
		for _, d := range []msgData{
			{},
			{Key: part(0), Summary: part(1), Advisory: part(2), Lane: part(3), Action: part(4), Owner: part(5),
				Field: part(6), Section: part(7), Date: part(8), Resolution: part(9), Labels: part(10),
				Count: a, Days: b, Level: c, Owners: a - b, Total: b * c},
			{Key: text, Summary: text, Count: a, Days: a, Level: a, Owners: a, Total: a},
		} {
			want, err := execTemplate(tt, d)
			if err != nil {
				t.Fatalf("%q is planned, but text/template fails on %+v: %v", src, d, err)
			}
			for _, prefix := range []string{"", " — "} {
				if got := p.say(prefix, &d); got != prefix+want {
					t.Fatalf("%q after %q on %+v: plan says %q, text/template %q", src, prefix, d, got, want)
				}
			}
		}
	})
}
