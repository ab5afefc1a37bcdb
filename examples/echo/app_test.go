package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/jwtguard/jwtguard/examples/internal/demo"
	"github.com/jwtguard/jwtguard/examples/internal/demo/demotest"
)

// startAPI builds the Echo with the development issuer (or cfg's issuer)
// and, when prime is true, waits for the keys.
func startAPI(t *testing.T, cfg demo.Config, prime bool) (*demo.Env, *echo.Echo) {
	t.Helper()
	env, h := demotest.Start(t, cfg, func(env *demo.Env) http.Handler { return newEcho(env, demo.NewStore()) }, prime)
	return env, h.(*echo.Echo)
}

var call = demotest.Call

// TestContract runs the contract every HTTP demo keeps (routes, answers,
// bodies, outage behaviour) against this demo's handler.
func TestContract(t *testing.T) {
	h := func(env *demo.Env) http.Handler { return newEcho(env, demo.NewStore()) }
	t.Run("answers", func(t *testing.T) { demotest.Answers(t, h) })
	t.Run("list, me and delete", func(t *testing.T) { demotest.ListMeAndDelete(t, h) })
	t.Run("DPoP call", func(t *testing.T) { demotest.DPoPCall(t, h) })
	t.Run("metrics and resource metadata", func(t *testing.T) { demotest.MetricsAndResourceMetadata(t, h) })
	t.Run("issuer down then up", func(t *testing.T) { demotest.IssuerDownThenUp(t, h) })
	t.Run("introspection", func(t *testing.T) { demotest.Introspection(t, h) })
	t.Run("certificate-bound tokens", func(t *testing.T) { demotest.CertificateBound(t, h) })
	t.Run("audit starts empty", func(t *testing.T) { demotest.AuditStartsEmpty(t, h) })
	t.Run("several issuers", func(t *testing.T) { demotest.SeveralIssuers(t, h) })
}

// TestProtectedRoutesNeedAToken: every route but the public ones refuses a
// request without a token, so none was left without its requirement.
func TestProtectedRoutesNeedAToken(t *testing.T) {
	_, e := startAPI(t, demo.DefaultConfig(), true)
	public := map[string]bool{"/api/public": true, "/readyz": true, "/metrics": true, "/.well-known/oauth-protected-resource": true}
	routes := e.Routes()
	if len(routes) != 9 {
		t.Errorf("%d routes, want 9", len(routes))
	}
	for _, rt := range routes {
		path := strings.NewReplacer(":id", "3", ":org", "acme").Replace(rt.Path)
		a := call(t, e, rt.Method, path)
		if public[rt.Path] != (a.Status == 200) || !public[rt.Path] && a.Status != 401 {
			t.Errorf("%s %s without a token: %d %s", rt.Method, rt.Path, a.Status, a.Body)
		}
	}
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
	url, ok := strings.CutPrefix(sc.Text(), "echo: listening on ")
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

// TestDefaultAddrDiffersFromTheOthers keeps the README's side-by-side
// commands working: the echo demo must not default to the port of the
// contacts (8080) or gin (8081) demo.
func TestDefaultAddrDiffersFromTheOthers(t *testing.T) {
	cfg := defaultConfig()
	if cfg.Addr != "127.0.0.1:8082" || cfg.Addr == demo.DefaultConfig().Addr {
		t.Fatalf("echo demo default addr = %q, want 127.0.0.1:8082 (contacts uses %q)", cfg.Addr, demo.DefaultConfig().Addr)
	}
	var usage strings.Builder
	if err := cfg.Parse("echo", []string{"-h"}, func(string) string { return "" }, &usage); err == nil {
		t.Fatal("-h: want flag.ErrHelp")
	}
	if !strings.Contains(usage.String(), "127.0.0.1:8082") {
		t.Fatalf("-h does not show the echo default port:\n%s", usage.String())
	}
}
