// Package promguard exports jwtguard's metrics to Prometheus.
//
// One value implements both observer hooks of jwtguard, so one option
// wires it:
//
//	m, err := promguard.New(prometheus.DefaultRegisterer)
//	v, err := middleware.New(issuer, audience, middleware.WithObserver(m))
//
// (a key source passed with middleware.WithKeys takes jwks.WithObserver(m)
// itself, and an introspection client passed with
// middleware.WithIntrospection takes introspect.WithObserver(m); one that
// middleware.WithIntrospectionEndpoint builds is wired). The metrics:
//
//	jwtguard_validations_total{issuer,result,reason}    counter
//	jwtguard_validation_duration_seconds{result}        histogram
//	jwtguard_jwks_fetches_total{source,trigger,result}  counter
//	jwtguard_jwks_keys{source}                          gauge
//	jwtguard_jwks_last_success_timestamp_seconds{source} gauge
//	jwtguard_jwks_seconds_since_last_success{source}    gauge
//	jwtguard_jwks_unknown_kid_refreshes_total{source,result} counter
//	jwtguard_introspection_requests_total{issuer,result} counter
//	jwtguard_introspection_duration_seconds             histogram
//	jwtguard_introspection_cache_total{result}          counter
//
// Labels stay bounded: issuer is a configured issuer (or its label) or
// "untrusted", never a value read from a token; the issuers a
// middleware.IssuerResolver names count as "resolved" (or the label the
// resolver gives them), in issuer and source alike, and "resolved" sources
// have fetch counters but no keys, last-success or staleness gauges, which
// would mix tenants up; reason comes from middleware.Reasons; source is a
// configured key-source name; result and trigger come from fixed lists
// (introspection results: ok, inactive, error, rate_limited; cache
// results: hit, miss).
// The package is named promguard so it never clashes with prometheus.
package promguard
