// Package otelguard records jwtguard's events with OpenTelemetry: a span
// per validation, a child of the request span that otelhttp or otelgrpc
// started, a span per JWKS fetch, and metrics that mirror promguard's.
//
// It depends on the OpenTelemetry API only; the application chooses the SDK
// and exporters and installs them globally or passes them in:
//
//	o, err := otelguard.New() // or New(WithTracerProvider(tp), WithMeterProvider(mp))
//	v, err := middleware.New(issuer, audience, middleware.WithObserver(o))
//
// (a key source passed with middleware.WithKeys takes jwks.WithObserver(o)
// itself). The Validator hands the context given to Validate or
// Authenticate to o (middleware.ContextObserver), so the validation span
// joins the request's trace.
//
// Spans:
//
//	jwtguard.validate     jwtguard.issuer, jwtguard.result, jwtguard.path,
//	                      jwtguard.cache.hit; when refused also jwtguard.reason
//	                      and error.type (the reason), status Error
//	jwtguard.jwks.fetch   jwtguard.jwks.source, jwtguard.jwks.trigger,
//	                      jwtguard.result, jwtguard.jwks.keys, .keys.added,
//	                      .keys.removed; status Error with the error's text
//
// A key fetch is shared by every request waiting for it and runs on the
// key source's goroutine: its span starts a trace of its own.
//
// Metrics, with the promguard metric of the same meaning (attribute keys
// are jwtguard.issuer, .result, .reason, .path, .jwks.source and
// .jwks.trigger):
//
//	jwtguard.validations                 counter {validation}  issuer, result, reason, path  jwtguard_validations_total
//	jwtguard.validation.duration         histogram s           result                        jwtguard_validation_duration_seconds
//	jwtguard.jwks.fetches                counter {fetch}       source, trigger, result       jwtguard_jwks_fetches_total
//	jwtguard.jwks.keys                   gauge {key}           source                        jwtguard_jwks_keys
//	jwtguard.jwks.last_success           gauge s (Unix time)   source                        jwtguard_jwks_last_success_timestamp_seconds
//	jwtguard.jwks.staleness              gauge s               source                        jwtguard_jwks_seconds_since_last_success
//	jwtguard.jwks.unknown_kid.refreshes  counter {refresh}     source, result                jwtguard_jwks_unknown_kid_refreshes_total
//
// The reason is "none" on metrics of accepted tokens, as in promguard;
// path adds "bearer", "dpop", "mtls", "dpop_mtls" or "introspection"
// (middleware.Path) to what promguard counts.
//
// Never recorded: the token, a signature, a claim value (sub, client,
// scopes...) or a kid. Attribute values stay bounded: the issuer is a
// configured issuer or "untrusted", never the iss of a refused token; the
// issuers a middleware.IssuerResolver names are "resolved" (or the label
// the resolver gives them), as issuer and source, and "resolved" sources
// have fetch counters but no keys, last-success or staleness gauges;
// reason, path, result and trigger come from fixed lists; source is a
// configured key-source name.
//
// Cost: the validation span is recorded after the checks with the
// event's start and duration (trace.WithTimestamp), so nothing is added
// before them; attributes are built once per combination and the
// validation counter is an atomic add. What remains is the SDK's span and
// histogram record (see the benchmarks). Without an observer the Validator
// pays nothing.
package otelguard
