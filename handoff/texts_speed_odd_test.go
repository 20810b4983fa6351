package handoff

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// oddTexts are values that exercise the handoff fields' dedup (case,
// Unicode whose lower case changes length, values inside others, long
// and short), the quoting (control characters, cuts) and the sentences.
var oddTexts = []string{
	"", " ", "x", "X", "payments-web", "PAYMENTS-WEB", "Payments-Web fleet, OpenSSL 3.0.0-3.0.7",
	"openssl 3.0.0-3.0.7", "OpenSSL 3.0.0-3.0.7", "İstanbul DC", "i̇stanbul dc", "STRASSE", "straße", "K kelvin",
	"k kelvin", "Σίσυφος ΣΊΣΥΦΟΣ", "emoji 🙂 and ZWJ 👩‍💻", "tab\tand\nnewline\r\n", "bidi \u202eevil\u202c",
	"ends.", "ends!", "ends?", "ends…", "ask: do it", "ASK:   shout", "Ask:", "[fixed version]", "Patch [asset group/product] to [fixed version]",
	"a value long enough to count", "A VALUE LONG ENOUGH TO COUNT as said", "long enough to", "ümlaut Ärger", "ÜMLAUT ÄRGER",
	strings.Repeat("long ", 80), strings.Repeat("Ж", 400), "2026-12-01", "2026-13-01", "TBD", "n/a",
}

func oddText(r *rand.Rand) string {
	s := oddTexts[r.IntN(len(oddTexts))]
	if r.IntN(4) == 0 {
		s += " " + oddTexts[r.IntN(len(oddTexts))]
	}
	return s
}

// TestValidationRequestSameOnOddValues: the texts against the reference
// on generated evaluations with odd values put into every field, odd
// findings, asks, lanes and situations the wording does not know, and
// ticked fields.
func TestValidationRequestSameOnOddValues(t *testing.T) {
	_, flagged := speedEvals()
	r := rand.New(rand.NewPCG(7, 11))
	fields := Fields()
	lanes := append([]Lane{LaneUnknown, "no_such_lane"}, Lanes...)
	sits := append([]Situation{"", "no_such_situation"}, situations...)
	kinds := []FindingKind{FindingMissing, FindingUnfilled, FindingInvalid, FindingNoLane, FindingOwnerUnreachable, "no_such_kind"}
	wordings := speedWordings(t)
	names := []string{"default", "plain", "rich", "every", "planned", "raw"}
	for i := range 3000 {
		ev := flagged[r.IntN(len(flagged))]
		ev.Findings = append([]Finding(nil), ev.Findings...)
		h := &ev.Handoff
		for range r.IntN(12) {
			h.SetValue(fields[r.IntN(len(fields))].ID, Value{Text: oddText(r)})
		}
		if r.IntN(3) == 0 {
			h.Scope.Owner = Person{Value: Value{Text: oddText(r)}}
		}
		if r.IntN(4) == 0 {
			h.Fallback.ExceptionOwner = Person{User: User{DisplayName: oddText(r), Email: "e@x"}}
		}
		ev.Lane, ev.Situation = lanes[r.IntN(len(lanes))], sits[r.IntN(len(sits))]
		h.Blocked = r.IntN(3) == 0
		if r.IntN(3) == 0 {
			ev.Ask = oddText(r)
		}
		for range r.IntN(4) {
			f := fields[r.IntN(len(fields))]
			ev.Findings = append(ev.Findings, Finding{Kind: kinds[r.IntN(len(kinds))], Field: f.ID,
				Label: []string{"", f.Label, oddText(r)}[r.IntN(3)], Why: oddText(r), Detail: oddText(r)})
		}
		if r.IntN(5) == 0 {
			ev.Findings = nil
		}
		o := speedOptions(wordings[names[i%len(names)]])[r.IntN(3)]
		for range r.IntN(4) {
			o.Ticked = append(o.Ticked, fields[r.IntN(len(fields))].ID)
		}
		if got, want := ValidationRequest(ev, o), refValidationRequest(ev, o); !reflect.DeepEqual(got, want) {
			t.Fatalf("case %d: ValidationRequest differs\n got %+v\nwant %+v", i, got, want)
		}
		if got, want := Reopened(ev, o), refReopened(ev, o); !reflect.DeepEqual(got, want) {
			t.Fatalf("case %d: Reopened differs\n got %+v\nwant %+v", i, got, want)
		}
		if got, want := Complete(ev, o), refComplete(ev, o); !reflect.DeepEqual(got, want) {
			t.Fatalf("case %d: Complete differs\n got %+v\nwant %+v", i, got, want)
		}
	}
}

// TestJoinPartsSameAsReference: the section join against the reference,
// on up to twice as many parts as a section has (the slow path beyond).
func TestJoinPartsSameAsReference(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 5))
	fields := Fields()
	for i := range 20000 {
		n := r.IntN(2*maxParts + 1)
		ps := make([]part, n)
		refPs := make([]refPart, n)
		for j := range ps {
			id := fields[r.IntN(len(fields))].ID
			text := oddText(r)
			if j > 0 && r.IntN(3) == 0 { // said before, in another case or inside
				text = ps[r.IntN(j)].text
				switch r.IntN(3) {
				case 0:
					text = strings.ToUpper(text)
				case 1:
					if len(text) > 20 {
						text = text[2 : len(text)-2]
					}
				}
			}
			ps[j], refPs[j] = part{id, text}, refPart{id, text}
		}
		bare := r.IntN(4) == 0
		if got, want := joinParts(ps, bare), refJoinParts(refPs, bare); got != want {
			t.Fatalf("case %d %+v bare %v:\n got %q\nwant %q", i, ps, bare, got, want)
		}
	}
}

// TestSmallHelpersSameAsReference: upperFirst, sentenceAfter and the key
// tables as they were.
func TestSmallHelpersSameAsReference(t *testing.T) {
	t.Parallel()
	in := append([]string{"", "a", "A", "é", "É", "ǆ", "ß", "\uFFFD", "\uFFFDabc", "\xffabcd", "1abc", " lead", "ʼn"}, oddTexts...)
	for _, s := range in {
		if got, want := upperFirst(s), refUpperFirst(s); got != want {
			t.Errorf("upperFirst(%q) = %q, want %q", s, got, want)
		}
		for _, p := range []string{"", " — ", ". "} {
			if got, want := sentenceAfter(p, s), p+refSentence(s); got != want {
				t.Errorf("sentenceAfter(%q, %q) = %q, want %q", p, s, got, want)
			}
		}
	}
	for _, l := range Lanes {
		if keyOf(laneKeys, "lane.", l) != "lane."+string(l) {
			t.Errorf("lane key of %s", l)
		}
	}
	for _, s := range situations {
		if keyOf(situationKeys[0], "action.", s) != "action."+string(s) || keyOf(situationKeys[1], "ask.", s) != "ask."+string(s) {
			t.Errorf("keys of %s", s)
		}
	}
	for _, f := range Fields() {
		if sectionKeys[sectionIndex(f.ID)] != "section."+refSectionOf(f.ID) || sectionOf(f.ID) != refSectionOf(f.ID) {
			t.Errorf("section of %s", f.ID)
		}
	}
}
