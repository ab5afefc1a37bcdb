package jwks

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/lestrrat-go/jwx/v3/jwk"
)

// Document limits. A document over either limit is rejected whole: for a
// remote source that is a failed fetch and the previous set stays.
const (
	MaxDocumentBytes = 1 << 20 // 1 MiB
	MaxKeys          = 100
)

// ErrMalformedDocument is wrapped by every error about a JWKS document as a
// whole (not JSON, no "keys" array, too large, too many keys).
var ErrMalformedDocument = errors.New("jwks: malformed JWK Set")

// jwkHead holds the members read before a key is handed to jwx, by exact
// name (see object).
type jwkHead struct {
	Kty, Kid, Crv string
	Use, Alg      *string
	KeyOps        []string
	hasKeyOps     bool
	hasD          bool
}

// readHead reads the members that decide whether and how a JWK is used.
// Each must have its JSON type when present.
func readHead(o object) (jwkHead, error) {
	var h jwkHead
	var err error
	if h.Kty, _, err = o.str("kty"); err != nil {
		return h, err
	}
	if h.Kid, _, err = o.str("kid"); err != nil {
		return h, err
	}
	if h.Crv, _, err = o.str("crv"); err != nil {
		return h, err
	}
	for name, dst := range map[string]**string{"use": &h.Use, "alg": &h.Alg} {
		v, present, err := o.str(name)
		if err != nil {
			return h, err
		}
		if present {
			*dst = &v
		}
	}
	if raw, ok := o["key_ops"]; ok {
		h.hasKeyOps = true
		if len(raw) == 0 || raw[0] != '[' {
			return h, errors.New("member \"key_ops\" is not an array")
		}
		if err := json.Unmarshal(raw, &h.KeyOps); err != nil {
			return h, fmt.Errorf("member \"key_ops\": %v", err)
		}
	}
	_, h.hasD = o["d"]
	return h, nil
}

// ParseJWKS parses a JWK Set document (RFC 7517 section 5) into a Set of
// keys bound to algorithms in allowed (nil means AsymmetricAlgs). Keys that
// cannot be used are dropped one by one and reported by Set.Dropped; the
// document fails as a whole only when it is not a JWK Set or exceeds
// MaxDocumentBytes or MaxKeys. Member names are matched exactly
// (case-sensitively) and may not repeat: a key with a repeated member is
// dropped, a document with a repeated top-level member fails. Invalid
// UTF-8 anywhere in the document (RFC 8259 section 8.1) and values nested
// more than 33 levels deep fail it too.
func ParseJWKS(doc []byte, allowed []Alg) (*Set, error) {
	if len(doc) > MaxDocumentBytes {
		return nil, fmt.Errorf("%w: document over %d bytes", ErrMalformedDocument, MaxDocumentBytes)
	}
	top, err := parseObject(doc)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedDocument, err)
	}
	rawKeys, ok := top["keys"]
	if !ok || len(rawKeys) == 0 || rawKeys[0] != '[' {
		return nil, fmt.Errorf("%w: no \"keys\" array", ErrMalformedDocument)
	}
	var list []json.RawMessage
	if err := json.Unmarshal(rawKeys, &list); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedDocument, err)
	}
	if len(list) > MaxKeys {
		return nil, fmt.Errorf("%w: %d keys, more than %d", ErrMalformedDocument, len(list), MaxKeys)
	}
	if allowed == nil {
		allowed = AsymmetricAlgs
	}
	var keys []*Key
	var dropped []error
	seen := make(map[string]bool, len(list))
	for i, raw := range list {
		k, err := parseJWK(raw, allowed)
		if err == nil && seen[k.kid] {
			err = &KeyError{KID: k.kid, Reason: "duplicate kid"}
		}
		if err != nil {
			var ke *KeyError
			if !errors.As(err, &ke) {
				ke = &KeyError{Reason: err.Error()}
			}
			ke.Index = i
			dropped = append(dropped, ke)
			continue
		}
		seen[k.kid] = true
		keys = append(keys, k)
	}
	s := NewSet(keys...)
	s.dropped = dropped
	return s, nil
}

// parseJWK normalises one JWK into a Key bound to one algorithm.
func parseJWK(raw json.RawMessage, allowed []Alg) (*Key, error) {
	o, err := parseObject(raw)
	if err != nil {
		return nil, &KeyError{Reason: "not a valid JWK object: " + err.Error()}
	}
	h, err := readHead(o)
	drop := func(reason string) (*Key, error) { return nil, &KeyError{KID: h.Kid, Reason: reason} }
	switch {
	case err != nil:
		return drop(err.Error())
	case h.Kty == "oct":
		// RFC 8725 section 3.2: a symmetric key from a key document would let
		// anyone who reads the document mint tokens.
		return drop("symmetric (oct) keys are never taken from a JWKS")
	case h.Use != nil && *h.Use != "sig":
		return drop(fmt.Sprintf("use %q is not \"sig\" (RFC 7517 section 4.2)", *h.Use))
	case h.hasKeyOps && !slices.Contains(h.KeyOps, "verify"):
		return drop("key_ops does not include \"verify\" (RFC 7517 section 4.3)")
	case h.hasD:
		return drop("private key material in a public key document")
	}
	alg, err := bindAlg(h, allowed)
	if err != nil {
		return drop(err.Error())
	}
	jk, err := jwk.ParseKey(bytes.TrimSpace(raw))
	if err != nil {
		return drop("invalid JWK: " + err.Error())
	}
	var pub any
	if err := jwk.Export(jk, &pub); err != nil {
		return drop("cannot convert key: " + err.Error())
	}
	switch pub.(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
	default:
		return drop(fmt.Sprintf("unsupported key type %T", pub))
	}
	k, err := NewKey(h.Kid, string(alg), pub)
	if err != nil {
		return drop(err.Error())
	}
	return k, nil
}

// bindAlg picks the one algorithm a JWK verifies: its "alg" member when
// present, else the one its kty and crv imply (RSA: RS256, the de facto
// default of every major IdP, or the first allowed RSA algorithm; EC: the
// curve's ES algorithm, RFC 7518 section 3.4; OKP Ed25519: EdDSA, RFC 8037).
// The result must be in allowed.
func bindAlg(h jwkHead, allowed []Alg) (Alg, error) {
	if h.Alg != nil {
		a, ok := ParseAlg(*h.Alg)
		if !ok || a.IsHMAC() {
			return "", fmt.Errorf("alg %q is not a supported signature algorithm", *h.Alg)
		}
		if !slices.Contains(allowed, a) {
			return "", fmt.Errorf("alg %s is not allowed", a)
		}
		return a, nil
	}
	var candidates []Alg
	switch h.Kty {
	case "RSA":
		candidates = []Alg{RS256, PS256, RS384, PS384, RS512, PS512}
	case "EC":
		switch h.Crv {
		case "P-256":
			candidates = []Alg{ES256}
		case "P-384":
			candidates = []Alg{ES384}
		case "P-521":
			candidates = []Alg{ES512}
		default:
			return "", fmt.Errorf("unsupported curve %q", h.Crv)
		}
	case "OKP":
		if h.Crv != "Ed25519" {
			return "", fmt.Errorf("unsupported OKP curve %q", h.Crv)
		}
		candidates = []Alg{EdDSA}
	default:
		return "", fmt.Errorf("unsupported kty %q", h.Kty)
	}
	for _, a := range candidates {
		if slices.Contains(allowed, a) {
			return a, nil
		}
	}
	return "", fmt.Errorf("no allowed algorithm for kty %s", h.Kty)
}
