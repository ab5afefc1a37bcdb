package bench

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strings"
	"time"
)

var pss = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}

// Floor is the raw cost of checking token's signature with the standard
// library, written the plain way: find the signature, decode it from
// base64url, hash the signing input with SHA-256 and verify (RFC 7518
// section 3). It parses nothing and checks no claim: no validator can do
// less. It reports whether the signature is valid.
func Floor(s *Signer, token string) bool {
	dot := strings.LastIndexByte(token, '.')
	if dot < 0 {
		return false
	}
	sig, err := base64.RawURLEncoding.DecodeString(token[dot+1:])
	if err != nil {
		return false
	}
	input := []byte(token[:dot])
	if s.Alg == "EdDSA" {
		return ed25519.Verify(s.Public.(ed25519.PublicKey), input, sig)
	}
	sum := sha256.Sum256(input)
	switch s.Alg {
	case "RS256":
		return rsa.VerifyPKCS1v15(s.Public.(*rsa.PublicKey), crypto.SHA256, sum[:], sig) == nil
	case "PS256":
		return rsa.VerifyPSS(s.Public.(*rsa.PublicKey), crypto.SHA256, sum[:], sig, pss) == nil
	case "ES256":
		if len(sig) != 64 {
			return false
		}
		r, ss := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		return ecdsa.Verify(s.Public.(*ecdsa.PublicKey), sum[:], r, ss)
	case "HS256":
		m := hmac.New(sha256.New, s.Secret)
		m.Write(input)
		return hmac.Equal(m.Sum(nil), sig)
	}
	return false
}

// FloorClaims are the claims FloorJSON decodes: the registered ones and the
// authorization ones an API reads.
type FloorClaims struct {
	Issuer      string   `json:"iss"`
	Subject     string   `json:"sub"`
	Audience    audience `json:"aud"`
	IssuedAt    float64  `json:"iat"`
	Expiry      *float64 `json:"exp"`
	Scope       string   `json:"scope"`
	AuthParty   string   `json:"azp"`
	Permissions []string `json:"permissions"`
}

// audience is aud: a string or an array of strings (RFC 7519 section 4.1.3).
type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*a = audience{s}
		return nil
	}
	return json.Unmarshal(b, (*[]string)(a))
}

// FloorJSON is Floor plus the plain way to check the claims: decode the
// payload from base64url, unmarshal it with encoding/json and check iss
// exactly, aud contains Audience and exp is after now (RFC 7519 section
// 4.1). It returns the claims when the token passes.
func FloorJSON(s *Signer, token string, now time.Time) (*FloorClaims, bool) {
	if !Floor(s, token) {
		return nil, false
	}
	first := strings.IndexByte(token, '.')
	last := strings.LastIndexByte(token, '.')
	payload, err := base64.RawURLEncoding.DecodeString(token[first+1 : last])
	if err != nil {
		return nil, false
	}
	c := new(FloorClaims)
	if err := json.Unmarshal(payload, c); err != nil {
		return nil, false
	}
	if c.Issuer != Issuer || c.Expiry == nil || float64(now.Unix()) >= *c.Expiry {
		return nil, false
	}
	for _, a := range c.Audience {
		if a == Audience {
			return c, true
		}
	}
	return nil, false
}
