package handoff

import (
	"bytes"
	"encoding/json"
	"testing"
)

var jsonSeeds = []string{
	"", "plain", `quote " and \ backslash`, "<b>&amp;</b>", "tab\there\nnew line\r\f\b",
	"\x00\x01\x1f\x7f", "\u2028 and \u2029", "\xff\xfe invalid", "\xed\xa0\x80 surrogate",
	"emoji 🎉 and RTL \u202eevil", "\U0010ffff", "{noformat}[~admin]<!channel>",
}

// TestAppendJSONString: strings are written byte for byte as
// encoding/json writes them with SetEscapeHTML(false).
func TestAppendJSONString(t *testing.T) {
	for _, s := range jsonSeeds {
		checkJSONString(t, s)
	}
	for b := 0; b < 256; b++ {
		checkJSONString(t, string([]byte{byte(b)}))
		checkJSONString(t, "x"+string([]byte{byte(b)})+"y")
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add(s)
	}
	f.Fuzz(checkJSONString)
}

func checkJSONString(t *testing.T, s string) {
	t.Helper()
	var want bytes.Buffer
	enc := json.NewEncoder(&want)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	got := AppendJSONString([]byte("x"), s)
	if !bytes.Equal(got[1:], bytes.TrimSuffix(want.Bytes(), []byte("\n"))) {
		t.Errorf("%q: got %s, want %s", s, got[1:], want.Bytes())
	}
}
