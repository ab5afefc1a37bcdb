package main

import (
	"encoding/json"
	"net/http"

	"github.com/jwtguard/jwtguard/adapters/httpguard"
	"github.com/jwtguard/jwtguard/examples/internal/demo"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/scopecheck"
)

// newHandler returns the contacts API: every route states its requirement
// (httpguard.Mux cannot register one without), scopes come from scope and
// Auth0's permissions, and /readyz answers 503 until the keys arrive.
func newHandler(env *demo.Env, store *demo.Store) http.Handler {
	mux := httpguard.NewMux(env.Validator,
		httpguard.WithPermissions(), httpguard.WithRealm("contacts"), httpguard.WithHints())
	mux.HandleFunc("GET /api/public", scopecheck.Public, public)
	mux.HandleFunc("GET /api/contacts", scopecheck.All(demo.ScopeRead), func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, store.List())
	})
	mux.HandleFunc("DELETE /api/contacts/{id}", scopecheck.All(demo.ScopeDelete), func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if !store.Delete(id) {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "not_found", "detail": "no contact with id " + id})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /api/me", scopecheck.Authenticated, me)
	// Beyond scopes: the caller's organization, and a step-up (RFC 9470).
	mux.HandleFunc("GET /api/orgs/{org}/contacts", demo.OrgContacts, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, store.List())
	})
	mux.HandleFunc("GET /api/audit", demo.AuditLog, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, store.Audit())
	})
	mux.Handle("GET /metrics", scopecheck.Public, env.MetricsHandler())
	mux.HandleResourceMetadata() // RFC 9728, at /.well-known/oauth-protected-resource
	mux.HandleFunc("GET /readyz", scopecheck.Public, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if !env.Ready() {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("keys not loaded yet\n"))
			return
		}
		w.Write([]byte("ok\n"))
	})
	return mux
}

func public(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"message": "public: no token needed"})
}

// me answers sub, granted scopes and the namespaced custom claims.
func me(w http.ResponseWriter, r *http.Request) {
	c, ok := middleware.ClaimsFromContext(r.Context())
	if !ok {
		// Unreachable behind scopecheck.Authenticated; fail closed anyway.
		httpguard.WriteError(w, r, middleware.NewError(middleware.ErrMissingToken, middleware.ReasonMissingToken, "no access token"))
		return
	}
	writeJSON(w, http.StatusOK, demo.WhoAmI(c))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
