package authctx

import (
	"context"
	"errors"
	"testing"
)

type validator struct{ name string }

type claims struct{ sub string }

func TestAuthBy(t *testing.T) {
	a, b := &validator{"a"}, &validator{"b"}
	ca, cb := &claims{"from a"}, &claims{"from b"}
	bg := context.Background()
	byA := WithAuth(bg, Auth{By: a, Claims: ca, Scheme: "DPoP"})
	aThenB := WithAuth(byA, Auth{By: b, Claims: cb, Scheme: "Bearer"})
	cases := []struct {
		name   string
		ctx    context.Context
		by     any
		want   *claims
		scheme string
		value  any // what ClaimsFromContext reads
	}{
		{"nothing", bg, a, nil, "", nil},
		{"nil context", nil, a, nil, "", nil},
		{"same validator", byA, a, ca, "DPoP", ca},
		{"another validator", byA, b, nil, "", ca},
		{"equal but not the same validator", byA, &validator{"a"}, nil, "", ca},
		{"nil validator never matches", WithAuth(bg, Auth{Claims: ca}), nil, nil, "", ca},
		{"With is reused by no guard", With(bg, ca), a, nil, "", ca},
		{"no claims is no authentication", WithAuth(bg, Auth{By: a}), a, nil, "", nil},
		{"outer record of a, inner of b: a's", aThenB, a, ca, "DPoP", cb},
		{"outer record of a, inner of b: b's", aThenB, b, cb, "Bearer", cb},
		{"a failure is no authentication", WithFailure(bg, a, errors.New("expired")), a, nil, "", nil},
		{"a failure hides no authentication", WithFailure(byA, a, errors.New("expired")), a, ca, "DPoP", ca},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, scheme, ok := ClaimsBy[claims](tc.ctx, tc.by)
			if c != tc.want || scheme != tc.scheme || ok != (tc.want != nil) {
				t.Errorf("ClaimsBy: %v %q %v, want %v %q", c, scheme, ok, tc.want, tc.scheme)
			}
			if v := Value(tc.ctx); v != tc.value && !(v == nil && tc.value == nil) {
				t.Errorf("Value: %v, want %v", v, tc.value)
			}
		})
	}
	if _, _, ok := ClaimsBy[validator](byA, a); ok {
		t.Error("ClaimsBy of another type")
	}
}

func TestFailureBy(t *testing.T) {
	a, b := &validator{"a"}, &validator{"b"}
	ea, eb := errors.New("a: expired"), errors.New("b: no token")
	bg := context.Background()
	both := WithFailure(WithFailure(bg, a, ea), b, eb)
	cases := []struct {
		name string
		ctx  context.Context
		by   any
		want error
	}{
		{"nothing", bg, a, nil},
		{"nil context", nil, a, nil},
		{"nil validator", WithFailure(bg, nil, ea), nil, nil},
		{"same validator", WithFailure(bg, a, ea), a, ea},
		{"another validator", WithFailure(bg, a, ea), b, nil},
		{"outer a, inner b: a's", both, a, ea},
		{"outer a, inner b: b's", both, b, eb},
		{"an authentication is no failure", WithAuth(bg, Auth{By: a, Claims: &claims{}}), a, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err, ok := FailureBy(tc.ctx, tc.by)
			if err != tc.want || ok != (tc.want != nil) {
				t.Errorf("FailureBy: %v %v, want %v", err, ok, tc.want)
			}
		})
	}
}
