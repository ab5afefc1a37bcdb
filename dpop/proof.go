package dpop

import (
	"crypto"
	"encoding/base64"
	"slices"
	"strings"

	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/jwtguard/jwtguard/internal/jose"
	"github.com/jwtguard/jwtguard/internal/jsonscan"
	"github.com/jwtguard/jwtguard/jwks"
)

// maxProofSize bounds a DPoP proof; real ones are well under 1 KiB (an RSA
// jwk makes the largest).
const maxProofSize = 8 << 10

// proof is a DPoP proof whose signature has been verified.
type proof struct {
	jkt              string  // RFC 7638 SHA-256 thumbprint of the proof key
	jti              string  // unique identifier
	iat              float64 // seconds
	htm, htu         string
	ath, nonce       string
	hasAth, hasIat   bool
	hasHtm, hasHtu   bool
	hasJTI, hasNonce bool
}

// privateJWKMembers would reveal a private key (RFC 7518 section 6): a
// proof's jwk must be public (RFC 9449 section 4.3, check 7).
var privateJWKMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

// parse checks the form and signature of a DPoP proof (RFC 9449 section
// 4.3, checks 2 to 7): a compact JWS with typ dpop+jwt, an allowed
// asymmetric alg, a public jwk it verifies with, and the claims jti, htm,
// htu, iat.
func (v *Verifier) parse(raw string) (*proof, *Error) {
	if len(raw) > maxProofSize {
		return nil, proofError("the DPoP proof is too large")
	}
	parts, f, _ := jose.Split(raw)
	if f != jose.NoFault {
		return nil, proofError("the DPoP proof is not a compact JWS")
	}
	hdr, ok := jose.DecodeSegmentString(parts.Header)
	if !ok {
		return nil, proofError("the DPoP proof header is not valid base64url")
	}
	var typ, alg string
	var jwkRaw []byte
	var r jsonscan.Reader
	r.Reset(hdr)
	for ok && r.Next() {
		switch r.Key() {
		case "typ":
			typ, ok = r.ReadStringTyped()
		case "alg":
			alg, ok = r.ReadStringTyped()
		case "jwk":
			if r.Peek() != '{' {
				ok = false
				break
			}
			jwkRaw, ok = r.SkipValue()
		case "crit":
			return nil, proofError("the DPoP proof header lists critical extensions (crit)")
		default:
			_, ok = r.SkipValue()
		}
	}
	if r.Err() != nil || !ok {
		return nil, proofError("the DPoP proof header is not valid")
	}
	if !strings.EqualFold(typ, "dpop+jwt") {
		return nil, proofError("the DPoP proof typ is not dpop+jwt")
	}
	a, known := jwks.ParseAlg(alg)
	if !known || a.IsHMAC() || !slices.Contains(v.algs, a) {
		return nil, proofError("the DPoP proof algorithm is not allowed")
	}
	key, jkt, e := proofKey(jwkRaw, a)
	if e != nil {
		return nil, e
	}
	sig, ok := jose.DecodeSegmentString(parts.Signature)
	if !ok || !key.Verify(jose.BytesOf(parts.SigningInput), sig) {
		return nil, proofError("the DPoP proof signature is invalid")
	}
	payload, ok := jose.DecodeSegmentString(parts.Payload)
	if !ok {
		return nil, proofError("the DPoP proof payload is not valid base64url")
	}
	p, e := decodeProofClaims(payload)
	if e != nil {
		return nil, e
	}
	p.jkt = jkt
	return p, nil
}

// proofKey turns the proof's jwk into a key bound to alg and computes its
// RFC 7638 thumbprint (RFC 9449 section 6.1).
func proofKey(raw []byte, alg jwks.Alg) (*jwks.Key, string, *Error) {
	if raw == nil {
		return nil, "", proofError("the DPoP proof header has no jwk")
	}
	var r jsonscan.Reader
	r.Reset(raw)
	for r.Next() {
		if slices.Contains(privateJWKMembers, r.Key()) {
			return nil, "", proofError("the DPoP proof jwk holds private key material")
		}
		if _, ok := r.SkipValue(); !ok {
			break
		}
	}
	if r.Err() != nil {
		return nil, "", proofError("the DPoP proof jwk is not valid JSON")
	}
	jk, err := jwk.ParseKey(raw)
	if err != nil {
		return nil, "", proofError("the DPoP proof jwk is not a valid key")
	}
	var pub any
	if err := jwk.Export(jk, &pub); err != nil {
		return nil, "", proofError("the DPoP proof jwk is not a valid key")
	}
	key, err := jwks.NewKey("", string(alg), pub)
	if err != nil {
		return nil, "", proofError("the DPoP proof jwk does not fit its algorithm")
	}
	tp, err := jk.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, "", proofError("the DPoP proof jwk has no thumbprint")
	}
	return key, base64.RawURLEncoding.EncodeToString(tp), nil
}

// decodeProofClaims reads the claims of RFC 9449 section 4.2, with types
// enforced.
func decodeProofClaims(data []byte) (*proof, *Error) {
	p := &proof{}
	var r jsonscan.Reader
	r.Reset(data)
	ok := true
	for ok && r.Next() {
		switch r.Key() {
		case "jti":
			p.jti, ok = r.ReadStringTyped()
			p.hasJTI = true
		case "htm":
			p.htm, ok = r.ReadStringTyped()
			p.hasHtm = true
		case "htu":
			p.htu, ok = r.ReadStringTyped()
			p.hasHtu = true
		case "iat":
			p.iat, ok = jose.ReadDate(&r)
			p.hasIat = true
		case "ath":
			p.ath, ok = r.ReadStringTyped()
			p.hasAth = true
		case "nonce":
			p.nonce, ok = r.ReadStringTyped()
			p.hasNonce = true
		default:
			_, ok = r.SkipValue()
		}
	}
	switch {
	case r.Err() != nil || !ok:
		return nil, proofError("the DPoP proof claims are not valid")
	case !p.hasJTI || p.jti == "" || !p.hasHtm || !p.hasHtu || !p.hasIat:
		return nil, proofError("the DPoP proof lacks jti, htm, htu or iat")
	}
	return p, nil
}
