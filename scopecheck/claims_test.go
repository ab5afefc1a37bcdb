package scopecheck

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
)

// the claims of most cases: Auth0 Organizations' org_id, Keycloak's
// realm_access and resource_access, a namespaced Auth0 roles claim, a
// space-delimited list, values of other types, and a value that
// encoding/json escapes ("a<b" is written "a\u003cb").
var richClaims = map[string]any{
	"org_id":                          "acme",
	"realm_access":                    map[string]any{"roles": []string{"admin", "user"}},
	"resource_access":                 map[string]any{"my.app": map[string]any{"roles": []string{"auditor"}}},
	testNS + "roles":                  []string{"editor"},
	"https://other.example.com/roles": []string{"owner"},
	"groups":                          "eng ops  sre",
	"num":                             42,
	"flag":                            true,
	"mixed":                           []any{"admin", 1},
	"lt":                              "a<b",
	"dotted.name":                     "whole",
	"dotted":                          map[string]any{"name": "nested"},
	"nothing":                         nil,
	"empty":                           "",
}

func TestClaimRequirements(t *testing.T) {
	c := custom(t, richClaims)
	req := &fakeRequest{method: "GET", params: map[string]string{"org": "acme", "other": "globex", "empty": ""}}
	cases := []struct {
		name string
		r    Requirement
		want bool
	}{
		{"equals", Claim("org_id").Equals("acme"), true},
		{"equals is case-sensitive", Claim("org_id").Equals("Acme"), false},
		{"equals is whole", Claim("org_id").Equals("acm"), false},
		{"equals an escaped value", Claim("lt").Equals("a<b"), true},
		{"equals a number is a type error", Claim("num").Equals("42"), false},
		{"equals a boolean is a type error", Claim("flag").Equals("true"), false},
		{"equals null", Claim("nothing").Equals("null"), false},
		{"absent", Claim("missing").Equals("x"), false},
		{"one of", Claim("org_id").OneOf("globex", "acme"), true},
		{"one of none", Claim("org_id").OneOf("globex", "initech"), false},
		{"one of, array claim", Claim("groups").OneOf("eng"), false},
		{"includes, nested array", Claim("realm_access.roles").Includes("admin"), true},
		{"includes, nested array, absent", Claim("realm_access.roles").Includes("root"), false},
		{"includes, no substring", Claim("realm_access.roles").Includes("adm"), false},
		{"includes, an object", Claim("realm_access").Includes("roles"), false},
		{"includes, short name under the namespace", Claim("roles").Includes("editor"), true},
		{"includes, full namespaced name", Claim(testNS + "roles").Includes("editor"), true},
		{"includes, another namespace by full name", Claim("https://other.example.com/roles").Includes("owner"), true},
		{"includes, the namespace wins over others", Claim("roles").Includes("owner"), false},
		{"includes, space-delimited string", Claim("groups").Includes("ops"), true},
		{"includes, space-delimited string, double space", Claim("groups").Includes("sre"), true},
		{"includes, space-delimited string holds no phrase", Claim("groups").Includes("eng ops"), false},
		{"includes, array with a non-string", Claim("mixed").Includes("admin"), false},
		{"includes, a number", Claim("num").Includes("42"), false},
		{"path beyond a leaf", Claim("realm_access.roles.x").Includes("admin"), false},
		{"whole dotted name first", Claim("dotted.name").Equals("whole"), true},
		{"whole dotted name hides the path", Claim("dotted.name").Equals("nested"), false},
		{"ClaimPath with a dotted member", ClaimPath("resource_access", "my.app", "roles").Includes("auditor"), true},
		{"dotted name splits at every dot", Claim("resource_access.my.app.roles").Includes("auditor"), false},
		{"ClaimPath to a top-level claim", ClaimPath("org_id").Equals("acme"), true},
		{"ClaimPath takes dots literally", ClaimPath("dotted.name").Equals("whole"), true},
		{"ClaimPath does not split", ClaimPath("realm_access.roles").Includes("admin"), false},
		{"equals param", Claim("org_id").EqualsParam("org"), true},
		{"equals another param", Claim("org_id").EqualsParam("other"), false},
		{"equals an absent param", Claim("org_id").EqualsParam("nope"), false},
		{"empty param equals nothing", Claim("empty").EqualsParam("empty"), false},
		{"equals param, number claim", Claim("num").EqualsParam("org"), false},
		{"equals request", Claim("org_id").EqualsRequest("org", func(r Request) (string, bool) { return r.Param("org") }), true},
		{"equals request, empty value", Claim("empty").EqualsRequest("e", func(Request) (string, bool) { return "", true }), false},
		{"composed", And(Claim("org_id").EqualsParam("org"), Or(Claim("roles").Includes("x"), Claim("realm_access.roles").Includes("admin"))), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.r.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			err := CheckRequest(tc.r, c, false, req)
			if (err == nil) != tc.want {
				t.Fatalf("%s: err = %v, want satisfied %v", tc.r, err, tc.want)
			}
			if err != nil {
				var e *middleware.Error
				if !errors.As(err, &e) || !errors.Is(err, middleware.ErrInsufficientScope) || e.Reason != middleware.ReasonClaimRequirement ||
					e.HTTPStatus() != 403 || e.Code() != "insufficient_scope" || len(e.Scopes) != 0 {
					t.Errorf("refusal %#v", err)
				}
			}
			// Without a request nothing that reads it is satisfied.
			if err := Check(tc.r, c, false); err == nil && strings.Contains(tc.r.String(), "{") {
				t.Errorf("%s satisfied without a request", tc.r)
			}
			// A nil token satisfies no claim requirement.
			if CheckRequest(tc.r, nil, false, req) == nil {
				t.Errorf("%s satisfied by nil claims", tc.r)
			}
		})
	}
}

func TestFieldReadsTheMessage(t *testing.T) {
	type listRequest struct{ Org string }
	getOrg := func(m *listRequest) string { return m.Org }
	c := custom(t, map[string]any{"org_id": "acme"})
	r := Claim("org_id").EqualsRequest("org", Field(getOrg))
	cases := []struct {
		name string
		msg  any
		want bool
	}{
		{"the field", &listRequest{Org: "acme"}, true},
		{"another org", &listRequest{Org: "globex"}, false},
		{"empty field", &listRequest{}, false},
		{"another message type", &struct{ Org string }{"acme"}, false},
		{"no message", nil, false},
		{"nil message of the type", (*listRequest)(nil), false}, // getOrg panics: recovered
	}
	for _, tc := range cases {
		if err := CheckRequest(r, c, false, &fakeRequest{msg: tc.msg}); (err == nil) != tc.want {
			t.Errorf("%s: err = %v", tc.name, err)
		}
	}
	if CheckRequest(r, c, false, nil) == nil {
		t.Error("satisfied without a request")
	}
	if v, ok := Field(getOrg)(nil); ok || v != "" {
		t.Error("Field on a nil request")
	}
}

func TestClientMachineUser(t *testing.T) {
	user := claimsOf(t, jwtguardtest.Claims{Subject: "auth0|alice", AuthorizedParty: "spa"})
	m2m := claimsOf(t, jwtguardtest.Claims{Subject: "svc@clients", GrantType: "client-credentials", AuthorizedParty: "billing"})
	both := claimsOf(t, jwtguardtest.Claims{Subject: "u", ClientID: "rfc9068-client", AuthorizedParty: "spa"})
	cases := []struct {
		name string
		r    Requirement
		c    *middleware.Claims
		want bool
	}{
		{"client by azp", Client("spa"), user, true},
		{"another client", Client("billing"), user, false},
		{"client_id wins over azp", Client("spa"), both, false},
		{"client_id", Client("x", "rfc9068-client"), both, true},
		{"machine", Machine(), m2m, true},
		{"machine, user token", Machine(), user, false},
		{"user", User(), user, true},
		{"user, machine token", User(), m2m, false},
		{"machine of a client", And(Machine(), Client("billing")), m2m, true},
		{"nil claims: no client", Client("spa"), nil, false},
		{"nil claims: no machine", Machine(), nil, false},
		{"nil claims: no user", User(), nil, false},
	}
	for _, tc := range cases {
		if err := Check(tc.r, tc.c, false); (err == nil) != tc.want {
			t.Errorf("%s: %s: err = %v", tc.name, tc.r, err)
		}
	}
}

func TestStepUp(t *testing.T) {
	base := time.Unix(1_790_000_000, 0)
	at(t, base)
	tok := func(extra map[string]any) *middleware.Claims { return custom(t, extra) }
	cases := []struct {
		name string
		r    Requirement
		c    *middleware.Claims
		want bool
	}{
		{"acr", ACR(mfa), tok(map[string]any{"acr": mfa}), true},
		{"one of the acr values", ACR("urn:x", mfa), tok(map[string]any{"acr": mfa}), true},
		{"another acr", ACR(mfa), tok(map[string]any{"acr": "pwd"}), false},
		{"no acr", ACR(mfa), tok(nil), false},
		{"acr of another type", ACR(mfa), tok(map[string]any{"acr": []string{mfa}}), false},
		{"namespaced acr is not acr", ACR(mfa), tok(map[string]any{testNS + "acr": mfa}), false},
		{"fresh", MaxAge(300 * time.Second), tok(map[string]any{"auth_time": base.Unix() - 100}), true},
		{"exactly max age", MaxAge(300 * time.Second), tok(map[string]any{"auth_time": base.Unix() - 300}), true},
		{"one second too old", MaxAge(300 * time.Second), tok(map[string]any{"auth_time": base.Unix() - 301}), false},
		{"fraction too old", MaxAge(300 * time.Second), tok(map[string]any{"auth_time": float64(base.Unix()) - 300.5}), false},
		{"no auth_time", MaxAge(300 * time.Second), tok(nil), false},
		{"auth_time as a string", MaxAge(300 * time.Second), tok(map[string]any{"auth_time": "1790000000"}), false},
		{"negative auth_time", MaxAge(time.Hour), tok(map[string]any{"auth_time": -1}), false},
		{"auth_time a little ahead", MaxAge(300 * time.Second), tok(map[string]any{"auth_time": base.Unix() + 30}), true},
		{"auth_time far ahead", MaxAge(300 * time.Second), tok(map[string]any{"auth_time": base.Unix() + 120}), false},
		{"auth_time beyond 9999", MaxAge(300 * time.Second), tok(map[string]any{"auth_time": 1e300}), false},
		{"both", And(ACR(mfa), MaxAge(5*time.Minute)), tok(map[string]any{"acr": mfa, "auth_time": base.Unix()}), true},
		{"nil claims", ACR(mfa), nil, false},
	}
	for _, tc := range cases {
		if err := Check(tc.r, tc.c, false); (err == nil) != tc.want {
			t.Errorf("%s: %s: err = %v", tc.name, tc.r, err)
		}
	}
}

// refusal is what a refused check must be.
type refusal struct {
	category error
	reason   middleware.Reason
	status   int
	desc     string
	scopes   string
	acr      string
	maxAge   time.Duration
}

func checkRefusal(t *testing.T, name string, err error, want refusal) {
	t.Helper()
	var e *middleware.Error
	if !errors.As(err, &e) {
		t.Fatalf("%s: err = %v", name, err)
	}
	if !errors.Is(err, want.category) || e.Reason != want.reason || e.HTTPStatus() != want.status || e.Description != want.desc ||
		strings.Join(e.Scopes, " ") != want.scopes || strings.Join(e.ACRValues, " ") != want.acr || e.MaxAge != want.maxAge {
		t.Errorf("%s:\n got %v %s %d %q scopes %q acr %q max %s\nwant %v %s %d %q scopes %q acr %q max %s", name,
			e.Unwrap()[0], e.Reason, e.HTTPStatus(), e.Description, strings.Join(e.Scopes, " "), strings.Join(e.ACRValues, " "), e.MaxAge,
			want.category, want.reason, want.status, want.desc, want.scopes, want.acr, want.maxAge)
	}
}

// TestPrecedence: step-up (401) before missing scopes (403 with scope)
// before claims (403 without), as CheckRequest documents; the demo's two
// routes exactly.
func TestPrecedence(t *testing.T) {
	base := time.Unix(1_790_000_000, 0)
	at(t, base)
	fresh, stale := base.Unix()-10, base.Unix()-301
	audit := And(All("read:audit"), ACR(mfa), MaxAge(300*time.Second))
	org := And(All("read:contacts"), Claim("org_id").EqualsParam("org"))
	acme := &fakeRequest{params: map[string]string{"org": "acme"}}
	mint := func(scope string, extra map[string]any) *middleware.Claims {
		return claimsOf(t, jwtguardtest.Claims{Subject: "u", Scope: scope, Custom: extra})
	}
	stepUp := func(desc string) refusal {
		return refusal{middleware.ErrInsufficientUserAuthentication, middleware.ReasonInsufficientUserAuthentication, 401, desc, "", mfa, 300 * time.Second}
	}
	const (
		level    = "a different authentication level is required"
		recent   = "more recent authentication is required"
		bothDesc = "a different authentication level and more recent authentication are required"
	)
	cases := []struct {
		name string
		r    Requirement
		c    *middleware.Claims
		want refusal
	}{
		{"audit: no acr", audit, mint("read:audit", map[string]any{"auth_time": fresh}), stepUp(level)},
		{"audit: another acr", audit, mint("read:audit", map[string]any{"acr": "pwd", "auth_time": fresh}), stepUp(level)},
		{"audit: old auth_time", audit, mint("read:audit", map[string]any{"acr": mfa, "auth_time": stale}), stepUp(recent)},
		{"audit: no auth_time", audit, mint("read:audit", map[string]any{"acr": mfa}), stepUp(recent)},
		{"audit: neither", audit, mint("read:audit", nil), stepUp(bothDesc)},
		{"audit: step-up before scope", audit, mint("read:contacts", nil), stepUp(bothDesc)},
		{"audit: scope last", audit, mint("read:contacts", map[string]any{"acr": mfa, "auth_time": fresh}),
			refusal{middleware.ErrInsufficientScope, middleware.ReasonInsufficientScope, 403,
				"the access token lacks the scope this resource requires: read:audit", "read:audit", "", 0}},
		{"org: no scope", org, mint("openid", map[string]any{"org_id": "acme"}),
			refusal{middleware.ErrInsufficientScope, middleware.ReasonInsufficientScope, 403,
				"the access token lacks the scope this resource requires: read:contacts", "read:contacts", "", 0}},
		{"org: another org", org, mint("read:contacts", map[string]any{"org_id": "globex"}),
			refusal{middleware.ErrInsufficientScope, middleware.ReasonClaimRequirement, 403,
				"the access token does not meet this resource's requirement on the claim org_id", "", "", 0}},
		{"org: no org_id", org, mint("read:contacts", nil),
			refusal{middleware.ErrInsufficientScope, middleware.ReasonClaimRequirement, 403,
				"the access token does not meet this resource's requirement on the claim org_id", "", "", 0}},
		{"org: scope before claims", org, mint("", map[string]any{"org_id": "globex"}),
			refusal{middleware.ErrInsufficientScope, middleware.ReasonInsufficientScope, 403,
				"the access token lacks the scope this resource requires: read:contacts", "read:contacts", "", 0}},
		{"claims listed", And(Claim("org_id").EqualsParam("org"), Client("billing"), Claim("org_id").Equals("x")), mint("", nil),
			refusal{middleware.ErrInsufficientScope, middleware.ReasonClaimRequirement, 403,
				"the access token does not meet this resource's requirements on the claims org_id, client_id", "", "", 0}},
		{"machine only", Machine(), mint("", nil),
			refusal{middleware.ErrInsufficientScope, middleware.ReasonClaimRequirement, 403,
				"this resource accepts only tokens issued to machine clients", "", "", 0}},
		{"user only", And(User(), Claim("org_id").Equals("acme")), claimsOf(t, jwtguardtest.Claims{Subject: "s@clients"}),
			refusal{middleware.ErrInsufficientScope, middleware.ReasonClaimRequirement, 403,
				"the access token does not meet this resource's requirement on the claim org_id; this resource accepts only tokens issued to users", "", "", 0}},
		{"or: a step-up is a way in", Or(All("admin"), ACR(mfa)), mint("", nil),
			refusal{middleware.ErrInsufficientUserAuthentication, middleware.ReasonInsufficientUserAuthentication, 401, level, "", mfa, 0}},
		{"or: scopes before claims", Or(All("admin"), Claim("org_id").Equals("acme")), mint("", nil),
			refusal{middleware.ErrInsufficientScope, middleware.ReasonInsufficientScope, 403,
				"the access token lacks the scope this resource requires: admin", "admin", "", 0}},
		{"the smallest max age, every acr of the conjunction", And(MaxAge(600*time.Second), And(ACR("urn:a"), MaxAge(60*time.Second)), Or(ACR("urn:b"), All("x"))),
			mint("", map[string]any{"acr": "urn:a", "auth_time": base.Unix() - 100}),
			refusal{middleware.ErrInsufficientUserAuthentication, middleware.ReasonInsufficientUserAuthentication, 401,
				bothDesc, "", "urn:a urn:b", 60 * time.Second}},
	}
	for _, tc := range cases {
		err := CheckRequest(tc.r, tc.c, false, acme)
		checkRefusal(t, tc.name, err, tc.want)
		// Never a value from the token or the requirement in the answer.
		var e *middleware.Error
		if errors.As(err, &e) && (strings.Contains(e.Description, "globex") || strings.Contains(e.Description, "acme") || strings.Contains(e.Description, "pwd")) {
			t.Errorf("%s: description names a value: %q", tc.name, e.Description)
		}
	}
}

func TestValidateClaimRequirements(t *testing.T) {
	get := func(Request) (string, bool) { return "", false }
	bad := []Requirement{
		Claim("").Equals("x"), ClaimRef{}.Equals("x"), Claim("a").Equals(""), Claim("a").OneOf(), Claim("a").OneOf("x", ""),
		Claim("a").Includes(""), Claim("a").EqualsParam(""), Claim("a").EqualsRequest("x", nil), Claim("a").EqualsRequest("", get),
		ClaimPath().Equals("x"), ClaimPath("a", "").Equals("x"), ClaimPath("", "a").Equals("x"),
		Client(), Client(""), ACR(), ACR("a b"), ACR(`a"b`), ACR(""), ACR("é"),
		MaxAge(0), MaxAge(-time.Second), MaxAge(500 * time.Millisecond), MaxAge(1500 * time.Millisecond),
		And(All("a"), Claim("").Equals("x")), Or(Public, Machine()), {op: opEquals},
	}
	c := custom(t, richClaims)
	for _, r := range bad {
		if r.Validate() == nil {
			t.Errorf("%s validated", r)
		}
		err := CheckRequest(r, c, true, &fakeRequest{})
		var e *middleware.Error
		if !errors.As(err, &e) || e.Description != "this resource has no access policy" {
			t.Errorf("%s: not denied as unset: %v", r, err)
		}
	}
	good := []Requirement{Claim("a.").Equals("x"), Claim(".a").Equals("x"), Claim("a..b").Equals("x"), MaxAge(time.Second), ACR("0"), Machine(), User()}
	for _, r := range good {
		if err := r.Validate(); err != nil {
			t.Errorf("%s: %v", r, err)
		}
	}
}

func TestUsesRequest(t *testing.T) {
	get := func(Request) (string, bool) { return "", false }
	cases := []struct {
		r    Requirement
		want bool
	}{
		{All("a"), false},
		{Claim("o").Equals("x"), false},
		{And(ACR("x"), Machine()), false},
		{Claim("o").EqualsParam("org"), true},
		{Or(All("a"), And(Machine(), Claim("o").EqualsRequest("org", get))), true},
	}
	for _, tc := range cases {
		if got := tc.r.UsesRequest(); got != tc.want {
			t.Errorf("%s: UsesRequest = %v", tc.r, got)
		}
	}
}

// TestNestedMembers: a member name present twice in a nested object is
// ambiguous and found nowhere (the decoder refuses duplicates at the top
// level only); malformed objects find nothing.
func TestNestedMembers(t *testing.T) {
	cases := []struct {
		obj, name string
		want      string // "" means not found
	}{
		{`{"roles":["a"]}`, "roles", `["a"]`},
		{`{"roles":["a"],"roles":["b"]}`, "roles", ""},
		{`{"roles":["a"],"rol\u0065s":["b"]}`, "roles", ""},
		{`{"r\u006fles":["a"]}`, "roles", `["a"]`},
		{`["roles"]`, "roles", ""},
		{`{"roles":["a"]`, "roles", ""},
		{`"roles"`, "roles", ""},
	}
	for _, tc := range cases {
		v, ok := member([]byte(tc.obj), tc.name)
		if got := string(v); ok != (tc.want != "") || got != tc.want {
			t.Errorf("member(%s, %q) = %s %v, want %s", tc.obj, tc.name, v, ok, tc.want)
		}
	}
}
