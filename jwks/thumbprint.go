package jwks

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"math/big"
	"sync"
)

// Thumbprint returns the key's RFC 7638 JWK thumbprint with SHA-256,
// base64url-encoded without padding (RFC 7638 section 3; RFC 8037 appendix
// A.3 for Ed25519): the value RFC 9449 calls jkt, and that many IdPs use as
// kid. It is empty for an HMAC key: the thumbprint of an oct key is a hash
// of the secret, which would let anyone who sees it test guesses of the
// secret offline.
func (k *Key) Thumbprint() string {
	if k == nil || k.pub == nil {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString(k.id[:])
}

// sameKey reports whether o holds the same key material bound to the same
// algorithm as k: equal RFC 7638 thumbprints or, for HMAC keys, equal keyed
// hashes of the secrets (two different keys would need a SHA-256
// collision). Two zero Keys are not the same key.
func (k *Key) sameKey(o *Key) bool {
	return k.alg != "" && k.alg == o.alg && k.id == o.id
}

// thumbprint hashes the JSON object of RFC 7638 section 3.2: the required
// members only, in lexicographic order, without whitespace. Every value is
// a fixed name or base64url, neither of which JSON needs to escape.
func thumbprint(members ...string) [32]byte {
	h := sha256.New()
	h.Write([]byte{'{'})
	for i := 0; i+1 < len(members); i += 2 {
		if i > 0 {
			h.Write([]byte{','})
		}
		h.Write([]byte(`"` + members[i] + `":"` + members[i+1] + `"`))
	}
	h.Write([]byte{'}'})
	var out [32]byte
	h.Sum(out[:0])
	return out
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// rsaThumbprint: e, kty, n (RFC 7638 section 3.2), n and e in their
// minimal big-endian octets (RFC 7518 section 6.3.1).
func rsaThumbprint(p *rsa.PublicKey) [32]byte {
	e := big.NewInt(int64(p.E)).Bytes()
	return thumbprint("e", b64url(e), "kty", "RSA", "n", b64url(p.N.Bytes()))
}

// ecThumbprint: crv, kty, x, y (RFC 7638 section 3.2), xy the two
// coordinates at the curve's full width (RFC 7518 section 6.2.1.2).
func ecThumbprint(crv string, xy []byte) [32]byte {
	n := len(xy) / 2
	return thumbprint("crv", crv, "kty", "EC", "x", b64url(xy[:n]), "y", b64url(xy[n:]))
}

// edThumbprint: crv, kty, x (RFC 8037 section 2 and appendix A.3).
func edThumbprint(pub []byte) [32]byte {
	return thumbprint("crv", "Ed25519", "kty", "OKP", "x", b64url(pub))
}

// secretKey keys the hash that identifies HMAC secrets. It is random per
// process and never leaves it, so the identity of an HMAC key says nothing
// about the secret to anyone who learns it.
var secretKey = sync.OnceValue(func() []byte {
	k := make([]byte, 32)
	rand.Read(k) // crypto/rand.Read never returns an error (Go 1.24)
	return k
})

// secretID is the identity of an HMAC secret: HMAC-SHA256 of the secret
// under secretKey.
func secretID(secret []byte) [32]byte {
	m := hmac.New(sha256.New, secretKey())
	m.Write(secret)
	var out [32]byte
	m.Sum(out[:0])
	return out
}
