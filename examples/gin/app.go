package main

import (
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/jwtguard/jwtguard/adapters/ginguard"
	"github.com/jwtguard/jwtguard/adapters/httpguard"
	"github.com/jwtguard/jwtguard/examples/internal/demo"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/scopecheck"
)

// newEngine returns the contacts API on gin. Protect runs in Strict mode:
// every route, the 404 and 405 handlers included, states its requirement
// with ginguard.Require, and a route that forgets to is refused with 403,
// never served. Scopes come from scope and Auth0's permissions, /readyz
// answers 503 until the keys arrive, /metrics serves Prometheus metrics and
// /.well-known/oauth-protected-resource the RFC 9728 document.
func newEngine(env *demo.Env, store *demo.Store) *gin.Engine {
	r := gin.New()
	r.Use(gin.Recovery())
	r.Use(ginguard.Protect(env.Validator, ginguard.Strict(),
		ginguard.WithPermissions(), ginguard.WithRealm("contacts"), ginguard.WithHints()))

	r.GET("/api/public", ginguard.Require(scopecheck.Public), func(c *gin.Context) {
		writeJSON(c, http.StatusOK, map[string]string{"message": "public: no token needed"})
	})
	r.GET("/api/contacts", ginguard.Require(scopecheck.All(demo.ScopeRead)), func(c *gin.Context) {
		writeJSON(c, http.StatusOK, store.List())
	})
	r.DELETE("/api/contacts/:id", ginguard.Require(scopecheck.All(demo.ScopeDelete)), func(c *gin.Context) {
		id := c.Param("id")
		if !store.Delete(id) {
			writeJSON(c, http.StatusNotFound, map[string]string{"error": "not_found", "detail": "no contact with id " + id})
			return
		}
		c.Status(http.StatusNoContent)
	})
	r.GET("/api/me", ginguard.Require(scopecheck.Authenticated), func(c *gin.Context) {
		claims, _ := ginguard.Claims(c) // always there behind Authenticated
		writeJSON(c, http.StatusOK, demo.WhoAmI(claims))
	})
	// Beyond scopes: the caller's organization, and a step-up (RFC 9470).
	r.GET("/api/orgs/:org/contacts", ginguard.Require(demo.OrgContacts), func(c *gin.Context) {
		writeJSON(c, http.StatusOK, store.List())
	})
	r.GET("/api/audit", ginguard.Require(demo.AuditLog), func(c *gin.Context) {
		writeJSON(c, http.StatusOK, store.Audit())
	})
	r.GET("/metrics", ginguard.Require(scopecheck.Public), gin.WrapH(env.MetricsHandler()))
	r.GET(middleware.ResourceMetadataPath, ginguard.Require(scopecheck.Public),
		gin.WrapH(httpguard.ResourceMetadataHandler(env.Validator, demo.ScopeRead, demo.ScopeDelete, demo.ScopeAudit)))
	r.GET("/readyz", ginguard.Require(scopecheck.Public), func(c *gin.Context) {
		c.Header("Cache-Control", "no-store")
		if !env.Ready() {
			c.Data(http.StatusServiceUnavailable, "text/plain; charset=utf-8", []byte("keys not loaded yet\n"))
			return
		}
		c.Data(http.StatusOK, "text/plain; charset=utf-8", []byte("ok\n"))
	})

	// Unknown paths and methods answer 404 and 405 without a token, as
	// http.ServeMux does in the net/http demo.
	r.HandleMethodNotAllowed = true
	r.NoRoute(ginguard.Require(scopecheck.Public), gin.WrapF(http.NotFound))
	r.NoMethod(ginguard.Require(scopecheck.Public), func(c *gin.Context) {
		c.String(http.StatusMethodNotAllowed, "Method Not Allowed\n")
	})
	return r
}

// writeJSON answers v as JSON, byte for byte as the net/http demo does.
func writeJSON(c *gin.Context, status int, v any) {
	c.Header("Content-Type", "application/json")
	c.Status(status)
	json.NewEncoder(c.Writer).Encode(v)
}
