package middleware

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/jwtguard/jwtguard/internal/jose"
	"github.com/jwtguard/jwtguard/introspect"
)

// introspection is how a Validator validates opaque access tokens: at an
// RFC 7662 introspection endpoint, through an introspect.Client (with its
// cache, single flight and flood limits).
type introspection struct {
	client *introspect.Client
	issuer string // client.Issuer(), one of the Validator's issuers
	owned  bool   // built by WithIntrospectionEndpoint: Close releases it
	memo   claimsMemo
	warned atomic.Int64 // unix nanoseconds of the last failure logged
}

// introspectionWarnEvery is the least time between two warnings about a
// failing introspection endpoint.
const introspectionWarnEvery = 30 * time.Second

// introspectionConfig is what WithIntrospection and WithIntrospectionEndpoint
// leave for New.
type introspectionConfig struct {
	client *introspect.Client // WithIntrospection
	// WithIntrospectionEndpoint: New builds the client.
	build                bool
	endpoint, id, secret string
	opts                 []introspect.Option
	given                int // how many of the two options were given
}

// WithIntrospection validates opaque access tokens with c, an RFC 7662
// token introspection client, as Okta, Keycloak, ORY Hydra, Ping and other
// authorization servers that do not issue JWTs require. A token that is a
// compact JWS (three segments) is validated locally as always; a JWE (five
// segments) is refused as before (ReasonEncrypted); any other token, which
// without introspection is refused with ReasonOpaque, is introspected.
//
// c.Issuer() must be exactly one of the Validator's trusted issuers (the
// one given to New, or one given with WithIssuer), and each of
// c.Audiences() one of its audiences (New or WithAudiences): New fails
// otherwise, so that an opaque token is never accepted for an issuer or an
// audience a JWT would be refused for. Configure introspect.Config.Issuer
// and Audiences to match.
//
// An introspected token is answered exactly as a JWT with the same claims
// would be: its Claims are read from the answer (see Claims.Introspected;
// Raw returns the answer's JSON, so Custom, DecodeCustom and namespaces
// work), a cnf binding is honoured as a JWT's (cnf.jkt needs the DPoP
// scheme and a proof; any other binding is refused), and scopes come from
// scope (and scp, permissions). An answer refusing the token is 401
// invalid_token with the reason of the matching JWT check, or
// ReasonInactive for "active": false; an endpoint that cannot answer is 503
// (ErrUnavailable, ReasonIntrospectionUnavailable or
// ReasonIntrospectionRateLimited), never 401 and never an accepted token;
// its cause is logged at warn (WithLogger, else slog.Default), at most
// every 30 s.
//
// Introspected tokens never enter the verified-token cache (WithTokenCache):
// c caches answers itself (introspect.WithCache), and a revoked token is
// refused once its cached answer expires or c.Invalidate forgets it. Ready
// and Prime do not wait for introspection: there are no keys to load. With
// introspect.Config.Endpoint empty, the endpoint is discovered on the first
// opaque token (call introspect.DiscoverEndpoint at startup to fail fast).
//
// The Validator does not close c: c.CloseIdleConnections is the caller's.
// WithIntrospection may be given once, and not with
// WithIntrospectionEndpoint.
func WithIntrospection(c *introspect.Client) Option {
	return func(cfg *config) error {
		if c == nil {
			return errors.New("middleware: WithIntrospection given a nil client")
		}
		cfg.introspection.client = c
		cfg.introspection.given++
		return nil
	}
}

// WithIntrospectionEndpoint is WithIntrospection with a client New builds
// for the Validator: introspect.Config with the issuer given to New, every
// audience of the Validator, its leeway, and endpoint (the introspection
// endpoint URL; "" discovers it from the issuer's metadata), clientID and
// clientSecret (sent with client_secret_basic). The client runs on the
// Validator's clock (WithClock) and reports to the Validator's observer
// when that is an introspect.Observer too (adapters/promguard's Metrics
// is); opts come last and win. Validator.Close closes its idle
// connections; Validator.Introspection returns it (for Invalidate).
func WithIntrospectionEndpoint(endpoint, clientID, clientSecret string, opts ...introspect.Option) Option {
	return func(cfg *config) error {
		cfg.introspection = introspectionConfig{
			build: true, endpoint: endpoint, id: clientID, secret: clientSecret,
			opts: slices.Clone(opts), given: cfg.introspection.given + 1,
		}
		return nil
	}
}

// newIntrospection builds the Validator's introspection from c, or returns
// nil when neither option was given.
func (c *config) newIntrospection() (*introspection, error) {
	ic := &c.introspection
	switch {
	case ic.given == 0:
		return nil, nil
	case ic.given > 1:
		return nil, errors.New("middleware: introspection configured twice (WithIntrospection, WithIntrospectionEndpoint): an opaque token does not name its issuer, so one introspection client serves a Validator")
	}
	in := &introspection{client: ic.client}
	if ic.build {
		leeway := c.leeway
		if leeway == 0 {
			leeway = time.Nanosecond // 0 is introspect's default (60 s); a nanosecond is none
		}
		opts := []introspect.Option{introspect.WithClock(c.now)}
		if o, ok := c.observer.(introspect.Observer); ok {
			opts = append(opts, introspect.WithObserver(o))
		}
		cl, err := introspect.New(introspect.Config{
			Issuer: c.issuers[0].issuer, Endpoint: ic.endpoint,
			ClientID: ic.id, ClientSecret: ic.secret,
			Audiences: slices.Clone(c.audiences), Leeway: leeway,
		}, append(opts, ic.opts...)...)
		if err != nil {
			return nil, fmt.Errorf("middleware: WithIntrospectionEndpoint: %w", err)
		}
		in.client, in.owned = cl, true
	}
	in.issuer = in.client.Issuer()
	trusted := false
	for _, is := range c.issuers {
		trusted = trusted || is.issuer == in.issuer
	}
	if !trusted {
		names := make([]string, len(c.issuers))
		for i, is := range c.issuers {
			names[i] = is.issuer
		}
		return nil, fmt.Errorf("middleware: the introspection client's issuer %q is not one this Validator trusts (%s); "+
			"introspect.Config.Issuer must be exactly one of them, trailing slash included", in.issuer, configured(names))
	}
	for _, a := range in.client.Audiences() {
		if !slices.Contains(c.audiences, a) {
			return nil, fmt.Errorf("middleware: the introspection client accepts audience %q, which this Validator does not (%s); "+
				"accept it with WithAudiences too, or remove it from introspect.Config.Audiences", a, configured(c.audiences))
		}
	}
	return in, nil
}

// Introspection returns the introspection client of the Validator
// (WithIntrospection, WithIntrospectionEndpoint), for Invalidate and Purge,
// or nil when it has none.
func (v *Validator) Introspection() *introspect.Client {
	if v.intro == nil {
		return nil
	}
	return v.intro.client
}

// close releases a client the Validator built.
func (in *introspection) close() {
	if in != nil && in.owned {
		in.client.CloseIdleConnections()
	}
}

// introspect validates an opaque token at the endpoint and returns its
// claims. ev learns the path and the issuer (configuration: the client's).
func (v *Validator) introspect(ctx context.Context, token string, ev *ValidationEvent) (*Claims, *Error) {
	in := v.intro
	if ev != nil {
		ev.Path, ev.Issuer = PathIntrospection, in.issuer
	}
	if len(token) > introspect.MaxTokenBytes {
		return nil, invalid(ReasonTooLarge, "the access token is larger than this API accepts")
	}
	res, err := in.client.Introspect(ctx, token)
	if err != nil {
		e := v.introspectionError(err)
		if e.category == ErrUnavailable {
			v.warnIntrospection(ctx, err)
		}
		return nil, e
	}
	return in.memo.claims(res, v.claimsOf)
}

// warnIntrospection logs why the endpoint gave no usable answer, at warn,
// at most every introspectionWarnEvery, to the Validator's logger or
// slog.Default: 503s need a cause an operator can read. The client's error
// may name the endpoint, never the token.
func (v *Validator) warnIntrospection(ctx context.Context, err error) {
	in := v.intro
	now := time.Now().UnixNano()
	last := in.warned.Load()
	if last != 0 && now-last < int64(introspectionWarnEvery) || !in.warned.CompareAndSwap(last, now) {
		return
	}
	l := v.logger
	if l == nil {
		l = slog.Default()
	}
	l.LogAttrs(ctx, slog.LevelWarn, "jwtguard: token introspection failed; opaque tokens are answered 503",
		slog.String("issuer", in.issuer), slog.String("error", err.Error()))
}

// claimsOf reads the Claims of an active answer: the answer's JSON is
// decoded as a JWT payload is (same types, same cnf), then the members the
// introspection client checked are taken from res. It fails only for a
// member a JWT would be refused for too (bad_claims), and for a token_type
// of DPoP without cnf.jkt.
func (v *Validator) claimsOf(res *introspect.Result) (*Claims, *Error) {
	cs := &claimSet{}
	if e := decodeClaims(res.Raw(), cs); e != nil {
		return nil, e
	}
	c := &cs.Claims
	if c.Issuer == "" {
		c.Issuer = v.intro.issuer // RFC 7662 makes iss optional; the client's issuer answered
	}
	c.Audience = res.Audience
	c.ExpiresAt, c.NotBefore, c.IssuedAt = res.ExpiresAt, res.NotBefore, res.IssuedAt
	c.Username = res.Username
	c.Introspected = true
	c.namespaces = v.namespaces
	if strings.EqualFold(res.TokenType, SchemeDPoP) && c.cnf&cnfJKT == 0 {
		// RFC 9449 section 6.2: a DPoP-bound token's answer names its key
		// in cnf.jkt. Without it the binding cannot be checked: refused
		// under every scheme, as a JWT with a binding it cannot verify.
		return nil, invalid(ReasonUnsupportedConfirmation,
			"the authorization server says the access token is DPoP-bound (token_type DPoP) but names no key (cnf.jkt)").
			withHint("request a Bearer or a DPoP-bound (cnf jkt, RFC 9449) access token for this API")
	}
	return c, nil
}

// introspectionError maps an error of introspect.Client.Introspect to the
// reason the matching JWT check has: refusals are 401 invalid_token,
// failures of the endpoint 503 (ErrUnavailable) with the Retry-After the
// client knows. The description never quotes the client's error, which may
// name the endpoint: that is the cause, for logs.
func (v *Validator) introspectionError(err error) *Error {
	var ie *introspect.Error
	if !errors.As(err, &ie) || ie.Unavailable() {
		e := NewError(ErrUnavailable, ReasonIntrospectionUnavailable,
			"the authorization server cannot confirm the access token right now; try again shortly").withCause(err)
		if ie != nil && ie.Kind == introspect.KindRateLimited {
			e.Reason = ReasonIntrospectionRateLimited
			e.Description = "too many access tokens are waiting for the authorization server's confirmation; try again shortly"
			e.RetryAfter = ie.RetryAfter
		}
		return e
	}
	var e *Error
	switch ie.Kind {
	case introspect.KindInactive:
		e = invalid(ReasonInactive, "the access token is not active (revoked, expired or unknown to the authorization server)").
			withHint("the authorization server's introspection endpoint (RFC 7662) answered \"active\": false: get a new access token")
	case introspect.KindMalformedToken:
		e = invalid(ReasonMalformed, "the access token is not an RFC 6750 bearer token")
	case introspect.KindNotAccessToken:
		e = invalid(ReasonTokenType, "the authorization server says the token is not an access token (a refresh or ID token, for example)").
			withHint("send the access_token of the token response, not the refresh_token or the id_token")
	case introspect.KindIssuerMismatch:
		e = invalid(ReasonIssuer, "the token issuer is not trusted by this API")
	case introspect.KindMissingAud:
		e = invalid(ReasonAudience, "the token is not intended for this API (aud)").withHint(audienceHint(nil, v.audiences))
	case introspect.KindAudience:
		e = invalid(ReasonAudience, "the token is not intended for this API (aud)").
			withHint("the authorization server says the token is for another audience; this API accepts " + configured(v.audiences) +
				": the client must request an access token for this API (" + howToRequest(v.audiences[0]) + ")")
	case introspect.KindMissingExpiry:
		e = invalid(ReasonMissingExpiry, "the token has no expiry (exp)")
	case introspect.KindExpired:
		e = invalid(ReasonExpired, "the token has expired")
	case introspect.KindNotYetValid:
		e = invalid(ReasonNotYetValid, "the token is not valid yet (nbf)")
	case introspect.KindIssuedInFuture:
		e = invalid(ReasonIssuedInFuture, "the token was issued in the future (iat)")
	default: // a refusal of a kind this package does not know: refused
		e = invalid(ReasonInactive, "the authorization server refused the access token")
	}
	return e.withCause(err)
}

// opaqueShape reports whether jose.Split calls tok Opaque (neither three
// nor five segments, and no JOSE header first), the tokens that go to
// introspection. A common opaque token (hex, base64url, "ory_at_...") is
// told apart without allocating: the first base64url quantum of a JOSE
// header decodes to '{' or white space. Anything else asks jose.Split.
func opaqueShape(tok string) bool {
	if n := strings.Count(tok, "."); n == 2 || n == 4 {
		return false
	}
	if len(tok) >= 4 {
		var b [3]byte
		if n, err := base64.RawURLEncoding.Decode(b[:], jose.BytesOf(tok[:4])); err == nil && n > 0 &&
			b[0] != '{' && b[0] != ' ' && b[0] != '\t' && b[0] != '\r' && b[0] != '\n' {
			return true
		}
	}
	_, f, _ := jose.Split(tok)
	return f == jose.Opaque
}

// claimsMemo remembers the Claims read from recent introspection answers,
// keyed by the identity of the *introspect.Result, so that a token answered
// from the introspect.Client's cache costs no decoding and no allocation.
// It is not a token cache: only the client decides whether a token is
// active, and a new answer is a new Result. Direct-mapped: each Result
// hashes (by address) to one slot holding one immutable entry behind an
// atomic pointer; a newer answer replaces an older one. Answers over
// memoMaxRaw bytes are not remembered, which bounds what the slots keep
// alive beyond the client's cache.
type claimsMemo struct {
	slots [memoSlots]atomic.Pointer[memoEntry]
}

const (
	memoBits   = 8
	memoSlots  = 1 << memoBits
	memoMaxRaw = 8 << 10
)

type memoEntry struct {
	res    *introspect.Result
	claims *Claims
}

// claims returns the Claims of res, from the memo or from read. Refusals
// are not remembered: each caller gets an Error of its own.
func (m *claimsMemo) claims(res *introspect.Result, read func(*introspect.Result) (*Claims, *Error)) (*Claims, *Error) {
	// Fibonacci hashing of the address: Go's heap does not move objects,
	// and an entry keeps its Result alive, so an address is never reused
	// while a slot names it.
	slot := &m.slots[uint64(uintptr(unsafe.Pointer(res)))*0x9E3779B97F4A7C15>>(64-memoBits)]
	if e := slot.Load(); e != nil && e.res == res {
		return e.claims, nil
	}
	c, e := read(res)
	if e == nil && len(res.Raw()) <= memoMaxRaw {
		slot.Store(&memoEntry{res: res, claims: c})
	}
	return c, e
}
