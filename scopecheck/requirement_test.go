package scopecheck

import (
	"errors"
	"reflect"
	"testing"

	"github.com/jwtguard/jwtguard/middleware"
)

func TestCheck(t *testing.T) {
	claims := &middleware.Claims{
		Scope:       "openid read:contacts  write:notes",
		SCP:         []string{"User.Read"},
		Permissions: []string{"delete:contacts"},
	}
	cases := []struct {
		name    string
		req     Requirement
		perms   bool
		missing []string // nil means satisfied
	}{
		{"all one", All("read:contacts"), false, nil},
		{"all two", All("read:contacts", "write:notes"), false, nil},
		{"all missing", All("read:contacts", "delete:contacts"), false, []string{"delete:contacts"}},
		{"permissions count when enabled", All("read:contacts", "delete:contacts"), true, nil},
		{"scp array", All("User.Read"), false, nil},
		{"case sensitive", All("Read:Contacts"), false, []string{"Read:Contacts"}},
		{"no prefix match", All("read:contacts:all"), false, []string{"read:contacts:all"}},
		{"no suffix match", All("ead:contacts"), false, []string{"ead:contacts"}},
		{"no substring", All("contacts"), false, []string{"contacts"}},
		{"any one", Any("admin", "write:notes"), false, nil},
		{"any none", Any("admin", "root"), false, []string{"admin", "root"}},
		{"and", And(All("read:contacts"), Any("x", "write:notes")), false, nil},
		{"and missing", And(All("read:contacts"), All("x")), false, []string{"x"}},
		{"or", Or(All("x"), All("openid")), false, nil},
		{"or missing", Or(All("x"), All("y", "openid")), false, []string{"x", "y"}},
		{"public", Public, false, nil},
		{"authenticated", Authenticated, false, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Check(tc.req, claims, tc.perms)
			if tc.missing == nil {
				if err != nil {
					t.Fatalf("denied: %v", err)
				}
				return
			}
			var e *middleware.Error
			if !errors.As(err, &e) || !errors.Is(err, middleware.ErrInsufficientScope) {
				t.Fatalf("err = %v", err)
			}
			if !reflect.DeepEqual(e.Scopes, tc.missing) || e.HTTPStatus() != 403 || e.Code() != "insufficient_scope" {
				t.Errorf("scopes %v status %d code %s, want %v", e.Scopes, e.HTTPStatus(), e.Code(), tc.missing)
			}
		})
	}
}

func TestFailClosed(t *testing.T) {
	full := &middleware.Claims{Scope: "a b c"}
	for _, r := range []Requirement{{}, All(), Any(), And(), Or(), All(""), All("a b"), And(Public), All("é")} {
		if r.Validate() == nil {
			t.Errorf("%s validated", r)
		}
		if err := Check(r, full, true); !errors.Is(err, middleware.ErrInsufficientScope) {
			t.Errorf("%s: not denied: %v", r, err)
		}
	}
	if Check(All("a"), nil, true) == nil {
		t.Error("nil claims satisfied a scope")
	}
}

func TestStringAndScopes(t *testing.T) {
	r := Or(All("a", "b"), Any("c"))
	if got := r.String(); got != "(a AND b) OR c" {
		t.Errorf("String = %q", got)
	}
	if got := r.Scopes(); !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Errorf("Scopes = %v", got)
	}
	if !Public.IsPublic() || Authenticated.IsPublic() || (Requirement{}).IsSet() {
		t.Error("IsPublic/IsSet")
	}
}

func TestGrantedAllocatesNothing(t *testing.T) {
	c := &middleware.Claims{Scope: "openid read:contacts", Permissions: []string{"delete:contacts"}}
	r := All("read:contacts", "delete:contacts")
	if n := testing.AllocsPerRun(100, func() { _ = Check(r, c, true) }); n != 0 {
		t.Errorf("allocs = %v", n)
	}
}
