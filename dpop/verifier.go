package dpop

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jwtguard/jwtguard/internal/jose"
	"github.com/jwtguard/jwtguard/jwks"
)

// Defaults of a Verifier.
const (
	// DefaultWindow is how long after its iat a proof is accepted (RFC
	// 9449 section 11.1).
	DefaultWindow = 60 * time.Second
	// DefaultMaxFutureSkew is how far ahead of the API's clock a proof's
	// iat may be (RFC 9449 section 11.1): a client clock a few seconds
	// fast is common, a proof minted for later use is not. A proof is
	// remembered for replay until max(now, iat) + window, so at most
	// window + skew.
	DefaultMaxFutureSkew = 10 * time.Second
	// maxWindow bounds the window and the skew.
	maxWindow = 10 * time.Minute
)

// DefaultAlgorithms are the proof algorithms accepted by default: every
// asymmetric algorithm (RFC 9449 section 4.2 forbids symmetric ones).
var DefaultAlgorithms = jwks.AsymmetricAlgs

// Config configures a Verifier. The zero Config is the defaults.
type Config struct {
	// Algorithms a proof may use (DefaultAlgorithms when empty); HMAC
	// algorithms are refused (RFC 9449 section 4.2).
	Algorithms []jwks.Alg
	// Window is how long after its iat a proof is accepted (DefaultWindow
	// when 0; within [1s, 10m]).
	Window time.Duration
	// MaxFutureSkew is how far ahead of the clock a proof's iat may be
	// (DefaultMaxFutureSkew when 0; a negative value refuses any proof
	// from the future; at most 10m, and never more than Window).
	MaxFutureSkew time.Duration
	// Replay remembers proofs (a new MemoryReplayStore on Clock when
	// nil). Several replicas share one store.
	Replay ReplayStore
	// Nonces, when set, makes proofs carry a server nonce (RFC 9449
	// section 9).
	Nonces *Nonces
	// Clock is the time proofs' iat are checked against (time.Now when
	// nil).
	Clock func() time.Time
}

// Verifier checks DPoP proofs (RFC 9449 section 4.3) and binds them to
// requests and access tokens. It is immutable after NewVerifier and safe
// for concurrent use.
type Verifier struct {
	algs   []jwks.Alg
	window time.Duration
	skew   time.Duration
	replay ReplayStore
	nonces *Nonces
	now    func() time.Time
}

// NewVerifier returns a Verifier for c, or an error naming what is wrong
// with c.
func NewVerifier(c Config) (*Verifier, error) {
	v := &Verifier{algs: DefaultAlgorithms, window: c.Window, skew: c.MaxFutureSkew,
		replay: c.Replay, nonces: c.Nonces, now: c.Clock}
	if len(c.Algorithms) > 0 {
		for _, a := range c.Algorithms {
			if p, ok := jwks.ParseAlg(string(a)); !ok || p.IsHMAC() {
				return nil, fmt.Errorf("dpop: %q is not an asymmetric algorithm (RFC 9449 section 4.2)", a)
			}
		}
		v.algs = slices.Clone(c.Algorithms)
	}
	if v.window == 0 {
		v.window = DefaultWindow
	}
	if v.window < time.Second || v.window > maxWindow {
		return nil, errors.New("dpop: the window must be within [1s, 10m]")
	}
	switch {
	case v.skew == 0:
		v.skew = DefaultMaxFutureSkew
	case v.skew < 0:
		v.skew = 0
	case v.skew > maxWindow:
		return nil, errors.New("dpop: the future skew must be at most 10m")
	}
	v.skew = min(v.skew, v.window)
	if v.now == nil {
		v.now = time.Now
	}
	if v.replay == nil {
		s := NewMemoryReplayStore(0)
		s.now = v.now // the clock the proofs' iat is checked with
		v.replay = s
	}
	return v, nil
}

// Request is what a proof must match: the request it came with and the
// access token it was sent with.
type Request struct {
	// Method and URL are the request's method and the URI the client
	// addressed (scheme, host, path; behind a proxy, the external one):
	// the proof's htm and htu (RFC 9449 section 4.3, checks 8 and 9).
	Method, URL string
	// AccessToken is the access token, whose hash the proof's ath must be
	// (RFC 9449 section 4.3 check 12, section 7.1).
	AccessToken string
	// JKT is the token's cnf.jkt: the RFC 7638 thumbprint of the key the
	// token is bound to, which must be the proof's key (RFC 9449 section
	// 6.1). A proof never matches "".
	JKT string
}

// Verify checks proof, the value of the request's one DPoP header, against
// req (RFC 9449 section 4.3): its form, signature and claims, the request's
// method and URI, its iat within the window, the access token hash, the
// server nonce when Nonces are configured, the token's key binding, and,
// last, that the proof is used for the first time. It returns nil or an
// *Error.
func (v *Verifier) Verify(ctx context.Context, proof string, req Request) error {
	p, e := v.parse(proof)
	if e != nil {
		return e
	}
	now := v.now()
	if e := v.checkRequest(p, &req, now); e != nil {
		return e
	}
	if p.jkt != req.JKT {
		return proofError("the DPoP proof key is not the key the access token is bound to (cnf.jkt)")
	}
	replayed, err := v.replay.Seen(ctx, ReplayEntry{
		ID:     sha256.Sum256([]byte(p.jkt + "\x00" + p.jti)),
		Key:    sha256.Sum256([]byte(p.jkt)),
		Expiry: replayExpiry(now, p.iat, v.window),
	})
	switch {
	case errors.Is(err, ErrReplayKeyQuota):
		return &Error{Kind: KindQuota, Description: "too many recent DPoP proofs for this key; retry later with a new proof", Err: err}
	case err != nil:
		return &Error{Kind: KindUnavailable, Description: "the DPoP proof cannot be checked for replay now; retry with a new proof", Err: err}
	case replayed:
		return &Error{Kind: KindReplay, Description: "the DPoP proof was already used (jti replay)"}
	}
	return nil
}

// Nonce returns the nonce to send in a DPoP-Nonce response header, or ""
// when the Verifier does not use nonces (RFC 9449 section 9).
func (v *Verifier) Nonce() string {
	if v.nonces == nil {
		return ""
	}
	return v.nonces.Current(v.now())
}

// checkRequest binds a verified proof to the request and the access token
// (RFC 9449 section 4.3, checks 8 to 12; section 7.1 for ath).
func (v *Verifier) checkRequest(p *proof, req *Request, now time.Time) *Error {
	if p.htm != req.Method {
		return proofError("the DPoP proof htm does not match the request method")
	}
	want, okReq := normalizeHTU(req.URL)
	got, okProof := normalizeHTU(p.htu)
	if !okReq || !okProof || got != want {
		return proofError("the DPoP proof htu does not match the request URI")
	}
	// RFC 9449 section 11.1: iat within the window behind now, and at
	// most the future skew ahead of it.
	nowSec := float64(now.UnixNano()) / 1e9
	if p.iat > nowSec+v.skew.Seconds() {
		return proofError("the DPoP proof iat is too far in the future; check the client's clock")
	}
	if nowSec-p.iat > v.window.Seconds() {
		return proofError("the DPoP proof iat is outside the accepted window")
	}
	sum := sha256.Sum256([]byte(req.AccessToken))
	if !p.hasAth || p.ath != base64.RawURLEncoding.EncodeToString(sum[:]) {
		return proofError("the DPoP proof ath does not match the access token")
	}
	if v.nonces != nil && (!p.hasNonce || !v.nonces.Valid(p.nonce, now)) {
		return &Error{Kind: KindNonce, Description: "the resource server requires a DPoP nonce", Nonce: v.nonces.Current(now)}
	}
	return nil
}

// replayMargin is added to a proof's replay expiry: iat and now are
// compared as float seconds, and stores keep time at their own resolution
// (Redis PXAT: milliseconds).
const replayMargin = time.Second

// replayExpiry is how long a proof must be remembered: checkRequest accepts
// it while now - iat <= window, so until iat + window, and never less than
// window from its first use, max(now, iat) + window, plus replayMargin
// (RFC 9449 section 11.1). Remembering it only until now + window would
// let a proof minted ahead of the API's clock be replayed between the two.
func replayExpiry(now time.Time, iat float64, window time.Duration) time.Time {
	last := jose.DateTime(iat)
	if last.Before(now) {
		last = now
	}
	return last.Add(window + replayMargin)
}
