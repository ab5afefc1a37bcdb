package middleware

import (
	"context"
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
	offer      offer      // the schemes accepted, for challenges
	revocation Revocation // nil: none
}

// New returns a Validator for tokens issued by issuer (compared exactly,
// trailing slash included: RFC 7519 section 4.1.1, RFC 9068 section 4) for
// the API identified by audience. Both are required. Unless WithKeys is
// given, keys come from the issuer's discovery document through a
// jwks.Discover source that New starts and Close stops; construction never
// blocks on the network. Configuration errors are returned here, never on
// the first request.
func New(issuer, audience string, opts ...Option) (*Validator, error) {
	if err := checkIssuer(issuer); err != nil {
		return nil, err
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
	seen := map[string]bool{}
	for _, ic := range c.issuers {
		if err := checkIssuer(ic.issuer); err != nil {
			return nil, err
		}
		if seen[ic.issuer] {
			return nil, errors.New("middleware: issuer " + ic.issuer + " configured twice")
		}
		seen[ic.issuer] = true
	}
	c.dpop.skew = min(c.dpop.skew, c.dpop.window)
	if err := c.dpop.newVerifier(c.now); err != nil {
		return nil, err
	}
	if c.issuers[0].keys == nil {
		src, err := jwks.Discover(issuer, c.sourceOptions()...)
		if err != nil {
			return nil, err
		}
		c.issuers[0].keys, c.issuers[0].owned = src, true
	}
	return &Validator{
		issuers:    c.issuers,
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
		revocation: c.revocation,
	}, nil
}

func cacheFor(size int) *tokenCache {
	if size <= 0 {
		return nil
	}
	return newTokenCache(size)
}

// Close stops the key sources New created. Sources passed with WithKeys or
// WithIssuer belong to the caller.
func (v *Validator) Close() error {
	var errs []error
	for _, ic := range v.issuers {
		if c, ok := ic.keys.(io.Closer); ok && ic.owned {
			errs = append(errs, c.Close())
		}
	}
	return errors.Join(errs...)
}

// Issuers returns the trusted issuers, primary first.
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
//  6. sender constraint (RFC 7800 cnf): a Bearer token must be unbound. A
//     DPoP-bound token (cnf.jkt) is refused with ReasonDPoPDowngrade (RFC
//     9449 section 7.2): only Authenticate, with the DPoP scheme and a
//     proof, accepts it. Any other binding (RFC 8705 x5t#S256, RFC 7800
//     jwk, jwe, kid, jku, unknown members, an empty cnf) is refused with
//     ReasonUnsupportedConfirmation;
//  7. the revocation list (WithRevocation), for tokens the cache answers
//     for too: a revoked token is ReasonRevoked, a failing list
//     ReasonRevocationUnavailable (ErrUnavailable, 503).
//
// Every error is an *Error wrapping ErrInvalidToken, ErrMissingToken,
// ErrKeysUnavailable or (a failing revocation list) ErrUnavailable.
func (v *Validator) Validate(ctx context.Context, token string) (*Claims, error) {
	cs, e := v.check(ctx, token, SchemeBearer, nil)
	if e != nil {
		return nil, e
	}
	return cs, nil
}

// check validates token, then its sender constraint for scheme (Claims.
// bindingError), then consults the revocation list and, for the DPoP
// scheme, verifies the proof of c; it reports all of it to the observer as
// one validation. The binding and the revocation list run after the
// verified-token cache: the cache holds what the signature vouches for,
// the binding depends on how the token came and the list changes. c is
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
		e = cs.bindingError(scheme)
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
				ev.Issuer, ev.Cached = c.Issuer, true
			}
			return c, nil
		}
	}
	// jose.SplitFast splits an ordinary token; any other shape gets
	// splitCompact's precise error.
	parts, fast := jose.SplitFast(token)
	if !fast {
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
	ic, e := v.checkClaims(cs, now)
	if ic != nil && ev != nil {
		ev.Issuer = ic.issuer
	}
	if e != nil {
		return nil, e
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
	c.namespaces = v.namespaces
	if v.cache != nil {
		v.cache.put(token, c, cs.exp+v.leeway, key, ic.keys)
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
// the issuer is matched it is returned with any later error too.
func (v *Validator) checkClaims(cs *claimSet, nowSec float64) (*issuerConfig, *Error) {
	c := &cs.Claims
	ic := v.issuer(c.Issuer)
	if ic == nil {
		return nil, invalid(ReasonIssuer, "the token issuer is not trusted by this API").
			withHint(issuerHint(c.Issuer, v.Issuers()))
	}
	if e := cs.kindError(); e != nil {
		return ic, e
	}
	if !v.audienceOK(c.Audience) {
		return ic, invalid(ReasonAudience, "the token is not intended for this API (aud)").
			withHint(audienceHint(c.Audience, v.audiences))
	}
	if !cs.hasExp {
		return ic, invalid(ReasonMissingExpiry, "the token has no expiry (exp)")
	}
	if nowSec >= cs.exp+v.leeway {
		return ic, invalid(ReasonExpired, "the token has expired")
	}
	if cs.hasNbf && nowSec < cs.nbf-v.leeway {
		return ic, invalid(ReasonNotYetValid, "the token is not valid yet (nbf)")
	}
	if cs.hasIat && cs.iat > nowSec+v.leeway {
		return ic, invalid(ReasonIssuedInFuture, "the token was issued in the future (iat)")
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

func (v *Validator) issuer(iss string) *issuerConfig {
	for i := range v.issuers {
		if v.issuers[i].issuer == iss {
			return &v.issuers[i]
		}
	}
	return nil
}

func (v *Validator) audienceOK(aud []string) bool {
	for _, a := range aud {
		if contains(v.audiences, a) {
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
