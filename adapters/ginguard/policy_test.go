package ginguard_test

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/jwtguard/jwtguard/adapters/ginguard"
	"github.com/jwtguard/jwtguard/internal/adaptertest"
	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/scopecheck"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

const mfa = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"

// TestPolicy: the effective policy of a Strict engine, gates of groups
// and routes combined, a route without a gate refused (golden); no route
// handler runs.
func TestPolicy(t *testing.T) {
	env := adaptertest.NewEnv(t)
	ran := &counter{}
	r := gin.New()
	r.Use(ginguard.Protect(env.V, ginguard.Strict()))
	r.GET("/api/public", ginguard.Require(scopecheck.Public), ran.handle)
	r.GET("/api/contacts", ginguard.Require(scopecheck.All("read:contacts")), ran.handle)
	r.DELETE("/api/contacts/:id", ginguard.Require(scopecheck.All("delete:contacts")), ran.handle)
	r.GET("/api/me", ginguard.Require(scopecheck.Authenticated), ran.handle)
	r.GET("/api/orgs/:org/contacts", ginguard.Require(scopecheck.And(scopecheck.All("read:contacts"), scopecheck.Claim("org_id").EqualsParam("org"))), ran.handle)
	r.GET("/api/audit", ginguard.Require(scopecheck.And(scopecheck.All("read:audit"), scopecheck.ACR(mfa), scopecheck.MaxAge(300*time.Second))), ran.handle)
	admin := r.Group("/admin", ginguard.Require(scopecheck.Claim("realm_access.roles").Includes("admin")))
	admin.POST("/purge", ginguard.Require(scopecheck.All("delete:contacts")), ran.handle)
	admin.GET("/stats", ran.handle) // the group's gate only
	r.GET("/forgotten", ran.handle) // Strict refuses it
	r.GET("/static/*path", ginguard.Require(scopecheck.Public), ran.handle)

	p, err := ginguard.Policy(r)
	if err != nil {
		t.Fatal(err)
	}
	if ran.n != 0 {
		t.Errorf("route handlers ran %d times", ran.n)
	}
	got, err := p.JSON()
	if err != nil {
		t.Fatal(err)
	}
	const path = "testdata/policy.golden.json"
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("policy differs from %s (go test -update):\n%s", path, got)
	}
	// The policy is what is enforced: the forgotten route is refused.
	if a := do(t, r, "GET", "/forgotten", bearer(env.Tokens.Reader)); a.status != 403 {
		t.Errorf("/forgotten: %d", a.status)
	}
}

// TestPolicyNotStrict: without Strict a chain without a gate needs any
// valid token.
func TestPolicyNotStrict(t *testing.T) {
	env := adaptertest.NewEnv(t)
	r := gin.New()
	r.Use(ginguard.Protect(env.V))
	r.GET("/api/me", whoami)
	api := r.Group("/api", ginguard.Protect(env.V, ginguard.Strict())) // a second Protect, strict
	api.GET("/strict", whoami)
	p, err := ginguard.Policy(r)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.String(); got != "GET /api/me       authenticated\nGET /api/strict   unset\n" {
		t.Errorf("policy:\n%s", got)
	}
}

// TestPolicyErrors: routes whose chain ginguard does not guard as it
// seems are errors, never a policy.
func TestPolicyErrors(t *testing.T) {
	env := adaptertest.NewEnv(t)
	r := gin.New()
	r.GET("/open", whoami) // before Protect: nothing guards it
	r.GET("/misplaced", ginguard.Require(scopecheck.All("a")), whoami)
	r.Use(ginguard.Protect(env.V))
	stop := func(c *gin.Context) { c.AbortWithStatus(418) }
	r.GET("/stopped", stop, ginguard.Require(scopecheck.All("a")), whoami)
	r.GET("/ok", ginguard.Require(scopecheck.All("a")), whoami)
	p, err := ginguard.Policy(r)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		"ginguard: Policy: GET /open: the request never reached ginguard.Protect",
		"ginguard: Policy: GET /misplaced: a Require gate runs before ginguard.Protect",
		"ginguard: Policy: GET /stopped: a handler ended the request before its last Require gate (0 of 1 ran)",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if len(p.Routes) != 1 || p.Routes[0].Route != "GET /ok" || p.Routes[0].Text != "a" {
		t.Errorf("policy %+v", p.Routes)
	}
}

// TestPathParameter: Claim(...).EqualsParam reads gin's route parameter.
func TestPathParameter(t *testing.T) {
	env := adaptertest.NewEnv(t)
	r := gin.New()
	r.Use(ginguard.Protect(env.V, ginguard.WithRealm("contacts")))
	r.GET("/api/orgs/:org/contacts", ginguard.Require(scopecheck.Claim("org_id").EqualsParam("org")), whoami)
	tok, err := env.Issuer.AccessToken(jwtguardtest.Claims{Subject: "auth0|alice", Audience: []string{adaptertest.Audience},
		Custom: map[string]any{"org_id": "acme"}})
	if err != nil {
		t.Fatal(err)
	}
	if a := do(t, r, "GET", "/api/orgs/acme/contacts", bearer(tok)); a.status != 200 || a.sub != "auth0|alice" {
		t.Errorf("own org: %d %s", a.status, a.body)
	}
	a := do(t, r, "GET", "/api/orgs/globex/contacts", bearer(tok))
	if a.status != 403 || a.problem.Reason != "claim_requirement" || a.problem.Scope != "" ||
		!strings.HasPrefix(a.header.Get("WWW-Authenticate"), `Bearer realm="contacts", error="insufficient_scope", error_description="the access token does not meet this resource's requirement on the claim org_id", DPoP`) {
		t.Errorf("other org: %d %v %s", a.status, a.header, a.body)
	}
}
