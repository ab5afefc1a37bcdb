package middleware

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"hash"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/internal/jose"
	"github.com/jwtguard/jwtguard/jwks"
)

// The attack suite: one named subtest per known attack on JWT validators
// (RFC 8725 section 2 and the folklore since), each asserting the exact
// Reason and category. Attack tokens are built by hand with the standard
// library; nothing here trusts the code under test to build them.

// attack is one hostile token and the refusal it must produce.
type attack struct {
	name   string
	token  func(t *testing.T) string
	reason Reason
}

// runAttacks runs each attack against v as its own subtest.
func runAttacks(t *testing.T, v *Validator, attacks []attack) {
	t.Helper()
	for _, a := range attacks {
		t.Run(a.name, func(t *testing.T) {
			assertRejected(t, v, a.token(t), a.reason, ErrInvalidToken)
		})
	}
}

// hsSign signs header and claims with HMAC-SHA-256 and an arbitrary secret,
// the way a key-confusion attacker would.
func hsSign(t testing.TB, secret []byte, header, claims any) string {
	t.Helper()
	input := b64url(marshal(t, header)) + "." + b64url(marshal(t, claims))
	m := hmac.New(crypto.SHA256.New, secret)
	m.Write([]byte(input))
	return input + "." + b64url(m.Sum(nil))
}

// unsigned joins raw header and payload JSON with a raw signature.
func unsigned(header, payload string, sig []byte) string {
	return b64url([]byte(header)) + "." + b64url([]byte(payload)) + "." + b64url(sig)
}

// validClaimsJSON returns the JSON of a valid claim set with extra members
// spliced in verbatim (so duplicates and odd types survive).
func validClaimsJSON(t testing.TB, extra string) string {
	t.Helper()
	c := claims()
	b := marshal(t, c)
	if extra == "" {
		return string(b)
	}
	return string(b[:len(b)-1]) + "," + extra + "}"
}

// claimsWithout returns the JSON of a valid claim set minus the named
// members, with extra spliced in.
func claimsWithout(t testing.TB, extra string, drop ...string) string {
	t.Helper()
	c := claims()
	for _, d := range drop {
		delete(c, d)
	}
	b := marshal(t, c)
	return string(b[:len(b)-1]) + "," + extra + "}"
}

// rsaSigned signs raw header and payload JSON with the fixture RSA key.
func rsaSigned(header, payload string) func(t *testing.T) string {
	return func(t *testing.T) string { return sign(t, "RS256", fixture.rsa, header, payload) }
}

func TestAttackAlgNone(t *testing.T) {
	v := newValidator(t)
	vHS := hmacValidator(t, fixture.hmac)
	var attacks []attack
	for _, alg := range []string{"none", "None", "NONE", "nOnE"} {
		alg := alg
		h := fmt.Sprintf(`{"alg":%q,"typ":"JWT"}`, alg)
		attacks = append(attacks,
			attack{alg + " without signature", func(t *testing.T) string {
				return unsigned(h, validClaimsJSON(t, ""), nil)
			}, ReasonAlgorithm},
			attack{alg + " with an RSA signature", func(t *testing.T) string {
				return sign(t, "RS256", fixture.rsa, h, validClaimsJSON(t, ""))
			}, ReasonAlgorithm},
			attack{alg + " with kid of a real key", func(t *testing.T) string {
				return unsigned(fmt.Sprintf(`{"alg":%q,"kid":"rs256"}`, alg), validClaimsJSON(t, ""), []byte("x"))
			}, ReasonAlgorithm},
		)
	}
	attacks = append(attacks,
		attack{"alg empty string", rsaSigned(`{"alg":"","kid":"rs256"}`, `{}`), ReasonAlgorithm},
		attack{"alg null", rsaSigned(`{"alg":null,"kid":"rs256"}`, `{}`), ReasonHeader},
		attack{"alg array", rsaSigned(`{"alg":["RS256"],"kid":"rs256"}`, `{}`), ReasonHeader},
		attack{"alg with trailing space", rsaSigned(`{"alg":"RS256 ","kid":"rs256"}`, `{}`), ReasonAlgorithm},
		attack{"alg with NUL", rsaSigned(`{"alg":"RS256\u0000","kid":"rs256"}`, `{}`), ReasonAlgorithm},
	)
	runAttacks(t, v, attacks)
	t.Run("none against an HS256 validator", func(t *testing.T) {
		assertRejected(t, vHS, unsigned(`{"alg":"none"}`, validClaimsJSON(t, ""), nil), ReasonAlgorithm, ErrInvalidToken)
	})
}

// hmacValidator trusts one issuer whose only key is an HS256 secret.
func hmacValidator(t testing.TB, secret []byte) *Validator {
	t.Helper()
	k, err := jwks.NewHMACKey("", "HS256", secret)
	if err != nil {
		t.Fatal(err)
	}
	src, err := jwks.Static(k)
	if err != nil {
		t.Fatal(err)
	}
	v, err := New(testIssuer, testAudience, WithKeys(src), WithAlgorithms(jwks.HS256))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// rsaPublicEncodings are the forms of the RSA public key a key-confusion
// attacker tries as an HMAC secret.
func rsaPublicEncodings(t testing.TB) map[string][]byte {
	t.Helper()
	pub := &fixture.rsa.PublicKey
	pkix, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	pkcs1 := x509.MarshalPKCS1PublicKey(pub)
	jwk, _ := json.Marshal(map[string]string{"kty": "RSA", "kid": "rs256", "alg": "RS256",
		"n": b64url(pub.N.Bytes()), "e": b64url(big.NewInt(int64(pub.E)).Bytes())})
	return map[string][]byte{
		"PEM PKIX":      pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkix}),
		"PEM PKCS1":     pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: pkcs1}),
		"DER PKIX":      pkix,
		"DER PKCS1":     pkcs1,
		"modulus bytes": pub.N.Bytes(),
		"modulus b64":   []byte(b64url(pub.N.Bytes())),
		"JWK JSON":      jwk,
	}
}

func TestAttackHMACKeyConfusion(t *testing.T) {
	rsOnly := newValidator(t)
	// HS256 on the allowlist next to RS256, keys from a "JWKS": the RSA
	// key is bound to RS256 and can never act as an HMAC secret.
	rsAndHS := newValidator(t, WithAlgorithms(jwks.RS256, jwks.HS256))
	single, _ := jwks.Static(fixture.keySet[0]) // rs256 only: no kid needed
	rsAndHSSingle, err := New(testIssuer, testAudience, WithKeys(single), WithAlgorithms(jwks.RS256, jwks.HS256))
	if err != nil {
		t.Fatal(err)
	}
	// A validator with a real configured HS256 secret.
	secret := hmacValidator(t, fixture.hmac)
	for name, key := range rsaPublicEncodings(t) {
		t.Run(name, func(t *testing.T) {
			withKid := hsSign(t, key, hdr("HS256", "rs256"), claims())
			noKid := hsSign(t, key, hdr("HS256", ""), claims())
			assertRejected(t, rsOnly, withKid, ReasonAlgorithm, ErrInvalidToken)
			assertRejected(t, rsAndHS, withKid, ReasonKeyMismatch, ErrInvalidToken)
			assertRejected(t, rsAndHS, noKid, ReasonUnknownKey, ErrInvalidToken)
			assertRejected(t, rsAndHSSingle, noKid, ReasonKeyMismatch, ErrInvalidToken)
			assertRejected(t, secret, noKid, ReasonSignature, ErrInvalidToken)
		})
	}
	t.Run("control: the configured secret verifies", func(t *testing.T) {
		if _, err := secret.Validate(context.Background(), hsSign(t, fixture.hmac, hdr("HS256", ""), claims())); err != nil {
			t.Fatal(err)
		}
	})
}

func TestAttackKID(t *testing.T) {
	v := newValidator(t)
	kid := func(k string) func(t *testing.T) string {
		return mutated("RS256", func(h, c map[string]any) { h["kid"] = k })
	}
	runAttacks(t, v, []attack{
		{"path traversal", kid("../../../../etc/passwd"), ReasonUnknownKey},
		{"absolute path", kid("/dev/null"), ReasonUnknownKey},
		{"file URL", kid("file:///etc/passwd"), ReasonUnknownKey},
		{"SQL injection", kid("' UNION SELECT 'secret' --"), ReasonUnknownKey},
		{"very long", kid(strings.Repeat("k", 8000)), ReasonUnknownKey},
		{"NUL suffix", kid("rs256\x00"), ReasonUnknownKey},
		{"CRLF", kid("rs256\r\nX-Injected: 1"), ReasonUnknownKey},
		{"trailing space", kid("rs256 "), ReasonUnknownKey},
		{"case changed", kid("RS256"), ReasonUnknownKey},
		{"escaped NUL in raw JSON", rsaSigned(`{"alg":"RS256","kid":"rs256\u0000"}`, validClaimsJSON(t, "")), ReasonUnknownKey},
		{"missing with several keys", mutated("RS256", func(h, c map[string]any) { delete(h, "kid") }), ReasonUnknownKey},
		{"empty with several keys", kid(""), ReasonUnknownKey},
		{"kid number", rsaSigned(`{"alg":"RS256","kid":256}`, validClaimsJSON(t, "")), ReasonHeader},
		{"kid of a key bound to another alg", kid("ps256"), ReasonKeyMismatch},
	})
}

// countingServer counts every request it receives and answers with a JWKS
// holding the attacker's key, so a validator that fetched it would accept.
func countingServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	doc, _ := json.Marshal(map[string]any{"keys": []any{map[string]string{
		"kty": "RSA", "kid": "attacker", "alg": "RS256",
		"n": b64url(fixture.rsa2.N.Bytes()), "e": "AQAB",
	}}})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Write(doc)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func attackerCert(t testing.TB) []byte {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "issuer.example.com"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &fixture.rsa2.PublicKey, fixture.rsa2)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestAttackHeaderKeyInjection(t *testing.T) {
	srv, hits := countingServer(t)
	v := newValidator(t)
	cert := attackerCert(t)
	attackerJWK := map[string]any{"kty": "RSA", "kid": "attacker", "alg": "RS256", "n": b64url(fixture.rsa2.N.Bytes()), "e": "AQAB"}
	inject := func(kid string, members map[string]any) func(t *testing.T) string {
		return func(t *testing.T) string {
			h := hdr("RS256", kid)
			for k, v := range members {
				h[k] = v
			}
			return sign(t, "RS256", fixture.rsa2, h, claims())
		}
	}
	var attacks []attack
	for name, m := range map[string]map[string]any{
		"jku":         {"jku": srv.URL + "/jwks.json"},
		"x5u":         {"x5u": srv.URL + "/cert.pem"},
		"jwk":         {"jwk": attackerJWK},
		"x5c":         {"x5c": []string{base64Std(cert)}},
		"x5t":         {"x5t": b64url(sha256Sum(string(cert))[:20]), "x5t#S256": b64url(sha256Sum(string(cert)))},
		"all at once": {"jku": srv.URL, "x5u": srv.URL, "jwk": attackerJWK, "x5c": []string{base64Std(cert)}},
	} {
		attacks = append(attacks,
			attack{name + " with the kid of a trusted key", inject("rs256", m), ReasonSignature},
			attack{name + " with the attacker's kid", inject("attacker", m), ReasonUnknownKey},
			attack{name + " without kid", inject("", m), ReasonUnknownKey},
		)
	}
	runAttacks(t, v, attacks)
	if n := hits.Load(); n != 0 {
		t.Fatalf("the validator made %d outbound requests to header-supplied URLs", n)
	}
}

func base64Std(b []byte) string {
	// x5c uses standard base64 with padding (RFC 7515 section 4.1.6).
	s := b64url(b)
	s = strings.NewReplacer("-", "+", "_", "/").Replace(s)
	for len(s)%4 != 0 {
		s += "="
	}
	return s
}

func TestAttackCritAndB64(t *testing.T) {
	v := newValidator(t)
	c := func(t *testing.T) string { return validClaimsJSON(t, "") }
	hdrWith := func(extra string) func(t *testing.T) string {
		return func(t *testing.T) string {
			return sign(t, "RS256", fixture.rsa, `{"alg":"RS256","kid":"rs256",`+extra+`}`, c(t))
		}
	}
	runAttacks(t, v, []attack{
		{"crit exp", hdrWith(`"crit":["exp"],"exp":1`), ReasonCrit},
		{"crit unknown extension", hdrWith(`"crit":["https://evil.example/ext"],"https://evil.example/ext":true`), ReasonCrit},
		{"crit empty list", hdrWith(`"crit":[]`), ReasonCrit},
		{"crit not a list", hdrWith(`"crit":"b64"`), ReasonCrit},
		{"crit b64 with b64 false", hdrWith(`"crit":["b64"],"b64":false`), ReasonCrit},
		{"b64 false without crit", hdrWith(`"b64":false`), ReasonCrit},
		{"b64 null", hdrWith(`"b64":null`), ReasonCrit},
		{"b64 string", hdrWith(`"b64":"false"`), ReasonCrit},
		{"unencoded payload (RFC 7797)", func(t *testing.T) string {
			h := b64url([]byte(`{"alg":"RS256","kid":"rs256","crit":["b64"],"b64":false}`))
			input := h + "." + c(t)
			return input + "." + b64url(rawSign(t, "RS256", fixture.rsa, []byte(input)))
		}, ReasonEncoding},
		{"detached payload", func(t *testing.T) string {
			h := b64url([]byte(`{"alg":"RS256","kid":"rs256","crit":["b64"],"b64":false}`))
			return h + ".." + b64url(rawSign(t, "RS256", fixture.rsa, []byte(h+"."+c(t))))
		}, ReasonMalformed},
	})
}

func TestAttackJWEAndNested(t *testing.T) {
	v := newValidator(t)
	inner := func(t *testing.T) string { return token(t, "RS256", nil) }
	runAttacks(t, v, []attack{
		{"five-part JWE", func(*testing.T) string {
			return b64url([]byte(`{"alg":"RSA-OAEP-256","enc":"A256GCM","kid":"rs256"}`)) + ".ZW5jcnlwdGVka2V5.aXZpdml2aXZpdg.Y2lwaGVydGV4dA.dGFndGFndGFn"
		}, ReasonEncrypted},
		{"JWE dir with empty key", func(*testing.T) string {
			return b64url([]byte(`{"alg":"dir","enc":"A256GCM"}`)) + "..aXY.Y3Q.dGFn"
		}, ReasonEncrypted},
		{"JWE header on a three-part token", mutated("RS256", func(h, c map[string]any) { h["enc"] = "A128CBC-HS256" }), ReasonEncrypted},
		{"zip member", mutated("RS256", func(h, c map[string]any) { h["zip"] = "DEF" }), ReasonEncrypted},
		{"key-management alg on three parts", mutated("RS256", func(h, c map[string]any) { h["alg"] = "RSA-OAEP" }), ReasonAlgorithm},
		{"nested JWT cty JWT", func(t *testing.T) string {
			h := hdr("RS256", "rs256")
			h["cty"] = "JWT"
			return sign(t, "RS256", fixture.rsa, h, inner(t))
		}, ReasonNested},
		{"nested JWT cty jwt", mutated("RS256", func(h, c map[string]any) { h["cty"] = "jwt" }), ReasonNested},
		{"nested JWT cty application/JWT", mutated("RS256", func(h, c map[string]any) { h["cty"] = "application/JWT" }), ReasonNested},
		{"JWT as payload without cty", func(t *testing.T) string {
			return sign(t, "RS256", fixture.rsa, hdr("RS256", "rs256"), inner(t))
		}, ReasonClaims},
	})
}

func TestAttackECDSA(t *testing.T) {
	v := newValidator(t)
	withSig := func(alg string, sig func(input string) []byte) func(t *testing.T) string {
		return func(t *testing.T) string {
			tok := token(t, alg, nil)
			input := tok[:strings.LastIndex(tok, ".")]
			return input + "." + b64url(sig(input))
		}
	}
	var attacks []attack
	for _, tc := range []struct {
		alg  string
		size int
	}{{"ES256", 32}, {"ES384", 48}, {"ES512", 66}} {
		tc := tc
		n := ecOrder(tc.alg)
		attacks = append(attacks,
			attack{tc.alg + " psychic r=s=0", withSig(tc.alg, func(string) []byte { return make([]byte, 2*tc.size) }), ReasonSignature},
			attack{tc.alg + " r=s=n", withSig(tc.alg, func(string) []byte {
				b := make([]byte, 2*tc.size)
				n.FillBytes(b[:tc.size])
				n.FillBytes(b[tc.size:])
				return b
			}), ReasonSignature},
			attack{tc.alg + " r=s=1", withSig(tc.alg, func(string) []byte {
				b := make([]byte, 2*tc.size)
				b[tc.size-1], b[2*tc.size-1] = 1, 1
				return b
			}), ReasonSignature},
			attack{tc.alg + " empty signature", withSig(tc.alg, func(string) []byte { return nil }), ReasonSignature},
			attack{tc.alg + " DER signature", withSig(tc.alg, func(input string) []byte {
				h := fixtureHash(tc.alg)
				h.Write([]byte(input))
				der, err := fixture.signerFor(tc.alg).Sign(rand.Reader, h.Sum(nil), nil)
				if err != nil {
					t.Fatal(err)
				}
				return der
			}), ReasonSignature},
			attack{tc.alg + " signature one byte long", withSig(tc.alg, func(input string) []byte {
				return append(rawSign(t, tc.alg, fixture.signerFor(tc.alg), []byte(input)), 0)
			}), ReasonSignature},
			attack{tc.alg + " signature with leading zero stripped", withSig(tc.alg, func(input string) []byte {
				return rawSign(t, tc.alg, fixture.signerFor(tc.alg), []byte(input))[1:]
			}), ReasonSignature},
		)
	}
	runAttacks(t, v, attacks)
}

func TestAttackKeyAlgMismatch(t *testing.T) {
	v := newValidator(t)
	signed := func(alg, kid string) func(t *testing.T) string {
		return func(t *testing.T) string { return sign(t, alg, fixture.signerFor(alg), hdr(alg, kid), claims()) }
	}
	runAttacks(t, v, []attack{
		{"RS256 header on a PS256-bound key", signed("RS256", "ps256"), ReasonKeyMismatch},
		{"PS256 header on an RS256-bound key", signed("PS256", "rs256"), ReasonKeyMismatch},
		{"RS512 header on an RS256-bound key", signed("RS512", "rs256"), ReasonKeyMismatch},
		{"ES256 header on an RSA kid", signed("ES256", "rs256"), ReasonKeyMismatch},
		{"ES384 header on a P-256 key", signed("ES384", "es256"), ReasonKeyMismatch},
		{"ES256 header on a P-384 key", signed("ES256", "es384"), ReasonKeyMismatch},
		{"EdDSA header on an EC kid", signed("EdDSA", "es256"), ReasonKeyMismatch},
		{"RS256 header on an Ed25519 kid", signed("RS256", "ed"), ReasonKeyMismatch},
	})
}

func TestAttackJWKSKeyFiltering(t *testing.T) {
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jwks.NewKey("small", "RS256", &small.PublicKey); err == nil {
		t.Error("NewKey accepted a 1024-bit RSA key")
	}
	rsaJWK := func(kid string, pub *rsa.PublicKey, extra map[string]any) map[string]any {
		m := map[string]any{"kty": "RSA", "kid": kid, "n": b64url(pub.N.Bytes()), "e": "AQAB"}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	doc, _ := json.Marshal(map[string]any{"keys": []any{
		map[string]any{"kty": "oct", "kid": "oct", "alg": "HS256", "k": b64url(fixture.hmac)},
		rsaJWK("enc", &fixture.rsa2.PublicKey, map[string]any{"use": "enc", "alg": "RS256"}),
		rsaJWK("small", &small.PublicKey, map[string]any{"alg": "RS256"}),
		rsaJWK("hs-labelled", &fixture.rsa2.PublicKey, map[string]any{"alg": "HS256"}),
		rsaJWK("wrap-only", &fixture.rsa2.PublicKey, map[string]any{"key_ops": []string{"wrapKey"}}),
		rsaJWK("good", &fixture.rsa.PublicKey, map[string]any{"alg": "RS256", "use": "sig"}),
	}})
	algs := []jwks.Alg{jwks.RS256, jwks.HS256}
	src, err := jwks.StaticJWKS(doc, algs)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(src.Keys().KIDs(), ","); got != "good" {
		t.Fatalf("usable keys = %q, want only good (dropped: %v)", got, src.Keys().Dropped())
	}
	v, err := New(testIssuer, testAudience, WithKeys(src), WithAlgorithms(algs...))
	if err != nil {
		t.Fatal(err)
	}
	runAttacks(t, v, []attack{
		{"oct key from the JWKS as HMAC secret", func(t *testing.T) string { return hsSign(t, fixture.hmac, hdr("HS256", "oct"), claims()) }, ReasonUnknownKey},
		{"use enc key", func(t *testing.T) string { return sign(t, "RS256", fixture.rsa2, hdr("RS256", "enc"), claims()) }, ReasonUnknownKey},
		{"1024-bit RSA key", func(t *testing.T) string { return sign(t, "RS256", small, hdr("RS256", "small"), claims()) }, ReasonUnknownKey},
		{"RSA key labelled HS256", func(t *testing.T) string {
			return hsSign(t, x509.MarshalPKCS1PublicKey(&fixture.rsa2.PublicKey), hdr("HS256", "hs-labelled"), claims())
		}, ReasonUnknownKey},
		{"key_ops without verify", func(t *testing.T) string { return sign(t, "RS256", fixture.rsa2, hdr("RS256", "wrap-only"), claims()) }, ReasonUnknownKey},
		{"HS256 on the good RSA key", func(t *testing.T) string {
			return hsSign(t, x509.MarshalPKCS1PublicKey(&fixture.rsa.PublicKey), hdr("HS256", "good"), claims())
		}, ReasonKeyMismatch},
	})
	t.Run("control: the good key verifies", func(t *testing.T) {
		if _, err := v.Validate(context.Background(), sign(t, "RS256", fixture.rsa, hdr("RS256", "good"), claims())); err != nil {
			t.Fatal(err)
		}
	})
}

// flipChar replaces the character at i with another base64url character
// that changes the decoded bits at that position.
func flipChar(tok string, i int) string {
	b := []byte(tok)
	if b[i] == 'A' {
		b[i] = 'Q' // differs in the high bit of the 6-bit group
	} else {
		b[i] = 'A'
	}
	return string(b)
}

func TestAttackTampering(t *testing.T) {
	v := newValidator(t)
	valid := func(t *testing.T) string { return token(t, "RS256", nil) }
	withMember := func(t *testing.T) string {
		return token(t, "RS256", func(h, c map[string]any) { h["x"] = "aaaaaaaaaaaa"; c["x"] = "aaaaaaaaaaaa" })
	}
	runAttacks(t, v, []attack{
		{"signature stripped, dot kept", func(t *testing.T) string { v := valid(t); return v[:strings.LastIndex(v, ".")+1] }, ReasonSignature},
		{"signature stripped, dot removed", func(t *testing.T) string { v := valid(t); return v[:strings.LastIndex(v, ".")] }, ReasonMalformed},
		{"bit flip in signature", func(t *testing.T) string { v := valid(t); return flipChar(v, strings.LastIndex(v, ".")+10) }, ReasonSignature},
		{"bit flip in a header value", func(t *testing.T) string {
			// "x":"aaaaaaaaaaaa" is the last member: flip a bit inside it so
			// the header stays valid JSON and only the signature can tell.
			p := strings.Split(withMember(t), ".")
			hj, _ := jose.Encoding.DecodeString(p[0])
			hj = []byte(strings.Replace(string(hj), `"aaaaaaaaaaaa"`, `"aaaaaaaaaaab"`, 1))
			return b64url(hj) + "." + p[1] + "." + p[2]
		}, ReasonSignature},
		{"bit flip in a claim value", func(t *testing.T) string {
			p := strings.Split(withMember(t), ".")
			pj, _ := jose.Encoding.DecodeString(p[1])
			pj = []byte(strings.Replace(string(pj), `"aaaaaaaaaaaa"`, `"aaaaaaaaaaab"`, 1))
			return p[0] + "." + b64url(pj) + "." + p[2]
		}, ReasonSignature},
		{"payload swap", func(t *testing.T) string {
			a := strings.Split(valid(t), ".")
			b := strings.Split(token(t, "RS256", func(h, c map[string]any) { c["sub"] = "admin"; c["scope"] = "admin" }), ".")
			return a[0] + "." + b[1] + "." + a[2]
		}, ReasonSignature},
		{"signature swap", func(t *testing.T) string {
			a := strings.Split(valid(t), ".")
			b := strings.Split(token(t, "RS256", func(h, c map[string]any) { c["sub"] = "admin" }), ".")
			return b[0] + "." + b[1] + "." + a[2]
		}, ReasonSignature},
		{"header swap onto a PS256 signature", func(t *testing.T) string {
			a := strings.Split(valid(t), ".")
			b := strings.Split(token(t, "PS256", nil), ".")
			return a[0] + "." + b[1] + "." + b[2]
		}, ReasonSignature},
	})
	// Non-canonical base64url: the last character of each segment carries
	// unused low bits; setting them decodes to the same bytes, so a lax
	// decoder would accept a second spelling of a signed token.
	for i, part := range []string{"header", "payload", "signature"} {
		t.Run("non-canonical trailing bits in "+part, func(t *testing.T) {
			var p []string
			for n := 0; ; n++ { // pad until no segment is a multiple of 4 long
				p = strings.Split(token(t, "RS256", func(h, c map[string]any) { c["pad"] = strings.Repeat("p", n) }), ".")
				if len(p[0])%4 != 0 && len(p[1])%4 != 0 && len(p[2])%4 != 0 {
					break
				}
			}
			seg := p[i]
			last := strings.IndexByte(b64Alphabet, seg[len(seg)-1])
			p[i] = seg[:len(seg)-1] + string(b64Alphabet[last|1])
			if p[i] == seg {
				p[i] = seg[:len(seg)-1] + string(b64Alphabet[last|2])
			}
			assertRejected(t, v, strings.Join(p, "."), ReasonEncoding, ErrInvalidToken)
		})
	}
	// Every single-character substitution anywhere in the token is refused.
	t.Run("every position", func(t *testing.T) {
		tok := valid(t)
		for i := range tok {
			if tok[i] == '.' {
				continue
			}
			if c, err := v.Validate(context.Background(), flipChar(tok, i)); err == nil || c != nil {
				t.Fatalf("position %d: accepted a modified token", i)
			}
		}
	})
}

// ecOrder returns the group order n of the curve of an ES algorithm.
func ecOrder(alg string) *big.Int {
	return fixture.signerFor(alg).(*ecdsa.PrivateKey).Curve.Params().N
}

// fixtureHash returns a fresh hash of the kind alg signs with.
func fixtureHash(alg string) hash.Hash {
	return map[string]crypto.Hash{"256": crypto.SHA256, "384": crypto.SHA384, "512": crypto.SHA512}[alg[2:]].New()
}

const b64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

func TestAttackDuplicateMembers(t *testing.T) {
	v := newValidator(t)
	goodHdr := `{"alg":"RS256","kid":"rs256","typ":"JWT"}`
	runAttacks(t, v, []attack{
		{"aud evil then api", rsaSigned(goodHdr, claimsWithout(t, `"aud":"evil","aud":"`+testAudience+`"`, "aud")), ReasonClaims},
		{"aud api then evil", rsaSigned(goodHdr, claimsWithout(t, `"aud":"`+testAudience+`","aud":"evil"`, "aud")), ReasonClaims},
		{"aud duplicated through an escape", rsaSigned(goodHdr, claimsWithout(t, `"aud":"evil","\u0061ud":"`+testAudience+`"`, "aud")), ReasonClaims},
		{"exp short then long", rsaSigned(goodHdr, claimsWithout(t, `"exp":1,"exp":4102444800`, "exp")), ReasonClaims},
		{"iss twice", rsaSigned(goodHdr, claimsWithout(t, `"iss":"https://evil.example/","iss":"`+testIssuer+`"`, "iss")), ReasonClaims},
		{"scope twice", rsaSigned(goodHdr, claimsWithout(t, `"scope":"read","scope":"admin"`, "scope")), ReasonClaims},
		{"nonce twice", rsaSigned(goodHdr, validClaimsJSON(t, `"nonce":"a","nonce":"b"`)), ReasonClaims},
		{"custom claim twice", rsaSigned(goodHdr, validClaimsJSON(t, `"role":"user","role":"admin"`)), ReasonClaims},
		{"cnf.jkt twice", rsaSigned(goodHdr, validClaimsJSON(t, `"cnf":{"jkt":"a","jkt":"b"}`)), ReasonClaims},
		{"header alg none then RS256", rsaSigned(`{"alg":"none","alg":"RS256","kid":"rs256"}`, validClaimsJSON(t, "")), ReasonHeader},
		{"header alg RS256 then none", rsaSigned(`{"alg":"RS256","alg":"none","kid":"rs256"}`, validClaimsJSON(t, "")), ReasonHeader},
		{"header kid twice", rsaSigned(`{"alg":"RS256","kid":"attacker","kid":"rs256"}`, validClaimsJSON(t, "")), ReasonHeader},
		{"header typ twice", rsaSigned(`{"alg":"RS256","kid":"rs256","typ":"id+jwt","typ":"at+jwt"}`, validClaimsJSON(t, "")), ReasonHeader},
		{"header alg through an escape", rsaSigned(`{"alg":"RS256","\u0061lg":"none","kid":"rs256"}`, validClaimsJSON(t, "")), ReasonHeader},
	})
}

func TestAttackDateTypes(t *testing.T) {
	v := newValidator(t)
	date := func(name, value string) func(t *testing.T) string {
		return rsaSigned(`{"alg":"RS256","kid":"rs256"}`, claimsWithout(t, `"`+name+`":`+value, name))
	}
	var attacks []attack
	for _, name := range []string{"exp", "nbf", "iat"} {
		for _, bad := range []struct{ label, value string }{
			{"string", `"4102444800"`}, {"bool", `true`}, {"null", `null`}, {"huge", `1e300`},
			{"overflow", `1e400`}, {"negative", `-1`}, {"NaN string", `"NaN"`}, {"Infinity string", `"Infinity"`},
			{"bare NaN", `NaN`}, {"bare Infinity", `Infinity`}, {"object", `{"$date":1}`}, {"array", `[4102444800]`},
			{"hex", `0x7fffffff`}, {"leading plus", `+4102444800`}, {"leading zero", `04102444800`},
			{"after year 9999", `253402300800`},
		} {
			attacks = append(attacks, attack{name + " " + bad.label, date(name, bad.value), ReasonClaims})
		}
	}
	runAttacks(t, v, attacks)
	// A number beyond float64 range is valid JSON (RFC 8259 section 6) but
	// neither encoding/json nor jwx can decode it: refused anywhere, which
	// keeps the reader no laxer than either (see the differential test).
	t.Run("1e400 in a custom claim", func(t *testing.T) {
		tok := sign(t, "RS256", fixture.rsa, `{"alg":"RS256","kid":"rs256"}`, validClaimsJSON(t, `"big":1e400`))
		assertRejected(t, v, tok, ReasonClaims, ErrInvalidToken)
	})
	t.Run("-1e400 in a header member", func(t *testing.T) {
		tok := sign(t, "RS256", fixture.rsa, `{"alg":"RS256","kid":"rs256","x":-1e400}`, validClaimsJSON(t, ""))
		assertRejected(t, v, tok, ReasonHeader, ErrInvalidToken)
	})
	// Exponent forms and fractions are valid JSON numbers, hence valid
	// NumericDates (RFC 7519 section 2): accepted when in range.
	now := time.Now().Unix()
	for _, ok := range []struct{ name, value string }{
		{"exp exponent form", `4.1024448e9`},
		{"exp 1e10 (year 2286)", `1e10`},
		{"exp fractional", fmt.Sprintf("%d.75", now+600)},
		{"exp upper-case exponent", `4102444800E0`},
		{"nbf zero", `0`},
		{"iat negative zero", `-0`},
	} {
		t.Run("accepted "+ok.name, func(t *testing.T) {
			name := ok.name[:3]
			tok := sign(t, "RS256", fixture.rsa, `{"alg":"RS256","kid":"rs256"}`, claimsWithout(t, `"`+name+`":`+ok.value, name))
			if _, err := v.Validate(context.Background(), tok); err != nil {
				t.Fatalf("rejected a valid NumericDate %s: %v", ok.value, err)
			}
		})
	}
}

func TestAttackAudienceAndIssuer(t *testing.T) {
	v := newValidator(t)
	aud := func(value string) func(t *testing.T) string {
		return rsaSigned(`{"alg":"RS256","kid":"rs256"}`, claimsWithout(t, `"aud":`+value, "aud"))
	}
	iss := func(s string) func(t *testing.T) string {
		return mutated("RS256", func(h, c map[string]any) { c["iss"] = s })
	}
	runAttacks(t, v, []attack{
		{"aud number", aud(`1`), ReasonClaims},
		{"aud object", aud(`{"aud":"` + testAudience + `"}`), ReasonClaims},
		{"aud empty array", aud(`[]`), ReasonAudience},
		{"aud array with a number", aud(`["` + testAudience + `",1]`), ReasonClaims},
		{"aud array with null", aud(`[null,"` + testAudience + `"]`), ReasonClaims},
		{"aud nested array", aud(`[["` + testAudience + `"]]`), ReasonClaims},
		{"aud null", aud(`null`), ReasonClaims},
		{"aud bool", aud(`true`), ReasonClaims},
		{"aud empty string", aud(`""`), ReasonAudience},
		{"aud trailing slash", aud(`"` + testAudience + `/"`), ReasonAudience},
		{"aud case", aud(`"` + strings.ToUpper(testAudience) + `"`), ReasonAudience},
		{"aud prefix", aud(`"` + testAudience + `.evil.example"`), ReasonAudience},
		{"aud wildcard", aud(`"*"`), ReasonAudience},
		{"iss without trailing slash", iss(strings.TrimSuffix(testIssuer, "/")), ReasonIssuer},
		{"iss with a second trailing slash", iss(testIssuer + "/"), ReasonIssuer},
		{"iss upper case", iss(strings.ToUpper(testIssuer)), ReasonIssuer},
		{"iss host upper case", iss("https://ISSUER.example.com/"), ReasonIssuer},
		{"iss http scheme", iss(strings.Replace(testIssuer, "https", "http", 1)), ReasonIssuer},
		{"iss with NUL", iss(testIssuer + "\x00"), ReasonIssuer},
		{"iss with space", iss(testIssuer + " "), ReasonIssuer},
		{"iss homoglyph", iss(strings.Replace(testIssuer, "example", "ex\u0430mple", 1)), ReasonIssuer},
		{"iss empty", iss(""), ReasonIssuer},
	})
}

func TestAttackIDTokenWithAPIAudience(t *testing.T) {
	v := newValidator(t)
	id := func(member string, value any) func(t *testing.T) string {
		return mutated("RS256", func(h, c map[string]any) {
			c[member] = value
			c["aud"] = testAudience // the API itself: only the markers tell
		})
	}
	runAttacks(t, v, []attack{
		{"nonce", id("nonce", "n-0S6_WzA2Mj"), ReasonIDToken},
		{"nonce null", id("nonce", nil), ReasonIDToken},
		{"nonce empty", id("nonce", ""), ReasonIDToken},
		{"at_hash", id("at_hash", "77QmUPtjPfzWtF2AnpK9RQ"), ReasonIDToken},
		{"c_hash", id("c_hash", "LDktKdoQak3Pk0cnXxCltA"), ReasonIDToken},
		{"typ id+jwt", mutated("RS256", func(h, c map[string]any) { h["typ"] = "id+jwt" }), ReasonTokenType},
	})
	t.Run("strict mode refuses typ JWT", func(t *testing.T) {
		assertRejected(t, newValidator(t, WithStrictTokenType()), token(t, "RS256", nil), ReasonTokenType, ErrInvalidToken)
	})
}

func TestAttackSizeAndNesting(t *testing.T) {
	v := newValidator(t)
	big := newValidator(t, WithMaxTokenSize(1<<20))
	deep := func(n int, open, close string) string {
		return strings.Repeat(open, n) + "1" + strings.Repeat(close, n)
	}
	deepObj := func(n int) string { return strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n) }
	runAttacks(t, v, []attack{
		{"token over 16 KiB", mutated("RS256", func(h, c map[string]any) { c["pad"] = strings.Repeat("a", 16<<10) }), ReasonTooLarge},
		{"header over 16 KiB", mutated("RS256", func(h, c map[string]any) { h["pad"] = strings.Repeat("a", 16<<10) }), ReasonTooLarge},
		{"1 MiB of dots", func(*testing.T) string { return strings.Repeat(".", 1<<20) }, ReasonTooLarge},
		{"header of 8 KiB, forged", func(t *testing.T) string {
			h := hdr("RS256", "rs256")
			h["pad"] = strings.Repeat("a", 8<<10)
			return sign(t, "RS256", fixture.rsa2, h, claims())
		}, ReasonSignature},
		{"nested arrays within the token size", rsaSigned(`{"alg":"RS256","kid":"rs256"}`, validClaimsJSON(t, `"x":`+deep(5000, "[", "]"))), ReasonClaims},
	})
	runAttacks(t, big, []attack{
		{"claims: 10000 nested arrays", rsaSigned(`{"alg":"RS256","kid":"rs256"}`, validClaimsJSON(t, `"x":`+deep(10000, "[", "]"))), ReasonClaims},
		{"claims: 10000 nested objects", rsaSigned(`{"alg":"RS256","kid":"rs256"}`, validClaimsJSON(t, `"x":`+deepObj(10000))), ReasonClaims},
		{"claims: unterminated 100000 arrays", rsaSigned(`{"alg":"RS256","kid":"rs256"}`, `{"x":`+strings.Repeat("[", 100000)), ReasonClaims},
		{"aud: 10000 nested arrays", rsaSigned(`{"alg":"RS256","kid":"rs256"}`, claimsWithout(t, `"aud":`+deep(10000, "[", "]"), "aud")), ReasonClaims},
		{"cnf: 10000 nested objects", rsaSigned(`{"alg":"RS256","kid":"rs256"}`, validClaimsJSON(t, `"cnf":`+deepObj(10000))), ReasonClaims},
		{"header: 10000 nested arrays", rsaSigned(`{"alg":"RS256","kid":"rs256","x":`+deep(10000, "[", "]")+`}`, validClaimsJSON(t, "")), ReasonHeader},
		{"header: crit of 10000 nested arrays", rsaSigned(`{"alg":"RS256","kid":"rs256","crit":`+deep(10000, "[", "]")+`}`, validClaimsJSON(t, "")), ReasonHeader},
		{"header of 200 KiB, forged", func(t *testing.T) string {
			h := hdr("RS256", "rs256")
			h["pad"] = strings.Repeat("a", 200<<10)
			return sign(t, "RS256", fixture.rsa2, h, claims())
		}, ReasonSignature},
		{"100000 members", rsaSigned(`{"alg":"RS256","kid":"rs256"}`, func() string {
			var b strings.Builder
			b.WriteString(validClaimsJSON(t, `"m0":0`))
			s := b.String()
			var more strings.Builder
			for i := 1; i < 20000; i++ {
				fmt.Fprintf(&more, `,"m%d":0`, i)
			}
			return s[:len(s)-1] + more.String() + `,"m0":1}` // the last one repeats
		}()), ReasonClaims},
	})
}

func TestAttackEncoding(t *testing.T) {
	v := newValidator(t)
	hdrJSON := `{"alg":"RS256","kid":"rs256"}`
	part := func(i int, f func(string) string) func(t *testing.T) string {
		return func(t *testing.T) string {
			p := strings.Split(token(t, "RS256", nil), ".")
			p[i] = f(p[i])
			return strings.Join(p, ".")
		}
	}
	attacks := []attack{
		{"invalid UTF-8 in kid", rsaSigned("{\"alg\":\"RS256\",\"kid\":\"rs\xff256\"}", validClaimsJSON(t, "")), ReasonHeader},
		{"raw NUL in kid", rsaSigned("{\"alg\":\"RS256\",\"kid\":\"rs256\x00\"}", validClaimsJSON(t, "")), ReasonHeader},
		{"invalid UTF-8 in a header member name", rsaSigned("{\"alg\":\"RS256\",\"kid\":\"rs256\",\"\xfe\":1}", validClaimsJSON(t, "")), ReasonHeader},
		{"invalid UTF-8 in sub", rsaSigned(hdrJSON, claimsWithout(t, "\"sub\":\"a\xffb\"", "sub")), ReasonClaims},
		{"overlong UTF-8 in sub", rsaSigned(hdrJSON, claimsWithout(t, "\"sub\":\"\xc0\xaf\"", "sub")), ReasonClaims},
		{"UTF-8 surrogate in iss", rsaSigned(hdrJSON, claimsWithout(t, "\"iss\":\"\xed\xa0\x80\"", "iss")), ReasonClaims},
		{"invalid UTF-8 in a custom claim", rsaSigned(hdrJSON, validClaimsJSON(t, "\"x\":[\"\xff\"]")), ReasonClaims},
		{"raw NUL in a claim", rsaSigned(hdrJSON, validClaimsJSON(t, "\"x\":\"a\x00\"")), ReasonClaims},
		{"NUL after the claims object", rsaSigned(hdrJSON, validClaimsJSON(t, "")+"\x00"), ReasonClaims},
		{"BOM before the header", rsaSigned("\xef\xbb\xbf"+hdrJSON, validClaimsJSON(t, "")), ReasonHeader},
		{"NUL in the token", func(t *testing.T) string { v := token(t, "RS256", nil); return v[:20] + "\x00" + v[20:] }, ReasonEncoding},
		{"five parts", func(t *testing.T) string { return token(t, "RS256", nil) + ".a.b" }, ReasonEncrypted},
		{"six parts", func(t *testing.T) string { return token(t, "RS256", nil) + ".a.b.c" }, ReasonMalformed},
		{"two dots only", func(*testing.T) string { return ".." }, ReasonMalformed},
		{"opaque", func(*testing.T) string { return "2YotnFZFEjr1zCsicMWpAA" }, ReasonOpaque},
		{"opaque with symbols", func(*testing.T) string { return "tGzv3JOkF0XG5Qx2TlKWIA~+/=" }, ReasonOpaque},
		{"leading space", func(t *testing.T) string { return " " + token(t, "RS256", nil) }, ReasonEncoding},
		{"trailing newline", func(t *testing.T) string { return token(t, "RS256", nil) + "\n" }, ReasonEncoding},
	}
	for i, name := range []string{"header", "payload", "signature"} {
		i := i
		attacks = append(attacks,
			attack{"padding in " + name, part(i, func(s string) string { return s + "==" }), ReasonEncoding},
			attack{"single = in " + name, part(i, func(s string) string { return s + "=" }), ReasonEncoding},
			attack{"plus in " + name, part(i, func(s string) string { return "+" + s[1:] }), ReasonEncoding},
			attack{"slash in " + name, part(i, func(s string) string { return s[:len(s)-1] + "/" }), ReasonEncoding},
			attack{"CR LF in " + name, part(i, func(s string) string { return s[:8] + "\r\n" + s[8:] }), ReasonEncoding},
			attack{"LF in " + name, part(i, func(s string) string { return s[:8] + "\n" + s[8:] }), ReasonEncoding},
			attack{"space in " + name, part(i, func(s string) string { return s[:8] + " " + s[8:] }), ReasonEncoding},
			attack{"tab in " + name, part(i, func(s string) string { return s[:8] + "\t" + s[8:] }), ReasonEncoding},
			attack{"percent-encoding in " + name, part(i, func(s string) string { return s[:8] + "%2D" + s[8:] }), ReasonEncoding},
		)
	}
	runAttacks(t, v, attacks)
	t.Run("opaque hint names the audience parameter", func(t *testing.T) {
		_, err := v.Validate(context.Background(), "2YotnFZFEjr1zCsicMWpAA")
		if e := AsError(err); !strings.Contains(e.Hint, "audience=") {
			t.Errorf("hint %q does not say how to get a JWT", e.Hint)
		}
	})
	t.Run("JWE hint names the audience parameter", func(t *testing.T) {
		_, err := v.Validate(context.Background(), "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..aXY.Y3Q.dGFn")
		if e := AsError(err); !strings.Contains(e.Hint, "audience=") || !strings.Contains(e.Description, "JWE") {
			t.Errorf("JWE error %q / hint %q", e.Description, e.Hint)
		}
	})
}

// TestAttackSuiteLeavesValidatorHealthy runs every attack above against one
// Validator (cache on), then checks it still validates a good token and still
// refuses the attacks: no state an attacker can poison.
func TestAttackSuiteLeavesValidatorHealthy(t *testing.T) {
	v := newValidator(t)
	good := token(t, "ES256", nil)
	if _, err := v.Validate(context.Background(), good); err != nil {
		t.Fatal(err)
	}
	hostile := []string{
		unsigned(`{"alg":"none"}`, validClaimsJSON(t, ""), nil),
		hsSign(t, rsaPublicEncodings(t)["PEM PKIX"], hdr("HS256", "rs256"), claims()),
		sign(t, "RS256", fixture.rsa2, hdr("RS256", "rs256"), claims()),
		good[:strings.LastIndex(good, ".")+1] + b64url(make([]byte, 64)),
		strings.Repeat("[", 1<<15),
		"a.b.c.d.e",
		"\x00\xff",
	}
	for i := 0; i < 3; i++ {
		for _, h := range hostile {
			if _, err := v.Validate(context.Background(), h); err == nil {
				t.Fatalf("accepted hostile token %.40q", h)
			}
		}
		if c, err := v.Validate(context.Background(), good); err != nil || c.Subject != "auth0|user-1" {
			t.Fatalf("round %d: good token after the attacks: %v", i, err)
		}
	}
}

// TestIssuerBindingStaticSources: with two trusted issuers, each with its
// own static key source, a key of issuer A never verifies a token claiming
// issuer B, even when both sources use the same kid (issue 2).
func TestIssuerBindingStaticSources(t *testing.T) {
	const issuerB = "https://tenant-b.example.com/"
	keyA, _ := jwks.NewKey("shared-kid", "RS256", &fixture.rsa.PublicKey)
	keyB, _ := jwks.NewKey("shared-kid", "RS256", &fixture.rsa2.PublicKey)
	onlyA, _ := jwks.NewKey("only-a", "ES256", &fixture.ec256.PublicKey)
	srcA, err := jwks.Static(keyA, onlyA)
	if err != nil {
		t.Fatal(err)
	}
	srcB, err := jwks.Static(keyB)
	if err != nil {
		t.Fatal(err)
	}
	v, err := New(testIssuer, testAudience, WithKeys(srcA), WithIssuer(issuerB, srcB), WithTokenCache(0))
	if err != nil {
		t.Fatal(err)
	}
	claiming := func(iss string) map[string]any { c := claims(); c["iss"] = iss; return c }
	for _, ok := range []struct {
		name string
		tok  string
		iss  string
	}{
		{"A signs for A", sign(t, "RS256", fixture.rsa, hdr("RS256", "shared-kid"), claiming(testIssuer)), testIssuer},
		{"B signs for B", sign(t, "RS256", fixture.rsa2, hdr("RS256", "shared-kid"), claiming(issuerB)), issuerB},
	} {
		c, err := v.Validate(context.Background(), ok.tok)
		if err != nil || c.Issuer != ok.iss {
			t.Fatalf("%s: %v", ok.name, err)
		}
	}
	runAttacks(t, v, []attack{
		{"A's key, token claims B, shared kid", func(t *testing.T) string {
			return sign(t, "RS256", fixture.rsa, hdr("RS256", "shared-kid"), claiming(issuerB))
		}, ReasonSignature},
		{"B's key, token claims A, shared kid", func(t *testing.T) string {
			return sign(t, "RS256", fixture.rsa2, hdr("RS256", "shared-kid"), claiming(testIssuer))
		}, ReasonSignature},
		{"A's only key, token claims B", func(t *testing.T) string {
			return sign(t, "ES256", fixture.ec256, hdr("ES256", "only-a"), claiming(issuerB))
		}, ReasonUnknownKey},
		{"B's key without kid, token claims A (A has two keys)", func(t *testing.T) string {
			return sign(t, "RS256", fixture.rsa2, hdr("RS256", ""), claiming(testIssuer))
		}, ReasonUnknownKey},
		{"A's key without kid, token claims B (B has one key)", func(t *testing.T) string {
			return sign(t, "RS256", fixture.rsa, hdr("RS256", ""), claiming(issuerB))
		}, ReasonSignature},
	})
}

// TestLeewayNbfIat: nbf and iat honour the one leeway setting, on both
// sides of the boundary (RFC 7519 sections 4.1.5, 4.1.6).
func TestLeewayNbfIat(t *testing.T) {
	now := time.Unix(1_900_000_000, 0)
	v := newValidator(t, WithClock(func() time.Time { return now }), WithLeeway(30*time.Second), WithTokenCache(0))
	at := func(nbf, iat int64) string {
		return token(t, "EdDSA", func(h, c map[string]any) {
			c["exp"] = now.Unix() + 600
			c["nbf"], c["iat"] = nbf, iat
		})
	}
	cases := []struct {
		name   string
		nbf    int64
		iat    int64
		reason Reason
	}{
		{"nbf within leeway", now.Unix() + 29, now.Unix(), ""},
		{"nbf just past leeway", now.Unix() + 31, now.Unix(), ReasonNotYetValid},
		{"iat within leeway", now.Unix(), now.Unix() + 30, ""},
		{"iat just past leeway", now.Unix(), now.Unix() + 31, ReasonIssuedInFuture},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok := at(tc.nbf, tc.iat)
			if tc.reason == "" {
				if _, err := v.Validate(context.Background(), tok); err != nil {
					t.Fatal(err)
				}
				return
			}
			assertRejected(t, v, tok, tc.reason, ErrInvalidToken)
		})
	}
	t.Run("exp exactly at the leeway boundary", func(t *testing.T) {
		tok := token(t, "EdDSA", func(h, c map[string]any) { c["exp"] = now.Unix() - 30; c["iat"] = now.Unix() - 60 })
		assertRejected(t, v, tok, ReasonExpired, ErrInvalidToken)
	})
}
