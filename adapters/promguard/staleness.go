package promguard

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// stalenessCollector exports, at scrape time, how long ago each key source
// last fetched successfully: the number to alert on when an IdP is down.
// A source that has never succeeded reports the time since it was first
// seen failing, so "never worked" alerts too.
type stalenessCollector struct {
	desc *prometheus.Desc
	now  func() time.Time

	mu   sync.Mutex
	last map[string]time.Time
}

func newStalenessCollector() *stalenessCollector {
	return &stalenessCollector{
		desc: prometheus.NewDesc("jwtguard_jwks_seconds_since_last_success",
			"Seconds since the key source last fetched its JWKS successfully (or since its first failure when it never has).",
			[]string{"source"}, nil),
		now:  time.Now,
		last: map[string]time.Time{},
	}
}

func (s *stalenessCollector) success(source string, at time.Time) {
	s.mu.Lock()
	s.last[source] = at
	s.mu.Unlock()
}

// seen registers a source on its first (failed) fetch.
func (s *stalenessCollector) seen(source string) {
	s.mu.Lock()
	if _, ok := s.last[source]; !ok {
		s.last[source] = s.now()
	}
	s.mu.Unlock()
}

func (s *stalenessCollector) Describe(ch chan<- *prometheus.Desc) { ch <- s.desc }

func (s *stalenessCollector) Collect(ch chan<- prometheus.Metric) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for src, t := range s.last {
		ch <- prometheus.MustNewConstMetric(s.desc, prometheus.GaugeValue, now.Sub(t).Seconds(), src)
	}
}
