package middleware

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/jwtguard/jwtguard/dpop"
	"github.com/jwtguard/jwtguard/internal/jose"
	"github.com/jwtguard/jwtguard/jwks"
)

// Validator validates JWT access tokens (RFC 9068) for one API. It is
// immutable after New and safe for concurrent use.
type Validator struct {
	issuers    []issuerConfig
	byIssuer   map[string]*issuerConfig // when there are many issuers
	resolver   *resolver                // nil without WithIssuerResolver
	audiences  []string
	algs       []jwks.Alg
	leeway     float64 // seconds
	maxSize    int
	strictType bool
	namespaces []string
	now        func() time.Time
	cache      *tokenCache // nil when disabled
	observer   Observer
	logger     *slog.Logger
	dpop       dpopConfig
	offer      offer // the schemes accepted, for challenges
	certBound  bool  // WithCertificateBoundTokens: said in ResourceMetadata
	proxyLog   *proxyLog
	intro      *introspection // opaque tokens (WithIntrospection); nil: refused
	revocation Revocation     // nil: none
}

// New returns a Validator for tokens issued by issuer (compared exactly,
// trailing slash included: RFC 7519 section 4.1.1, RFC 9068 section 4) for
// the API identified by audience. Both are required, except that issuer
// may be "" when WithIssuerResolver names the issuers. Unless WithKeys is
// given, keys come from the issuer's discovery document through a
// jwks.Discover source that New starts and Close stops; construction never
// blocks on the network. Configuration errors are returned here, never on
// the first request. More issuers: WithIssuers, WithIssuerConfig,
// WithIssuerAliases, WithIssuerResolver.
func New(issuer, audience string, opts ...Option) (*Validator, error) {
	if issuer != "" {
		if err := checkIssuer(issuer); err != nil {
			return nil, err
		}
	}
	if audience == "" {
		return nil, errors.New("middleware: an audience (the API identifier) is required")
	}
	c := &config{
		issuers:   []issuerConfig{{issuer: issuer}},
		audiences: []string{audience},
		algs:      jwks.AsymmetricAlgs,
		leeway:    DefaultLeeway,
		maxSize:   DefaultMaxTokenSize,
		now:       time.Now,
		cacheSize: DefaultCacheSize,
		dpop:      dpopConfig{algs: dpop.DefaultAlgorithms, window: dpop.DefaultWindow, skew: dpop.DefaultMaxFutureSkew},
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(c); err != nil {
			return nil, err
		}
	}
	if err := c.setupIssuers(); err != nil {
		return nil, err
	}
	c.dpop.skew = min(c.dpop.skew, c.dpop.window)
	if err := c.dpop.newVerifier(c.now); err != nil {
		return nil, err
	}
	intro, err := c.newIntrospection()
	if err != nil {
		return nil, err
	}
	if err := c.startSources(); err != nil {
		intro.close()
		return nil, err
	}
	return &Validator{
		issuers:    c.issuers,
		byIssuer:   issuerIndex(c.issuers),
		resolver:   c.newResolver(),
		audiences:  c.audiences,
		algs:       c.algs,
		leeway:     c.leeway.Seconds(),
		maxSize:    c.maxSize,
		strictType: c.strictType,
		namespaces: c.namespaces,
		now:        c.now,
		cache:      cacheFor(c.cacheSize),
		observer:   c.observer,
		logger:     c.logger,
		dpop:       c.dpop,
		offer:      c.offer(),
		certBound:  c.certBound,
		proxyLog:   &proxyLog{},
		intro:      intro,
		revocation: c.revocation,
	}, nil
}

func cacheFor(size int) *tokenCache {
	if size <= 0 {
		return nil
	}
	return newTokenCache(size)
}

// Close stops the key sources New created and those of resolved issuers
// (WithIssuerResolver), and closes the idle connections of the
// introspection client WithIntrospectionEndpoint built. Sources passed with
// WithKeys, WithIssuer or IssuerConfig.Keys, and a client passed with
// WithIntrospection, belong to the caller.
func (v *Validator) Close() error {
	v.intro.close()
	var errs []error
	if v.resolver != nil {
		errs = append(errs, v.resolver.close())
	}
	for _, ic := range v.issuers {
		if c, ok := ic.keys.(io.Closer); ok && ic.owned {
			errs = append(errs, c.Close())
		}
	}
	return errors.Join(errs...)
}

// Issuers returns the configured issuers, primary first, aliases
// included; never the issuers a resolver names.
func (v *Validator) Issuers() []string {
	out := make([]string, len(v.issuers))
	for i, ic := range v.issuers {
		out[i] = ic.issuer
	}
	return out
}

// Audiences returns the accepted audiences.
func (v *Validator) Audiences() []string { return slices.Clone(v.audiences) }

// Validate checks a compact JWS access token presented as a Bearer token
// (RFC 6750) and returns its claims. The checks run cheapest first, so a
// flood of junk costs little and only a token that passed format,
// algorithm, issuer, audience, time and type checks can make a key source
// fetch for an unknown kid:
//
//  1. size, compact form, base64url alphabet (RFC 7515 section 7.1);
//  2. header: JSON, no crit (RFC 7515 section 4.1.11), not JWE, not nested
//     (RFC 7519 section 5.2), typ (RFC 9068 section 4), alg allowed;
//  3. claims: types (RFC 7519 section 4.1), iss exact, aud contains an
//     accepted audience, exp required and in the future, nbf, iat (with
//     leeway), no ID-token markers and no other token kind (RFC 9068
//     section 4, OIDC Core 2; see claimSet.kindError);
//  4. key of that issuer by kid, bound to exactly the header's alg;
//  5. signature, with the standard library;
//  6. sender constraint (RFC 7800 cnf): a token bound to anything is
//     refused, since Validate has no request to check the binding
//     against; only Authenticate accepts bound tokens. A DPoP-bound token
//     (cnf.jkt) is refused with ReasonDPoPDowngrade (RFC 9449 section
//     7.2); a certificate-bound one (RFC 8705 cnf.x5t#S256) with
//     ReasonMTLSNoCertificate (ReasonClaims when the thumbprint is
//     malformed); any other binding (RFC 7800 jwk, jwe, kid, jku, unknown
//     members, an empty cnf) with ReasonUnsupportedConfirmation.
//
// With WithIntrospection, a token of any other shape than a JWS (three
// segments) or a JWE (five) is not refused as opaque but validated at the
// introspection endpoint (RFC 7662), then its sender constraint as in 6 and the revocation list as in 7.
//
//  7. the revocation list (WithRevocation), for tokens the cache answers
//     for too: a revoked token is ReasonRevoked, a failing list
//     ReasonRevocationUnavailable (ErrUnavailable, 503).
//
// Every error is an *Error wrapping ErrInvalidToken, ErrMissingToken or
// ErrUnavailable (ErrKeysUnavailable, the introspection endpoint, or a
// failing revocation list).
func (v *Validator) Validate(ctx context.Context, token string) (*Claims, error) {
	cs, e := v.check(ctx, token, SchemeBearer, nil)
	if e != nil {
		return nil, e
	}
	return cs, nil
}

// check validates token, then its sender constraint for scheme and the
// client certificate of c (bindingError), then consults the revocation list
// and, for the DPoP scheme, verifies the proof of c; it reports all of it to
// the observer as one validation. The binding and the revocation list run
// after the verified-token cache: the cache holds what the signature vouches
// for, the binding depends on how the token came and the list changes. c is
// nil for Validate.
func (v *Validator) check(ctx context.Context, token, scheme string, c *Credentials) (*Claims, *Error) {
	if v.observer == nil && v.logger == nil {
		return v.verdict(ctx, token, scheme, c, nil)
	}
	start := time.Now()
	ev := ValidationEvent{Path: pathOf(scheme)}
	cs, e := v.verdict(ctx, token, scheme, c, &ev)
	v.observe(ctx, &ev, start, e)
	return cs, e
}

// verdict is check without the observer.
func (v *Validator) verdict(ctx context.Context, token, scheme string, c *Credentials, ev *ValidationEvent) (*Claims, *Error) {
	cs, e := v.validate(ctx, token, ev)
	if e == nil {
		if ev != nil && cs.cnf&cnfX5T != 0 {
			ev.Path = certificatePath(ev.Path)
		}
		var cert func() (*x509.Certificate, error)
		if c != nil {
			cert = c.ClientCertificate
		}
		e = v.bindingError(ctx, cs, scheme, cert)
	}
	if e == nil && v.revocation != nil {
		e = v.revocationError(ctx, cs)
	}
	if e == nil && c != nil && scheme == SchemeDPoP {
		e = v.checkProof(ctx, c, cs)
	}
	if e != nil {
		return nil, e
	}
	return cs, nil
}

// validate runs the checks; ev, when not nil, learns the matched issuer
// and whether the cache answered.
func (v *Validator) validate(ctx context.Context, token string, ev *ValidationEvent) (*Claims, *Error) {
	if token == "" {
		return nil, NewError(ErrMissingToken, ReasonMissingToken, "no access token")
	}
	if len(token) > v.maxSize {
		return nil, invalid(ReasonTooLarge, "the access token is larger than this API accepts")
	}
	now := v.nowSeconds() // one clock read serves the cache and the claims
	if v.cache != nil {
		if c := v.cache.get(token, now); c != nil {
			if ev != nil {
				ev.Issuer, ev.Cached = c.issuerLabel, true
			}
			return c, nil
		}
	}
	// jose.SplitFast splits an ordinary token; any other shape gets
	// splitCompact's precise error.
	parts, fast := jose.SplitFast(token)
	if !fast {
		if v.intro != nil && opaqueShape(token) {
			return v.introspect(ctx, token, ev)
		}
		var e *Error
		if parts, e = splitCompact(token); e != nil {
			return nil, e
		}
	}
	// One buffer for header and payload: claims strings are views of it.
	// All three segments are decoded before any check: the strict decoder
	// refuses every character outside base64url, so the alphabet scan of
	// splitCompact runs only to name the culprit of a failure, and a token
	// with a bad character never gets further than it did with the scan.
	hlen := base64.RawURLEncoding.DecodedLen(len(parts.Header))
	buf := make([]byte, hlen+base64.RawURLEncoding.DecodedLen(len(parts.Payload)))
	var sigStack [512]byte // RSA up to 4096 bits
	hdrJSON, hok := jose.DecodeSegment(buf[:hlen], parts.Header)
	payload, pok := jose.DecodeSegment(buf[hlen:], parts.Payload)
	sig, sok := jose.DecodeSegment(segmentBuffer(&sigStack, parts.Signature), parts.Signature)
	if !hok || !pok || !sok {
		if _, e := splitCompact(token); e != nil {
			return nil, e
		}
	}
	if !hok {
		return nil, invalid(ReasonEncoding, "the token header is not valid base64url")
	}
	var h header
	if e := decodeHeader(hdrJSON, &h); e != nil {
		return nil, e
	}
	alg, e := v.checkHeader(&h)
	if e != nil {
		return nil, e
	}
	if !pok {
		return nil, invalid(ReasonEncoding, "the token payload is not valid base64url")
	}
	cs := &claimSet{}
	if e := decodeClaims(payload, cs); e != nil {
		return nil, e
	}
	ic, e := v.checkClaims(ctx, cs, now)
	if ic != nil && ev != nil {
		ev.Issuer = ic.label
	}
	if e != nil {
		return nil, e
	}
	if ic.algs != nil && !slices.Contains(ic.algs, alg) { // the issuer's own, narrower list
		return nil, invalid(ReasonAlgorithm, "the token algorithm is not allowed")
	}
	key, e := v.findKey(ctx, ic, h.kid, alg)
	if e != nil {
		return nil, e
	}
	if e := verifySignature(key, parts.SigningInput, sig, sok); e != nil {
		return nil, e
	}
	c := &cs.Claims
	c.Algorithm, c.KeyID, c.Type = h.alg, h.kid, h.typ
	c.namespaces, c.issuerLabel = ic.namespaces, ic.label
	if v.cache != nil {
		v.cache.put(token, c, min(cs.exp+v.leeway, ic.expires), key, ic.keys)
	}
	return c, nil
}

func (v *Validator) nowSeconds() float64 {
	now := v.now()
	return float64(now.Unix()) + float64(now.Nanosecond())/1e9
}

// checkHeader applies the header rules and returns the allowed algorithm.
func (v *Validator) checkHeader(h *header) (jwks.Alg, *Error) {
	if h.encrypted {
		return "", invalid(ReasonEncrypted, "the token header is a JWE header; this API accepts signed JWT access tokens only")
	}
	if h.crit {
		// RFC 7515 section 4.1.11: extensions listed in crit must be
		// understood; this validator understands none.
		return "", invalid(ReasonCrit, "the token header lists critical extensions (crit) this API does not support")
	}
	if h.b64False {
		return "", invalid(ReasonCrit, "unencoded payloads (RFC 7797 b64) are not supported")
	}
	if strings.EqualFold(h.cty, "JWT") || strings.EqualFold(h.cty, "application/jwt") {
		return "", invalid(ReasonNested, "nested JWTs (cty JWT) are not accepted (RFC 8725 section 2.8)")
	}
	if e := v.checkType(h.typ); e != nil {
		return "", e
	}
	alg, ok := jwks.ParseAlg(h.alg)
	if !ok || !slices.Contains(v.algs, alg) {
		if h.alg == "" {
			return "", invalid(ReasonAlgorithm, "the token header has no alg")
		}
		return "", invalid(ReasonAlgorithm, "the token algorithm is not allowed")
	}
	return alg, nil
}

// checkType applies the typ policy of RFC 9068 section 4 and RFC 8725
// section 3.11: at+jwt is always accepted; JWT and no typ only when not
// strict; anything else (id+jwt, dpop+jwt, logout+jwt...) never.
func (v *Validator) checkType(typ string) *Error {
	t := typ
	if len(t) > 12 && strings.EqualFold(t[:12], "application/") {
		t = t[12:]
	}
	switch {
	case strings.EqualFold(t, "at+jwt"):
		return nil
	case !v.strictType && (typ == "" || strings.EqualFold(t, "jwt")):
		return nil
	case v.strictType:
		return invalid(ReasonTokenType, "the token is not an RFC 9068 access token (typ at+jwt)")
	}
	return invalid(ReasonTokenType, "the token type is not an access token type")
}

// checkClaims applies the claim rules and returns the token's issuer; once
// the issuer is matched it is returned with any later error too. An issuer
// that is not configured is asked of the resolver, if any, once the checks
// that do not depend on the issuer have passed (see resolver.go).
func (v *Validator) checkClaims(ctx context.Context, cs *claimSet, nowSec float64) (*issuerConfig, *Error) {
	c := &cs.Claims
	ic := v.issuer(c.Issuer)
	if ic == nil {
		if v.resolver == nil {
			return nil, untrustedIssuer(c.Issuer, v.Issuers())
		}
		if e := cs.kindError(); e != nil {
			return nil, e
		}
		if e := v.checkTimes(cs, nowSec); e != nil {
			return nil, e
		}
		var e *Error
		if ic, e = v.resolver.issuer(ctx, c.Issuer, nowSec); e != nil {
			return nil, e
		}
	}
	if e := cs.kindError(); e != nil {
		return ic, e
	}
	if !audienceOK(ic.audiences, c.Audience) {
		return ic, invalid(ReasonAudience, "the token is not intended for this API (aud)").
			withHint(audienceHint(c.Audience, ic.audiences))
	}
	if e := v.checkTimes(cs, nowSec); e != nil {
		return ic, e
	}
	c.ExpiresAt = jose.DateTime(cs.exp)
	if cs.hasNbf {
		c.NotBefore = jose.DateTime(cs.nbf)
	}
	if cs.hasIat {
		c.IssuedAt = jose.DateTime(cs.iat)
	}
	return ic, nil
}

// checkTimes applies the rules of exp, nbf and iat (with leeway).
func (v *Validator) checkTimes(cs *claimSet, nowSec float64) *Error {
	if !cs.hasExp {
		return invalid(ReasonMissingExpiry, "the token has no expiry (exp)")
	}
	if nowSec >= cs.exp+v.leeway {
		return invalid(ReasonExpired, "the token has expired")
	}
	if cs.hasNbf && nowSec < cs.nbf-v.leeway {
		return invalid(ReasonNotYetValid, "the token is not valid yet (nbf)")
	}
	if cs.hasIat && cs.iat > nowSec+v.leeway {
		return invalid(ReasonIssuedInFuture, "the token was issued in the future (iat)")
	}
	return nil
}

// Token kinds that Keycloak writes in the payload's typ claim, which is
// not the JOSE header typ of RFC 7515 section 4.1.9.
const (
	kindBearer = "Bearer" // an access token
	kindDPoP   = "DPoP"   // a DPoP-bound access token (Keycloak with DPoP)
	kindID     = "ID"     // an ID token
)

// kindError refuses tokens that are not access tokens by their claims. An
// ID token is for the client, not for an API (OIDC Core section 2, RFC
// 9068 section 4), and issuers such as Auth0 type both "JWT", so claims
// decide:
//
//   - at_hash and c_hash mark an ID token, always;
//   - a payload typ claim, when present, names the kind of the token, as
//     Keycloak does: "Bearer" and "DPoP" are access tokens, "ID" an ID
//     token, and anything else ("Refresh", "Offline", "Logout"...) not an
//     access token; a typ claim that is not a string was refused by
//     decodeClaims already;
//   - nonce marks an ID token, unless the typ claim names an access token:
//     Keycloak copies the authorization request's nonce into its access
//     tokens (keycloak-js sends one by default), and the typ claim it signs
//     tells them from its ID tokens, which it types "ID".
//
// azp and aud are not consulted: the typ claim is signed, so an issuer that
// types its tokens never presents an ID token typed "Bearer", and for the
// issuers that do not type them the markers are what tells.
func (cs *claimSet) kindError() *Error {
	access := false
	if cs.hasKind {
		switch cs.kind {
		case kindBearer, kindDPoP:
			access = true
		case kindID:
			return idTokenError()
		default:
			return invalid(ReasonTokenType, "the token's typ claim says it is not an access token (a refresh, offline or logout token, for example)")
		}
	}
	if cs.idTokenMarker != "" || cs.hasNonce && !access {
		return idTokenError()
	}
	return nil
}

func idTokenError() *Error {
	return invalid(ReasonIDToken, "an ID token was sent instead of an access token").
		withHint(hintIDToken)
}

// issuer returns the configured issuer iss, or nil: a scan of a few, a map
// lookup of many (issuerIndex); neither allocates.
func (v *Validator) issuer(iss string) *issuerConfig {
	if v.byIssuer != nil {
		return v.byIssuer[iss]
	}
	for i := range v.issuers {
		if v.issuers[i].issuer == iss {
			return &v.issuers[i]
		}
	}
	return nil
}

// audienceOK reports whether aud names one of the accepted audiences.
func audienceOK(accepted, aud []string) bool {
	for _, a := range aud {
		if contains(accepted, a) {
			return true
		}
	}
	return false
}

// findKey returns the issuer's key for kid, refreshing the source once when
// the kid is unknown. The key must be bound to exactly alg: one key never
// verifies under two algorithms (RFC 8725 section 3.1).
func (v *Validator) findKey(ctx context.Context, ic *issuerConfig, kid string, alg jwks.Alg) (*jwks.Key, *Error) {
	set := ic.keys.Keys()
	key, ok := set.Lookup(kid)
	if !ok && (kid != "" || set.Len() == 0) {
		var err error
		set, err = ic.keys.Refresh(ctx, kid)
		if set.Len() == 0 {
			return nil, NewError(ErrKeysUnavailable, ReasonKeysUnavailable,
				"the verification keys are not available yet; try again shortly").withCause(err)
		}
		key, ok = set.Lookup(kid)
	}
	if !ok {
		if kid == "" {
			return nil, invalid(ReasonUnknownKey, "the token has no kid and the issuer has several keys")
		}
		return nil, invalid(ReasonUnknownKey, "the token was signed with an unknown key (kid)")
	}
	if key.Alg() != alg {
		return nil, invalid(ReasonKeyMismatch, "the token algorithm does not match its key")
	}
	return key, nil
}

// verifySignature checks sig, the decoded signature; decoded false means
// its base64url was not canonical, reported here so that the order of the
// checks (and of their errors) stays that of Validate's documentation.
func verifySignature(key *jwks.Key, signingInput string, sig []byte, decoded bool) *Error {
	if !decoded {
		return invalid(ReasonEncoding, "the token signature is not valid base64url")
	}
	if !key.Verify(jose.BytesOf(signingInput), sig) {
		return invalid(ReasonSignature, "the token signature is invalid")
	}
	return nil
}
