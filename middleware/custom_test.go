package middleware

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"
)

const otherNS = "https://other.example.com/"

// claimsOf builds verified-looking claims from a JSON payload, as
// Validate leaves them, with the validator's namespaces.
func claimsOf(payload string, namespaces ...string) *Claims {
	return &Claims{raw: []byte(payload), namespaces: namespaces}
}

func TestCustomLookup(t *testing.T) {
	const payload = `{"iss":"` + testIssuer + `","sub":"u1",` +
		`"` + testNS + `favorite_color":"blue",` +
		`"` + otherNS + `favorite_color":"green",` +
		`"` + otherNS + `plan":"pro",` +
		`"favorite_color":"plain-red",` +
		`"tenant_id":"t-9",` +
		`"urn:acme:level":3}`
	tests := []struct {
		name       string
		namespaces []string
		claim      string
		want       string // the raw JSON found, when err is ""
		err        string
	}{
		{"short name under the namespace", []string{testNS}, "favorite_color", `"blue"`, ""},
		{"namespaced wins over plain", []string{testNS}, "favorite_color", `"blue"`, ""},
		{"first namespace wins", []string{otherNS, testNS}, "favorite_color", `"green"`, ""},
		{"plain claim without namespace", nil, "favorite_color", `"plain-red"`, ""},
		{"plain private claim", []string{testNS}, "tenant_id", `"t-9"`, ""},
		{"full name, namespace configured", []string{testNS}, testNS + "favorite_color", `"blue"`, ""},
		{"full name, other namespace", []string{testNS}, otherNS + "favorite_color", `"green"`, ""},
		{"full name, no namespace", nil, otherNS + "plan", `"pro"`, ""},
		{"URN name", nil, "urn:acme:level", `3`, ""},
		{"registered claim by name", nil, "sub", `"u1"`, ""},
		{"under an unconfigured namespace", []string{testNS}, "plan", "",
			`middleware: claim "plan" not found (tried "https://myapp.example.com/plan", "plan"); ` +
				`the token has "https://other.example.com/plan": add middleware.WithNamespace("https://other.example.com/")`},
		{"no namespace configured", nil, "plan", "",
			`middleware: claim "plan" not found (tried "plan"); ` +
				`the token has "https://other.example.com/plan": add middleware.WithNamespace("https://other.example.com/")`},
		{"under a URN namespace", nil, "level", "",
			`middleware: claim "level" not found (tried "level"); the token has "urn:acme:level": add middleware.WithNamespace("urn:acme:")`},
		{"absent everywhere", []string{testNS, otherNS}, "missing", "",
			`middleware: claim "missing" not found (tried "https://myapp.example.com/missing", "https://other.example.com/missing", "missing")`},
		{"suffix of a longer name is no suggestion", nil, "id", "",
			`middleware: claim "id" not found (tried "id")`},
		{"empty name", []string{testNS}, "", "", `middleware: claim "" not found: the claim name is empty`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := claimsOf(payload, tt.namespaces...)
			got, err := Custom[json.RawMessage](c, tt.claim)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err || !errors.Is(err, ErrClaimNotFound) {
					t.Fatalf("Custom(%q) = %s, %v\nwant error %s", tt.claim, got, err, tt.err)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Fatalf("Custom(%q) = %s, %v; want %s", tt.claim, got, err, tt.want)
			}
		})
	}
}

func TestCustomClaimsMaps(t *testing.T) {
	const payload = `{"iss":"x","scope":"a","` + testNS + `favorite_color":"blue","` + otherNS + `favorite_color":"green",` +
		`"favorite_color":"plain","tenant_id":"t","` + testNS + `sub":"ns-sub"}`
	tests := []struct {
		name             string
		namespaces       []string
		custom, spaced   string // sorted keys
		customFromCustom bool
	}{
		{"no namespace: full names", nil,
			"favorite_color https://myapp.example.com/favorite_color https://myapp.example.com/sub https://other.example.com/favorite_color tenant_id", "", true},
		{"one namespace: short names, others full", []string{testNS},
			"favorite_color https://other.example.com/favorite_color sub tenant_id", "favorite_color sub", true},
		{"two namespaces", []string{otherNS, testNS},
			"favorite_color sub tenant_id", "favorite_color sub", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := claimsOf(payload, tt.namespaces...)
			custom, spaced := c.CustomClaims(), c.NamespacedClaims()
			if got := sortedKeys(custom); got != tt.custom {
				t.Errorf("CustomClaims keys = %q, want %q", got, tt.custom)
			}
			if got := sortedKeys(spaced); got != tt.spaced {
				t.Errorf("NamespacedClaims keys = %q, want %q", got, tt.spaced)
			}
			for k, v := range custom {
				got, err := Custom[json.RawMessage](c, k)
				if err != nil || string(got) != string(v) {
					t.Errorf("CustomClaims()[%q] = %s, Custom = %s, %v", k, v, got, err)
				}
			}
		})
	}
}

func sortedKeys(m map[string]json.RawMessage) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, " ")
}

type profile struct {
	FavoriteColor string   `json:"favorite_color"`
	Roles         []string `json:"roles"`
}

type fullNameProfile struct {
	FavoriteColor string   `json:"https://myapp.example.com/favorite_color"`
	Roles         []string `json:"https://myapp.example.com/roles"`
}

type optionalProfile struct {
	Nickname string   `json:"nickname,omitempty"`
	Groups   []string `json:"groups,omitzero"`
}

type embeddedProfile struct {
	Base
	Extra string `json:"extra,omitempty"`
}

type Base struct {
	TenantID string `json:"tenant_id"`
}

type ignoredFields struct {
	Skip    string `json:"-"`
	private string
	Level   int `json:"level"`
}

// selfDecoding decodes itself: DecodeCustom cannot tell its fields.
type selfDecoding struct{ N int }

func (s *selfDecoding) UnmarshalJSON(b []byte) error { s.N = len(b); return nil }

func TestDecodeCustom(t *testing.T) {
	const payload = `{"iss":"x","sub":"u",` +
		`"https://myapp.example.com/favorite_color":"blue","https://myapp.example.com/roles":["admin"],` +
		`"tenant_id":"t-1","Level":4}`
	noMatch := `middleware: no claim matched a field of middleware.profile (looked for "favorite_color", "roles" as given; no namespace configured); ` +
		`the token has "https://myapp.example.com/favorite_color", "https://myapp.example.com/roles": add middleware.WithNamespace("https://myapp.example.com/")`
	tests := []struct {
		name   string
		claims *Claims
		dst    func() any
		want   any
		err    string
	}{
		{"full-name tags, no namespace", claimsOf(payload), func() any { return &fullNameProfile{} },
			&fullNameProfile{"blue", []string{"admin"}}, ""},
		{"full-name tags, namespace configured", claimsOf(payload, testNS), func() any { return &fullNameProfile{} },
			&fullNameProfile{"blue", []string{"admin"}}, ""},
		{"short tags, namespace configured", claimsOf(payload, testNS), func() any { return &profile{} },
			&profile{"blue", []string{"admin"}}, ""},
		{"short tags, no namespace: error", claimsOf(payload), func() any { return &profile{FavoriteColor: "keep"} },
			&profile{FavoriteColor: "keep"}, noMatch},
		{"short tags, other namespace configured: error", claimsOf(payload, otherNS), func() any { return &profile{} },
			&profile{}, `middleware: no claim matched a field of middleware.profile (looked for "favorite_color", "roles" as given and under the namespaces "https://other.example.com/"); ` +
				`the token has "https://myapp.example.com/favorite_color", "https://myapp.example.com/roles": add middleware.WithNamespace("https://myapp.example.com/")`},
		{"nothing similar in the token", claimsOf(`{"iss":"x"}`), func() any { return &profile{} },
			&profile{}, `middleware: no claim matched a field of middleware.profile (looked for "favorite_color", "roles" as given; no namespace configured)`},
		{"all fields optional: no error", claimsOf(payload), func() any { return &optionalProfile{} },
			&optionalProfile{}, ""},
		{"one field matched is enough", claimsOf(`{"favorite_color":"red"}`), func() any { return &profile{} },
			&profile{FavoriteColor: "red"}, ""},
		{"embedded struct fields", claimsOf(payload), func() any { return &embeddedProfile{} },
			&embeddedProfile{Base: Base{TenantID: "t-1"}}, ""},
		{"embedded struct, nothing matched", claimsOf(`{}`), func() any { return &embeddedProfile{} },
			&embeddedProfile{}, `middleware: no claim matched a field of middleware.embeddedProfile (looked for "tenant_id", "extra" as given; no namespace configured)`},
		{"ignored and unexported fields", claimsOf(payload), func() any { return &ignoredFields{} },
			&ignoredFields{Level: 4}, ""},
		{"names match case-insensitively, as encoding/json does", claimsOf(`{"LEVEL":2}`), func() any { return &ignoredFields{} },
			&ignoredFields{Level: 2}, ""},
		{"custom UnmarshalJSON: no check", claimsOf(`{}`), func() any { return &selfDecoding{} },
			&selfDecoding{N: 2}, ""},
		{"map: short and full names", claimsOf(payload, testNS), func() any { return &map[string]any{} },
			&map[string]any{"favorite_color": "blue", "roles": []any{"admin"}, "tenant_id": "t-1", "Level": 4.0,
				testNS + "favorite_color": "blue", testNS + "roles": []any{"admin"}}, ""},
		{"nil claims, map", nil, func() any { return &map[string]any{} }, &map[string]any{}, ""},
		{"nil claims, struct", nil, func() any { return &profile{} },
			&profile{}, `middleware: no claim matched a field of middleware.profile (looked for "favorite_color", "roles"): no claims (the request was not authenticated)`},
		{"nil claims, optional struct", nil, func() any { return &optionalProfile{} }, &optionalProfile{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := tt.dst()
			err := DecodeCustom(tt.claims, dst)
			if tt.err == "" && err != nil {
				t.Fatalf("DecodeCustom: %v", err)
			}
			if tt.err != "" && (err == nil || err.Error() != tt.err || !errors.Is(err, ErrClaimNotFound)) {
				t.Fatalf("DecodeCustom error %v\nwant %s", err, tt.err)
			}
			if !reflect.DeepEqual(dst, tt.want) {
				t.Fatalf("DecodeCustom decoded %#v, want %#v", dst, tt.want)
			}
		})
	}
	if err := DecodeCustom(claimsOf(`{"a":1}`), profile{}); err == nil || errors.Is(err, ErrClaimNotFound) {
		t.Errorf("DecodeCustom into a non-pointer: %v, want encoding/json's error", err)
	}
}

// Every exported method of Claims, and the generic accessors, are safe on
// the nil *Claims that ClaimsFromContext gives a public route: they find
// nothing and return zero or empty values. A method added without a nil
// check fails here.
func TestNilClaims(t *testing.T) {
	c, ok := ClaimsFromContext(context.Background())
	if c != nil || ok {
		t.Fatalf("ClaimsFromContext on a bare context = %v, %v", c, ok)
	}
	typ := reflect.TypeFor[*Claims]()
	if typ.NumMethod() < 7 {
		t.Fatalf("only %d methods found on *Claims", typ.NumMethod())
	}
	for i := range typ.NumMethod() {
		m := typ.Method(i)
		t.Run(m.Name, func(t *testing.T) {
			args := []reflect.Value{reflect.Zero(typ)}
			for j := 1; j < m.Type.NumIn(); j++ {
				in := m.Type.In(j)
				arg := reflect.Zero(in)
				if in.Kind() == reflect.String {
					arg = reflect.ValueOf("x").Convert(in) // a real argument, not just ""
				}
				args = append(args, arg)
			}
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("(*Claims)(nil).%s panics: %v", m.Name, r)
				}
			}()
			for k, out := range m.Func.Call(args) {
				empty := out.IsZero()
				switch out.Kind() {
				case reflect.Slice, reflect.Map:
					empty = out.Len() == 0
				}
				if !empty {
					t.Errorf("(*Claims)(nil).%s result %d = %v, want zero or empty", m.Name, k, out)
				}
			}
		})
	}
	if got, err := Custom[string](nil, "favorite_color"); got != "" || !errors.Is(err, ErrClaimNotFound) ||
		err.Error() != `middleware: claim "favorite_color" not found: no claims (the request was not authenticated)` {
		t.Errorf("Custom on nil claims = %q, %v", got, err)
	}
	if got, err := Custom[[]string](nil, ""); got != nil || !errors.Is(err, ErrClaimNotFound) {
		t.Errorf("Custom on nil claims with an empty name = %q, %v", got, err)
	}
	var p profile
	if err := DecodeCustom(nil, &p); !errors.Is(err, ErrClaimNotFound) {
		t.Errorf("DecodeCustom on nil claims: %v", err)
	}
}
