package methodtable

import (
	"errors"
	"strings"
	"testing"

	"github.com/jwtguard/jwtguard/scopecheck"
)

var n = Naming{Package: "testguard", Kind: "method", Noun: "a full method name"}

func TestMatch(t *testing.T) {
	read, admin := scopecheck.All("read"), scopecheck.All("admin")
	tb, err := Compile(map[string]scopecheck.Requirement{"/a.S/": read, "/a.S/Delete": admin}, []string{"/grpc.health.v1.Health/"}, n, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, key string
		ok        bool
	}{
		{"/a.S/Delete", "/a.S/Delete", true},                              // the exact entry wins over its service
		{"/a.S/List", "/a.S/", true},                                      // the service's entry
		{"/grpc.health.v1.Health/Check", "/grpc.health.v1.Health/", true}, // public by option
		{"/a.S/", "", false},                                              // a service key is no method
		{"/b.T/List", "", false},                                          // not in the table: refused
		{"/a.S", "", false}, {"", "", false}, {"a.S/List", "", false},
	} {
		key, req, ok := tb.Match(tc.name)
		if key != tc.key || ok != tc.ok || ok && req.String() == "" {
			t.Errorf("Match(%q) = %q, %v, %v; want %q, %v", tc.name, key, req, ok, tc.key, tc.ok)
		}
	}
	if len(tb.Entries()) != 3 {
		t.Errorf("Entries: %v", tb.Entries())
	}
}

func TestCompileRefuses(t *testing.T) {
	ok := scopecheck.All("read")
	refuse := errors.New("testguard: refused by the adapter")
	for _, tc := range []struct {
		entries map[string]scopecheck.Requirement
		public  []string
		want    string
	}{
		{map[string]scopecheck.Requirement{"a.S/List": ok}, nil, `testguard: "a.S/List" is not a full method name: want`},
		{map[string]scopecheck.Requirement{"/a.S/x/y": ok}, nil, "is not a full method name"},
		{map[string]scopecheck.Requirement{"/a.S/Li st": ok}, nil, "holds a space or control character"},
		{map[string]scopecheck.Requirement{"/a.S/List": {}}, nil, "testguard: method /a.S/List:"},
		{map[string]scopecheck.Requirement{"/a.S/": ok}, []string{"/a.S/"}, "testguard: /a.S/ is declared public by an option"},
		{map[string]scopecheck.Requirement{"/a.S/Check": ok}, nil, "refused by the adapter"},
	} {
		_, err := Compile(tc.entries, tc.public, n, func(name string, _ scopecheck.Requirement) error {
			if name == "/a.S/Check" {
				return refuse
			}
			return nil
		})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Compile(%v, %v) = %v, want %q", tc.entries, tc.public, err, tc.want)
		}
	}
}
