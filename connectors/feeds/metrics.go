package feeds

import (
	"math"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// ageCollector exports patchbot_feed_age_seconds, computed at scrape time.
type ageCollector struct{ s *Store }

var ageDesc = prometheus.NewDesc("patchbot_feed_age_seconds",
	"Seconds since each feed's copy in use was last confirmed current by its source (+Inf before the first good copy).",
	[]string{"feed"}, nil)

func (c ageCollector) Describe(ch chan<- *prometheus.Desc) { ch <- ageDesc }

func (c ageCollector) Collect(ch chan<- prometheus.Metric) {
	now := c.s.now()
	for _, f := range c.s.fileFeeds() {
		ch <- prometheus.MustNewConstMetric(ageDesc, prometheus.GaugeValue, f.st.age(now), string(f.name))
	}
	if c.s.api != nil {
		ch <- prometheus.MustNewConstMetric(ageDesc, prometheus.GaugeValue, c.s.api.st.age(now), string(FeedEPSS))
	}
}

// age is the gauge's value: seconds since the copy was last confirmed
// current, +Inf when there is no copy, so an alert on a threshold fires
// for a feed that never loaded too.
func (st *state) age(now time.Time) float64 {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.entries == 0 || st.meta.VerifiedAt.IsZero() {
		return math.Inf(1)
	}
	return max(now.Sub(st.meta.VerifiedAt).Seconds(), 0)
}
