package promguard

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jwtguard/jwtguard/introspect"
)

// Introspection results, the values of the result label of
// jwtguard_introspection_requests_total.
const (
	// IntrospectionOK: the endpoint answered and the token is active.
	IntrospectionOK = "ok"
	// IntrospectionInactive: the endpoint answered and the token is
	// refused: "active": false, or the answer failed a check (expired,
	// another audience, a refresh token...).
	IntrospectionInactive = "inactive"
	// IntrospectionError: no usable answer: the endpoint could not be
	// reached or discovered, answered another status than 200, or sent
	// something that is not an RFC 7662 answer. Tokens get 503.
	IntrospectionError = "error"
	// IntrospectionRateLimited: the client's own flood limits turned the
	// request down before it was sent (introspect.WithRateLimit,
	// WithConcurrency). Tokens get 503.
	IntrospectionRateLimited = "rate_limited"
)

var _ introspect.Observer = (*Metrics)(nil)

// introspectionMetrics are the metrics of introspect.Observer.
type introspectionMetrics struct {
	requests *prometheus.CounterVec
	duration prometheus.Histogram
	cache    *prometheus.CounterVec
	hits     prometheus.Counter
	misses   prometheus.Counter
	counters sync.Map // introspectionKey -> prometheus.Counter
}

type introspectionKey struct{ issuer, result string }

func newIntrospectionMetrics() *introspectionMetrics {
	m := &introspectionMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jwtguard_introspection_requests_total",
			Help: "Token introspection requests (RFC 7662) by configured issuer and result (ok, inactive, error, rate_limited).",
		}, []string{"issuer", "result"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "jwtguard_introspection_duration_seconds",
			Help:    "Time of a token introspection request, failed ones included.",
			Buckets: prometheus.ExponentialBuckets(0.00025, 2, 16), // 250 µs .. ~8 s
		}),
	}
	m.cache = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "jwtguard_introspection_cache_total",
		Help: "Lookups in the introspection answer cache by result (hit, miss).",
	}, []string{"result"})
	m.hits, m.misses = m.cache.WithLabelValues("hit"), m.cache.WithLabelValues("miss")
	return m
}

func (m *introspectionMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.requests, m.duration, m.cache}
}

// count adds one to the requests of issuer with result; counters are
// looked up once per label pair and kept.
func (m *introspectionMetrics) count(issuer, result string) {
	k := introspectionKey{issuer, result}
	c, ok := m.counters.Load(k)
	if !ok {
		c, _ = m.counters.LoadOrStore(k, m.requests.WithLabelValues(issuer, result))
	}
	c.(prometheus.Counter).Inc()
}

// Introspected implements introspect.Observer: one request to the
// endpoint (or a failed discovery of it), counted by result and timed.
func (m *Metrics) Introspected(ev introspect.RequestEvent) {
	result := IntrospectionInactive
	switch ev.Kind {
	case "":
		result = IntrospectionOK
	case introspect.KindUnavailable, introspect.KindBadResponse, introspect.KindDiscovery:
		result = IntrospectionError
	case introspect.KindRateLimited:
		result = IntrospectionRateLimited
	}
	m.introspection.count(ev.Issuer, result)
	m.introspection.duration.Observe(ev.Duration.Seconds())
}

// CacheLookup implements introspect.Observer.
func (m *Metrics) CacheLookup(hit bool, _ introspect.Kind) {
	if hit {
		m.introspection.hits.Inc()
		return
	}
	m.introspection.misses.Inc()
}

// RateLimited implements introspect.Observer: a request the client's flood
// limits turned down counts as a request with result rate_limited.
func (m *Metrics) RateLimited(issuer string) {
	m.introspection.count(issuer, IntrospectionRateLimited)
}
