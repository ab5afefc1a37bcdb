package middleware

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"unicode/utf8"
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
		if !seeds[tok] {
			t.Fatalf("accepted a token the fuzzer made: %q", tok)
		}
		var m map[string]any
		if json.Unmarshal(c.Raw(), &m) != nil || m["sub"] != c.Subject || m["iss"] != c.Issuer {
			t.Fatalf("claims do not round-trip: %+v", c)
		}
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
	})
}

// FuzzDecodeHeader: same contract for the JOSE header reader.
func FuzzDecodeHeader(f *testing.F) {
	for _, s := range []string{`{"alg":"RS256","kid":"k","typ":"at+jwt"}`, `{"alg":"none","crit":["b64"],"b64":false}`, `{"jku":"x","jwk":{"kty":"RSA"}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var h header
		if e := decodeHeader(data, &h); e == nil && !json.Valid(data) {
			t.Fatalf("accepted invalid JSON %q", data)
		}
	})
}

// FuzzBearerToken: extraction never panics and only returns b64token
// credentials.
func FuzzBearerToken(f *testing.F) {
	for _, s := range []string{"Bearer abc", "bearer a.b.c", "Basic x", "Bearer ", "Bearer a b", "DPoP x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		tok, err := BearerToken(http.Header{"Authorization": {v}})
		if err == nil && !isB64Token(tok) {
			t.Fatalf("returned %q", tok)
		}
		if err != nil && tok != "" {
			t.Fatal("token with an error")
		}
	})
}
