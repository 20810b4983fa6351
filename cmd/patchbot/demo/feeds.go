package demo

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/patchbot/patchbot/config"
	"github.com/patchbot/patchbot/handoff"
)

// The demo's public feeds: a trimmed KEV catalog and a small EPSS daily
// file, with dates relative to the demo's day ("@-20"), written as local
// files the way an air-gapped site mirrors them, and read by the real feeds
// package.
var (
	//go:embed feeddata/kev.json
	kevTemplate string
	//go:embed feeddata/epss_scores.csv
	epssTemplate string
)

// feedTickets are the demo's tickets about what the feeds know better
// than the handoff: KEV-listed CVEs waiting in the wrong lane.
var feedTickets = []ticket{
	// Two CVEs in the advisory field, one KEV-listed with known ransomware
	// use and an EPSS score near the top, left on monitor with no urgency
	// driver: the request says what the feeds found, for the owner to
	// confirm.
	{project: "SEC", summary: "Veeam Backup & Replication RCE — left on monitor", createdAgo: 6, assignee: "bo", reporter: "sam",
		fields: full(and(scope("CVE-2026-33017, CVE-2026-33018", "Veeam", "Backup & Replication", "12.1 – 12.3.0", "Backup servers", "Backup and restore"),
			map[handoff.FieldID]string{lane: "Monitor", owner: "bo", review: "@+30"}), urgency, epss)},
	// The CVE only in the summary, a planned window "because not
	// exploited" for a CVE KEV lists as exploited.
	{project: "OPS", summary: "Planned: NetScaler Gateway CVE-2026-40111 on the partner gateway", createdAgo: 3, assignee: "chidi", reporter: "sam",
		description: "Patch owner handoff - Citrix advisory CTX-2026-0417 Action requested: patch in window. Scope: NetScaler Gateway 14.1-47.40 on gw-01, gw-02, owner Chidi Okafor, service Partner access. Why this matters: not exploited, not exposed; standard maintenance. Fix or workaround: 14.1-47.48. Deadline or window: @+20, review trigger if KEV, PoC, exposure or vendor guidance changes. Change notes: HA pair, secondary first; rollback by booting the previous image. If blocked: restrict the gateway to partner IP ranges, review @+7. Closure evidence needed: show version per node and the change record. Caveats: none."},
}

// allTickets is the demo's backlog: the tickets, then the feeds' ones.
func allTickets() []ticket { return append(slices.Clone(tickets), feedTickets...) }

// mirrorDir is where the demo's feed files are mirrored, in its directory.
func (w *World) mirrorDir() string { return filepath.Join(w.dir, "feed-mirror") }

// seedFeeds writes the demo's KEV catalog and EPSS daily file (gzipped, as
// FIRST publishes it) for the day.
func (w *World) seedFeeds(today time.Time) error {
	dir := w.mirrorDir()
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("demo feeds: %w", err)
	}
	kev := resolveDates(kevTemplate, today, "2006-01-02")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	if _, err := zw.Write([]byte(resolveDates(epssTemplate, today, "2006-01-02"))); err != nil {
		return fmt.Errorf("demo feeds: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("demo feeds: %w", err)
	}
	for name, data := range map[string][]byte{"kev.json": []byte(kev), "epss_scores-current.csv.gz": gz.Bytes()} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o640); err != nil {
			return fmt.Errorf("demo feeds: %w", err)
		}
	}
	return nil
}

// feedConfig points the feeds at the mirrored files: a path for KEV, a
// file:// URL for EPSS, as an air-gapped site would write them.
func (w *World) feedConfig(c *config.Config) {
	c.Feeds.KEV.Source = filepath.Join(w.mirrorDir(), "kev.json")
	c.Feeds.EPSS.Source = "file://" + filepath.ToSlash(filepath.Join(w.mirrorDir(), "epss_scores-current.csv.gz"))
}
