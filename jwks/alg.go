package jwks

import "crypto"

// Alg is a JWS "alg" value (RFC 7518 section 3.1). Values are case-sensitive
// (RFC 7515 section 4.1.1): "none", "None" and "rs256" are not algorithms
// here.
type Alg string

// The algorithms jwtguard verifies. "none" is deliberately absent.
const (
	RS256 Alg = "RS256"
	RS384 Alg = "RS384"
	RS512 Alg = "RS512"
	PS256 Alg = "PS256"
	PS384 Alg = "PS384"
	PS512 Alg = "PS512"
	ES256 Alg = "ES256"
	ES384 Alg = "ES384"
	ES512 Alg = "ES512"
	EdDSA Alg = "EdDSA"
	HS256 Alg = "HS256"
	HS384 Alg = "HS384"
	HS512 Alg = "HS512"
)

// AsymmetricAlgs lists every asymmetric algorithm, the default allowlist.
var AsymmetricAlgs = []Alg{RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA}

// ParseAlg returns the Alg named by s, matching case-sensitively. It reports
// false for "none" and every name it does not verify.
func ParseAlg(s string) (Alg, bool) {
	switch a := Alg(s); a {
	case RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, HS256, HS384, HS512:
		return a, true
	}
	return "", false
}

// String returns the algorithm name.
func (a Alg) String() string { return string(a) }

// IsHMAC reports whether a is a symmetric HS* algorithm.
func (a Alg) IsHMAC() bool { return a == HS256 || a == HS384 || a == HS512 }

// Hash returns the hash function the algorithm signs with; EdDSA signs the
// message itself and reports 0.
func (a Alg) Hash() crypto.Hash {
	switch a {
	case RS256, PS256, ES256, HS256:
		return crypto.SHA256
	case RS384, PS384, ES384, HS384:
		return crypto.SHA384
	case RS512, PS512, ES512, HS512:
		return crypto.SHA512
	}
	return 0
}
