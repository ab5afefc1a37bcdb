package jwtguardtest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"

	"github.com/jwtguard/jwtguard/jwks"
)

// RSABits is the modulus size of the RSA keys an Issuer generates: the
// minimum RFC 7518 section 3.3 allows, which keeps key generation fast.
const RSABits = 2048

// signingKey is one private key bound to one JWS algorithm.
type signingKey struct {
	kid  string
	alg  jwks.Alg
	priv crypto.Signer
}

// newSigningKey generates a key for alg with crypto/rand.
func newSigningKey(kid string, alg jwks.Alg) (*signingKey, error) {
	k := &signingKey{kid: kid, alg: alg}
	var err error
	switch alg {
	case jwks.RS256, jwks.RS384, jwks.RS512, jwks.PS256, jwks.PS384, jwks.PS512:
		k.priv, err = rsa.GenerateKey(rand.Reader, RSABits)
	case jwks.ES256:
		k.priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case jwks.ES384:
		k.priv, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case jwks.ES512:
		k.priv, err = ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	case jwks.EdDSA:
		_, k.priv, err = ed25519.GenerateKey(rand.Reader)
	default:
		return nil, fmt.Errorf("jwtguardtest: cannot sign with algorithm %q (asymmetric JWS algorithms only)", alg)
	}
	if err != nil {
		return nil, fmt.Errorf("jwtguardtest: generating a %s key: %w", alg, err)
	}
	return k, nil
}

// sign returns the JWS signature of input (RFC 7515 section 5.1) in the
// encoding RFC 7518 section 3 prescribes for the key's algorithm.
func (k *signingKey) sign(input []byte) ([]byte, error) {
	if k.alg == jwks.EdDSA {
		// RFC 8037 section 3.1: Ed25519 signs the message itself.
		return ed25519.Sign(k.priv.(ed25519.PrivateKey), input), nil
	}
	h := k.alg.Hash().New()
	h.Write(input)
	digest := h.Sum(nil)
	switch p := k.priv.(type) {
	case *rsa.PrivateKey:
		if k.alg[0] == 'P' {
			// RFC 7518 section 3.5: salt as long as the hash.
			return rsa.SignPSS(rand.Reader, p, k.alg.Hash(), digest,
				&rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		}
		return rsa.SignPKCS1v15(rand.Reader, p, k.alg.Hash(), digest)
	case *ecdsa.PrivateKey:
		r, s, err := ecdsa.Sign(rand.Reader, p, digest)
		if err != nil {
			return nil, err
		}
		// RFC 7518 section 3.4: R and S as fixed-width big-endian octet
		// strings, concatenated (not ASN.1).
		size := (p.Curve.Params().BitSize + 7) / 8
		out := make([]byte, 2*size)
		r.FillBytes(out[:size])
		s.FillBytes(out[size:])
		return out, nil
	}
	return nil, errors.New("jwtguardtest: unsupported key type")
}

// jwk returns the public JWK of the key (RFC 7517 section 4, RFC 7518
// section 6, RFC 8037 section 2), with use "sig" and the key's alg.
func (k *signingKey) jwk() map[string]string {
	b64 := base64.RawURLEncoding.EncodeToString
	m := map[string]string{"kid": k.kid, "alg": string(k.alg), "use": "sig"}
	switch p := k.priv.(type) {
	case *rsa.PrivateKey:
		m["kty"] = "RSA"
		m["n"] = b64(p.N.Bytes())
		m["e"] = b64(big.NewInt(int64(p.E)).Bytes())
	case *ecdsa.PrivateKey:
		// RFC 7518 section 6.2.1.2: x and y are full-width octet strings.
		size := (p.Curve.Params().BitSize + 7) / 8
		pub, _ := p.PublicKey.ECDH()
		raw := pub.Bytes() // 0x04 || X || Y (SEC 1 uncompressed point)
		m["kty"] = "EC"
		m["crv"] = p.Curve.Params().Name
		m["x"] = b64(raw[1 : 1+size])
		m["y"] = b64(raw[1+size:])
	case ed25519.PrivateKey:
		m["kty"] = "OKP"
		m["crv"] = "Ed25519"
		m["x"] = b64(p.Public().(ed25519.PublicKey))
	}
	return m
}
