package introspect

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/fips140"
	"testing"
)

// TestRandomNonceGCMLayouts: the fallback that BoringCrypto builds use
// (prefixedNonce on cipher.NewGCM) and the standard library's
// NewGCMWithRandomNonce seal the same layout, so replicas built either way
// share a cache; a tampered or short value never opens.
func TestRandomNonceGCMLayouts(t *testing.T) {
	if fips140.Enforced() {
		t.Skip("FIPS 140-only mode refuses GCM with caller-chosen nonces, which only the BoringCrypto fallback uses")
	}
	block, err := aes.NewCipher(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	fallback := prefixedNonce{gcm}
	chosen, err := randomNonceGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	plain, ad := []byte("an introspection answer"), []byte("key")
	for name, pair := range map[string][2]cipher.AEAD{"fallback to chosen": {fallback, chosen}, "chosen to fallback": {chosen, fallback}} {
		sealed := pair[0].Seal(nil, nil, plain, ad)
		if len(sealed) != len(plain)+pair[0].Overhead() {
			t.Errorf("%s: sealed %d bytes, want %d", name, len(sealed), len(plain)+pair[0].Overhead())
		}
		got, err := pair[1].Open(nil, nil, sealed, ad)
		if err != nil || !bytes.Equal(got, plain) {
			t.Errorf("%s: Open = %q, %v", name, got, err)
		}
		sealed[len(sealed)-1] ^= 1
		if _, err := pair[1].Open(nil, nil, sealed, ad); err == nil {
			t.Errorf("%s: a tampered value opened", name)
		}
		if _, err := pair[1].Open(nil, nil, sealed[:5], ad); err == nil {
			t.Errorf("%s: a short value opened", name)
		}
	}
	if a, b := fallback.Seal(nil, nil, plain, ad), fallback.Seal(nil, nil, plain, ad); bytes.Equal(a, b) {
		t.Error("two seals of the same value are equal: the nonce is not random")
	}
}
