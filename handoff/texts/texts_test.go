package texts_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/patchbot/patchbot/handoff"
	"github.com/patchbot/patchbot/handoff/internal/handofftest"
	"github.com/patchbot/patchbot/handoff/internal/textstest"
	"github.com/patchbot/patchbot/handoff/render/adf"
	"github.com/patchbot/patchbot/handoff/render/blockkit"
	"github.com/patchbot/patchbot/handoff/render/plain"
	"github.com/patchbot/patchbot/handoff/render/wiki"
	"github.com/patchbot/patchbot/handoff/richtext"
	"github.com/patchbot/patchbot/handoff/texts"
)

func TestValidationRequestShape(t *testing.T) {
	t.Parallel()
	o := fxOpts()
	o.Ticked = []handoff.FieldID{handoff.FieldAffectedVersions}
	ev := handofftest.Validation()
	doc := texts.ValidationRequest(ev, o)
	txt := plain.Render(doc)

	// The seed's template sections, in order.
	last := -1
	for _, s := range []string{"Action requested:", "Scope:", "Why this matters:", "Fix or workaround:", "Deadline or window:",
		"Change notes:", "If blocked:", "Closure evidence needed:", "Caveats:"} {
		i := strings.Index(txt, "\n"+s)
		if i < 0 || i < last {
			t.Errorf("section %q missing or out of order", s)
		}
		last = i
	}
	// One unticked item per finding, with why, detail and a fix; ticked items after.
	var list richtext.Block
	for _, b := range doc.Blocks {
		if b.Kind == richtext.BlockList {
			list = b
		}
	}
	if len(list.Items) != len(ev.Findings)+1 {
		t.Fatalf("%d checklist items, want %d", len(list.Items), len(ev.Findings)+1)
	}
	for i, f := range ev.Findings {
		it := list.Items[i]
		line := plain.Inlines(it.Inlines)
		if it.Check == nil || *it.Check || !strings.HasPrefix(line, f.Label) || !strings.Contains(line, f.Why) {
			t.Errorf("item %d = %q", i, line)
		}
		if f.Detail != "" && !strings.Contains(strings.ToLower(line), strings.ToLower(f.Detail)) {
			t.Errorf("item %d lacks the detail: %q", i, line)
		}
	}
	if it := list.Items[len(ev.Findings)]; it.Check == nil || !*it.Check {
		t.Error("ticked field not ticked")
	}
	// The ask is the seed's, with what the ticket knows filled in.
	if !strings.Contains(txt, "Patch edge-proxy fleet (eu-west, 42 hosts) to [fixed version] by [deadline] because KEV, internet-facing, high.") {
		t.Errorf("ask not filled in:\n%s", txt)
	}
	// The owner is an explicit mention node.
	if m := mentionsIn(doc); len(m) != 1 || m[0].User.AccountID != handofftest.Dana.User.AccountID {
		t.Errorf("mentions = %+v", m)
	}
	if !strings.Contains(doc.Summary, "3 items missing") {
		t.Errorf("summary = %q", doc.Summary)
	}
}

func mentionsIn(d richtext.Doc) []richtext.Inline {
	var out []richtext.Inline
	add := func(in []richtext.Inline) {
		for _, x := range in {
			if x.Kind == richtext.InlineMention {
				out = append(out, x)
			}
		}
	}
	for _, b := range d.Blocks {
		add(b.Inlines)
		for _, it := range b.Items {
			add(it.Inlines)
		}
		for _, p := range b.Fields {
			add(p.Value)
		}
	}
	return out
}

func TestAskFallsBackToWording(t *testing.T) {
	t.Parallel()
	ev := handofftest.Validation()
	ev.Ask = ""
	ev.Situation = handoff.SituationBlockedChange
	if txt := plain.Render(texts.ValidationRequest(ev, fxOpts())); !strings.Contains(txt, "State the blocker, risk, temporary control, owner, next review date") {
		t.Errorf("no blocked-change ask:\n%s", txt)
	}
}

func TestReminderOldestFirst(t *testing.T) {
	t.Parallel()
	doc := texts.Reminder(handofftest.Dana, handofftest.ReminderItems(), fxOpts())
	txt := plain.Render(doc)
	a, b := strings.Index(txt, "SEC-101"), strings.Index(txt, "SEC-077")
	if a < 0 || b < 0 || a > b {
		t.Errorf("want SEC-101 (2 days) before SEC-077 (1 day):\n%s", txt)
	}
	for _, want := range []string{"2 days ago", "1 day ago", "with no closure evidence", "Renew the exception"} {
		if !strings.Contains(txt, want) {
			t.Errorf("reminder lacks %q", want)
		}
	}
}

func TestDigestGroupsAndCounts(t *testing.T) {
	t.Parallel()
	doc := texts.DigestBriefs(handofftest.BriefsOf(handofftest.DigestItems()), fxOpts())
	txt := plain.Render(doc)
	if strings.Contains(txt, "due in 3 days") {
		t.Error("a heads-up item is in the overdue digest")
	}
	for _, want := range []string{"6 overdue, 3 owners", "patch now 2", "Dana Ruiz (3)", "Lee Chen (1)", "No owner named (1)", "patch now (2):", "exception (1):"} {
		if !strings.Contains(txt, want) {
			t.Errorf("digest lacks %q:\n%s", want, txt)
		}
	}
	// Owners ordered by their oldest item; Dana's items oldest first.
	if !(strings.Index(txt, "network-team") < strings.Index(txt, "Lee Chen") && strings.Index(txt, "Lee Chen") < strings.Index(txt, "Dana Ruiz")) {
		t.Error("owners not ordered by their oldest item")
	}
	if strings.Index(txt, "SEC-099") > strings.Index(txt, "SEC-101") {
		t.Error("items not oldest first")
	}
	if len(mentionsIn(doc)) != 0 {
		t.Error("the channel digest mentions someone")
	}
}

func TestTextsAreDeterministicAndTotal(t *testing.T) {
	t.Parallel()
	a, b := textstest.Golden(), textstest.Golden()
	if !reflect.DeepEqual(a, b) {
		t.Error("texts differ between two runs over the same input")
	}
	// Zero values never panic and still say something.
	zero := texts.Options{}
	docs := []richtext.Doc{texts.ValidationRequest(handoff.Evaluation{}, zero), texts.Reopened(handoff.Evaluation{}, zero), texts.Complete(handoff.Evaluation{}, zero),
		texts.HeadsUp(handoff.Person{}, nil, zero), texts.Reminder(handoff.Person{}, nil, zero), texts.Escalation(handoff.Person{}, nil, 0, zero),
		texts.DigestBriefs(nil, zero), texts.PersonalDigestBriefs(handoff.Person{}, nil, zero)}
	for i, d := range docs {
		if d.Title == "" || d.Summary == "" {
			t.Errorf("doc %d: empty title or summary", i)
		}
		_ = adf.Render(d)
		_ = wiki.Render(d)
		_ = blockkit.Render(d)
		_ = plain.Render(d)
	}
}

func fxOpts() texts.Options { return texts.Options{Now: handofftest.Now, Loc: handofftest.Loc} }
