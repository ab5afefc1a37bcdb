package introspect

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

const validAnswer = `{"active":true,"scope":"read","client_id":"c","username":"u","token_type":"Bearer",` +
	`"exp":4102444800,"iat":1700000000,"nbf":1700000000,"sub":"s","aud":["https://api.example.com"],` +
	`"iss":"https://idp.example.com/","jti":"j","token_use":"access_token","cnf":{"jkt":"t"},` +
	`"ext":{"a":[1,2,{"b":null}]}}`

// TestParseResponse: the syntax rules of an answer, on raw bodies that the
// kit cannot produce (repeated members, depth, broken JSON).
func TestParseResponse(t *testing.T) {
	t.Parallel()
	deep := func(n int) string {
		return `{"active":true,"x":` + strings.Repeat("[", n) + strings.Repeat("]", n) + `}`
	}
	deepObj := func(n int) string {
		return `{"active":true,"x":` + strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n) + `}`
	}
	for _, tc := range []struct {
		name, body string
		want       Kind
	}{
		{"valid", validAnswer, ""},
		{"minimal active", `{"active":true}`, ""},
		{"inactive", `{"active":false}`, KindInactive},
		{"inactive with junk members", `{"active":false,"exp":"x","aud":5}`, KindInactive},
		{"whitespace", " \n{ \"active\" : true } \t", ""},

		{"empty", ``, KindBadResponse},
		{"not json", `<html>`, KindBadResponse},
		{"array", `[{"active":true}]`, KindBadResponse},
		{"string", `"active"`, KindBadResponse},
		{"null", `null`, KindBadResponse},
		{"true", `true`, KindBadResponse},
		{"truncated", `{"active":true`, KindBadResponse},
		{"trailing comma", `{"active":true,}`, KindBadResponse},
		{"two objects", `{"active":true}{"active":true}`, KindBadResponse},
		{"trailing garbage", `{"active":true}x`, KindBadResponse},
		{"single quotes", `{'active':true}`, KindBadResponse},
		{"invalid utf-8", "{\"active\":true,\"sub\":\"\xff\"}", KindBadResponse},
		{"no active", `{"exp":4102444800}`, KindBadResponse},
		{"active string", `{"active":"true"}`, KindBadResponse},
		{"active string false", `{"active":"false"}`, KindBadResponse},
		{"active number", `{"active":1}`, KindBadResponse},
		{"active null", `{"active":null}`, KindBadResponse},
		{"active True", `{"active":True}`, KindBadResponse},
		{"Active capitalised", `{"Active":true}`, KindBadResponse},

		// Repeated members, at any depth: the classic confusion of
		// last-one-wins parsers.
		{"active repeated", `{"active":false,"active":true}`, KindBadResponse},
		{"active repeated same", `{"active":true,"active":true}`, KindBadResponse},
		{"aud repeated", `{"active":true,"aud":"a","aud":"b"}`, KindBadResponse},
		{"repeated in cnf", `{"active":true,"cnf":{"jkt":"a","jkt":"b"}}`, KindBadResponse},
		{"repeated nested", `{"active":true,"x":[{"a":1,"a":2}]}`, KindBadResponse},
		{"repeated via escape", `{"active":true,"a":1,"\u0061":2}`, KindBadResponse},
		{"case variants are distinct", `{"active":true,"aud":"https://api.example.com","AUD":"x"}`, ""},

		// Depth: MaxDepth levels of nesting in all, the answer's object
		// included.
		{"deep arrays ok", deep(MaxDepth - 1), ""},
		{"too deep arrays", deep(MaxDepth), KindBadResponse},
		{"deep objects ok", deepObj(MaxDepth - 1), ""},
		{"too deep objects", deepObj(MaxDepth), KindBadResponse},
		{"very deep", deep(100000), KindBadResponse},

		// Types.
		{"null member", `{"active":true,"sub":null}`, KindBadResponse},
		{"null scope", `{"active":true,"scope":null}`, KindBadResponse},
		{"null exp", `{"active":true,"exp":null}`, KindBadResponse},
		{"null aud", `{"active":true,"aud":null}`, KindBadResponse},
		{"null cnf", `{"active":true,"cnf":null}`, KindBadResponse},
		{"exp exponent", `{"active":true,"exp":4.1e9}`, ""},
		{"exp NaN", `{"active":true,"exp":NaN}`, KindBadResponse},
		{"exp huge", `{"active":true,"exp":1e400}`, KindBadResponse},
		{"aud nested array", `{"active":true,"aud":[["a"]]}`, KindBadResponse},
		{"aud null element", `{"active":true,"aud":["a",null]}`, KindBadResponse},
		{"cnf array", `{"active":true,"cnf":[]}`, KindBadResponse},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, e := parseResponse([]byte(tc.body))
			got := Kind("")
			if e != nil {
				got = kindOfErr(t, e, "")
			}
			if got != tc.want {
				t.Fatalf("kind %q (%v), want %q", got, e, tc.want)
			}
			if e == nil && (res == nil || !res.Active || !bytes.Equal(res.Raw(), []byte(tc.body))) {
				t.Fatalf("result %+v", res)
			}
		})
	}
}

// TestParseValid: every member of the valid answer lands in its field.
func TestParseValid(t *testing.T) {
	res, e := parseResponse([]byte(validAnswer))
	if e != nil {
		t.Fatal(e)
	}
	if res.Scope != "read" || res.ClientID != "c" || res.Username != "u" || res.TokenType != "Bearer" ||
		res.ExpiresAt.Unix() != 4102444800 || res.IssuedAt.Unix() != 1700000000 || res.NotBefore.Unix() != 1700000000 ||
		res.Subject != "s" || len(res.Audience) != 1 || res.Audience[0] != api || res.Issuer != "https://idp.example.com/" ||
		res.ID != "j" || res.TokenUse != "access_token" || res.Cnf != (Confirmation{JKT: "t"}) || !res.hasTokenType || res.hasTyp {
		t.Fatalf("%+v", res)
	}
	p := policy{issuer: "https://idp.example.com/", audiences: []string{api}, leeway: time.Minute}
	if e := p.check(res, time.Unix(1700000000, 0)); e != nil {
		t.Fatal(e)
	}
}

// TestCheckBoundaries: exp, nbf and iat exactly at the leeway boundary.
func TestCheckBoundaries(t *testing.T) {
	now := time.Unix(1700000000, 0)
	p := policy{issuer: "i", audiences: []string{api}, leeway: time.Minute}
	base := func() *Result {
		return &Result{Active: true, Audience: []string{api}, ExpiresAt: now.Add(time.Hour)}
	}
	for _, tc := range []struct {
		name string
		mod  func(*Result)
		want Kind
	}{
		{"exp + leeway == now", func(r *Result) { r.ExpiresAt = now.Add(-time.Minute) }, KindExpired},
		{"exp + leeway just after now", func(r *Result) { r.ExpiresAt = now.Add(-time.Minute + time.Nanosecond) }, ""},
		{"nbf - leeway == now", func(r *Result) { r.NotBefore = now.Add(time.Minute) }, ""},
		{"nbf - leeway just after now", func(r *Result) { r.NotBefore = now.Add(time.Minute + time.Nanosecond) }, KindNotYetValid},
		{"iat == now + leeway", func(r *Result) { r.IssuedAt = now.Add(time.Minute) }, ""},
		{"iat just after now + leeway", func(r *Result) { r.IssuedAt = now.Add(time.Minute + time.Nanosecond) }, KindIssuedInFuture},
		{"token_use before issuer", func(r *Result) { r.TokenUse, r.Issuer = "refresh_token", "x" }, KindNotAccessToken},
		{"issuer before audience", func(r *Result) { r.Issuer, r.Audience = "x", []string{"y"} }, KindIssuerMismatch},
		{"audience before exp", func(r *Result) { r.Audience, r.ExpiresAt = []string{"y"}, time.Time{} }, KindAudience},
	} {
		r := base()
		tc.mod(r)
		got := Kind("")
		if e := p.check(r, now); e != nil {
			got = e.Kind
		}
		if got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// FuzzParseResponse: the parser never panics, accepts only JSON objects
// with "active": true and no repeated member, keeps the body as Raw, and
// refuses everything else as a bad response or an inactive token.
func FuzzParseResponse(f *testing.F) {
	for _, s := range []string{
		validAnswer, `{"active":true}`, `{"active":false}`, `{"active":"true"}`,
		`{"active":true,"active":false}`, `{"active":true,"aud":["a","b"],"exp":1.5}`,
		`{"active":true,"cnf":{"jkt":"x","x5t#S256":"y","jwk":{}}}`, `[]`, `null`, ``,
		`{"active":true,"x":[[[[[[]]]]]]}`, "{\"active\":true,\"s\":\"\\ud800\"}",
		`{"active":true,"exp":-0,"iat":0.0000001,"nbf":253402300799}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		res, e := parseResponse(body)
		if e != nil {
			if res != nil {
				t.Fatal("result and error")
			}
			if e.Kind != KindBadResponse && e.Kind != KindInactive {
				t.Fatalf("kind %q", e.Kind)
			}
			if e.Kind == KindInactive {
				var m map[string]json.RawMessage
				if json.Unmarshal(body, &m) != nil || string(m["active"]) != "false" {
					t.Fatalf("inactive for %q", body)
				}
			}
			return
		}
		if !res.Active || !bytes.Equal(res.Raw(), body) {
			t.Fatalf("result %+v for %q", res, body)
		}
		// What was accepted is a JSON object for encoding/json too, whose
		// member "active" (by exact name) is true.
		var m map[string]json.RawMessage
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatalf("accepted %q, which encoding/json refuses: %v", body, err)
		}
		if string(m["active"]) != "true" {
			t.Fatalf("accepted %q with active %s", body, m["active"])
		}
		if !res.ExpiresAt.IsZero() && (res.ExpiresAt.Unix() < 0 || res.ExpiresAt.Unix() > maxNumericDate) {
			t.Fatalf("exp %v", res.ExpiresAt)
		}
	})
}

// TestErrorUnwrap: the sentinel and the cause are both reachable.
func TestErrorUnwrap(t *testing.T) {
	cause := errors.New("dial tcp: refused")
	e := unavailable(KindUnavailable, "x", cause)
	if !errors.Is(e, ErrUnavailable) || !errors.Is(e, cause) || errors.Is(e, ErrInactive) || e.Error() != "introspect: x" {
		t.Fatal(e)
	}
	r := refused(KindExpired, "y")
	if !errors.Is(r, ErrInactive) || r.Unavailable() || len(r.Unwrap()) != 1 {
		t.Fatal(r)
	}
	if len(Kinds) != 14 {
		t.Fatalf("%d kinds", len(Kinds))
	}
}
