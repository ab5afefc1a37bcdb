package middleware

import (
	"errors"
	"testing"
)

func TestChallenge(t *testing.T) {
	scoped := NewError(ErrInsufficientScope, ReasonInsufficientScope, "needs scope")
	scoped.Scopes = []string{"read:contacts", "delete:contacts"}
	cases := []struct {
		name  string
		realm string
		err   error
		want  string
	}{
		{"missing", "api", errNoToken(), `Bearer realm="api"`},
		{"missing no realm", "", errNoToken(), `Bearer`},
		{"invalid", "api", invalid(ReasonExpired, "the token has expired"),
			`Bearer realm="api", error="invalid_token", error_description="the token has expired"`},
		{"invalid request", "", NewError(ErrInvalidRequest, ReasonInvalidRequest, "two headers"),
			`Bearer error="invalid_request", error_description="two headers"`},
		{"scope", "api", scoped,
			`Bearer realm="api", error="insufficient_scope", error_description="needs scope", scope="read:contacts delete:contacts"`},
		{"quote injection", `a"b`, invalid(ReasonClaims, "bad \"x\"\r\nSet-Cookie: y\\"),
			`Bearer realm="a'b", error="invalid_token", error_description="bad 'x'Set-Cookie: y/"`},
		{"unavailable", "api", NewError(ErrKeysUnavailable, ReasonKeysUnavailable, "later"), ""},
		{"foreign", "", errors.New("boom"), `Bearer error="invalid_token", error_description="the access token could not be validated"`},
	}
	for _, tc := range cases {
		if got := Challenge(tc.realm, tc.err); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}

func TestProblemFor(t *testing.T) {
	e := invalid(ReasonOpaque, "opaque").withHint("ask for an audience")
	p := ProblemFor(e, false)
	if p.Status != 401 || p.Title != "Unauthorized" || p.Error != "invalid_token" || p.Reason != ReasonOpaque || p.Hint != "" || p.Detail != "opaque" {
		t.Errorf("%+v", p)
	}
	if ProblemFor(e, true).Hint != "ask for an audience" {
		t.Error("hint missing when asked for")
	}
}
