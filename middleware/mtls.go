package middleware

import (
	"context"
	"crypto/x509"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jwtguard/jwtguard/mtls"
)

// Certificate-bound access tokens (RFC 8705 section 3): a token whose cnf
// holds x5t#S256 is accepted only from a request whose client certificate
// has that thumbprint, under either scheme. The certificate comes from
// Credentials.ClientCertificate, which adapters fill from the TLS
// connection (package mtls) and which is called only for such a token.

// WithCertificateBoundTokens declares that this API accepts
// certificate-bound access tokens (RFC 8705): it is served over TLS and
// asks clients for certificates (tls.Config.ClientAuth
// VerifyClientCertIfGiven or stricter), or sits behind a proxy that
// forwards them (see mtls.WithProxyHeader), and its adapters hand the
// certificates on. ResourceMetadata then says
// tls_client_certificate_bound_access_tokens: true (RFC 9728 section 2),
// so clients know they may ask their authorization server for such tokens.
//
// The option only tells clients. Binding is verified with or without it:
// a token whose cnf holds x5t#S256 is accepted only when the request's
// client certificate has that thumbprint (RFC 8705 section 3), and tokens
// without cnf are accepted as before.
func WithCertificateBoundTokens() Option {
	return func(c *config) error { c.certBound = true; return nil }
}

// certificateError verifies a certificate-bound token (bound, its
// cnf.x5t#S256) against the request's certificate, read from get only now
// (mtls.VerifyFrom: a malformed thumbprint is refused first, a nil get has
// no certificate). It allocates only to refuse.
func (v *Validator) certificateError(ctx context.Context, bound string, get func() (*x509.Certificate, error)) *Error {
	err := mtls.VerifyFrom(bound, get)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, mtls.ErrMalformedThumbprint):
		return invalid(ReasonClaims, "the access token's cnf.x5t#S256 is not a certificate thumbprint (RFC 8705 section 3.1)")
	case errors.Is(err, mtls.ErrCertificateMismatch):
		return invalid(ReasonMTLSCertificateMismatch,
			"the access token is certificate-bound (RFC 8705) to another client certificate than the one the request presented").
			withHint(hintMTLS)
	case errors.Is(err, mtls.ErrProxyHeader):
		// Only a trusted proxy's header is read: it is the deployment
		// that is broken (or a proxy that lets clients' own headers
		// through). The client still gets a 401, never a 5xx it could
		// cause; operators get this log and the reason's metric.
		v.logProxyHeader(ctx, err)
		return invalid(ReasonMTLSProxyHeader,
			"the access token is certificate-bound (RFC 8705) and the client certificate forwarded by this API's proxy could not be used").
			withCause(err)
	case errors.Is(err, mtls.ErrNoCertificate):
		return invalid(ReasonMTLSNoCertificate,
			"the access token is certificate-bound (RFC 8705) and the request presented no client certificate this API could use").
			withHint(noCertificateHint(get)).withCause(err)
	}
	// A source of the application's own failed otherwise: fail closed,
	// as AsError does with foreign errors.
	return invalid(ReasonInternal, "the client certificate of the request could not be read").withCause(err)
}

const hintMTLS = "send the request over mutual TLS with the client certificate the access token was issued for " +
	"(its SHA-256 thumbprint is the token's cnf.x5t#S256)"

// noCertificateHint is hintMTLS, and when the validation had no source of
// certificates at all (Validate, or an adapter that passes none), how to
// give it one.
func noCertificateHint(get func() (*x509.Certificate, error)) string {
	if get == nil {
		return hintMTLS + "; Validator.Validate has no request to read a certificate from: " +
			"use Authenticate with Credentials.ClientCertificate (the jwtguard adapters do)"
	}
	return hintMTLS
}

// proxyLogInterval is the least time between two logs of unusable proxy
// headers by one validator: a broken proxy fails every bound request.
const proxyLogInterval = time.Minute

// logProxyHeader logs an unusable certificate header of a trusted proxy at
// error level (the validator's logger, else slog.Default), at most once
// per proxyLogInterval, with the count of those not logged. The error
// names the header and the problem, never the header's value.
func (v *Validator) logProxyHeader(ctx context.Context, err error) {
	l := v.logger
	if l == nil {
		l = slog.Default()
	}
	v.proxyLog.suppressed.Add(1)
	now := time.Now().UnixNano()
	next := v.proxyLog.next.Load()
	if now < next || !v.proxyLog.next.CompareAndSwap(next, now+int64(proxyLogInterval)) {
		return
	}
	n := v.proxyLog.suppressed.Swap(0)
	l.LogAttrs(ctx, slog.LevelError, "jwtguard: unusable client certificate header from a trusted proxy; certificate-bound tokens are refused (mtls_proxy_header)",
		slog.String("error", err.Error()), slog.Int64("occurrences", n))
}

// proxyLog rate-limits logProxyHeader.
type proxyLog struct {
	next       atomic.Int64 // unix nanoseconds before which nothing is logged
	suppressed atomic.Int64 // occurrences since the last log, this one included
}
