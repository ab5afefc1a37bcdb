package jwtguardtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"sync"
	"sync/atomic"

	"github.com/jwtguard/jwtguard/jwks"
)

// Issuer is an in-process authorization server on loopback. Create it with
// NewIssuer and stop it with Close. It is safe for concurrent use.
type Issuer struct {
	srv       *httptest.Server
	base      string // http://127.0.0.1:PORT, no trailing slash
	discovery bool
	noSlash   bool // URL() without the trailing slash

	mu           sync.Mutex
	keys         []*signingKey // published, oldest first
	signer       *signingKey   // the key new tokens are signed with
	seq          int           // kid counter
	doc          []byte        // the JWK Set document of keys
	cacheControl string

	introOnce sync.Once // intro is made on first use: see Introspector
	intro     *Introspector

	outage      atomic.Int32 // HTTP status of a simulated outage; 0 when up
	jwksHits    atomic.Int64
	discoveries atomic.Int64
}

// Option configures an Issuer.
type Option func(*options) error

type options struct {
	alg          jwks.Alg
	cacheControl string
	discovery    bool
	noSlash      bool
}

// WithAlgorithm sets the algorithm of the Issuer's signing key: RS256 (the
// default), RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512 or EdDSA.
// HMAC algorithms are refused: their keys are never published in a JWKS
// (RFC 8725 section 3.2).
func WithAlgorithm(alg jwks.Alg) Option {
	return func(o *options) error {
		if _, ok := jwks.ParseAlg(string(alg)); !ok || alg.IsHMAC() {
			return fmt.Errorf("jwtguardtest: cannot sign with algorithm %q (asymmetric JWS algorithms only)", alg)
		}
		o.alg = alg
		return nil
	}
}

// WithCacheControl sets the Cache-Control header of JWKS answers, e.g.
// "max-age=60". Default: none. SetCacheControl changes it later.
func WithCacheControl(v string) Option {
	return func(o *options) error { o.cacheControl = v; return nil }
}

// WithoutDiscovery makes the discovery documents answer 404, as an issuer
// that publishes only a JWKS does. Key sources must then fall back to
// JWKSURL (see jwks.WithFallbackJWKS).
func WithoutDiscovery() Option {
	return func(o *options) error { o.discovery = false; return nil }
}

// WithoutTrailingSlash makes the issuer identifier (URL, the iss of tokens
// and the discovery document's issuer) end without a slash,
// "http://127.0.0.1:PORT", as Okta, Keycloak and Entra ID (v2.0) name
// theirs. Default: with a trailing slash, as Auth0 does.
func WithoutTrailingSlash() Option {
	return func(o *options) error { o.noSlash = true; return nil }
}

// NewIssuer generates a signing key and starts serving on a loopback port.
// Call Close when done (t.Cleanup(iss.Close)).
func NewIssuer(opts ...Option) (*Issuer, error) {
	o := &options{alg: jwks.RS256, discovery: true}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(o); err != nil {
			return nil, err
		}
	}
	iss := &Issuer{discovery: o.discovery, cacheControl: o.cacheControl, noSlash: o.noSlash}
	if _, err := iss.addKey(o.alg); err != nil {
		return nil, err
	}
	// base is set before the server serves: a request that arrives at
	// once (a client of an earlier issuer on the same port) reads it.
	iss.srv = httptest.NewUnstartedServer(iss.handler())
	iss.base = "http://" + iss.srv.Listener.Addr().String()
	iss.srv.Start()
	return iss, nil
}

// Close stops the server and waits for requests in flight.
func (i *Issuer) Close() { i.srv.Close() }

// URL returns the issuer identifier, exactly as tokens carry it in iss and
// as the discovery document names it: Auth0 style, with a trailing slash,
// e.g. "http://127.0.0.1:41234/", or without it when the Issuer was made
// WithoutTrailingSlash. Discovery documents and the JWKS are served at the
// same URLs either way.
func (i *Issuer) URL() string {
	if i.noSlash {
		return i.base
	}
	return i.base + "/"
}

// JWKSURL returns the URL of the JWK Set, Auth0's location
// "<issuer>.well-known/jwks.json"; discovery's jwks_uri names it too.
func (i *Issuer) JWKSURL() string { return i.base + "/.well-known/jwks.json" }

// DiscoveryURL returns the OpenID Connect discovery document's URL
// (OIDC Discovery 1.0 section 4).
func (i *Issuer) DiscoveryURL() string { return i.base + "/.well-known/openid-configuration" }

// KeyID returns the kid of the key new tokens are signed with.
func (i *Issuer) KeyID() string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.signer.kid
}

// KeyIDs returns the kids of the published keys, oldest first.
func (i *Issuer) KeyIDs() []string {
	i.mu.Lock()
	defer i.mu.Unlock()
	out := make([]string, len(i.keys))
	for n, k := range i.keys {
		out[n] = k.kid
	}
	return out
}

// Algorithm returns the algorithm new tokens are signed with.
func (i *Issuer) Algorithm() jwks.Alg {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.signer.alg
}

// JWKS returns the JWK Set document the Issuer currently serves, for
// tests that want keys without a fetch (jwks.StaticJWKS).
func (i *Issuer) JWKS() []byte {
	i.mu.Lock()
	defer i.mu.Unlock()
	return append([]byte(nil), i.doc...)
}

// Rotate generates a new signing key with the current algorithm and
// publishes it beside the old ones, which stay published (as issuers do
// during a rotation) until RemoveKey. Tokens minted afterwards carry the new
// kid. It returns the new kid.
func (i *Issuer) Rotate() (string, error) { return i.RotateTo(i.Algorithm()) }

// RotateTo is Rotate with a new algorithm.
func (i *Issuer) RotateTo(alg jwks.Alg) (string, error) {
	if err := WithAlgorithm(alg)(&options{}); err != nil {
		return "", err
	}
	return i.addKey(alg)
}

// ErrUnknownKey is returned by RemoveKey for a kid that is not published.
var ErrUnknownKey = errors.New("jwtguardtest: no such key")

// ErrLastKey is returned by RemoveKey for the only published key.
var ErrLastKey = errors.New("jwtguardtest: cannot remove the only key")

// RemoveKey stops publishing the key kid (revocation). When it was the
// signing key, the newest remaining key signs from now on. The last key
// cannot be removed: use SetOutage to make the JWKS unusable.
func (i *Issuer) RemoveKey(kid string) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	for n, k := range i.keys {
		if k.kid != kid {
			continue
		}
		if len(i.keys) == 1 {
			return ErrLastKey
		}
		i.keys = append(i.keys[:n:n], i.keys[n+1:]...)
		if i.signer == k {
			i.signer = i.keys[len(i.keys)-1]
		}
		i.publishLocked()
		return nil
	}
	return fmt.Errorf("%w: %q", ErrUnknownKey, kid)
}

// SetOutage makes discovery and the JWKS answer status (e.g. 503 or 502)
// until SetOutage(0) ends the outage. Statuses outside 400-599 end it too.
func (i *Issuer) SetOutage(status int) {
	if status < 400 || status > 599 {
		status = 0
	}
	i.outage.Store(int32(status))
}

// SetDown is SetOutage(503) when down is true and SetOutage(0) otherwise.
func (i *Issuer) SetDown(down bool) {
	if down {
		i.SetOutage(503)
		return
	}
	i.SetOutage(0)
}

// SetCacheControl sets the Cache-Control header of JWKS answers; "" sends
// none.
func (i *Issuer) SetCacheControl(v string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.cacheControl = v
}

// JWKSFetches returns how many requests reached the JWKS URL, outages and
// 304 answers included.
func (i *Issuer) JWKSFetches() int64 { return i.jwksHits.Load() }

// DiscoveryFetches returns how many requests reached a discovery document.
func (i *Issuer) DiscoveryFetches() int64 { return i.discoveries.Load() }

// addKey generates a key, publishes it and makes it the signing key.
func (i *Issuer) addKey(alg jwks.Alg) (string, error) {
	i.mu.Lock()
	i.seq++
	kid := fmt.Sprintf("key-%d", i.seq)
	i.mu.Unlock()
	k, err := newSigningKey(kid, alg) // slow for RSA: outside the lock
	if err != nil {
		return "", err
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.keys = append(i.keys, k)
	i.signer = k
	i.publishLocked()
	return kid, nil
}

// publishLocked renders the JWK Set document; i.mu is held.
func (i *Issuer) publishLocked() {
	set := struct {
		Keys []map[string]string `json:"keys"`
	}{Keys: make([]map[string]string, len(i.keys))}
	for n, k := range i.keys {
		set.Keys[n] = k.jwk()
	}
	i.doc, _ = json.Marshal(set) // maps of strings always marshal
}
