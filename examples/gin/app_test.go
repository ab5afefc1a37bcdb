package main

import (
	"bufio"
	"context"
	"flag"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/jwtguard/jwtguard/adapters/ginguard"
	"github.com/jwtguard/jwtguard/examples/internal/demo"
	"github.com/jwtguard/jwtguard/examples/internal/demo/demotest"
	"github.com/jwtguard/jwtguard/jwtguardtest"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	os.Exit(m.Run())
}

// startAPI builds the gin engine with the development issuer (or cfg's
// issuer) and, when prime is true, waits for the keys.
func startAPI(t *testing.T, cfg demo.Config, prime bool) (*demo.Env, *gin.Engine) {
	t.Helper()
	env, h := demotest.Start(t, cfg, func(env *demo.Env) http.Handler { return newEngine(env, demo.NewStore()) }, prime)
	return env, h.(*gin.Engine)
}

var (
	call   = demotest.Call
	bearer = demotest.Bearer
)

// TestEveryRouteStatesARequirement: in Strict mode a route without
// ginguard.Require answers 403 "no access policy" to everyone; the
// engine's policy (ginguard.Policy) shows none of the demo's routes is
// unset, and it is kept in testdata/policy.golden.json.
func TestEveryRouteStatesARequirement(t *testing.T) {
	env, r := startAPI(t, demo.DefaultConfig(), true)
	p, err := ginguard.Policy(r)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Routes) != 9 || len(r.Routes()) != 9 {
		t.Errorf("%d routes in the policy, %d in the engine, want 9", len(p.Routes), len(r.Routes()))
	}
	for _, rt := range p.Routes {
		if !rt.Requirement.IsSet() {
			t.Errorf("%s states no requirement", rt.Route)
		}
	}
	j, err := p.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if err := jwtguardtest.CompareGolden("testdata/policy.golden.json", j, *update); err != nil {
		t.Fatal(err)
	}
	// And a route that forgets Require is refused, even to the admin.
	tokens, err := env.Dev.MintTokens()
	if err != nil {
		t.Fatal(err)
	}
	r.GET("/api/forgotten", func(c *gin.Context) { c.String(200, "open") })
	if a := call(t, r, "GET", "/api/forgotten", bearer(tokens.Admin)); a.Status != 403 || a.Problem["detail"] != "this resource has no access policy" {
		t.Errorf("route without Require: %d %s", a.Status, a.Body)
	}
}

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// TestAccessMatrix: who may call what, persona by persona; the same
// answers as examples/contacts (testdata/access.golden is the same file).
func TestAccessMatrix(t *testing.T) {
	demotest.AccessMatrix(t, func(env *demo.Env) http.Handler { return newEngine(env, demo.NewStore()) },
		"testdata/access.golden", *update)
}

// TestRun starts the program on a free loopback port, reads the address it
// prints, calls it and stops it.
func TestRun(t *testing.T) {
	cfg := demo.DefaultConfig()
	cfg.Addr = "127.0.0.1:0"
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg, pw); pw.Close() }()
	sc := bufio.NewScanner(pr)
	if !sc.Scan() {
		t.Fatalf("no output: %v", sc.Err())
	}
	url, ok := strings.CutPrefix(sc.Text(), "gin: listening on ")
	if !ok {
		t.Fatalf("first line %q", sc.Text())
	}
	go io.Copy(io.Discard, pr)
	resp, err := http.Get(url + "/api/public")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != `{"message":"public: no token needed"}`+"\n" {
		t.Errorf("/api/public: %d %s", resp.StatusCode, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestContract runs the contract every HTTP demo keeps (routes, answers,
// bodies, outage behaviour) against this demo's handler.
func TestContract(t *testing.T) {
	h := func(env *demo.Env) http.Handler { return newEngine(env, demo.NewStore()) }
	t.Run("answers", func(t *testing.T) { demotest.Answers(t, h) })
	t.Run("list, me and delete", func(t *testing.T) { demotest.ListMeAndDelete(t, h) })
	t.Run("DPoP call", func(t *testing.T) { demotest.DPoPCall(t, h) })
	t.Run("metrics and resource metadata", func(t *testing.T) { demotest.MetricsAndResourceMetadata(t, h) })
	t.Run("issuer down then up", func(t *testing.T) { demotest.IssuerDownThenUp(t, h) })
	t.Run("introspection", func(t *testing.T) { demotest.Introspection(t, h) })
	t.Run("certificate-bound tokens", func(t *testing.T) { demotest.CertificateBound(t, h) })
	t.Run("several issuers", func(t *testing.T) { demotest.SeveralIssuers(t, h) })
	t.Run("audit starts empty", func(t *testing.T) { demotest.AuditStartsEmpty(t, h) })
}

// TestDefaultAddrDiffersFromContacts keeps the README's side-by-side
// commands working: the gin demo must not default to the contacts port.
func TestDefaultAddrDiffersFromContacts(t *testing.T) {
	cfg := defaultConfig()
	if cfg.Addr != "127.0.0.1:8081" || cfg.Addr == demo.DefaultConfig().Addr {
		t.Fatalf("gin demo default addr = %q, want 127.0.0.1:8081 (contacts uses %q)", cfg.Addr, demo.DefaultConfig().Addr)
	}
	var usage strings.Builder
	if err := cfg.Parse("gin", []string{"-h"}, func(string) string { return "" }, &usage); err == nil {
		t.Fatal("-h: want flag.ErrHelp")
	}
	if !strings.Contains(usage.String(), "127.0.0.1:8081") {
		t.Fatalf("-h does not show the gin default port:\n%s", usage.String())
	}
}
