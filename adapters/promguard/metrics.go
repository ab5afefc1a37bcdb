package promguard

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jwtguard/jwtguard/jwks"
	"github.com/jwtguard/jwtguard/middleware"
)

// Validation results, the values of the result label.
const (
	ResultAccepted = "accepted" // signature verified and every check passed
	ResultCached   = "cached"   // accepted from the verified-token cache
	ResultRefused  = "refused"
)

// untrusted labels validations refused before the token's issuer matched
// the configuration: the token's own iss is never a label value.
const untrusted = "untrusted"

// Metrics records jwtguard's events as Prometheus metrics. It implements
// middleware.Observer, jwks.Observer and introspect.Observer and is safe
// for concurrent use.
type Metrics struct {
	validations *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	fetches     *prometheus.CounterVec
	keys        *prometheus.GaugeVec
	lastSuccess *prometheus.GaugeVec
	unknownKID  *prometheus.CounterVec
	byResult    map[string]prometheus.Observer
	counters    sync.Map // validationKey -> prometheus.Counter
	staleness   *stalenessCollector

	introspection *introspectionMetrics
}

type validationKey struct {
	issuer, result string
	reason         middleware.Reason
}

var (
	_ middleware.Observer = (*Metrics)(nil)
	_ jwks.Observer       = (*Metrics)(nil)
)

// New creates the metrics and registers them with reg. It fails when reg
// already holds metrics of the same names (two Metrics on one registry).
func New(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		validations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jwtguard_validations_total",
			Help: "Access token validations by configured issuer, result (accepted, cached, refused) and refusal reason.",
		}, []string{"issuer", "result", "reason"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "jwtguard_validation_duration_seconds",
			Help:    "Time to validate an access token, by result.",
			Buckets: prometheus.ExponentialBuckets(1e-6, 2.5, 14), // 1 us .. ~150 ms
		}, []string{"result"}),
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jwtguard_jwks_fetches_total",
			Help: "JWKS fetches by key source, trigger (initial, scheduled, unknown_kid) and result (success, not_modified, error).",
		}, []string{"source", "trigger", "result"}),
		keys: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "jwtguard_jwks_keys",
			Help: "Usable verification keys held by each key source.",
		}, []string{"source"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "jwtguard_jwks_last_success_timestamp_seconds",
			Help: "Unix time of the last successful JWKS fetch (or 304) of each key source.",
		}, []string{"source"}),
		unknownKID: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jwtguard_jwks_unknown_kid_refreshes_total",
			Help: "Refreshes asked for because a token named an unknown kid, by result (fetched, rate_limited).",
		}, []string{"source", "result"}),
		staleness:     newStalenessCollector(),
		introspection: newIntrospectionMetrics(),
	}
	for _, c := range append([]prometheus.Collector{m.validations, m.duration, m.fetches, m.keys, m.lastSuccess, m.unknownKID, m.staleness},
		m.introspection.collectors()...) {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	m.byResult = map[string]prometheus.Observer{}
	for _, r := range []string{ResultAccepted, ResultCached, ResultRefused} {
		m.byResult[r] = m.duration.WithLabelValues(r)
	}
	return m, nil
}

// Validated implements middleware.Observer. Counters are looked up once per
// label combination and kept, so an event costs a map read and two atomic
// adds.
func (m *Metrics) Validated(ev middleware.ValidationEvent) {
	k := validationKey{issuer: ev.Issuer, reason: ev.Reason, result: ResultAccepted}
	switch {
	case ev.Reason != "":
		k.result = ResultRefused
	case ev.Cached:
		k.result = ResultCached
	}
	if k.issuer == "" {
		k.issuer = untrusted
	}
	c, ok := m.counters.Load(k)
	if !ok {
		reason := string(k.reason)
		if reason == "" {
			reason = "none"
		}
		c, _ = m.counters.LoadOrStore(k, m.validations.WithLabelValues(k.issuer, k.result, reason))
	}
	c.(prometheus.Counter).Inc()
	m.byResult[k.result].Observe(ev.Duration.Seconds())
}

// KeysFetched implements jwks.Observer.
func (m *Metrics) KeysFetched(ev jwks.FetchEvent) {
	result := "success"
	switch {
	case ev.Err != nil:
		result = "error"
	case ev.NotModified:
		result = "not_modified"
	}
	m.fetches.WithLabelValues(ev.Source, string(ev.Trigger), result).Inc()
	if ev.Source == middleware.ResolvedIssuerLabel {
		// The sources of every issuer a resolver named without a label
		// report under this one name: their fetches add up, but a key
		// count or a last success of one of them says nothing of the
		// others, so those gauges are left out.
		return
	}
	m.keys.WithLabelValues(ev.Source).Set(float64(ev.Keys))
	if ev.Err == nil {
		now := time.Now()
		m.lastSuccess.WithLabelValues(ev.Source).Set(float64(now.UnixNano()) / 1e9)
		m.staleness.success(ev.Source, now)
	} else {
		m.staleness.seen(ev.Source)
	}
}

// UnknownKIDRefresh implements jwks.Observer.
func (m *Metrics) UnknownKIDRefresh(source string, refused bool) {
	result := "fetched"
	if refused {
		result = "rate_limited"
	}
	m.unknownKID.WithLabelValues(source, result).Inc()
}
