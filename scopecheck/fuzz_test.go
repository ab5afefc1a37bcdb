package scopecheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/jwtguard/jwtguard/middleware"
)

// naiveHas is the reference: split the scope claim with strings.Fields and
// compare whole tokens, plus the scp and permissions arrays.
func naiveHas(scope string, scp, perms []string, s string) bool {
	if s == "" {
		return false
	}
	return slices.Contains(strings.Fields(scope), s) || slices.Contains(scp, s) || slices.Contains(perms, s)
}

// onlySpaces reports whether the only whitespace in s is the space RFC 6749
// section 3.3 delimits scopes with.
func onlySpaces(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool { return r != ' ' && strings.TrimSpace(string(r)) == "" })
}

// FuzzHas: Granted.Has agrees with the strings.Fields reference whenever
// the scope claim is delimited by spaces only (RFC 6749 section 3.3). Other
// whitespace is not a delimiter there: Has then never grants more than the
// reference would (fail closed). A requested scope holding a space is never
// granted, and a Requirement agrees with Has.
func FuzzHas(f *testing.F) {
	for _, s := range [][4]string{
		{"read:contacts delete:contacts", "", "", "read:contacts"},
		{"  read   write ", "", "", "write"},
		{"read write", "", "", "read write"},
		{"readwrite", "", "", "read"},
		{"a\tb", "", "", "a"},
		{"", "User.Read Mail.Send", "", "Mail.Send"},
		{"", "", "perm", "perm"},
		{"x\u00a0y", "", "", "x"},
		{"00", "", "", "0"},
		{"a0 0a 00", "", "", "0"},
	} {
		f.Add(s[0], s[1], s[2], s[3])
	}
	f.Fuzz(func(t *testing.T, scope, scp, perm, s string) {
		c := &middleware.Claims{Scope: scope, SCP: strings.Split(scp, " "), Permissions: []string{perm}}
		if scp == "" {
			c.SCP = nil
		}
		for _, withPerms := range []bool{false, true} {
			g := GrantedBy(c, withPerms)
			var perms []string
			if withPerms {
				perms = c.Permissions
			}
			got := g.Has(s)
			ref := naiveHas(scope, c.SCP, perms, s)
			if onlySpaces(scope) && onlySpaces(s) && got != ref {
				t.Fatalf("Has(%q) = %v, reference %v (scope %q scp %q perms %q)", s, got, ref, scope, c.SCP, perms)
			}
			if got && !ref && !slices.Contains(strings.Split(scope, " "), s) {
				t.Fatalf("Has(%q) = true beyond the reference (scope %q)", s, scope)
			}
			if strings.Contains(s, " ") && got && !slices.Contains(c.SCP, s) && !slices.Contains(perms, s) {
				t.Fatalf("Has(%q) granted a scope holding a space", s)
			}
			if validScopeToken(s) {
				err := Check(All(s), c, withPerms)
				if (err == nil) != got {
					t.Fatalf("All(%q).Check = %v, Has = %v", s, err, got)
				}
				var e *middleware.Error
				if err != nil && (!errors.As(err, &e) || !errors.Is(err, middleware.ErrInsufficientScope) || !slices.Equal(e.Scopes, []string{s})) {
					t.Fatalf("Check error %v", err)
				}
			}
		}
	})
}

// FuzzIncludes: Includes and the nested-member lookup never panic, and on
// valid JSON agree with encoding/json: an array of strings holding s, or
// a string holding s as a space-delimited value; anything else is false.
func FuzzIncludes(f *testing.F) {
	for _, s := range [][2]string{
		{`["admin","user"]`, "admin"}, {`"eng ops"`, "ops"}, {`["a",1]`, "a"}, {`{"roles":["x"]}`, "roles"},
		{`"a\u0020b"`, "b"}, {`[]`, ""}, {`["\u0061"]`, "a"}, {`[`, "a"}, {`"`, ""},
	} {
		f.Add([]byte(s[0]), s[1])
	}
	f.Fuzz(func(t *testing.T, v []byte, s string) {
		v = bytes.TrimSpace(v) // values come from rawjson without surrounding space
		got := includes(v, s)
		_, _ = member(v, s)
		if !json.Valid(v) || !utf8.Valid(v) || s == "" {
			return
		}
		var want bool
		var list []string
		var one string
		switch {
		case json.Unmarshal(v, &list) == nil && v[0] == '[':
			want = slices.Contains(list, s)
		case json.Unmarshal(v, &one) == nil && v[0] == '"':
			want = slices.Contains(strings.Split(one, " "), s) && !strings.Contains(s, " ")
		}
		if got != want {
			t.Fatalf("includes(%s, %q) = %v, want %v", v, s, got, want)
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(v, &obj) == nil && v[0] == '{' {
			m, ok := member(v, s)
			if ref, has := obj[s]; has && ok && !bytes.Equal(bytes.TrimSpace(m), ref) {
				t.Fatalf("member(%s, %q) = %s, want %s", v, s, m, ref)
			} else if ok && !has {
				t.Fatalf("member(%s, %q) found %s", v, s, m)
			}
		}
	})
}
