package main

import (
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/jwtguard/jwtguard/adapters/echoguard"
	"github.com/jwtguard/jwtguard/adapters/httpguard"
	"github.com/jwtguard/jwtguard/examples/internal/demo"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/scopecheck"
)

// newEcho returns the contacts API on echo. A public echoguard.Require on
// the Echo verifies the token of every request that sends one and never
// refuses; each protected route states its requirement with
// echoguard.Require, which reuses those claims (a DPoP proof is checked
// once) and refuses what the net/http demo refuses, byte for byte. The
// public routes need nothing more: /api/public, /readyz (503 until the
// keys arrive), /metrics (Prometheus) and
// /.well-known/oauth-protected-resource (RFC 9728). Unknown paths and
// methods get echo's 404 and 405 without a token, as http.ServeMux does in
// the net/http demo.
func newEcho(env *demo.Env, store *demo.Store) *echo.Echo {
	v := env.Validator
	opts := []echoguard.Option{echoguard.WithPermissions(), echoguard.WithRealm("contacts"), echoguard.WithHints()}
	need := func(r scopecheck.Requirement) echo.MiddlewareFunc { return echoguard.Require(v, r, opts...) }

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Use(echoguard.Require(v, scopecheck.Public, opts...))

	e.GET("/api/public", func(c echo.Context) error {
		return writeJSON(c, http.StatusOK, map[string]string{"message": "public: no token needed"})
	})
	e.GET("/api/contacts", func(c echo.Context) error {
		return writeJSON(c, http.StatusOK, store.List())
	}, need(scopecheck.All(demo.ScopeRead)))
	e.DELETE("/api/contacts/:id", func(c echo.Context) error {
		id := c.Param("id")
		if !store.Delete(id) {
			return writeJSON(c, http.StatusNotFound, map[string]string{"error": "not_found", "detail": "no contact with id " + id})
		}
		return c.NoContent(http.StatusNoContent)
	}, need(scopecheck.All(demo.ScopeDelete)))
	e.GET("/api/me", func(c echo.Context) error {
		claims, ok := echoguard.Claims(c)
		if !ok {
			// Unreachable behind scopecheck.Authenticated; fail closed anyway.
			httpguard.WriteError(c.Response(), c.Request(),
				middleware.NewError(middleware.ErrMissingToken, middleware.ReasonMissingToken, "no access token"))
			return nil
		}
		return writeJSON(c, http.StatusOK, demo.WhoAmI(claims))
	}, need(scopecheck.Authenticated))
	// Beyond scopes: the caller's organization, and a step-up (RFC 9470).
	e.GET("/api/orgs/:org/contacts", func(c echo.Context) error {
		return writeJSON(c, http.StatusOK, store.List())
	}, need(demo.OrgContacts))
	e.GET("/api/audit", func(c echo.Context) error {
		return writeJSON(c, http.StatusOK, store.Audit())
	}, need(demo.AuditLog))
	e.GET("/metrics", echo.WrapHandler(env.MetricsHandler()))
	e.GET(middleware.ResourceMetadataPath, echo.WrapHandler(
		httpguard.ResourceMetadataHandler(v, demo.ScopeRead, demo.ScopeDelete, demo.ScopeAudit)))
	e.GET("/readyz", func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-store")
		if !env.Ready() {
			return c.Blob(http.StatusServiceUnavailable, "text/plain; charset=utf-8", []byte("keys not loaded yet\n"))
		}
		return c.Blob(http.StatusOK, "text/plain; charset=utf-8", []byte("ok\n"))
	})
	return e
}

// writeJSON answers v as JSON, byte for byte as the net/http demo does.
func writeJSON(c echo.Context, status int, v any) error {
	w := c.Response()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}
