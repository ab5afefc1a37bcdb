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
// ways jwtguard accepts a token. It is never the path of a URL.
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
	// PathMTLS: a certificate-bound access token (RFC 8705, cnf
	// x5t#S256) with the Bearer scheme, or with Validate. The event
	// covers the token's checks and the certificate's.
	PathMTLS Path = "mtls"
	// PathDPoPMTLS: a certificate-bound access token with the DPoP
	// scheme, bound to a DPoP key as well (both are required). The event
	// covers the token's checks and the certificate's; those of the proof
	// are Authenticate's.
	PathDPoPMTLS Path = "dpop_mtls"
	// PathIntrospection: an opaque token validated at the authorization
	// server's introspection endpoint (RFC 7662, WithIntrospection), with
	// either scheme. The event's Issuer is the introspection client's.
	PathIntrospection Path = "introspection"
)

// pathOf returns the Path of an authorization scheme.
func pathOf(scheme string) Path {
	if scheme == SchemeDPoP {
		return PathDPoP
	}
	return PathBearer
}

// certificatePath is the Path of a certificate-bound token presented on
// path p.
func certificatePath(p Path) Path {
	if p == PathDPoP {
		return PathDPoPMTLS
	}
	return PathMTLS
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
