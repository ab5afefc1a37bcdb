package middleware

import (
	"errors"
	"net/http/httptest"
	"testing"
)

func TestCredentialsFromRequest(t *testing.T) {
	r := httptest.NewRequest("DELETE", "http://api.internal:8080/contacts/1?x=1", nil)
	r.Header.Set("Authorization", "dpop abc.def.ghi")
	r.Header.Add("DPoP", "p1")
	c, err := CredentialsFromRequest(r, "")
	if err != nil || c.Scheme != SchemeDPoP || c.Token != "abc.def.ghi" || len(c.Proofs) != 1 ||
		c.Method != "DELETE" || c.URL != "http://api.internal:8080/contacts/1" {
		t.Fatalf("got %+v, %v", c, err)
	}
	c, _ = CredentialsFromRequest(r, "https://api.example.com/")
	if c.URL != "https://api.example.com/contacts/1" {
		t.Fatalf("behind a proxy: URL %q", c.URL)
	}
	r.Header.Set("Authorization", "Bearer tok")
	if c, err := CredentialsFromRequest(r, ""); err != nil || c.Scheme != SchemeBearer || c.Token != "tok" {
		t.Fatalf("bearer: %+v %v", c, err)
	}
	cases := []struct {
		vals []string
		want error
	}{
		{nil, ErrMissingToken},
		{[]string{"Basic dXNlcjpwYXNz"}, ErrMissingToken},
		{[]string{"DPoP "}, ErrMissingToken},
		{[]string{"Bearer"}, ErrMissingToken},
		{[]string{"DPoP a,b"}, ErrInvalidToken},
		{[]string{"Bearer a", "DPoP b"}, ErrInvalidRequest},
	}
	for _, tc := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		for _, v := range tc.vals {
			r.Header.Add("Authorization", v)
		}
		if _, err := CredentialsFromRequest(r, ""); !errors.Is(err, tc.want) {
			t.Errorf("%q: %v, want %v", tc.vals, err, tc.want)
		}
	}
}
