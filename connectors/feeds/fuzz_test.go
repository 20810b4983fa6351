package feeds

import (
	"bytes"
	"strings"
	"testing"
)

func FuzzParseKEV(f *testing.F) {
	f.Add(fixture(f, "kev.json"))
	f.Add([]byte(`{"vulnerabilities":[{"cveID":"cve-2024-3400\u200b","dateAdded":"2024-04-12","dueDate":"2024-04-19","cwes":null}]}`))
	f.Add([]byte(`{"count":1,"vulnerabilities":[{"cveID":"CVE-2024-3400","dateAdded":"2024-13-12","dueDate":""}]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := ParseKEV(bytes.NewReader(in))
		if err != nil {
			return
		}
		if len(c.Entries) == 0 {
			t.Fatal("a catalog without entries parsed")
		}
		for id, e := range c.Entries {
			if norm, ok := NormalizeCVE(id); !ok || norm != id || e.CVE != id {
				t.Fatalf("key %q, entry %q: not a normalised CVE id", id, e.CVE)
			}
			if e.DateAdded.IsZero() || e.DueDate.IsZero() {
				t.Fatalf("%s without dates", id)
			}
		}
	})
}

func FuzzParseEPSSCSV(f *testing.F) {
	f.Add(fixture(f, "epss_scores.csv.gz"))
	f.Add([]byte("#model_version:v2025.03.14,score_date:2026-12-04T12:55:00Z\ncve,epss,percentile\nCVE-2024-3400,0.94321,0.99912\n"))
	f.Add([]byte("percentile,cve,epss\r\n1,cve-2024-0001,0\r\n"))
	f.Add([]byte("cve,epss,percentile\n\"CVE-2024-3400\",\"1e-3\",0.5\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		s, err := parseEPSSCSV(bytes.NewReader(in), 1<<20, 0)
		if err != nil {
			return
		}
		if s.Len() == 0 {
			t.Fatal("a file without rows parsed")
		}
		for id, v := range s.scores {
			if norm, ok := NormalizeCVE(id); !ok || norm != id {
				t.Fatalf("key %q is not a normalised CVE id", id)
			}
			if !(v.epss >= 0 && v.epss <= 1 && v.percentile >= 0 && v.percentile <= 1) {
				t.Fatalf("%s: %v outside 0..1", id, v)
			}
		}
	})
}

func FuzzExtractCVEs(f *testing.F) {
	for _, s := range []string{
		"Patch plan - CVE-2024-3400 Scope: x", "cve-2023-4966, CVE-2023-4966 and Cve-2021-44228",
		"CVE-2024-\u200b3400 CVE\u20112024\u20111709", "CVE-2024-3400\rCVE-2024-1709", "\xffCVE-2024-12345678901234567890",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		ids := ExtractCVEs(text)
		seen := map[string]bool{}
		for _, id := range ids {
			if norm, ok := NormalizeCVE(id); !ok || norm != id {
				t.Fatalf("%q: %q is not a normalised CVE id", text, id)
			}
			if seen[id] {
				t.Fatalf("%q: %q twice", text, id)
			}
			seen[id] = true
		}
		// An id found in plain ASCII text is in the text, in some case.
		if isPlainASCII(text) {
			for _, id := range ids {
				if !strings.Contains(strings.ToUpper(text), id) {
					t.Fatalf("%q: %q is not in the text", text, id)
				}
			}
		}
		norm, ok := NormalizeCVE(text)
		if ok && (len(ids) != 1 || ids[0] != norm) {
			t.Fatalf("%q normalises to %q but ExtractCVEs finds %q", text, norm, ids)
		}
	})
}
