package middleware

import "context"

// ContextObserver is an Observer that also wants the context given to
// Validate (or Authenticate), so that what it records joins the request's
// trace: an OpenTelemetry span started by otelhttp or otelgrpc lives in
// that context (see adapters/otelguard). When the observer given to
// WithObserver implements it, ValidatedContext is called instead of
// Validated, once per validation, on the request's goroutine, after the
// checks: it adds nothing before them. Like Validated it must be fast,
// safe for concurrent use and never block; it must not keep ctx.
type ContextObserver interface {
	Observer
	ValidatedContext(ctx context.Context, ev ValidationEvent)
}

// Path says how the token of a validation was presented and checked: a
// fixed list, safe as a metric label or span attribute, that grows with the
// ways jwtguard accepts a token (certificate-bound tokens, RFC 8705, and
// introspection, RFC 7662, will have values of their own). It is never the
// path of a URL.
type Path string

// The paths.
const (
	// PathBearer: Validate, or Authenticate with the Bearer scheme
	// (RFC 6750): the token alone.
	PathBearer Path = "bearer"
	// PathDPoP: Authenticate with the DPoP scheme (RFC 9449). The event
	// covers the token's checks and the proof's, so a replayed proof or a
	// failing replay store (ReasonReplayStoreUnavailable) is reported.
	PathDPoP Path = "dpop"
)

// pathOf returns the Path of an authorization scheme.
func pathOf(scheme string) Path {
	if scheme == SchemeDPoP {
		return PathDPoP
	}
	return PathBearer
}

// notify hands ev to o, with ctx when o wants it. The type assertion is
// the only cost over a plain Validated call, and only with an observer.
func notify(ctx context.Context, o Observer, ev *ValidationEvent) {
	if co, ok := o.(ContextObserver); ok {
		co.ValidatedContext(ctx, *ev)
		return
	}
	o.Validated(*ev)
}
