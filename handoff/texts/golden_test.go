package texts_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/patchbot/patchbot/handoff/internal/textstest"
	"github.com/patchbot/patchbot/handoff/render/adf"
	"github.com/patchbot/patchbot/handoff/render/blockkit"
	"github.com/patchbot/patchbot/handoff/render/plain"
	"github.com/patchbot/patchbot/handoff/render/wiki"
	"github.com/patchbot/patchbot/handoff/richtext"
)

// Update the goldens with: go test ./handoff -run Golden -update
var updateGolden = flag.Bool("update", false, "rewrite handoff/texts/testdata/golden from the current output")

// renderings renders a doc the four ways, as the golden files hold them.
func renderings(t *testing.T, d richtext.Doc) map[string][]byte {
	t.Helper()
	var adfOut bytes.Buffer
	if err := json.Indent(&adfOut, adf.Render(d), "", "  "); err != nil { // keeps < > & as written
		t.Fatalf("adf is not JSON: %v", err)
	}
	type msg struct {
		Text   string          `json:"text"`
		Blocks json.RawMessage `json:"blocks"`
	}
	var msgs []msg
	for _, m := range blockkit.Render(d) {
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
		".txt":        []byte(plain.Render(d)),
		".wiki":       []byte(wiki.Render(d)),
		".adf.json":   append(adfOut.Bytes(), '\n'),
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
	for _, tc := range textstest.Golden() {
		t.Run(tc.Name, func(t *testing.T) {
			for ext, got := range renderings(t, tc.Doc) {
				path := filepath.Join(dir, tc.Name+ext)
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
