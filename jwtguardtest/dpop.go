package jwtguardtest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jwtguard/jwtguard/jwks"
)

// DPoPKey is a client's DPoP key (RFC 9449): mint a token bound to it with
// Claims.DPoPKey, then send each request with a fresh Proof. It is safe for
// concurrent use.
type DPoPKey struct {
	key *signingKey
	jkt string
}

// NewDPoPKey generates a DPoP key for alg ("" means ES256, the common
// choice of browsers and SDKs).
func NewDPoPKey(alg jwks.Alg) (*DPoPKey, error) {
	if alg == "" {
		alg = jwks.ES256
	}
	k, err := newSigningKey("", alg)
	if err != nil {
		return nil, err
	}
	return &DPoPKey{key: k, jkt: thumbprint(k.jwk())}, nil
}

// Thumbprint returns the RFC 7638 SHA-256 thumbprint of the public key, the
// value of a bound token's cnf.jkt (RFC 9449 section 6.1).
func (k *DPoPKey) Thumbprint() string { return k.jkt }

// thumbprint hashes the required members of a JWK in lexicographic order
// without white space (RFC 7638 section 3.2).
func thumbprint(j map[string]string) string {
	var canon string
	switch j["kty"] {
	case "RSA":
		canon = fmt.Sprintf(`{"e":%q,"kty":"RSA","n":%q}`, j["e"], j["n"])
	case "EC":
		canon = fmt.Sprintf(`{"crv":%q,"kty":"EC","x":%q,"y":%q}`, j["crv"], j["x"], j["y"])
	case "OKP":
		canon = fmt.Sprintf(`{"crv":%q,"kty":"OKP","x":%q}`, j["crv"], j["x"])
	}
	sum := sha256.Sum256([]byte(canon))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// Proof describes a DPoP proof to mint (RFC 9449 section 4.2).
type Proof struct {
	Method string // htm, e.g. "GET"
	URL    string // htu: the request URI; query and fragment are ignored by servers
	// AccessToken is the token sent with the proof; its hash is ath.
	AccessToken string
	// Nonce is the server nonce from a DPoP-Nonce header ("" omits it).
	Nonce string
	// IssuedAt is iat; zero means now.
	IssuedAt time.Time
	// ID is jti; "" means a random one. Reuse one to test replay.
	ID string
}

// Proof mints a DPoP proof for one request.
func (k *DPoPKey) Proof(p Proof) (string, error) {
	pub := map[string]any{}
	for name, v := range k.key.jwk() {
		if name != "kid" && name != "use" && name != "alg" {
			pub[name] = v
		}
	}
	hdr := map[string]any{"typ": "dpop+jwt", "alg": string(k.key.alg), "jwk": pub}
	iat := p.IssuedAt
	if iat.IsZero() {
		iat = time.Now()
	}
	jti := p.ID
	if jti == "" {
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", fmt.Errorf("jwtguardtest: %w", err)
		}
		jti = hex.EncodeToString(b[:])
	}
	claims := map[string]any{"jti": jti, "htm": p.Method, "htu": p.URL, "iat": iat.Unix()}
	if p.AccessToken != "" {
		sum := sha256.Sum256([]byte(p.AccessToken))
		claims["ath"] = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	putString(claims, "nonce", p.Nonce)
	return signJWS(k.key, hdr, claims)
}

// signJWS signs header and claims with key (RFC 7515 section 7.1).
func signJWS(key *signingKey, hdr, claims map[string]any) (string, error) {
	h, err := json.Marshal(hdr)
	if err != nil {
		return "", fmt.Errorf("jwtguardtest: header: %w", err)
	}
	c, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("jwtguardtest: claims: %w", err)
	}
	enc := base64.RawURLEncoding
	input := enc.EncodeToString(h) + "." + enc.EncodeToString(c)
	sig, err := key.sign([]byte(input))
	if err != nil {
		return "", fmt.Errorf("jwtguardtest: signing: %w", err)
	}
	return input + "." + enc.EncodeToString(sig), nil
}
