package middleware

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/jwtguard/jwtguard/jwks"
)

// smallOrderEd25519 are encodings of Ed25519 points of order 1, 2, 4 and
// 8, canonical and not (y >= p, or the sign bit set on x = 0), as listed
// in "Taming the many EdDSAs" (Chalkias et al., 2020) and libsodium's
// blocklist. crypto/ed25519 verifies without the cofactor, so under such a
// key the signature R = identity, S = 0 verifies every message.
var smallOrderEd25519 = []struct{ name, hex string }{
	{"identity", "0100000000000000000000000000000000000000000000000000000000000000"},
	{"identity, y = p+1", "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"},
	{"identity, sign bit", "0100000000000000000000000000000000000000000000000000000000000080"},
	{"order 2", "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"},
	{"order 4", "0000000000000000000000000000000000000000000000000000000000000000"},
	{"order 4, sign bit", "0000000000000000000000000000000000000000000000000000000000000080"},
	{"order 8", "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"},
	{"order 8, other", "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"},
	{"order 8, sign bit", "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa"},
}

// TestDifferentialSmallOrderEd25519 publishes each small-order point as
// the key "weak" beside a good key and presents a token forged with
// R = identity, S = 0. jwx verifies the forgery under the identity key
// (it calls ed25519.Verify with whatever key it is given); jwtguard drops
// the weak key when the set loads, so the token names an unknown kid and
// the good key keeps working.
func TestDifferentialSmallOrderEd25519(t *testing.T) {
	good := fixture.signerFor("EdDSA").Public().(ed25519.PublicKey)
	forgedSig := make([]byte, ed25519.SignatureSize)
	forgedSig[0] = 1 // R = the identity point's canonical encoding, S = 0
	jwxAccepted := 0
	for _, p := range smallOrderEd25519 {
		t.Run(p.name, func(t *testing.T) {
			x, err := hex.DecodeString(p.hex)
			if err != nil {
				t.Fatal(err)
			}
			doc := []byte(`{"keys":[` +
				`{"kty":"OKP","crv":"Ed25519","kid":"ed","x":"` + base64.RawURLEncoding.EncodeToString(good) + `"},` +
				`{"kty":"OKP","crv":"Ed25519","kid":"weak","x":"` + base64.RawURLEncoding.EncodeToString(x) + `"}]}`)
			src, err := jwks.StaticJWKS(doc, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := src.Keys().Len(); got != 1 {
				t.Fatalf("the key set holds %d keys; want the good key only", got)
			}
			v := newValidator(t, WithKeys(src), WithTokenCache(0))
			input := b64url(marshal(t, hdr("EdDSA", "weak"))) + "." + b64url(marshal(t, claims()))
			forged := input + "." + b64url(forgedSig)
			if _, err := jws.Verify([]byte(forged), jws.WithKey(jwa.EdDSA(), ed25519.PublicKey(x))); err == nil {
				jwxAccepted++
			}
			assertRejected(t, v, forged, ReasonUnknownKey, ErrInvalidToken)
			if _, err := v.Validate(context.Background(), token(t, "EdDSA", nil)); err != nil {
				t.Fatalf("the good key stopped working: %v", err)
			}
		})
	}
	if jwxAccepted == 0 {
		t.Log("jwx refused every forgery: the reference no longer shows the weakness")
	} else {
		t.Logf("jwx verified %d of %d forgeries that jwtguard refuses", jwxAccepted, len(smallOrderEd25519))
	}
}
