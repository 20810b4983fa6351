package handoff

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

// Update the goldens with: go test ./handoff -run Golden -update
var updateGolden = flag.Bool("update", false, "rewrite handoff/testdata/golden from the current output")

// goldenTexts is every text the bot sends, from fixed fixtures.
func goldenTexts() []struct {
	name string
	doc  Doc
} {
	o := fxOpts()
	ticked := fxOpts()
	ticked.Ticked = []FieldID{FieldAffectedVersions, FieldUrgencyDriver}
	slack := fxOpts()
	slack.OwnerSlackID = "U0DANA"
	return []struct {
		name string
		doc  Doc
	}{
		{"validation_request", ValidationRequest(fxValidation(), ticked)},
		{"validation_request_no_lane", ValidationRequest(fxNoLane(), o)},
		{"reopened", Reopened(fxValidation(), o)},
		{"complete", Complete(fxComplete(), ticked)},
		{"heads_up", HeadsUp(fxDana, fxHeadsUpItems(), slack)},
		{"reminder", Reminder(fxDana, fxReminderItems(), slack)},
		{"escalation", Escalation(fxDana, fxReminderItems(), 2, slack)},
		{"digest", DigestBriefs(briefsOf(fxDigestItems()), o)},
		{"digest_empty", DigestBriefs(nil, o)},
		{"personal_digest", PersonalDigestBriefs(fxDana, briefsOf(fxDigestItems()[:2]), slack)},
		{"hostile_validation_request", ValidationRequest(fxHostile(), slack)},
	}
}

// renderings renders a doc the four ways, as the golden files hold them.
func renderings(t *testing.T, d Doc) map[string][]byte {
	t.Helper()
	var adf bytes.Buffer
	if err := json.Indent(&adf, RenderADF(d), "", "  "); err != nil { // keeps < > & as written
		t.Fatalf("adf is not JSON: %v", err)
	}
	type msg struct {
		Text   string          `json:"text"`
		Blocks json.RawMessage `json:"blocks"`
	}
	var msgs []msg
	for _, m := range RenderSlack(d) {
		msgs = append(msgs, msg{m.Text, m.Blocks})
	}
	var slack bytes.Buffer
	enc := json.NewEncoder(&slack)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(msgs); err != nil {
		t.Fatal(err)
	}
	return map[string][]byte{
		".txt":        []byte(RenderText(d)),
		".wiki":       []byte(RenderWiki(d)),
		".adf.json":   append(adf.Bytes(), '\n'),
		".slack.json": slack.Bytes(),
	}
}

func TestGolden(t *testing.T) {
	dir := filepath.Join("testdata", "golden")
	if *updateGolden {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range goldenTexts() {
		t.Run(tc.name, func(t *testing.T) {
			for ext, got := range renderings(t, tc.doc) {
				path := filepath.Join(dir, tc.name+ext)
				if *updateGolden {
					if err := os.WriteFile(path, got, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run: go test ./handoff -run Golden -update)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from the golden file; if the change is intended run: go test ./handoff -run Golden -update\n--- got ---\n%s", path, got)
				}
			}
		})
	}
}
