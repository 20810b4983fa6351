package feeds

import (
	"bytes"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestParseKEVFixture(t *testing.T) {
	t.Parallel()
	c, err := ParseKEV(bytes.NewReader(fixture(t, "kev.json")))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Entries) != 10 || c.Version != "2026.12.04" || len(c.Problems) != 0 {
		t.Errorf("entries %d, version %q, problems %q", len(c.Entries), c.Version, c.Problems)
	}
	if want := time.Date(2026, 12, 4, 15, 1, 44, 823100000, time.UTC); !c.Released.Equal(want) {
		t.Errorf("released %v, want %v", c.Released, want)
	}
	tests := []struct {
		id   string
		want KEVEntry
	}{
		{"CVE-2023-4966", KEVEntry{
			CVE: "CVE-2023-4966", VendorProject: "Citrix", Product: "NetScaler ADC and NetScaler Gateway",
			Name:      "Citrix NetScaler ADC and NetScaler Gateway Buffer Overflow Vulnerability",
			DateAdded: day("2023-10-18"), DueDate: day("2023-11-08"), Ransomware: RansomwareKnown,
			RequiredAction: "Apply mitigations per vendor instructions or discontinue use of the product if mitigations are unavailable.",
			CWEs:           []string{"CWE-119"},
		}},
		// No knownRansomwareCampaignUse, notes or cwes: an entry from before CISA added them.
		{"CVE-2018-13379", KEVEntry{
			CVE: "CVE-2018-13379", VendorProject: "Fortinet", Product: "FortiOS",
			Name:      "Fortinet FortiOS SSL VPN Path Traversal Vulnerability",
			DateAdded: day("2021-11-03"), DueDate: day("2022-05-03"),
			RequiredAction: "Apply updates per vendor instructions.",
		}},
		// Fields CISA might add (an object, an array, a number) are ignored.
		{"CVE-2024-21887", KEVEntry{
			CVE: "CVE-2024-21887", VendorProject: "Ivanti", Product: "Connect Secure and Policy Secure",
			Name:      "Ivanti Connect Secure and Policy Secure Command Injection Vulnerability",
			DateAdded: day("2024-01-10"), DueDate: day("2024-01-22"), Ransomware: RansomwareUnknown,
			RequiredAction: "Apply mitigations per vendor instructions or discontinue use of the product if mitigations are unavailable.",
			CWEs:           []string{"CWE-77"},
		}},
	}
	for _, tt := range tests {
		got, ok := c.Entries[tt.id]
		if !ok {
			t.Errorf("%s missing", tt.id)
			continue
		}
		got.ShortDescription, got.Notes = "", "" // long texts; checked once below
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.id, got, tt.want)
		}
	}
	if n := c.Entries["CVE-2024-3400"].Notes; !strings.HasPrefix(n, "https://security.paloaltonetworks.com/") {
		t.Errorf("notes %q", n)
	}
}

func TestParseKEVRefuses(t *testing.T) {
	t.Parallel()
	good := fixture(t, "kev.json")
	tests := []struct {
		name string
		in   string
		want string // in the error
		is   error
	}{
		{"empty input", "", "empty document", nil},
		{"truncated", string(good[:len(good)/2]), "truncated JSON", nil},
		{"not JSON", "<html>Service Unavailable</html>", "invalid JSON at byte 1", nil},
		{"an array", `[{"cveID":"CVE-2024-3400"}]`, "unexpected JSON", nil},
		{"no vulnerabilities", `{"title":"x","count":0}`, `no "vulnerabilities" array`, nil},
		{"zero entries", `{"title":"x","count":0,"vulnerabilities":[]}`, "no entries", ErrEmpty},
		{"no usable entry", `{"vulnerabilities":[{"cveID":"KB5034441","dateAdded":"2024-01-01","dueDate":"2024-01-22"}]}`, "none usable", ErrEmpty},
		{"two documents", string(good) + "{}", "data after the catalog", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := ParseKEV(strings.NewReader(tt.in))
			if err == nil {
				t.Fatalf("parsed %d entries, want an error", len(c.Entries))
			}
			if !strings.Contains(err.Error(), tt.want) || (tt.is != nil && !errors.Is(err, tt.is)) {
				t.Errorf("error %q, want %q (%v)", err, tt.want, tt.is)
			}
		})
	}
}

func TestParseKEVDropsBadEntries(t *testing.T) {
	t.Parallel()
	in := `{"count":5,"vulnerabilities":[
		{"cveID":" cve-2024-3400\u200b ","dateAdded":"2024-04-12","dueDate":"2024-04-19","knownRansomwareCampaignUse":"known"},
		{"cveID":"CVE-2024-3400","dateAdded":"2024-04-13","dueDate":"2024-04-20"},
		{"cveID":"ADV-2024-1","dateAdded":"2024-04-12","dueDate":"2024-04-19"},
		{"cveID":"CVE-2024-1709","dateAdded":"22/02/2024","dueDate":"2024-02-29"}]}`
	c, err := ParseKEV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	e, ok := c.Entries["CVE-2024-3400"]
	if len(c.Entries) != 1 || !ok || !e.DateAdded.Equal(day("2024-04-12")) || e.Ransomware != RansomwareKnown {
		t.Errorf("entries %+v", c.Entries)
	}
	want := []string{"listed twice", `"ADV-2024-1" is not a CVE id`, "CVE-2024-1709", "count says 5, the catalog lists 4"}
	if len(c.Problems) != len(want) {
		t.Fatalf("problems %q", c.Problems)
	}
	for i, w := range want {
		if !strings.Contains(c.Problems[i], w) {
			t.Errorf("problem %d %q, want %q", i, c.Problems[i], w)
		}
	}
}

func TestParseEPSSFixture(t *testing.T) {
	t.Parallel()
	s, err := ParseEPSSCSV(bytes.NewReader(fixture(t, "epss_scores.csv.gz")))
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 20 || s.Model != "v2025.03.14" || !s.Date.Equal(time.Date(2026, 12, 4, 12, 55, 0, 0, time.UTC)) {
		t.Errorf("len %d, model %q, date %v", s.Len(), s.Model, s.Date)
	}
	got, ok := s.Lookup("CVE-2024-3400")
	want := Score{CVE: "CVE-2024-3400", EPSS: 0.94321, Percentile: 0.99912, Date: s.Date}
	if !ok || got != want {
		t.Errorf("lookup %+v %v, want %+v", got, ok, want)
	}
	if _, ok := s.Lookup("CVE-2099-0001"); ok {
		t.Error("found a CVE the file does not hold")
	}
}

func TestParseEPSSVariants(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		in    string
		model string
		date  time.Time
		n     int
	}{
		{"the upstream date format", "#model_version:v2023.03.01,score_date:2024-06-10T00:00:00+0000\ncve,epss,percentile\nCVE-2024-3400,0.9,0.99\n",
			"v2023.03.01", day("2024-06-10"), 1},
		{"no comment line", "cve,epss,percentile\nCVE-2024-3400,0.9,0.99\nCVE-2024-1709,0.1,0.5\n", "", time.Time{}, 2},
		{"columns reordered and one more, CRLF", "#score_date:2026-12-04\r\npercentile,cve,extra,EPSS\r\n0.99,CVE-2024-3400,x,0.9\r\n", "", day("2026-12-04"), 1},
		{"ids to normalise, a duplicate", "cve,epss,percentile\ncve-2024-3400,0.9,0.99\nCVE-2024-3400,0.1,0.1\n", "", time.Time{}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, in := range [][]byte{[]byte(tt.in), gz(t, []byte(tt.in))} {
				s, err := ParseEPSSCSV(bytes.NewReader(in))
				if err != nil {
					t.Fatal(err)
				}
				if s.Model != tt.model || !s.Date.Equal(tt.date) || s.Len() != tt.n {
					t.Errorf("model %q date %v len %d", s.Model, s.Date, s.Len())
				}
				if sc, ok := s.Lookup("CVE-2024-3400"); !ok || sc.EPSS != 0.9 || sc.Percentile != 0.99 {
					t.Errorf("CVE-2024-3400: %+v %v", sc, ok)
				}
			}
		})
	}
}

func TestParseEPSSRefuses(t *testing.T) {
	t.Parallel()
	head := "#model_version:v2025.03.14,score_date:2026-12-04T12:55:00Z\ncve,epss,percentile\n"
	good := fixture(t, "epss_scores.csv.gz")
	tests := []struct {
		name string
		in   []byte
		line int    // want this line in the error, 0 for none
		want string // in the error
		is   error
	}{
		{"truncated gzip", good[:len(good)-12], 0, "unexpected EOF", nil},
		{"not gzip after the magic", []byte{0x1f, 0x8b, 0, 0}, 0, "gzip", nil},
		{"header only", []byte(head), 0, "no rows", ErrEmpty},
		{"comment only", []byte("#model_version:v1\n"), 2, "no header", nil},
		{"header without percentile", []byte("cve,epss\nCVE-2024-3400,0.9\n"), 1, `no "percentile" column`, nil},
		{"score over 1", []byte(head + "CVE-2024-3400,0.9,0.99\nCVE-2024-1709,1.5,0.99\n"), 4, `"1.5" is outside 0..1`, nil},
		{"NaN", []byte(head + "CVE-2024-3400,NaN,0.99\n"), 3, "outside 0..1", nil},
		{"not a number", []byte(head + "CVE-2024-3400,0.9,0.99\nCVE-2024-1709,0.9,high\n"), 4, `percentile: "high" is not a number`, nil},
		{"not a CVE", []byte(head + "GHSA-xxxx,0.1,0.2\n"), 3, `"GHSA-xxxx" is not a CVE id`, nil},
		{"a short row", []byte(head + "CVE-2024-3400,0.9,0.99\nCVE-2024-1709,0.9\n"), 4, "wrong number of fields", nil},
		{"a stray quote", []byte(head + "CVE-2024-3400,0.9,0.99\nCVE-2024-1709,\"0.9,0.1\n"), 4, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := ParseEPSSCSV(bytes.NewReader(tt.in))
			if err == nil {
				t.Fatalf("parsed %d scores, want an error", s.Len())
			}
			var pe *parseError
			line := 0
			if errors.As(err, &pe) {
				line = pe.line
			}
			if line != tt.line || !strings.Contains(err.Error(), tt.want) || (tt.is != nil && !errors.Is(err, tt.is)) {
				t.Errorf("error %q at line %d, want %q at line %d", err, line, tt.want, tt.line)
			}
		})
	}
}

func TestParseEPSSTooLarge(t *testing.T) {
	t.Parallel()
	in := gz(t, []byte("cve,epss,percentile\n"+strings.Repeat("CVE-2024-3400,0.9,0.99\n", 1000)))
	if _, err := parseEPSSCSV(bytes.NewReader(in), 1000, 0); !errors.Is(err, ErrTooLarge) {
		t.Errorf("error %v, want ErrTooLarge", err)
	}
	if _, err := parseEPSSCSV(bytes.NewReader(in), 1<<20, 0); err != nil {
		t.Errorf("under the limit: %v", err)
	}
}

func TestParseEPSSAPI(t *testing.T) {
	t.Parallel()
	got, err := ParseEPSSAPI(bytes.NewReader(fixture(t, "epss_api.json")))
	if err != nil {
		t.Fatal(err)
	}
	want := Score{CVE: "CVE-2024-3400", EPSS: 0.94321, Percentile: 0.99912, Date: day("2026-12-04")}
	if len(got) != 3 || got[0] != want {
		t.Errorf("got %+v, want 3 scores starting %+v", got, want)
	}

	bad := []struct{ name, in, want string }{
		{"an error status", `{"status":"error","status-code":429,"data":[]}`, "API status 429"},
		{"a page of more", `{"status":"OK","status-code":200,"total":150,"data":[{"cve":"CVE-2024-3400","epss":"0.1","percentile":"0.2"}]}`, "lists 1 of 150"},
		{"a bad score", `{"status":"OK","status-code":200,"total":1,"data":[{"cve":"CVE-2024-3400","epss":"-0.1","percentile":"0.2"}]}`, "epss"},
		{"a bad id", `{"status":"OK","total":1,"data":[{"cve":"CVE-24-1","epss":0.1,"percentile":0.2}]}`, "not a CVE id"},
		{"a score that is no number", `{"data":[{"cve":"CVE-2024-3400","epss":"n/a","percentile":"0.2"}]}`, "invalid number"},
	}
	for _, tt := range bad {
		if _, err := ParseEPSSAPI(strings.NewReader(tt.in)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestNormalizeCVE(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"CVE-2024-3400", "CVE-2024-3400", true},
		{"  cve-2024-3400\n", "CVE-2024-3400", true},
		{"\ufeffCVE-2024-\u200b3400\u00ad", "CVE-2024-3400", true},
		{"CVE\u20112024\u20133400", "CVE-2024-3400", true}, // non-breaking hyphen, en dash
		{"CVE-2024-1234567", "CVE-2024-1234567", true},
		{"CVE-2024-123", "CVE-2024-123", false},
		{"CVE-24-1234", "CVE-24-1234", false},
		{"CVE-2024-3400 ", "CVE-2024-3400", true},
		{"CVE-2024-3400x", "CVE-2024-3400X", false},
		{"CVE 2024 3400", "CVE 2024 3400", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := NormalizeCVE(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NormalizeCVE(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestExtractCVEs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     []string
	}{
		{"none", "Patch OpenSSL on the edge fleet", nil},
		{"one in a summary", "Patch plan - CVE-2024-3400 (PAN-OS)", []string{"CVE-2024-3400"}},
		{"several, a repeat, mixed case", "cve-2023-4966, CVE-2023-4966 and Cve-2021-44228; see CVE-2023-4966",
			[]string{"CVE-2023-4966", "CVE-2021-44228"}},
		{"order of first appearance", "CVE-2026-0002 CVE-2026-0001 CVE-2026-0002", []string{"CVE-2026-0002", "CVE-2026-0001"}},
		{"in markup and links", "[CVE-2024-1709|https://nvd.nist.gov/vuln/detail/CVE-2024-1709] *CVE-2025-31324*",
			[]string{"CVE-2024-1709", "CVE-2025-31324"}},
		{"invisible characters inside", "CVE-2024-\u200b3400 and CVE\u20112024\u20111709", []string{"CVE-2024-3400", "CVE-2024-1709"}},
		{"too few digits", "CVE-2024-123 CVE-202-1234", nil},
		{"controls separate", "CVE-2024-3400\rCVE-2024-1709", []string{"CVE-2024-3400", "CVE-2024-1709"}},
	}
	for _, tt := range tests {
		if got := ExtractCVEs(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("%s: ExtractCVEs(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}
