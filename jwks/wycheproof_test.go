package jwks

import (
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Project Wycheproof test vectors (testdata/wycheproof, see NOTICE there for
// the source commit and licence) run through Key.Verify, the one signature
// check middleware.Validate makes.
//
// Every group's public key is read from its DER SubjectPublicKeyInfo with
// x509.ParsePKIXPublicKey (the parser behind ParsePEM) and bound to the JWS
// algorithm of the file with NewKey. A key NewKey refuses verifies nothing,
// so its vectors count as refused; a valid vector refused that way is
// tolerated and logged. Where the group also gives a JWK, the JWK must yield
// the same key through ParseJWKS, or be refused there too.
//
// Expectations:
//   - "invalid": always refused.
//   - "valid": accepted, except where our policy is deliberately stricter:
//     the key was refused by NewKey (RSA under 2048 bits, or any key a
//     later NewKey rule refuses, such as small-order Ed25519 keys), or the
//     whole file is marked invertValid (PSS salt length 0). There is no
//     per-vector exception list: no other valid vector may be refused.
//   - "invalid" vectors listed in validForUs: invalid only for the file's
//     parameters, valid for the JWS algorithm, so accepted.
//   - "acceptable": the outcome the file's acceptable map gives for one of the
//     vector's flags. An acceptable vector with no flag in the map fails the
//     test: each new kind needs a deliberate decision here.

// wycheproofFile is one test-vector file and what jwtguard makes of it.
type wycheproofFile struct {
	name string
	alg  Alg
	// groupType is the Wycheproof type of every group: it fixes the
	// signature encoding (P1363, not DER, for ECDSA).
	groupType string
	// invertValid: the file's "valid" vectors are valid for the file's
	// parameters but must be refused by us.
	invertValid bool
	// acceptable maps a flag to whether an "acceptable" vector with that flag
	// is accepted (true) or refused (false).
	acceptable map[string]bool
	// validForUs lists "invalid" vectors, by tcId with their comment, that
	// are invalid only for the file's parameters and are valid signatures
	// for alg: they must be accepted.
	validForUs map[int]string
	// check validates group parameters against alg.
	check func(t *testing.T, g *wycheproofGroup)
}

type wycheproofDoc struct {
	Algorithm     string
	NumberOfTests int
	TestGroups    []wycheproofGroup
}

type wycheproofGroup struct {
	Type         string
	Sha          string
	MgfSha       string
	Mgf          string
	SLen         *int
	PublicKeyDer string
	PublicKeyJwk json.RawMessage
	KeyJwk       json.RawMessage // the RSA PKCS #1 files' name for it
	Tests        []wycheproofTest
}

type wycheproofTest struct {
	TcID    int `json:"tcId"`
	Comment string
	Flags   []string
	Msg     string
	Sig     string
	Result  string
}

var wycheproofHashNames = map[crypto.Hash]string{
	crypto.SHA256: "SHA-256", crypto.SHA384: "SHA-384", crypto.SHA512: "SHA-512",
}

// checkHash requires the group's hash to be the one alg uses.
func checkHash(alg Alg) func(t *testing.T, g *wycheproofGroup) {
	return func(t *testing.T, g *wycheproofGroup) {
		t.Helper()
		if want := wycheproofHashNames[alg.Hash()]; g.Sha != want {
			t.Fatalf("group hash %q, %s uses %s", g.Sha, alg, want)
		}
	}
}

// checkPSS requires MGF1 with the message hash and the salt length sLen.
func checkPSS(alg Alg, sLen int) func(t *testing.T, g *wycheproofGroup) {
	return func(t *testing.T, g *wycheproofGroup) {
		t.Helper()
		checkHash(alg)(t, g)
		if g.Mgf != "MGF1" || g.MgfSha != g.Sha || g.SLen == nil || *g.SLen != sLen {
			t.Fatalf("group PSS parameters %s/%s/sLen %v, want MGF1/%s/sLen %d", g.Mgf, g.MgfSha, g.SLen, g.Sha, sLen)
		}
	}
}

var wycheproofFiles = []wycheproofFile{
	// RFC 7518 section 3.4: ES256/384/512 are ECDSA on P-256/384/521 with
	// SHA-256/384/512 and the signature is R || S at fixed width, which is
	// IEEE P1363 form. No vector of these files is "acceptable".
	{name: "ecdsa_secp256r1_sha256_p1363_test.json", alg: ES256, groupType: "EcdsaP1363Verify", check: checkHash(ES256)},
	{name: "ecdsa_secp384r1_sha384_p1363_test.json", alg: ES384, groupType: "EcdsaP1363Verify", check: checkHash(ES384)},
	{name: "ecdsa_secp521r1_sha512_p1363_test.json", alg: ES512, groupType: "EcdsaP1363Verify", check: checkHash(ES512)},
	// RFC 7518 section 3.3: RS256 is RSASSA-PKCS1-v1_5 with SHA-256.
	{
		name: "rsa_signature_2048_sha256_test.json", alg: RS256, groupType: "RsassaPkcs1Verify", check: checkHash(RS256),
		acceptable: map[string]bool{
			// A DigestInfo without the NULL parameters. RFC 8017 section
			// 9.2 encodes exactly one DigestInfo and compares: the legacy
			// form is refused (crypto/rsa compares the full encoding).
			"MissingNull": false,
		},
		// The SmallPublicKey vectors (e = 3) are valid and crypto/rsa
		// accepts them; NewKey does not refuse small exponents today. If it
		// starts to, they are tolerated as refused keys, not listed here.
	},
	// RFC 7518 section 3.5: PS256 is RSASSA-PSS with SHA-256, MGF1 with
	// SHA-256 and a salt as long as the hash: 32 bytes.
	{name: "rsa_pss_2048_sha256_mgf1_32_test.json", alg: PS256, groupType: "RsassaPssVerify", check: checkPSS(PS256, 32)},
	// The same key with salt length 0. Its "valid" vectors are correct
	// RSASSA-PSS signatures (RFC 8017 allows any salt length) but not PS256
	// signatures: RFC 7518 section 3.5 fixes the salt length to the hash
	// size, so every one of them must be REFUSED. TestWycheproof also checks
	// that crypto/rsa accepts them with salt auto-detection, so that the
	// refusal is our salt rule and not a broken vector or verifier.
	//
	// Conversely, tcId 69 is a signature of this file's test message made
	// with salt length 32: "invalid" for a salt-0 verifier, a correct PS256
	// signature for us, so it must be accepted (and crypto/rsa with an
	// explicit 32-byte salt must accept it too).
	{
		name: "rsa_pss_2048_sha256_mgf1_0_test.json", alg: PS256, groupType: "RsassaPssVerify", invertValid: true, check: checkPSS(PS256, 0),
		validForUs: map[int]string{69: "s_len changed to 32"},
	},
	// RFC 8037 section 3.1: EdDSA with Ed25519 is the signature of RFC 8032
	// over the JWS signing input. No vector is "acceptable".
	{name: "ed25519_test.json", alg: EdDSA, groupType: "EddsaVerify"},
}

func TestWycheproof(t *testing.T) {
	for _, f := range wycheproofFiles {
		t.Run(strings.TrimSuffix(f.name, "_test.json"), func(t *testing.T) { runWycheproofFile(t, f) })
	}
}

// wycheproofCounts are the outcomes of one file, for the log and the
// sanity checks at its end.
type wycheproofCounts struct {
	tests, keys, keysRefused                     int
	validAccepted, validTolerated                int
	invalidRefused                               int
	acceptableAccepted, acceptableRefused        int
	invertedRefused, invertedValidByAutoDetectPS int
	validForUsAccepted                           int
}

func runWycheproofFile(t *testing.T, f wycheproofFile) {
	data, err := os.ReadFile(filepath.Join("testdata", "wycheproof", f.name))
	if err != nil {
		t.Fatal(err)
	}
	var doc wycheproofDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var c wycheproofCounts
	for gi := range doc.TestGroups {
		g := &doc.TestGroups[gi]
		if g.Type != f.groupType {
			t.Fatalf("group %d has type %q, want %q", gi, g.Type, f.groupType)
		}
		if f.check != nil {
			f.check(t, g)
		}
		c.keys++
		key, keyErr := wycheproofKey(t, f.alg, g)
		if keyErr != nil {
			c.keysRefused++
			t.Logf("group %d: key refused: %v", gi, keyErr)
			if f.invertValid || len(f.validForUs) > 0 {
				// The PSS files' point is the salt rule: with no key they
				// would prove nothing.
				t.Fatalf("group %d: the PSS key was refused: %v", gi, keyErr)
			}
		}
		for _, tc := range g.Tests {
			c.tests++
			msg, err1 := hex.DecodeString(tc.Msg)
			sig, err2 := hex.DecodeString(tc.Sig)
			if err1 != nil || err2 != nil {
				t.Fatalf("tcId %d: bad hex: %v %v", tc.TcID, err1, err2)
			}
			accepted := key != nil && key.Verify(msg, sig)
			id := fmt.Sprintf("tcId %d (%s; flags %v)", tc.TcID, tc.Comment, tc.Flags)
			if comment, ok := f.validForUs[tc.TcID]; ok {
				switch {
				case tc.Result != "invalid" || tc.Comment != comment:
					t.Fatalf("%s: listed in validForUs as the invalid vector %q", id, comment)
				case !accepted:
					t.Errorf("%s: a salt-length-%d signature refused", id, key.Alg().Hash().Size())
				case !pssValidSalt(t, key, msg, sig, key.Alg().Hash().Size()):
					t.Errorf("%s: accepted, but crypto/rsa refuses it with a hash-length salt", id)
				default:
					c.validForUsAccepted++
				}
				continue
			}
			switch tc.Result {
			case "invalid":
				if accepted {
					t.Errorf("%s: invalid signature accepted", id)
				} else {
					c.invalidRefused++
				}
			case "valid":
				switch {
				case f.invertValid:
					if accepted {
						t.Errorf("%s: accepted, but its salt length is not the hash length (RFC 7518 section 3.5)", id)
						continue
					}
					c.invertedRefused++
					// The signature must be a correct RSASSA-PSS signature
					// with another salt length, or its refusal proves nothing.
					if pssValidSalt(t, key, msg, sig, rsa.PSSSaltLengthAuto) {
						c.invertedValidByAutoDetectPS++
					} else {
						t.Errorf("%s: crypto/rsa with salt auto-detection refuses it too", id)
					}
				case accepted:
					c.validAccepted++
				case key == nil:
					c.validTolerated++
				default:
					t.Errorf("%s: valid signature refused", id)
				}
			case "acceptable":
				want, ok := acceptablePolicy(f, tc)
				if !ok {
					t.Errorf("%s: acceptable vector with no policy for its flags (accepted: %v)", id, accepted)
					continue
				}
				if accepted != want {
					t.Errorf("%s: accepted = %v, policy says %v", id, accepted, want)
				}
				if accepted {
					c.acceptableAccepted++
				} else {
					c.acceptableRefused++
				}
			default:
				t.Fatalf("%s: unknown result %q", id, tc.Result)
			}
		}
	}
	if c.tests != doc.NumberOfTests || c.tests == 0 {
		t.Fatalf("read %d vectors, the file declares %d", c.tests, doc.NumberOfTests)
	}
	if c.validForUsAccepted != len(f.validForUs) {
		t.Errorf("%d of the %d validForUs vectors found and accepted", c.validForUsAccepted, len(f.validForUs))
	}
	if f.invertValid {
		if c.invertedRefused == 0 {
			t.Error("no valid-but-refused vector was checked")
		}
	} else if c.validAccepted == 0 {
		t.Error("no valid vector was accepted: every key refused?")
	}
	t.Logf("%s (%s as %s): %d vectors, %d keys (%d refused by NewKey); valid: %d accepted, %d refused with their key; invalid: %d refused; acceptable: %d accepted, %d refused",
		f.name, doc.Algorithm, f.alg, c.tests, c.keys, c.keysRefused,
		c.validAccepted, c.validTolerated, c.invalidRefused,
		c.acceptableAccepted, c.acceptableRefused)
	if f.invertValid || len(f.validForUs) > 0 {
		t.Logf("%s: valid for the file's salt length, refused: %d (crypto/rsa with salt auto-detection accepts %d); invalid for the file, valid %s, accepted: %d",
			f.name, c.invertedRefused, c.invertedValidByAutoDetectPS, f.alg, c.validForUsAccepted)
	}
}

// wycheproofKey builds the group's key: DER SubjectPublicKeyInfo bound to
// alg by NewKey. When the group has a JWK, ParseJWKS must agree.
func wycheproofKey(t *testing.T, alg Alg, g *wycheproofGroup) (*Key, error) {
	t.Helper()
	der, err := hex.DecodeString(g.PublicKeyDer)
	if err != nil || len(der) == 0 {
		t.Fatalf("group without a DER public key: %v", err)
	}
	key, keyErr := func() (*Key, error) {
		pub, err := x509.ParsePKIXPublicKey(der)
		if err != nil {
			return nil, fmt.Errorf("jwks: DER public key: %w", err)
		}
		return NewKey("wycheproof", string(alg), pub)
	}()
	jwk := g.PublicKeyJwk
	if len(jwk) == 0 {
		jwk = g.KeyJwk
	}
	if len(jwk) > 0 {
		set, err := ParseJWKS([]byte(`{"keys":[`+string(jwk)+`]}`), []Alg{alg})
		if err != nil {
			t.Fatalf("JWK %s: %v", jwk, err)
		}
		switch {
		case set.Len() == 0 && key != nil:
			t.Errorf("JWK refused (%v) but its DER form is accepted", set.Dropped())
		case set.Len() == 1 && key == nil:
			t.Errorf("JWK accepted but its DER form is refused: %v", keyErr)
		case set.Len() == 1:
			jk := set.Keys()[0]
			type equaler interface{ Equal(crypto.PublicKey) bool }
			if jk.Alg() != alg || !jk.PublicKey().(equaler).Equal(key.PublicKey()) {
				t.Errorf("JWK gives %s %T, DER gives %s %T: not the same key", jk.Alg(), jk.PublicKey(), alg, key.PublicKey())
			}
		}
	}
	return key, keyErr
}

// pssValidSalt reports whether crypto/rsa accepts sig as an RSASSA-PSS
// signature of msg under key's hash with salt length saltLen (or any, with
// rsa.PSSSaltLengthAuto).
func pssValidSalt(t *testing.T, key *Key, msg, sig []byte, saltLen int) bool {
	t.Helper()
	pub, ok := key.PublicKey().(*rsa.PublicKey)
	if !ok {
		t.Fatalf("not an RSA key: %T", key.PublicKey())
	}
	h := key.Alg().Hash().New()
	h.Write(msg)
	return rsa.VerifyPSS(pub, key.Alg().Hash(), h.Sum(nil), sig, &rsa.PSSOptions{SaltLength: saltLen}) == nil
}

func acceptablePolicy(f wycheproofFile, tc wycheproofTest) (accept, ok bool) {
	for _, flag := range tc.Flags {
		if v, found := f.acceptable[flag]; found {
			return v, true
		}
	}
	return false, false
}

// TestWycheproofFilesCovered guards the vector directory: every file there
// is run, and the copies keep their licence notice.
func TestWycheproofFilesCovered(t *testing.T) {
	dir := filepath.Join("testdata", "wycheproof")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	for _, need := range []string{"NOTICE", "LICENSE"} {
		if !slices.Contains(names, need) {
			t.Errorf("%s/%s missing: the vectors are Apache-2.0 and need it", dir, need)
		}
	}
	notice, _ := os.ReadFile(filepath.Join(dir, "NOTICE"))
	for _, n := range names {
		if !strings.HasSuffix(n, "_test.json") {
			continue
		}
		if !strings.Contains(string(notice), n) {
			t.Errorf("%s is not listed in NOTICE", n)
		}
		if !slices.ContainsFunc(wycheproofFiles, func(f wycheproofFile) bool { return f.name == n }) {
			t.Errorf("%s is not run by TestWycheproof", n)
		}
	}
}
