package handoff

import (
	"go/ast"
	"go/parser"
	"go/token"
	"testing"
	"time"
)

// modelFieldIDs lists every FieldID constant declared in model.go, so the
// registry cannot silently miss one.
func modelFieldIDs(t *testing.T) []FieldID {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "model.go", nil, 0)
	if err != nil {
		t.Fatalf("parse model.go: %v", err)
	}
	var ids []FieldID
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "FieldID" {
				continue
			}
			for _, v := range vs.Values {
				lit := v.(*ast.BasicLit)
				ids = append(ids, FieldID(lit.Value[1:len(lit.Value)-1]))
			}
		}
	}
	if len(ids) < 50 {
		t.Fatalf("found only %d FieldIDs in model.go", len(ids))
	}
	return ids
}

func TestFieldRegistryCoversModel(t *testing.T) {
	t.Parallel()
	ids := modelFieldIDs(t)
	if got, want := len(Fields()), len(ids); got != want {
		t.Errorf("Fields() has %d entries, model.go declares %d", got, want)
	}
	seen := map[FieldID]bool{}
	for _, s := range Fields() {
		if seen[s.ID] {
			t.Errorf("field %s listed twice", s.ID)
		}
		seen[s.ID] = true
	}
	for _, id := range ids {
		t.Run(string(id), func(t *testing.T) {
			t.Parallel()
			spec, ok := Field(id)
			if !ok {
				t.Fatalf("%s not in registry", id)
			}
			if spec.Group == "" || spec.Label == "" || spec.Why == "" {
				t.Errorf("%s: incomplete spec %+v", id, spec)
			}
			if FieldLabel(id) != spec.Label {
				t.Errorf("FieldLabel(%s) = %q", id, FieldLabel(id))
			}
			var h Handoff
			if !h.SetValue(id, Value{Text: "x", From: SourceField}) {
				t.Fatalf("SetValue(%s) unknown", id)
			}
			if got := h.Value(id).Text; got != "x" {
				t.Errorf("Value(%s) = %q after SetValue", id, got)
			}
			if got, ok := ParseFieldID(string(id)); !ok || got != id {
				t.Errorf("ParseFieldID(%q) = %q, %v", id, got, ok)
			}
			if got, ok := ParseFieldID(spec.Label); !ok || got != id {
				t.Errorf("ParseFieldID(label %q) = %q, %v", spec.Label, got, ok)
			}
		})
	}
}

func TestFieldUnknown(t *testing.T) {
	t.Parallel()
	var h Handoff
	if h.SetValue("nope", Value{Text: "x"}) {
		t.Error("SetValue accepted an unknown field")
	}
	if FieldLabel("nope") != "nope" {
		t.Error("FieldLabel of unknown id should echo it")
	}
	if _, ok := ParseFieldID("nope"); ok {
		t.Error("ParseFieldID accepted an unknown field")
	}
	if got, ok := ParseFieldID(" Fixed-Version "); !ok || got != FieldFixedVersion {
		t.Errorf("ParseFieldID tolerant form = %q, %v", got, ok)
	}
}

func TestSatisfiedAlternatives(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		req  FieldID
		set  FieldID
		want bool
	}{
		{"driver itself", FieldUrgencyDriver, FieldUrgencyDriver, true},
		{"kev satisfies driver", FieldUrgencyDriver, FieldKEV, true},
		{"exploitation satisfies driver", FieldUrgencyDriver, FieldExploitation, true},
		{"epss satisfies driver", FieldUrgencyDriver, FieldEPSS, true},
		{"exposure satisfies driver", FieldUrgencyDriver, FieldExposure, true},
		{"criticality satisfies driver", FieldUrgencyDriver, FieldCriticality, true},
		{"source confidence does not", FieldUrgencyDriver, FieldSourceConfidence, false},
		{"deadline satisfies window", FieldWindow, FieldDeadline, true},
		{"window does not satisfy deadline", FieldDeadline, FieldWindow, false},
		{"product satisfies asset group", FieldAssetGroup, FieldProduct, true},
		{"review date satisfies review trigger", FieldReviewTrigger, FieldReviewDate, true},
		{"review trigger does not satisfy review date", FieldReviewDate, FieldReviewTrigger, false},
		{"unrelated", FieldRollback, FieldTestPlan, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var h Handoff
			h.SetValue(tc.set, Value{Text: "2026-12-01", From: SourceField})
			if d := h.DatePtr(tc.set); d != nil {
				d.At, d.DateOnly = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), true
			}
			if got := h.Satisfied(tc.req); got != tc.want {
				t.Errorf("Satisfied(%s) with %s set = %v, want %v", tc.req, tc.set, got, tc.want)
			}
		})
	}
}
