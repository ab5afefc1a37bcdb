package middleware

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/jwtguard/jwtguard/internal/jose"
)

// splitCompactFast is how Validator.validate splits: jose.SplitFast for
// an ordinary token, which leaves the alphabet to the strict base64url
// decoding that must follow (validate decodes all three segments before
// any other check, and calls splitCompact to name the culprit when one
// fails); any other shape goes straight to splitCompact and its precise
// error.
func splitCompactFast(tok string) (jose.Parts, *Error) {
	if p, ok := jose.SplitFast(tok); ok {
		return p, nil
	}
	return splitCompact(tok)
}

// FuzzSplitCompactFast: the fast splitter agrees with splitCompact. When
// it accepts a token splitCompact refuses, splitCompact's refusal is an
// alphabet error and one of the three segments fails the strict decoder,
// so Validate still reports splitCompact's error before any other check.
func FuzzSplitCompactFast(f *testing.F) {
	for _, s := range []string{"eyJhbGciOiJSUzI1NiJ9.e30.c2ln", "a.b.", ".b.c", "a..c", "a.b.c.d.e", "a.b.c.d",
		"opaque", "a+.b.c", "a.b=.c", "a.b.c/", "a.b\n.c", "a\r.b.c", "a b.c.d", "é.b.c", "a.b.c\x00",
		"ory_at_ZfDq0Zx1h-3mL.Vb7-X9z_Aa1", "a+b/c==.d+e/f==", "eyJhbGciOiJSUzI1NiJ9.e30", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln.eA"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		fast, fe := splitCompactFast(tok)
		slow, se := splitCompact(tok)
		switch {
		case fe != nil:
			if se == nil || fe.Reason != se.Reason || fe.Description != se.Description {
				t.Fatalf("%q: fast %v, slow %v", tok, fe, se)
			}
		case se == nil:
			if fast != slow {
				t.Fatalf("%q: fast %+v, slow %+v", tok, fast, slow)
			}
		default:
			if se.Reason != ReasonEncoding {
				t.Fatalf("%q: fast accepted what splitCompact refuses with %s", tok, se.Reason)
			}
			decodes := func(seg string) bool {
				_, ok := jose.DecodeSegment(make([]byte, base64.RawURLEncoding.DecodedLen(len(seg))), seg)
				return ok
			}
			if decodes(fast.Header) && decodes(fast.Payload) && decodes(fast.Signature) {
				t.Fatalf("%q: every segment decodes, yet splitCompact says %v", tok, se)
			}
		}
	})
}

// TestValidateAlphabetFirst checks the order of checks with the fast
// splitter: a character outside base64url anywhere in the token is
// reported as such before the header, claims or key are looked at, and
// never makes the key source fetch.
func TestValidateAlphabetFirst(t *testing.T) {
	good := token(t, "RS256", func(h, c map[string]any) { h["kid"] = "unknown-kid" })
	dot1 := strings.IndexByte(good, '.')
	dot2 := dot1 + 1 + strings.IndexByte(good[dot1+1:], '.')
	for name, tc := range map[string]struct {
		tok  string
		desc string
	}{
		"plus in header":     {"+" + good[1:], "standard base64 alphabet"},
		"pad in payload":     {good[:dot2-1] + "=" + good[dot2:], "padding"},
		"slash in signature": {good[:len(good)-1] + "/", "standard base64 alphabet"},
		"space in signature": {good[:dot2+3] + " " + good[dot2+4:], "outside base64url"},
		"newline in payload": {good[:dot1+2] + "\n" + good[dot1+2:], "outside base64url"},
	} {
		t.Run(name, func(t *testing.T) {
			src := newSource(fixture.keySet...)
			v, err := New(testIssuer, testAudience, WithKeys(src), WithTokenCache(0))
			if err != nil {
				t.Fatal(err)
			}
			_, err = v.Validate(context.Background(), tc.tok)
			e := AsError(err)
			if e.Reason != ReasonEncoding || !strings.Contains(e.Description, tc.desc) {
				t.Fatalf("got %s %q, want %s containing %q", e.Reason, e.Description, ReasonEncoding, tc.desc)
			}
			if n := src.refreshes.Load(); n != 0 {
				t.Fatalf("the key source was refreshed %d times", n)
			}
		})
	}
	// Well-formed alphabet, non-canonical base64 in the signature: the
	// signature is reported at its usual place, after the key lookup.
	v := newValidator(t, WithTokenCache(0))
	tok := token(t, "RS256", nil)
	_, err := v.Validate(context.Background(), tok[:len(tok)-2]+"A")
	if e := AsError(err); e.Reason != ReasonEncoding || !strings.Contains(e.Description, "signature") {
		t.Fatalf("non-canonical signature: %s %q", e.Reason, e.Description)
	}
}
