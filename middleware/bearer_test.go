package middleware

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/jwtguard/jwtguard/internal/authctx"
)

func TestBearerToken(t *testing.T) {
	cases := []struct {
		name   string
		values []string
		want   string
		cat    error
	}{
		{"ok", []string{"Bearer abc.def.ghi"}, "abc.def.ghi", nil},
		{"scheme lower case", []string{"bearer abc"}, "abc", nil},
		{"scheme upper case", []string{"BEARER abc"}, "abc", nil},
		{"b64token chars", []string{"Bearer a-b_c~d+e/f=="}, "a-b_c~d+e/f==", nil},
		{"extra spaces", []string{"Bearer   abc  "}, "abc", nil},
		{"none", nil, "", ErrMissingToken},
		{"basic", []string{"Basic dXNlcjpwYXNz"}, "", ErrMissingToken},
		{"dpop scheme", []string{"DPoP abc"}, "", ErrMissingToken},
		{"scheme only", []string{"Bearer"}, "", ErrMissingToken},
		{"empty credential", []string{"Bearer "}, "", ErrMissingToken},
		{"empty header", []string{""}, "", ErrMissingToken},
		{"two headers", []string{"Bearer a", "Bearer b"}, "", ErrInvalidRequest},
		{"comma", []string{"Bearer a,b"}, "", ErrInvalidToken},
		{"inner space", []string{"Bearer a b"}, "", ErrInvalidToken},
		{"padding inside", []string{"Bearer a=b"}, "", ErrInvalidToken},
		{"quote", []string{`Bearer "abc"`}, "", ErrInvalidToken},
		{"tab", []string{"Bearer\tabc"}, "", ErrMissingToken},
		{"unicode", []string{"Bearer abcé"}, "", ErrInvalidToken},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			for _, v := range tc.values {
				h.Add("Authorization", v)
			}
			got, err := BearerToken(h)
			if tc.cat == nil {
				if err != nil || got != tc.want {
					t.Fatalf("got %q, %v; want %q", got, err, tc.want)
				}
				return
			}
			if !errors.Is(err, tc.cat) || got != "" {
				t.Fatalf("got %q, %v; want %v", got, err, tc.cat)
			}
		})
	}
}

func TestClaimsFromContext(t *testing.T) {
	if _, ok := ClaimsFromContext(context.Background()); ok {
		t.Fatal("claims in an empty context")
	}
	want := &Claims{Subject: "s"}
	got, ok := ClaimsFromContext(authctx.With(context.Background(), want))
	if !ok || got != want {
		t.Fatalf("got %v %v", got, ok)
	}
	// A value of another type under another key never counts.
	type fake struct{}
	if _, ok := ClaimsFromContext(context.WithValue(context.Background(), fake{}, want)); ok {
		t.Fatal("claims read from a foreign key")
	}
	var nilClaims *Claims
	if _, ok := ClaimsFromContext(authctx.With(context.Background(), nilClaims)); ok {
		t.Fatal("nil claims reported present")
	}
}
