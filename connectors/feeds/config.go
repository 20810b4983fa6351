package feeds

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// EPSSMode says where EPSS scores come from.
type EPSSMode string

// The EPSS modes.
const (
	// EPSSFile reads FIRST's daily file of every score (the default).
	EPSSFile EPSSMode = "file"
	// EPSSAPI asks FIRST's API for the CVEs the caller names
	// (Store.RefreshScores), up to 100 a request.
	EPSSAPI EPSSMode = "api"
)

// Defaults for a zero Config.
const (
	DefaultKEVURL     = "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"
	DefaultEPSSURL    = "https://epss.empiricalsecurity.com/epss_scores-current.csv.gz"
	DefaultEPSSAPIURL = "https://api.first.org/data/v1/epss"

	DefaultInterval = 24 * time.Hour
	DefaultRetry    = time.Hour
	DefaultFilePoll = time.Minute

	DefaultKEVMaxBytes  int64 = 32 << 20
	DefaultEPSSMaxBytes int64 = 64 << 20 // as downloaded (compressed)

	// Off as a source turns that feed off.
	Off = "off"
)

// apiBatch is the most CVEs FIRST's API answers in one request by default.
const apiBatch = 100

// Config says where the feeds come from and where their copies are kept.
// Only Dir is required.
type Config struct {
	// Dir is the cache directory, created if missing; put it beside the
	// ledger. One Store per directory.
	Dir string
	// KEV is the catalog's URL, a local path or a file:// URL;
	// "" means DefaultKEVURL, Off turns the feed off.
	KEV string
	// EPSS is the daily file's URL or local file (EPSSFile mode) or the
	// API's endpoint (EPSSAPI mode); "" means DefaultEPSSURL or
	// DefaultEPSSAPIURL, Off turns the feed off.
	EPSS     string
	EPSSMode EPSSMode // "" means EPSSFile
	// Interval is how often a URL is asked whether its feed changed, and
	// how long an API score is kept before it is asked for again.
	// 0 means DefaultInterval.
	Interval time.Duration
	// Retry is the wait after a failed refresh (at most Interval);
	// 0 means DefaultRetry.
	Retry time.Duration
	// FilePoll is how often a local file's modification time is checked;
	// 0 means DefaultFilePoll.
	FilePoll time.Duration
	// Size limits; 0 means the defaults above and
	// DefaultEPSSMaxUncompressed.
	KEVMaxBytes, EPSSMaxBytes, EPSSMaxUncompressed int64
	// HTTPClient makes the requests; nil means NewHTTPClient().
	HTTPClient *http.Client
	// Logger receives one line per refresh that changed something or
	// failed; nil discards.
	Logger *slog.Logger
	// Registerer receives patchbot_feed_age_seconds; nil registers nothing.
	Registerer prometheus.Registerer
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func defaults(c *Config) {
	if c.KEV == "" {
		c.KEV = DefaultKEVURL
	}
	if c.EPSSMode == "" {
		c.EPSSMode = EPSSFile
	}
	if c.EPSS == "" {
		c.EPSS = DefaultEPSSURL
		if c.EPSSMode == EPSSAPI {
			c.EPSS = DefaultEPSSAPIURL
		}
	}
	if c.Interval <= 0 {
		c.Interval = DefaultInterval
	}
	if c.Retry <= 0 {
		c.Retry = DefaultRetry
	}
	c.Retry = min(c.Retry, c.Interval)
	if c.FilePoll <= 0 {
		c.FilePoll = DefaultFilePoll
	}
	if c.KEVMaxBytes <= 0 {
		c.KEVMaxBytes = DefaultKEVMaxBytes
	}
	if c.EPSSMaxBytes <= 0 {
		c.EPSSMaxBytes = DefaultEPSSMaxBytes
	}
	if c.EPSSMaxUncompressed <= 0 {
		c.EPSSMaxUncompressed = DefaultEPSSMaxUncompressed
	}
	if c.HTTPClient == nil {
		c.HTTPClient = NewHTTPClient()
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}
