package introspect

import "time"

// RequestEvent describes one finished request to the introspection
// endpoint, or a failed discovery of it. It never carries the token or
// anything read from the answer but the HTTP status.
type RequestEvent struct {
	// Issuer is Config.Issuer: configuration, safe as a metric label.
	Issuer string
	// Kind is "" when the token was accepted, else why it was refused or
	// why there was no usable answer.
	Kind Kind
	// StatusCode is the endpoint's HTTP status; 0 when there was no
	// answer (connection refused, timeout).
	StatusCode int
	Duration   time.Duration
}

// Observer receives a Client's events, for metrics. Methods are called on
// the goroutine of the Introspect call: they must be fast, safe for
// concurrent use and never block. Without an observer (the default) a
// Client pays nothing.
type Observer interface {
	// Introspected reports a finished request to the endpoint, and an
	// Introspect call that could not ask because the endpoint could not be
	// discovered (Kind KindDiscovery, StatusCode 0).
	Introspected(RequestEvent)
	// CacheLookup reports one Introspect call's cache lookup (only when
	// the cache is enabled). hit is true when the cache answered; kind is
	// then the cached outcome ("" for an active token). A miss may still
	// join a request already in flight for the same token.
	CacheLookup(hit bool, kind Kind)
	// RateLimited reports a request turned down by WithRateLimit or
	// WithConcurrency before it was sent; issuer is Config.Issuer.
	RateLimited(issuer string)
}
