package feeds

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// Run with: go test ./connectors/feeds -run '^$' -bench . -benchmem

// epssFileOf generates an EPSS daily file of n rows, gzip-compressed, shaped
// like FIRST's (ids over the years, five-decimal scores).
func epssFileOf(b *testing.B, n int) []byte {
	b.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	fmt.Fprintf(zw, "#model_version:v2025.03.14,score_date:2026-12-04T12:55:00Z\ncve,epss,percentile\n")
	line := make([]byte, 0, 64)
	for i := range n {
		year := 1999 + i*28/n
		line = append(line[:0], "CVE-"...)
		line = strconv.AppendInt(line, int64(year), 10)
		line = append(line, '-')
		line = strconv.AppendInt(line, int64(1000+i), 10)
		line = append(line, ',')
		line = strconv.AppendFloat(line, r.Float64()*r.Float64(), 'f', 5, 64)
		line = append(line, ',')
		line = strconv.AppendFloat(line, float64(i)/float64(n), 'f', 5, 64)
		line = append(line, '\n')
		zw.Write(line)
	}
	if err := zw.Close(); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// kevFileOf generates a KEV catalog of n entries with texts as long as
// CISA's.
func kevFileOf(b *testing.B, n int) []byte {
	b.Helper()
	type entry = kevEntryJSON
	c := kevJSON{Title: "CISA Catalog of Known Exploited Vulnerabilities", CatalogVersion: "2026.12.04", DateReleased: "2026-12-04T15:01:44.8231Z"}
	for i := range n {
		ransom := "Unknown"
		if i%5 == 0 {
			ransom = "Known"
		}
		id := fmt.Sprintf("CVE-%d-%d", 2002+i%24, 1000+i)
		c.Vulnerabilities = append(c.Vulnerabilities, entry{
			CVEID: id, VendorProject: "Vendor " + strconv.Itoa(i%300), Product: "Product " + strconv.Itoa(i),
			VulnerabilityName: "Vendor Product Remote Code Execution Vulnerability " + strconv.Itoa(i),
			DateAdded:         "2024-04-12", DueDate: "2024-05-03",
			ShortDescription: "Vendor Product contains a deserialization of untrusted data vulnerability that allows an unauthenticated attacker to execute arbitrary code on the server via a crafted request to the management interface.",
			RequiredAction:   "Apply mitigations per vendor instructions, follow applicable BOD 22-01 guidance for cloud services, or discontinue use of the product if mitigations are unavailable.",
			Ransomware:       ransom,
			Notes:            "https://vendor.example/security/advisory-" + strconv.Itoa(i) + " ; https://nvd.nist.gov/vuln/detail/" + id,
			CWEs:             []string{"CWE-502", "CWE-20"},
		})
	}
	cnt := n
	c.Count = &cnt
	out, err := json.Marshal(c)
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// heapKept is the heap the result of load keeps, in MiB, after a
// collection.
func heapKept(load func() any) float64 {
	// Two collections each time: sync.Pool keeps its objects through one.
	var before, after runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&before)
	v := load()
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(v)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / (1 << 20)
}

// measure runs op b.N times and reports, beside the wall time, the
// process's CPU time per op (GC included) and the heap op's result keeps.
func measure(b *testing.B, op func() any) {
	b.Helper()
	kept := heapKept(op)
	b.ResetTimer()
	cpu := processCPU()
	for b.Loop() {
		op()
	}
	reportCPU(b, cpu)
	b.ReportMetric(kept, "kept-MiB")
}

// reportCPU reports the CPU time per op since start.
func reportCPU(b *testing.B, start int64) {
	b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
}

func BenchmarkParseEPSSCSV(b *testing.B) {
	in := epssFileOf(b, 330_000)
	b.SetBytes(int64(len(in)))
	measure(b, func() any {
		s, err := ParseEPSSCSV(bytes.NewReader(in))
		if err != nil || s.Len() != 330_000 {
			b.Fatalf("%v, %d rows", err, s.Len())
		}
		return s
	})
}

func BenchmarkParseKEV(b *testing.B) {
	in := kevFileOf(b, 1500)
	b.SetBytes(int64(len(in)))
	measure(b, func() any {
		c, err := ParseKEV(bytes.NewReader(in))
		if err != nil || len(c.Entries) != 1500 {
			b.Fatalf("%v", err)
		}
		return c
	})
}

// BenchmarkRefreshEPSSFile is the whole refresh of a changed local EPSS
// file: copy into the cache, parse, sync, rename, put in use.
func BenchmarkRefreshEPSSFile(b *testing.B) {
	src := filepath.Join(b.TempDir(), "epss.csv.gz")
	if err := os.WriteFile(src, epssFileOf(b, 330_000), 0o600); err != nil {
		b.Fatal(err)
	}
	s, err := New(Config{Dir: b.TempDir(), KEV: Off, EPSS: src})
	if err != nil {
		b.Fatal(err)
	}
	mtime := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	b.ResetTimer()
	cpu := processCPU()
	for b.Loop() {
		b.StopTimer()
		mtime = mtime.Add(time.Second) // a new file, as far as the store can tell
		if err := os.Chtimes(src, mtime, mtime); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := s.Refresh(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
	if !s.Lookup("CVE-1999-1000").HasEPSS {
		b.Fatal("not loaded")
	}
}

// BenchmarkLookup looks ids up in stores of two sizes: the time per lookup
// should not grow with the feed.
func BenchmarkLookup(b *testing.B) {
	for _, n := range []int{1_000, 330_000} {
		b.Run(fmt.Sprintf("epss=%d", n), func(b *testing.B) {
			scores, err := ParseEPSSCSV(bytes.NewReader(epssFileOf(b, n)))
			if err != nil {
				b.Fatal(err)
			}
			catalog, err := ParseKEV(bytes.NewReader(kevFileOf(b, min(n, 1500))))
			if err != nil {
				b.Fatal(err)
			}
			s := &Store{}
			s.epssData.Store(scores)
			s.kevData.Store(catalog)
			ids := make([]string, 1024)
			for i := range ids {
				ids[i] = fmt.Sprintf("CVE-%d-%d", 1999+(i*n/len(ids))*28/n, 1000+i*n/len(ids))
			}
			if in := s.Lookup(ids[3]); !in.HasEPSS {
				b.Fatalf("%s not found", ids[3])
			}
			var hits int
			b.ResetTimer()
			cpu := processCPU()
			for i := 0; b.Loop(); i++ {
				if s.Lookup(ids[i%len(ids)]).HasEPSS {
					hits++
				}
			}
			reportCPU(b, cpu)
			if hits == 0 {
				b.Fatal("no hits")
			}
		})
	}
}
