package middleware

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jwtguard/jwtguard/internal/jose"
)

// FuzzValidate: no input may make Validate panic, return claims with an
// error, or succeed without a valid signature by a configured key. A
// fuzzer cannot forge a signature, so success is allowed only for inputs
// that are a seed token, byte for byte, and it must round-trip the claims.
func FuzzValidate(f *testing.F) {
	v := newValidator(f)
	seeds := map[string]bool{}
	for _, alg := range []string{"RS256", "ES256", "EdDSA", "PS256"} {
		tok := token(f, alg, nil)
		seeds[tok] = true
		f.Add(tok)
	}
	f.Add("")
	f.Add("a.b.c")
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("a.b.c.d.e")
	f.Add("ory_at_ZfDq0Zx1h-3mL_kT0pQ9vR2sW4yB6nC8eG1iK3mO5qU.Vb7-X9z_Aa1Cc3Ee5Gg7Ii9Kk1Mm3Oo5Qq7Ss9Uu1Ww")
	f.Add("q1w2E3r4+T5y6/U7i8O9p0==")
	// Signed but refused: sender-constrained (cnf) and ID tokens by kind.
	f.Add(token(f, "ES256", func(h, c map[string]any) {
		c["cnf"] = map[string]any{"x5t#S256": "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"}
	}))
	f.Add(token(f, "ES256", func(h, c map[string]any) {
		c["cnf"] = map[string]any{"jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}
	}))
	f.Add(token(f, "ES256", func(h, c map[string]any) { c["typ"] = "ID"; c["nonce"] = "n" }))
	// Signed and accepted: a Keycloak access token with a nonce.
	kc := token(f, "ES256", func(h, c map[string]any) { c["typ"] = "Bearer"; c["nonce"] = "n" })
	seeds[kc] = true
	f.Add(kc)
	for tok := range seeds {
		p := strings.Split(tok, ".")
		f.Add(p[0] + "." + p[1] + ".")                     // stripped
		f.Add(p[0] + "=." + p[1] + "." + p[2])             // padded
		f.Add(tok[:len(tok)-1])                            // truncated
		f.Add(p[0] + "." + p[1] + "." + p[2] + "." + p[2]) // four parts
	}
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := v.Validate(context.Background(), tok)
		if err != nil {
			if c != nil {
				t.Fatal("claims with an error")
			}
			if AsError(err).Reason == "" {
				t.Fatalf("error without reason: %v", err)
			}
			return
		}
		if !seeds[tok] && !independentlyVerified(tok) {
			t.Fatalf("accepted a token without a valid signature by a configured key: %q", tok)
		}
		checkRoundTrip(t, c)
	})
}

// FuzzDecodeClaims: the claims reader never panics, agrees with
// encoding/json on what is valid JSON whenever it accepts, and never
// accepts invalid UTF-8 in a string it returns.
func FuzzDecodeClaims(f *testing.F) {
	for _, s := range []string{
		`{"iss":"a","aud":["b"],"exp":1.5,"scope":"x y","scp":"a b","permissions":["p"],"cnf":{"jkt":"t"}}`,
		`{"a":{"b":[1,2,{"c":null}]},"d":true,"e":-0.5e-3}`,
		`{"sub":"\u00e9\ud83d\ude00"}`, `{}`, `[]`, `{"a":1,}`, `{"a":1}{}`,
		`{"typ":"Bearer","nonce":"n"}`, `{"typ":"ID","nonce":"n","at_hash":"h"}`, `{"typ":1}`, `{"typ":null}`,
		`{"cnf":{"x5t#S256":"t"}}`, `{"cnf":{"jkt":"t","jwk":{"kty":"EC"}}}`, `{"cnf":{}}`, `{"cnf":{"x5t#S256":1}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var cs claimSet
		e := decodeClaims(data, &cs)
		if e != nil {
			if e.Reason != ReasonClaims {
				t.Fatalf("reason %s", e.Reason)
			}
			return
		}
		if !json.Valid(data) {
			t.Fatalf("accepted invalid JSON %q", data)
		}
		for _, s := range append([]string{cs.Issuer, cs.Subject, cs.Scope}, cs.Audience...) {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 %q", s)
			}
		}
		// Differential: encoding/json reads the same values, with the
		// types RFC 7519 section 4.1 requires.
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("accepted what encoding/json refuses (%v): %q", err, data)
		}
		if dup, _ := jsonDuplicateOrDepth(data); dup {
			t.Fatalf("accepted duplicate members: %q", data)
		}
		for k, got := range map[string]string{"iss": cs.Issuer, "sub": cs.Subject, "scope": cs.Scope, "jti": cs.ID, "azp": cs.AuthorizedParty, "client_id": cs.ClientIDClaim, "gty": cs.GrantType} {
			if x, ok := m[k]; ok && x != got {
				t.Fatalf("%s = %q, encoding/json %v", k, got, x)
			}
		}
		for k, d := range map[string]struct {
			has bool
			v   float64
		}{"exp": {cs.hasExp, cs.exp}, "nbf": {cs.hasNbf, cs.nbf}, "iat": {cs.hasIat, cs.iat}} {
			x, ok := m[k]
			if ok != d.has || ok && x != d.v {
				t.Fatalf("%s = %v (%v), encoding/json %v", k, d.v, d.has, x)
			}
			if ok && (d.v < 0 || d.v > jose.MaxNumericDate) {
				t.Fatalf("%s out of range accepted: %v", k, d.v)
			}
		}
		if _, marker := m["nonce"]; marker != cs.hasNonce {
			t.Fatal("nonce not seen as an ID-token marker")
		}
		for _, k := range []string{"at_hash", "c_hash"} {
			if _, marker := m[k]; marker && cs.idTokenMarker == "" {
				t.Fatalf("%s not seen as an ID-token marker", k)
			}
		}
		// cnf (RFC 7800): the members read as encoding/json reads them,
		// and every member beyond jkt and x5t#S256 flagged.
		cnf, hasCnf := m["cnf"].(map[string]any)
		if hasCnf != (cs.cnf&cnfPresent != 0) {
			t.Fatalf("cnf %v, flags %b", m["cnf"], cs.cnf)
		}
		jkt, _ := cnf["jkt"].(string)
		x5t, _ := cnf["x5t#S256"].(string)
		if jkt != cs.ConfirmationJKT || x5t != cs.ConfirmationX5T {
			t.Fatalf("cnf %v: jkt %q x5t %q", cnf, cs.ConfirmationJKT, cs.ConfirmationX5T)
		}
		for k := range cnf {
			if k != "jkt" && k != "x5t#S256" && cs.cnf&(cnfJWK|cnfJWE|cnfKID|cnfJKU|cnfOther) == 0 {
				t.Fatalf("cnf member %q not flagged: %b", k, cs.cnf)
			}
		}
		if typ, ok := m["typ"]; ok != cs.hasKind || ok && typ != cs.kind {
			t.Fatalf("typ claim = %q (%v), encoding/json %v", cs.kind, cs.hasKind, typ)
		}
	})
}

// FuzzDecodeHeader: same contract for the JOSE header reader.
func FuzzDecodeHeader(f *testing.F) {
	for _, s := range []string{`{"alg":"RS256","kid":"k","typ":"at+jwt"}`, `{"alg":"none","crit":["b64"],"b64":false}`, `{"jku":"x","jwk":{"kty":"RSA"}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var h header
		e := decodeHeader(data, &h)
		if e != nil {
			if e.Reason != ReasonHeader {
				t.Fatalf("reason %s", e.Reason)
			}
			return
		}
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("accepted what encoding/json refuses (%v): %q", err, data)
		}
		if dup, _ := jsonDuplicateOrDepth(data); dup {
			t.Fatalf("accepted duplicate members: %q", data)
		}
		for k, got := range map[string]string{"alg": h.alg, "kid": h.kid, "typ": h.typ, "cty": h.cty} {
			if x, ok := m[k]; ok && x != got || !ok && got != "" {
				t.Fatalf("%s = %q, encoding/json %v", k, got, x)
			}
		}
		_, crit := m["crit"]
		_, enc := m["enc"]
		_, zip := m["zip"]
		b64, hasB64 := m["b64"]
		if h.crit != crit || h.encrypted != (enc || zip) || h.b64False != (hasB64 && b64 != true) {
			t.Fatalf("flags %+v for %q", h, data)
		}
	})
}

// FuzzBearerToken: extraction never panics and only returns b64token
// credentials.
func FuzzBearerToken(f *testing.F) {
	for _, s := range []string{"Bearer abc", "bearer a.b.c", "Basic x", "Bearer ", "Bearer a b", "DPoP x"} {
		f.Add(s)
	}
	f.Add("BEARER   a.b.c  ")
	f.Add("Bearer\ta")
	f.Add("Bearer a==")
	f.Add("Bearer =a")
	f.Fuzz(func(t *testing.T, v string) {
		tok, err := BearerToken(http.Header{"Authorization": {v}})
		if err != nil {
			if tok != "" {
				t.Fatal("token with an error")
			}
			e := AsError(err)
			if !errors.Is(err, ErrMissingToken) && !errors.Is(err, ErrInvalidToken) || e.HTTPStatus() != http.StatusUnauthorized {
				t.Fatalf("category %v status %d", err, e.HTTPStatus())
			}
			return
		}
		if !jose.IsB64Token(tok) {
			t.Fatalf("returned %q", tok)
		}
		// Reference: RFC 6750 section 2.1, "Bearer" 1*SP b64token, scheme
		// case-insensitive; surrounding spaces tolerated.
		scheme, rest, _ := strings.Cut(v, " ")
		if !strings.EqualFold(scheme, "bearer") || strings.Trim(rest, " ") != tok {
			t.Fatalf("header %q gave %q", v, tok)
		}
		for i := 0; i < len(tok); i++ {
			if c := tok[i]; c <= ' ' || c >= 0x7f || strings.IndexByte(`"\,;`, c) >= 0 {
				t.Fatalf("token %q has %q", tok, c)
			}
		}
		if again, err := BearerFromString(v); err != nil || again != tok {
			t.Fatalf("BearerFromString disagrees: %q %v", again, err)
		}
		if _, err := BearerToken(http.Header{"Authorization": {v, v}}); !errors.Is(err, ErrInvalidRequest) {
			t.Fatalf("two headers: %v", err)
		}
	})
}

// --- Hostile-input fuzzing (issue 7) ---------------------------------------
//
// Every target checks an invariant against an independent reference, not
// just "no panic". Seeds live in testdata/fuzz/<FuzzName>/ and run as
// ordinary tests; run one target with
//
//	go test -run '^$' -fuzz '^FuzzValidateSigned$' -fuzztime 2m ./middleware/

// FuzzSplitCompact: the compact splitter and the strict base64url decoder.
// An accepted token has exactly three non-empty-headed segments of the
// base64url alphabet that join back to the input; a decoded segment is the
// canonical encoding of its bytes (no padding, no +/, no stray bits).
func FuzzSplitCompact(f *testing.F) {
	f.Add("eyJhbGciOiJSUzI1NiJ9.e30.c2ln")
	f.Add("a.b.")
	f.Add("a.b.c.d.e")
	f.Add("opaque-token")
	f.Add("a=.b.c")
	f.Add("a\n.b.c")
	f.Add("ory_at_ZfDq0Zx1h-3mL_kT0pQ9vR2sW4yB6nC8eG1iK3mO5qU.Vb7-X9z_Aa1Cc3Ee5Gg7Ii9Kk1Mm3Oo5Qq7Ss9Uu1Ww")
	f.Add("3f2a9c1e-7b4d-4e8a-9f0b-2c6d8e1a5b7c")
	f.Add("a+b/c==.d+e/f==")
	f.Add("tGzv3JOkF0XG5Qx2TlKWIA~")
	f.Add("eyJhbGciOiJSUzI1NiJ9.e30")
	f.Add("eyJhbGciOiJSUzI1NiJ9.e30.c2ln.eA")
	f.Fuzz(func(t *testing.T, tok string) {
		p, e := splitCompact(tok)
		if e != nil {
			switch e.Reason {
			case ReasonOpaque, ReasonEncrypted, ReasonMalformed, ReasonEncoding:
			default:
				t.Fatalf("reason %s", e.Reason)
			}
			// The shape decides first: not 3 or 5 segments is opaque,
			// unless the first segment is a JOSE header (a damaged JWS).
			dots := strings.Count(tok, ".")
			first, _, _ := strings.Cut(tok, ".")
			var hdr map[string]any
			raw, err := base64.RawURLEncoding.Strict().DecodeString(first)
			jose := err == nil && json.Unmarshal(raw, &hdr) == nil && hdr != nil
			if opaque := dots != 2 && dots != 4 && !jose; opaque != (e.Reason == ReasonOpaque) {
				t.Fatalf("%q (%d dots, JOSE header %v): reason %s", tok, dots, jose, e.Reason)
			}
			if e.Reason == ReasonEncrypted && dots != 4 {
				t.Fatalf("%q: encrypted with %d dots", tok, dots)
			}
			return
		}
		if p.Header+"."+p.Payload+"."+p.Signature != tok || p.SigningInput != p.Header+"."+p.Payload {
			t.Fatalf("split %q does not join back", tok)
		}
		if strings.Count(tok, ".") != 2 || p.Header == "" || p.Payload == "" {
			t.Fatalf("accepted %q", tok)
		}
		for _, seg := range []string{p.Header, p.Payload, p.Signature} {
			for i := 0; i < len(seg); i++ {
				if !strings.ContainsRune(b64urlChars, rune(seg[i])) {
					t.Fatalf("segment %q has %q", seg, seg[i])
				}
			}
			dst := make([]byte, base64.RawURLEncoding.DecodedLen(len(seg)))
			got, ok := jose.DecodeSegment(dst, seg)
			ref, refErr := base64.RawURLEncoding.DecodeString(seg)
			canonical := refErr == nil && base64.RawURLEncoding.EncodeToString(ref) == seg
			if ok != canonical {
				t.Fatalf("segment %q: decoded %v, canonical %v", seg, ok, canonical)
			}
			if ok && string(got) != string(ref) {
				t.Fatalf("segment %q decodes to %x, want %x", seg, got, ref)
			}
		}
	})
}

// jsonDuplicateOrDepth reports whether data, which encoding/json accepts,
// has a duplicate top-level member name, or nests deeper than the reader
// allows, by walking encoding/json's tokens.
func jsonDuplicateOrDepth(data []byte) (dup bool, depth int) {
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		object  bool
		keyNext bool
		seen    map[string]bool
	}
	var stack []frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return dup, depth
		}
		if len(stack) > 0 {
			top := &stack[len(stack)-1]
			if top.object && top.keyNext {
				if d, ok := tok.(json.Delim); !ok || d != '}' {
					k := tok.(string)
					if len(stack) == 1 && top.seen[k] {
						dup = true
					}
					top.seen[k] = true
					top.keyNext = false
					continue
				}
			} else if top.object {
				top.keyNext = true
			}
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			stack = append(stack, frame{object: tok == json.Delim('{'), keyNext: tok == json.Delim('{'), seen: map[string]bool{}})
			depth = max(depth, len(stack))
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			if len(stack) > 0 && stack[len(stack)-1].object {
				stack[len(stack)-1].keyNext = true
			}
		}
	}
}

// independentlyVerified verifies tok with the standard library alone: its
// header (read by encoding/json) names a kid of the fixture key set and
// that key's algorithm, and the signature checks out.
func independentlyVerified(tok string) bool {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return false
	}
	hb, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	sig, err2 := base64.RawURLEncoding.DecodeString(parts[2])
	var h struct{ Alg, Kid string }
	if err1 != nil || err2 != nil || json.Unmarshal(hb, &h) != nil {
		return false
	}
	input := []byte(parts[0] + "." + parts[1])
	for _, k := range fixture.keySet {
		if k.ID() != h.Kid || string(k.Alg()) != h.Alg {
			continue
		}
		hash := map[byte]crypto.Hash{'2': crypto.SHA256, '3': crypto.SHA384, '5': crypto.SHA512}[h.Alg[len(h.Alg)-3]]
		var digest []byte
		if hash != 0 && h.Alg != "EdDSA" {
			hh := hash.New()
			hh.Write(input)
			digest = hh.Sum(nil)
		}
		switch pub := k.PublicKey().(type) {
		case *rsa.PublicKey:
			if h.Alg[0] == 'P' {
				return rsa.VerifyPSS(pub, hash, digest, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) == nil
			}
			return rsa.VerifyPKCS1v15(pub, hash, digest, sig) == nil
		case *ecdsa.PublicKey:
			size := (pub.Curve.Params().BitSize + 7) / 8
			return len(sig) == 2*size && ecdsa.Verify(pub, digest, new(big.Int).SetBytes(sig[:size]), new(big.Int).SetBytes(sig[size:]))
		case ed25519.PublicKey:
			return ed25519.Verify(pub, input, sig)
		}
	}
	return false
}

// checkRoundTrip compares the claims Validate returned with what
// encoding/json decodes from the same payload.
func checkRoundTrip(t *testing.T, c *Claims) {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(c.Raw(), &m); err != nil {
		t.Fatalf("verified payload is not JSON for encoding/json: %v", err)
	}
	str := func(k string) string { s, _ := m[k].(string); return s }
	for _, ch := range []struct{ name, got, want string }{
		{"iss", c.Issuer, str("iss")}, {"sub", c.Subject, str("sub")}, {"jti", c.ID, str("jti")},
		{"azp", c.AuthorizedParty, str("azp")}, {"client_id", c.ClientIDClaim, str("client_id")},
		{"scope", c.Scope, str("scope")}, {"gty", c.GrantType, str("gty")},
	} {
		if ch.got != ch.want {
			t.Fatalf("%s = %q, encoding/json %q", ch.name, ch.got, ch.want)
		}
	}
	var aud []string
	switch a := m["aud"].(type) {
	case string:
		aud = []string{a}
	case []any:
		for _, x := range a {
			aud = append(aud, x.(string))
		}
	}
	if !slices.Equal(aud, c.Audience) {
		t.Fatalf("aud = %q, encoding/json %q", c.Audience, aud)
	}
	exp, _ := m["exp"].(float64)
	// Unix, not UnixNano: NumericDates run to year 9999, UnixNano to 2262.
	got := float64(c.ExpiresAt.Unix()) + float64(c.ExpiresAt.Nanosecond())/1e9
	if d := got - exp; d > 1e-6*max(1, exp) || d < -1e-6*max(1, exp) {
		t.Fatalf("exp = %v, encoding/json %v", c.ExpiresAt, exp)
	}
	var perms []string
	if p, ok := m["permissions"].([]any); ok {
		for _, x := range p {
			perms = append(perms, x.(string))
		}
	}
	if !slices.Equal(perms, c.Permissions) {
		t.Fatalf("permissions = %q, encoding/json %q", c.Permissions, perms)
	}
}

// FuzzValidateSigned signs whatever header and payload the fuzzer makes with
// the fixture's Ed25519 key, so the whole policy is explored behind a valid
// signature. An accepted token must satisfy every rule, checked here
// against encoding/json's reading of the same bytes, and its claims must
// round-trip.
func FuzzValidateSigned(f *testing.F) {
	const far = `4102444800`
	good := `{"iss":"` + testIssuer + `","aud":"` + testAudience + `","exp":` + far + `,"sub":"s","scope":"a b"}`
	for _, s := range [][2]string{
		{`{"alg":"EdDSA","kid":"ed"}`, good},
		{`{"alg":"EdDSA","kid":"ed","typ":"at+jwt"}`, `{"iss":"` + testIssuer + `","aud":["x","` + testAudience + `"],"exp":4102444800.5,"nbf":0,"iat":1,"permissions":["p"],"scp":"s t","cnf":{"jkt":"k"}}`},
		{`{"alg":"EdDSA","kid":"ed","crit":["b64"],"b64":false}`, good},
		{`{"alg":"EdDSA","kid":"ed","cty":"JWT"}`, good},
		{`{"alg":"EdDSA","kid":"ed","typ":"id+jwt"}`, good},
		{`{"alg":"EdDSA","kid":"ed","alg":"none"}`, good},
		{`{"alg":"EdDSA","kid":"ed"}`, `{"iss":"` + testIssuer + `","aud":"` + testAudience + `","exp":` + far + `,"nonce":"n"}`},
		{`{"alg":"EdDSA","kid":"ed","typ":"JWT"}`, `{"iss":"` + testIssuer + `","aud":"` + testAudience + `","exp":` + far + `,"typ":"Bearer","nonce":"n","azp":"spa"}`},
		{`{"alg":"EdDSA","kid":"ed"}`, `{"iss":"` + testIssuer + `","aud":"` + testAudience + `","exp":` + far + `,"typ":"ID","nonce":"n"}`},
		{`{"alg":"EdDSA","kid":"ed"}`, `{"iss":"` + testIssuer + `","aud":"` + testAudience + `","exp":` + far + `,"typ":"Refresh"}`},
		{`{"alg":"EdDSA","kid":"ed"}`, `{"iss":"` + testIssuer + `","aud":"` + testAudience + `","exp":` + far + `,"typ":"Bearer","at_hash":"h"}`},
		{`{"alg":"EdDSA","kid":"ed"}`, `{"iss":"` + testIssuer + `","aud":"` + testAudience + `","exp":` + far + `,"cnf":{"x5t#S256":"bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"}}`},
		{`{"alg":"EdDSA","kid":"ed"}`, `{"iss":"` + testIssuer + `","aud":"` + testAudience + `","exp":` + far + `,"cnf":{}}`},
		{`{"alg":"EdDSA","kid":"ed"}`, `{"iss":"` + testIssuer + `","aud":"` + testAudience + `","exp":"` + far + `"}`},
		{`{"alg":"EdDSA","kid":"ed"}`, `{"iss":"` + testIssuer + `","aud":"` + testAudience + `","aud":"x","exp":` + far + `}`},
		{`{"alg":"EdDSA","kid":"ed"}`, `{"iss":"` + testIssuer + `","aud":"` + testAudience + `","exp":` + far + `,"` + testNS + `c":{"d":[1]}}`},
	} {
		f.Add([]byte(s[0]), []byte(s[1]))
	}
	v := newValidator(f, WithTokenCache(0))
	now := float64(time.Now().Unix())
	leeway := DefaultLeeway.Seconds()
	f.Fuzz(func(t *testing.T, header, payload []byte) {
		input := b64url(header) + "." + b64url(payload)
		tok := input + "." + b64url(ed25519.Sign(fixture.ed, []byte(input)))
		c, err := v.Validate(context.Background(), tok)
		if err != nil {
			if c != nil || AsError(err).Reason == "" {
				t.Fatalf("bad error: %v", err)
			}
			return
		}
		// Header rules, read by encoding/json.
		var h map[string]any
		if json.Unmarshal(header, &h) != nil {
			t.Fatalf("accepted a header encoding/json refuses: %q", header)
		}
		if dup, _ := jsonDuplicateOrDepth(header); dup {
			t.Fatalf("accepted a header with duplicate members: %q", header)
		}
		if h["alg"] != "EdDSA" || h["kid"] != "ed" {
			t.Fatalf("accepted alg %v kid %v", h["alg"], h["kid"])
		}
		for _, m := range []string{"crit", "enc", "zip"} {
			if _, ok := h[m]; ok {
				t.Fatalf("accepted a header with %s: %q", m, header)
			}
		}
		if b, ok := h["b64"]; ok && b != true {
			t.Fatalf("accepted b64 %v", b)
		}
		if cty, _ := h["cty"].(string); strings.EqualFold(cty, "jwt") || strings.EqualFold(cty, "application/jwt") {
			t.Fatalf("accepted cty %q", cty)
		}
		if typ, ok := h["typ"]; ok {
			s, _ := typ.(string)
			switch strings.ToLower(strings.TrimPrefix(strings.ToLower(s), "application/")) {
			case "at+jwt", "jwt":
			default:
				t.Fatalf("accepted typ %q", typ)
			}
		}
		// Claim rules.
		var m map[string]any
		if json.Unmarshal(payload, &m) != nil {
			t.Fatalf("accepted a payload encoding/json refuses: %q", payload)
		}
		if dup, _ := jsonDuplicateOrDepth(payload); dup {
			t.Fatalf("accepted a payload with duplicate members: %q", payload)
		}
		if m["iss"] != testIssuer {
			t.Fatalf("accepted iss %v", m["iss"])
		}
		okAud := m["aud"] == testAudience
		if list, isList := m["aud"].([]any); isList {
			okAud = slices.Contains(list, any(testAudience))
		}
		if !okAud {
			t.Fatalf("accepted aud %v", m["aud"])
		}
		exp, isNum := m["exp"].(float64)
		if !isNum || exp+leeway <= now-5 {
			t.Fatalf("accepted exp %v", m["exp"])
		}
		for _, d := range []string{"nbf", "iat"} {
			if x, ok := m[d]; ok {
				if n, isNum := x.(float64); !isNum || n-leeway > now+5 {
					t.Fatalf("accepted %s %v", d, x)
				}
			}
		}
		for _, marker := range []string{"at_hash", "c_hash"} {
			if _, ok := m[marker]; ok {
				t.Fatalf("accepted an ID token (%s)", marker)
			}
		}
		// The payload typ claim (Keycloak's token kind), when present,
		// names an access token, and only then may a nonce appear.
		typ, hasTyp := m["typ"]
		accessKind := typ == "Bearer" || typ == "DPoP"
		if hasTyp && !accessKind {
			t.Fatalf("accepted a token whose typ claim is %v", typ)
		}
		if _, ok := m["nonce"]; ok && !accessKind {
			t.Fatalf("accepted an ID token (nonce, typ claim %v)", typ)
		}
		// Validate is the Bearer path: no sender-constrained token (RFC
		// 7800 cnf), however bound, is accepted without its proof.
		if cnf, ok := m["cnf"]; ok {
			t.Fatalf("accepted a token with cnf %v", cnf)
		}
		checkRoundTrip(t, c)
		// Custom claims: every claim reads back as encoding/json sees it.
		for k, want := range m {
			if registered[k] || strings.HasPrefix(k, testNS) || k == "" {
				continue // Custom never looks up the empty name
			}
			if _, shadowed := m[testNS+k]; shadowed {
				continue
			}
			got, err := Custom[any](c, k)
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("Custom(%q) = %v, %v; encoding/json %v", k, got, err, want)
			}
		}
		var all map[string]any
		if err := DecodeCustom(c, &all); err != nil {
			t.Fatalf("DecodeCustom: %v", err)
		}
	})
}

// FuzzCustom: Custom and DecodeCustom on verified tokens with fuzzed custom
// members, against a reference lookup over encoding/json's map: the
// namespaced claim wins, then the plain one.
func FuzzCustom(f *testing.F) {
	f.Add(`"favorite_color":"blue"`, "favorite_color")
	f.Add(`"`+testNS+`favorite_color":"red","favorite_color":"blue"`, "favorite_color")
	f.Add(`"`+testNS+`roles":["a","b"],"n":1.5`, "roles")
	f.Add(`"x":{"y":[null,true,{"z":"\u00e9"}]}`, "x")
	f.Add(`"`+testNS+`":1`, "")
	v := newValidator(f, WithTokenCache(0))
	f.Fuzz(func(t *testing.T, members, name string) {
		payload := `{"iss":"` + testIssuer + `","aud":"` + testAudience + `","exp":4102444800,` + members + `}`
		input := b64url([]byte(`{"alg":"EdDSA","kid":"ed"}`)) + "." + b64url([]byte(payload))
		tok := input + "." + b64url(ed25519.Sign(fixture.ed, []byte(input)))
		c, err := v.Validate(context.Background(), tok)
		if err != nil {
			return
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(payload), &m); err != nil {
			t.Fatalf("verified payload not JSON: %v", err)
		}
		want, ok := m[testNS+name]
		if !ok || name == "" {
			want, ok = m[name]
		}
		ok = ok && name != ""
		got, err := Custom[json.RawMessage](c, name)
		if ok != (err == nil) {
			t.Fatalf("Custom(%q): err %v, reference found %v", name, err, ok)
		}
		if ok && !bytes.Equal(got, want) {
			t.Fatalf("Custom(%q) = %s, reference %s", name, got, want)
		}
		if !ok && !errors.Is(err, ErrClaimNotFound) {
			t.Fatalf("Custom(%q): %v is not ErrClaimNotFound", name, err)
		}
		var dst map[string]any
		if err := DecodeCustom(c, &dst); err != nil {
			t.Fatalf("DecodeCustom: %v", err)
		}
		for k := range dst {
			if registered[k] && !strings.HasPrefix(k, testNS) {
				if _, namespaced := m[testNS+k]; !namespaced {
					t.Fatalf("DecodeCustom returned registered claim %q", k)
				}
			}
		}
	})
}
