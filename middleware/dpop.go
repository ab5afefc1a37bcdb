package middleware

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jwtguard/jwtguard/dpop"
	"github.com/jwtguard/jwtguard/jwks"
)

// DPoPMode says whether a Validator accepts DPoP-bound access tokens
// (RFC 9449).
type DPoPMode uint8

const (
	// DPoPAllowed (the default) accepts Bearer tokens and DPoP-bound tokens
	// presented with the DPoP scheme and a valid proof.
	DPoPAllowed DPoPMode = iota
	// DPoPDisabled accepts Bearer tokens only; the DPoP scheme is treated
	// as no token at all.
	DPoPDisabled
	// DPoPRequired accepts DPoP-bound tokens with a valid proof only.
	DPoPRequired
)

// String returns "allowed", "disabled" or "required".
func (m DPoPMode) String() string {
	switch m {
	case DPoPDisabled:
		return "disabled"
	case DPoPRequired:
		return "required"
	}
	return "allowed"
}

type dpopConfig struct {
	mode   DPoPMode
	algs   []jwks.Alg
	window time.Duration
	skew   time.Duration // how far ahead iat may be; never more than window
	replay dpop.ReplayStore
	nonces *dpop.Nonces
	// verifier checks the proofs; nil when DPoP is disabled.
	verifier *dpop.Verifier
}

// newVerifier builds the proof verifier of c, on the validator's clock.
func (c *dpopConfig) newVerifier(now func() time.Time) error {
	if c.mode == DPoPDisabled {
		return nil
	}
	skew := c.skew
	if skew == 0 {
		skew = -1 // dpop.Config: none at all
	}
	vf, err := dpop.NewVerifier(dpop.Config{Algorithms: c.algs, Window: c.window, MaxFutureSkew: skew,
		Replay: c.replay, Nonces: c.nonces, Clock: now})
	c.verifier = vf
	return err
}

// WithDPoP sets the DPoP mode (default DPoPAllowed).
func WithDPoP(mode DPoPMode) Option {
	return func(c *config) error {
		if mode > DPoPRequired {
			return fmt.Errorf("middleware: unknown DPoP mode %d", mode)
		}
		c.dpop.mode = mode
		return nil
	}
}

// WithDPoPAlgorithms sets the algorithms a DPoP proof may use (default:
// every asymmetric one). HMAC algorithms are refused (RFC 9449 section
// 4.2).
func WithDPoPAlgorithms(algs ...jwks.Alg) Option {
	return func(c *config) error {
		if len(algs) == 0 {
			return errors.New("middleware: WithDPoPAlgorithms needs at least one algorithm")
		}
		for _, a := range algs {
			if p, ok := jwks.ParseAlg(string(a)); !ok || p.IsHMAC() {
				return fmt.Errorf("middleware: %q is not an asymmetric algorithm (RFC 9449 section 4.2)", a)
			}
		}
		c.dpop.algs = append([]jwks.Alg(nil), algs...)
		return nil
	}
}

// WithDPoPWindow sets how long after its iat a proof is accepted (default
// 60 s, at most 10 minutes; RFC 9449 section 11.1). Proofs are remembered
// for replay detection until the last instant they could be accepted.
func WithDPoPWindow(d time.Duration) Option {
	return func(c *config) error {
		if d < time.Second || d > 10*time.Minute {
			return errors.New("middleware: the DPoP window must be within [1s, 10m]")
		}
		c.dpop.window = d
		return nil
	}
}

// WithDPoPMaxFutureSkew sets how far ahead of the API's clock a proof's
// iat may be (default dpop.DefaultMaxFutureSkew, 10 s; 0 refuses any proof
// from the future; never more than the window). A proof further ahead is
// refused (RFC 9449 section 11.1): it would be usable, and must be
// remembered, for longer than the window.
func WithDPoPMaxFutureSkew(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 || d > 10*time.Minute {
			return errors.New("middleware: the DPoP future skew must be within [0, 10m]")
		}
		c.dpop.skew = d
		return nil
	}
}

// WithDPoPReplayStore replaces the in-memory replay store
// (dpop.MemoryReplayStore), for services with several replicas (RFC 9449
// section 11.1). When the store fails, requests with DPoP proofs get
// ErrUnavailable (503, ReasonReplayStoreUnavailable), never a 401; a
// client over its key's quota (dpop.ErrReplayKeyQuota) gets
// ErrInvalidDPoPProof with ReasonDPoPReplayQuota.
func WithDPoPReplayStore(s dpop.ReplayStore) Option {
	return func(c *config) error {
		if s == nil {
			return errors.New("middleware: nil replay store")
		}
		c.dpop.replay = s
		return nil
	}
}

// WithDPoPNonce makes the API require server-issued nonces in proofs
// (RFC 9449 section 9; dpop.NewNonces). Nonces are derived from secret (at
// least 32 bytes, the same on every replica, so no state is shared) and
// rotate every period (dpop.DefaultNoncePeriod when 0); a nonce of the
// current or the previous period is accepted. A proof without a valid
// nonce gets the use_dpop_nonce error and a fresh nonce (Error.DPoPNonce),
// which adapters send in the DPoP-Nonce header.
func WithDPoPNonce(secret []byte, period time.Duration) Option {
	return func(c *config) error {
		n, err := dpop.NewNonces(secret, period)
		if err != nil {
			return err
		}
		c.dpop.nonces = n
		return nil
	}
}

// Credentials are what a request presents (RFC 6750 section 2.1,
// RFC 9449 section 7.1). Adapters build them; see CredentialsFromHeader.
type Credentials struct {
	// Scheme is SchemeBearer or SchemeDPoP.
	Scheme string
	Token  string
	// Proofs holds every DPoP header value of the request.
	Proofs []string
	// Method and URL are the request's method and the URI the client
	// addressed (scheme, host, path), for a proof's htm and htu. Behind a
	// proxy the adapter must be told the external URL.
	Method string
	URL    string
	// ClientCertificate returns the client certificate the request
	// presented, for certificate-bound tokens (RFC 8705): (nil, nil) when
	// it presented none, an error wrapping mtls.ErrNoCertificate when it
	// presented one the API may not use (the handshake did not verify
	// it), an error wrapping mtls.ErrProxyHeader when a trusted proxy's
	// certificate header is unusable. Authenticate calls it at most once,
	// and only for a token whose cnf holds x5t#S256; nil means the
	// request has no certificate, so such a token is refused. Adapters
	// set it with package mtls (an Extractor's FromRequest or FromPeer in
	// a closure over the request); CredentialsFromRequest sets
	// mtls.FromRequest.
	ClientCertificate func() (*x509.Certificate, error)
}

// The authorization schemes.
const (
	SchemeBearer = "Bearer"
	SchemeDPoP   = "DPoP"
)

// DPoPMode returns the validator's DPoP mode.
func (v *Validator) DPoPMode() DPoPMode { return v.dpop.mode }

// Authenticate validates the credentials of a request: the access token
// (the checks of Validate but the last) and its sender constraint (RFC
// 7800 cnf). With the Bearer scheme the token must not be DPoP-bound: a
// DPoP-bound token is refused in every mode (downgrade, RFC 9449 section
// 7.2). With the DPoP scheme the token must be DPoP-bound and come with
// its proof (section 7.1): exactly one DPoP header, checked per section
// 4.3, whose key thumbprint equals the token's cnf.jkt, seen for the first
// time.
//
// A certificate-bound token (RFC 8705 cnf.x5t#S256) is accepted under
// either scheme only when c.ClientCertificate returns the certificate of
// that thumbprint (section 3): mutual TLS binding is independent of
// DPoP, and a token bound both ways needs both, the DPoP scheme with its
// proof and the certificate. The certificate is checked before the proof,
// so a request with the wrong certificate never uses up a proof. It is
// refused with ReasonMTLSNoCertificate (no usable certificate),
// ReasonMTLSCertificateMismatch (another certificate),
// ReasonMTLSProxyHeader (a trusted proxy's certificate header is
// unusable: a 401 for the client, an error log for the operator) or
// ReasonClaims (a malformed thumbprint); all are invalid_token. A token
// bound by any other method (RFC 7800 jwk, kid...) is refused under both
// schemes (ReasonUnsupportedConfirmation). Errors carry the scheme used
// and the schemes the API offers, so Challenge renders the right
// challenges.
func (v *Validator) Authenticate(ctx context.Context, c Credentials) (*Claims, error) {
	claims, e := v.authenticate(ctx, &c)
	if e != nil {
		return nil, v.annotate(e, c.Scheme)
	}
	return claims, nil
}

func (v *Validator) authenticate(ctx context.Context, c *Credentials) (*Claims, *Error) {
	switch c.Scheme {
	case SchemeBearer:
		if v.dpop.mode == DPoPRequired && c.Token != "" {
			return nil, invalid(ReasonDPoPRequired, "this API accepts DPoP-bound access tokens only (RFC 9449)")
		}
	case SchemeDPoP:
		if v.dpop.mode == DPoPDisabled {
			return nil, errNoToken()
		}
	default:
		return nil, errNoToken()
	}
	return v.check(ctx, c.Token, c.Scheme, c)
}

// checkProof checks the DPoP proof of c for the verified claims of its
// token (RFC 9449 section 7.1).
func (v *Validator) checkProof(ctx context.Context, c *Credentials, claims *Claims) *Error {
	if len(c.Proofs) != 1 {
		return proofError("the request must carry exactly one DPoP proof header")
	}
	if claims.ConfirmationJKT == "" {
		return invalid(ReasonDPoPNotBound, "the access token is not DPoP-bound (no cnf.jkt)")
	}
	err := v.dpop.verifier.Verify(ctx, c.Proofs[0], dpop.Request{
		Method: c.Method, URL: c.URL, AccessToken: c.Token, JKT: claims.ConfirmationJKT})
	if err != nil {
		return dpopError(err)
	}
	return nil
}

// DPoPNonce returns the nonce to send in a DPoP-Nonce response header, or
// "" when the API does not use nonces (RFC 9449 section 9).
func (v *Validator) DPoPNonce() string {
	if v.dpop.nonces == nil {
		return ""
	}
	return v.dpop.nonces.Current(v.now())
}

// offer derives what the API accepts from the configuration.
func (c *config) offer() offer {
	o := offer{bearer: c.dpop.mode != DPoPRequired, metadata: c.metadata}
	if c.dpop.mode != DPoPDisabled {
		names := make([]string, len(c.dpop.algs))
		for i, a := range c.dpop.algs {
			names[i] = string(a)
		}
		o.dpopAlgs = strings.Join(names, " ")
	}
	return o
}
