package middleware

import (
	"context"
	"encoding/base64"
	"math/big"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jws"
)

// The differential test: our compact-JWS parser and signature path against
// jwx/v3's jws.Verify, on valid tokens and thousands of deterministic
// mutations of them. The question asked of both is "is this validly
// signed by the configured key". Claims stay valid unless a mutation is
// about claims, so only format and signature differences remain.
//
// jwx is the reference, not the policy: where jwtguard is deliberately
// stricter the disagreement is allowed only with a Reason listed in
// stricterThanJWX. Every other disagreement fails, and jwtguard accepting
// what jwx refuses always fails.

// stricterThanJWX lists the reasons for which jwtguard may refuse a token
// that jwx verifies, and why (RFC references).
var stricterThanJWX = map[Reason]string{
	ReasonEncoding:                "strict base64url: no padding, no +/, no whitespace, no non-zero trailing bits (RFC 7515 section 2); jwx decodes leniently",
	ReasonCrit:                    "crit and b64:false are refused outright (RFC 7515 section 4.1.11, RFC 7797); jwx understands b64",
	ReasonTokenType:               "typ policy (RFC 9068 section 4, RFC 8725 section 3.11) and the payload typ claim naming another token kind (Keycloak); jws.Verify ignores typ",
	ReasonIDToken:                 "ID-token markers nonce/at_hash/c_hash and typ claim ID (OIDC Core 2); jws.Verify does not read claims",
	ReasonUnsupportedConfirmation: "sender constraints other than cnf.jkt and cnf.x5t#S256 (RFC 7800 jwk/jwe/kid/jku, empty cnf) are refused until verified; jws.Verify does not read claims",
	ReasonMTLSNoCertificate:       "Validate has no request: a certificate-bound token (RFC 8705 cnf.x5t#S256) needs Authenticate and the client certificate; jws.Verify does not read claims",
	ReasonDPoPDowngrade:           "Validate is the Bearer path: a DPoP-bound token (cnf.jkt) needs the DPoP scheme and a proof (RFC 9449 section 7.2); jws.Verify does not read claims",
	ReasonClaims:                  "claims must be a JSON object with typed registered claims and unique names; jws.Verify does not read claims",
	ReasonHeader:                  "header must be strict JSON with unique member names and valid UTF-8 (RFC 7515 section 5.2); jwx takes the last duplicate",
	ReasonNested:                  "nested JWTs (cty JWT) are refused (RFC 8725 section 2.8)",
	ReasonEncrypted:               "JWE members (enc, zip) in a JWS header are refused",
	ReasonKeyMismatch:             "the header alg must equal the key's bound alg (RFC 8725 section 3.1); jws.WithKey verifies with the caller's alg",
	ReasonUnknownKey:              "the kid selects the key; jws.WithKey ignores the kid",
	ReasonAlgorithm:               "the header alg must be on the allowlist; jws.WithKey verifies with the caller's alg",
	ReasonMalformed:               "compact form only: jwx also parses the JSON serialization and trims surrounding whitespace",
	ReasonIssuer:                  "claims policy (iss); jws.Verify does not read claims",
	ReasonAudience:                "claims policy (aud); jws.Verify does not read claims",
	ReasonMissingExpiry:           "claims policy (exp); jws.Verify does not read claims",
}

// diffBase is one valid token and the configured key that signed it.
type diffBase struct {
	alg   string
	token string
	jwa   jwa.SignatureAlgorithm
	pub   any
}

func diffBases(t *testing.T) []diffBase {
	var out []diffBase
	for _, alg := range []string{"RS256", "PS256", "ES256", "EdDSA"} {
		a, ok := jwa.LookupSignatureAlgorithm(alg)
		if !ok {
			t.Fatalf("jwx does not know %s", alg)
		}
		out = append(out, diffBase{alg: alg, token: token(t, alg, nil), jwa: a, pub: fixture.signerFor(alg).Public()})
	}
	return out
}

// mutation is one deterministic change to a token.
type mutation struct {
	family   string
	stricter []Reason // the only reasons a disagreement may have
	apply    func(rng *rand.Rand, b diffBase) string
}

func segs(tok string) []string { return strings.Split(tok, ".") }

func decodeSeg(s string) []byte {
	b, _ := base64.RawURLEncoding.DecodeString(s)
	return b
}

// resign signs header and payload JSON with the base's key.
func resign(t *testing.T, b diffBase, header, payload []byte) string {
	input := b64url(header) + "." + b64url(payload)
	return input + "." + b64url(rawSign(t, b.alg, fixture.signerFor(b.alg), []byte(input)))
}

// headerWith returns the base header JSON with raw members appended.
func headerWith(b diffBase, members string) []byte {
	h := decodeSeg(segs(b.token)[0])
	return append(append(h[:len(h)-1:len(h)-1], ","+members...), '}')
}

const b64urlChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

func diffMutations(t *testing.T) []mutation {
	whitespace := []string{" ", "\n", "\r\n", "\t"}
	algs := []string{"RS256", "RS384", "RS512", "PS256", "PS384", "ES256", "ES384", "EdDSA", "HS256", "none", "None", "", "rs256"}
	headerMembers := []string{
		`"crit":["exp"],"exp":1`, `"crit":["b64"],"b64":true`, `"crit":[]`, `"b64":false,"crit":["b64"]`,
		`"typ":"id+jwt"`, `"typ":"at+jwt"`, `"cty":"JWT"`, `"enc":"A256GCM"`, `"zip":"DEF"`,
		`"jku":"https://attacker.example/jwks"`, `"x5u":"https://attacker.example/c"`, `"jwk":{"kty":"oct","k":"AA"}`,
		`"kid":"other"`, `"alg":"none"`, `"alg":"HS256"`, `"x":"\ud800"`, `"x":1e400`, `"x":[` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `]`,
	}
	payloadMembers := []string{
		`"nonce":"n"`, `"at_hash":"x"`, `"exp":"4102444800"`, `"aud":"evil"`, `"iss":"https://evil.example/"`,
		`"sub":"admin"`, `"x":` + strings.Repeat("[", 40) + strings.Repeat("]", 40), `"x":1e400`, `"scope":["admin"]`,
		`"cnf":{"x5t#S256":"bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg0"}`, `"cnf":{}`, `"cnf":{"jkt":"0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}`,
		`"typ":"Refresh"`, `"typ":"ID"`, `"typ":1`,
	}
	return []mutation{
		{"identity", nil, func(_ *rand.Rand, b diffBase) string { return b.token }},
		{"bit flip in a decoded segment", nil, func(rng *rand.Rand, b diffBase) string {
			p := segs(b.token)
			i := rng.IntN(3)
			raw := decodeSeg(p[i])
			if len(raw) == 0 {
				return b.token
			}
			j := rng.IntN(len(raw))
			raw[j] ^= 1 << rng.IntN(8)
			p[i] = b64url(raw)
			return strings.Join(p, ".")
		}},
		{"character substitution", []Reason{ReasonEncoding}, func(rng *rand.Rand, b diffBase) string {
			s := []byte(b.token)
			i := rng.IntN(len(s))
			s[i] = b64urlChars[rng.IntN(len(b64urlChars))]
			return string(s)
		}},
		{"truncation", []Reason{ReasonEncoding}, func(rng *rand.Rand, b diffBase) string { return b.token[:rng.IntN(len(b.token))] }},
		{"extra dot", nil, func(rng *rand.Rand, b diffBase) string {
			i := rng.IntN(len(b.token) + 1)
			return b.token[:i] + "." + b.token[i:]
		}},
		{"extra segments", nil, func(rng *rand.Rand, b diffBase) string {
			return b.token + strings.Repeat(".", 1+rng.IntN(3)) + b64url([]byte("x"))
		}},
		{"padding", []Reason{ReasonEncoding}, func(rng *rand.Rand, b diffBase) string {
			p := segs(b.token)
			i := rng.IntN(3)
			for len(p[i])%4 != 0 {
				p[i] += "="
			}
			if rng.IntN(2) == 0 {
				p[i] += "=="
			}
			return strings.Join(p, ".")
		}},
		{"standard base64 re-encoding", []Reason{ReasonEncoding}, func(rng *rand.Rand, b diffBase) string {
			p := segs(b.token)
			i := rng.IntN(3)
			enc := base64.StdEncoding
			if rng.IntN(2) == 0 {
				enc = base64.RawStdEncoding
			}
			p[i] = enc.EncodeToString(decodeSeg(p[i]))
			return strings.Join(p, ".")
		}},
		{"non-canonical trailing bits", []Reason{ReasonEncoding}, func(rng *rand.Rand, b diffBase) string {
			p := segs(b.token)
			i := rng.IntN(3)
			if len(p[i])%4 == 0 {
				return b.token
			}
			last := strings.IndexByte(b64urlChars, p[i][len(p[i])-1])
			p[i] = p[i][:len(p[i])-1] + string(b64urlChars[last^(1+rng.IntN(3))&63])
			return strings.Join(p, ".")
		}},
		{"whitespace", []Reason{ReasonEncoding}, func(rng *rand.Rand, b diffBase) string {
			ws := whitespace[rng.IntN(len(whitespace))]
			switch rng.IntN(3) {
			case 0:
				return ws + b.token
			case 1:
				return b.token + ws
			}
			i := rng.IntN(len(b.token))
			return b.token[:i] + ws + b.token[i:]
		}},
		{"alg swap, not re-signed", nil, func(rng *rand.Rand, b diffBase) string {
			p := segs(b.token)
			h := strings.Replace(string(decodeSeg(p[0])), `"alg":"`+b.alg+`"`, `"alg":"`+algs[rng.IntN(len(algs))]+`"`, 1)
			p[0] = b64url([]byte(h))
			return strings.Join(p, ".")
		}},
		{"alg swap, re-signed", []Reason{ReasonKeyMismatch, ReasonAlgorithm}, func(rng *rand.Rand, b diffBase) string {
			p := segs(b.token)
			h := strings.Replace(string(decodeSeg(p[0])), `"alg":"`+b.alg+`"`, `"alg":"`+algs[rng.IntN(len(algs))]+`"`, 1)
			return resign(t, b, []byte(h), decodeSeg(p[1]))
		}},
		{"header member added, re-signed", []Reason{ReasonHeader, ReasonEncrypted, ReasonNested, ReasonCrit, ReasonTokenType, ReasonAlgorithm}, func(rng *rand.Rand, b diffBase) string {
			return resign(t, b, headerWith(b, headerMembers[rng.IntN(len(headerMembers))]), decodeSeg(segs(b.token)[1]))
		}},
		{"header member added, not re-signed", nil, func(rng *rand.Rand, b diffBase) string {
			p := segs(b.token)
			p[0] = b64url(headerWith(b, headerMembers[rng.IntN(len(headerMembers))]))
			return strings.Join(p, ".")
		}},
		{"payload member added, re-signed", []Reason{ReasonClaims, ReasonIDToken, ReasonTokenType, ReasonUnsupportedConfirmation, ReasonDPoPDowngrade, ReasonMTLSNoCertificate}, func(rng *rand.Rand, b diffBase) string {
			pl := decodeSeg(segs(b.token)[1])
			pl = append(append(pl[:len(pl)-1:len(pl)-1], ","+payloadMembers[rng.IntN(len(payloadMembers))]...), '}')
			return resign(t, b, decodeSeg(segs(b.token)[0]), pl)
		}},
		{"payload whitespace, re-signed", nil, func(rng *rand.Rand, b diffBase) string {
			pl := " " + string(decodeSeg(segs(b.token)[1])) + "\n"
			return resign(t, b, decodeSeg(segs(b.token)[0]), []byte(pl))
		}},
		{"payload not an object, re-signed", []Reason{ReasonClaims, ReasonMalformed, ReasonIssuer}, func(rng *rand.Rand, b diffBase) string {
			return resign(t, b, decodeSeg(segs(b.token)[0]), []byte([]string{`[]`, `"x"`, `null`, `{}`, ``}[rng.IntN(5)]))
		}},
		{"signature from another key", nil, func(rng *rand.Rand, b diffBase) string {
			p := segs(b.token)
			other := []string{"RS256", "PS256", "ES256", "EdDSA"}[rng.IntN(4)]
			signer := fixture.signerFor(other)
			if other[0] == b.alg[0] || other[:2] == "PS" && b.alg[:2] == "RS" || other[:2] == "RS" && b.alg[:2] == "PS" {
				signer = fixture.rsa2 // same family: another key of it
				if other[0] == 'E' {
					signer = fixture.ec384
					other = "ES384"
				}
			}
			p[2] = b64url(rawSign(t, other, signer, []byte(p[0]+"."+p[1])))
			return strings.Join(p, ".")
		}},
		{"ECDSA high-S (malleable, still valid)", nil, func(rng *rand.Rand, b diffBase) string {
			if b.alg != "ES256" {
				return b.token
			}
			p := segs(b.token)
			sig := decodeSeg(p[2])
			n := fixture.ec256.Curve.Params().N
			s := new(big.Int).SetBytes(sig[32:])
			new(big.Int).Sub(n, s).FillBytes(sig[32:])
			p[2] = b64url(sig)
			return strings.Join(p, ".")
		}},
		{"ECDSA DER signature", nil, func(rng *rand.Rand, b diffBase) string {
			if b.alg != "ES256" {
				return b.token
			}
			p := segs(b.token)
			der, _ := fixture.ec256.Sign(nil, sha256Sum(p[0]+"."+p[1]), nil)
			p[2] = b64url(der)
			return strings.Join(p, ".")
		}},
	}
}

type verdict struct {
	ours   bool
	reason Reason
	jwx    bool
}

func TestDifferentialAgainstJWX(t *testing.T) {
	v := newValidator(t, WithTokenCache(0))
	bases := diffBases(t)
	muts := diffMutations(t)
	rng := rand.New(rand.NewPCG(7, 2026))
	const perFamily = 40 // per base token: 4 bases x 20 families x 40 = 3200 cases, ~2800 after no-ops
	type key struct{ family, outcome string }
	tally := map[key]int{}
	var agree, disagree int
	for _, m := range muts {
		for _, b := range bases {
			for i := 0; i < perFamily; i++ {
				tok := m.apply(rng, b)
				if tok == b.token && m.family != "identity" {
					continue // the mutation did not apply to this token
				}
				var vd verdict
				_, err := v.Validate(context.Background(), tok)
				vd.ours = err == nil
				if err != nil {
					vd.reason = AsError(err).Reason
				}
				_, jerr := jws.Verify([]byte(tok), jws.WithKey(b.jwa, b.pub))
				vd.jwx = jerr == nil
				switch {
				case vd.ours == vd.jwx:
					agree++
					outcome := "both reject"
					if vd.ours {
						outcome = "both accept"
					}
					tally[key{m.family, outcome}]++
				case vd.ours && !vd.jwx:
					t.Errorf("%s (%s): jwtguard accepts what jwx refuses (%v): %q", m.family, b.alg, jerr, tok)
				default:
					disagree++
					if _, listed := stricterThanJWX[vd.reason]; !listed || !slices.Contains(m.stricter, vd.reason) {
						t.Errorf("%s (%s): unlisted disagreement, jwtguard refuses with %s, jwx accepts: %q", m.family, b.alg, vd.reason, tok)
						continue
					}
					tally[key{m.family, "stricter: " + string(vd.reason)}]++
				}
				if m.family == "identity" && !(vd.ours && vd.jwx) {
					t.Fatalf("a valid %s token: ours %v (%s), jwx %v (%v)", b.alg, vd.ours, vd.reason, vd.jwx, jerr)
				}
			}
		}
	}
	keys := make([]key, 0, len(tally))
	for k := range tally {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].family != keys[j].family {
			return keys[i].family < keys[j].family
		}
		return keys[i].outcome < keys[j].outcome
	})
	for _, k := range keys {
		t.Logf("%-40s %-32s %5d", k.family, k.outcome, tally[k])
	}
	t.Logf("%d cases: %d agree, %d deliberate differences", agree+disagree, agree, disagree)
	if tally[key{"ECDSA high-S (malleable, still valid)", "both accept"}] == 0 {
		t.Error("high-S ECDSA signatures: expected both to accept (JWS does not require low-S)")
	}
}

// TestDifferentialDeliberateDifferences pins each listed difference to a
// concrete token: jwx verifies it, jwtguard refuses it with that reason.
// If jwx ever changes, or jwtguard loosens, this fails and the list in
// stricterThanJWX must be revisited.
func TestDifferentialDeliberateDifferences(t *testing.T) {
	v := newValidator(t, WithTokenCache(0))
	b := diffBases(t)[0] // RS256
	p := segs(b.token)
	pl := decodeSeg(p[1])
	withPayload := func(extra string) []byte {
		return append(append(append([]byte(nil), pl[:len(pl)-1]...), ","+extra...), '}')
	}
	cases := []struct {
		name   string
		token  string
		reason Reason
	}{
		{"padding", p[0] + "." + p[1] + "." + base64.URLEncoding.EncodeToString(decodeSeg(p[2])), ReasonEncoding},
		{"standard alphabet", p[0] + "." + p[1] + "." + base64.RawStdEncoding.EncodeToString(decodeSeg(p[2])), ReasonEncoding},
		{"crit b64 true", resign(t, b, headerWith(b, `"crit":["b64"],"b64":true`), pl), ReasonCrit},
		{"typ id+jwt", resign(t, b, headerWith(b, `"typ":"id+jwt"`), pl), ReasonHeader}, // duplicate typ: base header has typ JWT
		{"typ secevent+jwt", resign(t, b, []byte(`{"alg":"RS256","kid":"rs256","typ":"secevent+jwt"}`), pl), ReasonTokenType},
		{"ID-token marker", resign(t, b, decodeSeg(p[0]), withPayload(`"nonce":"n"`)), ReasonIDToken},
		{"typ claim Refresh", resign(t, b, decodeSeg(p[0]), withPayload(`"typ":"Refresh"`)), ReasonTokenType},
		{"certificate-bound", resign(t, b, decodeSeg(p[0]), withPayload(`"cnf":{"x5t#S256":"bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg0"}`)), ReasonMTLSNoCertificate},
		{"bound by cnf kid", resign(t, b, decodeSeg(p[0]), withPayload(`"cnf":{"kid":"k"}`)), ReasonUnsupportedConfirmation},
		{"DPoP-bound, no proof", resign(t, b, decodeSeg(p[0]), withPayload(`"cnf":{"jkt":"0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}`)), ReasonDPoPDowngrade},
		{"duplicate claim", resign(t, b, decodeSeg(p[0]), withPayload(`"sub":"admin"`)), ReasonClaims},
		{"duplicate header member", resign(t, b, headerWith(b, `"kid":"other"`), pl), ReasonHeader},
		{"cty JWT", resign(t, b, headerWith(b, `"cty":"JWT"`), pl), ReasonNested},
		{"alg header differs from the key's", resign(t, b, []byte(`{"alg":"RS384","kid":"rs256"}`), pl), ReasonKeyMismatch},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := jws.Verify([]byte(tc.token), jws.WithKey(b.jwa, b.pub)); err != nil {
				t.Logf("jwx now refuses this too (%v): the difference is gone", err)
			}
			assertRejected(t, v, tc.token, tc.reason, ErrInvalidToken)
		})
	}
}
