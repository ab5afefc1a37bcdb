package jwtguardtest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
)

// handler serves the discovery documents and the JWK Set.
func (i *Issuer) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", i.serveMetadata)
	mux.HandleFunc("GET /.well-known/oauth-authorization-server", i.serveMetadata)
	mux.HandleFunc("GET /.well-known/jwks.json", i.serveJWKS)
	mux.HandleFunc("POST "+IntrospectionPath, func(w http.ResponseWriter, r *http.Request) { i.Introspector().ServeHTTP(w, r) })
	return mux
}

// metadata is the discovery document: the members OIDC Discovery 1.0
// section 3 requires of a provider that serves no endpoints but its keys.
type metadata struct {
	Issuer             string   `json:"issuer"`
	JWKSURI            string   `json:"jwks_uri"`
	ResponseTypes      []string `json:"response_types_supported"`
	SubjectTypes       []string `json:"subject_types_supported"`
	IDTokenSigningAlgs []string `json:"id_token_signing_alg_values_supported"`
	Introspection      string   `json:"introspection_endpoint"` // RFC 8414 section 2
}

// serveMetadata answers OIDC discovery and RFC 8414 section 3 requests with
// the same document; its issuer equals URL() exactly (OIDC Discovery
// section 4.3).
func (i *Issuer) serveMetadata(w http.ResponseWriter, r *http.Request) {
	i.discoveries.Add(1)
	if i.refuse(w) {
		return
	}
	if !i.discovery {
		http.NotFound(w, r)
		return
	}
	algs := map[string]bool{}
	i.mu.Lock()
	var list []string
	for _, k := range i.keys {
		if !algs[string(k.alg)] {
			algs[string(k.alg)] = true
			list = append(list, string(k.alg))
		}
	}
	i.mu.Unlock()
	writeJSON(w, "application/json", metadata{
		Issuer:             i.URL(),
		JWKSURI:            i.JWKSURL(),
		ResponseTypes:      []string{"code"},
		SubjectTypes:       []string{"public"},
		IDTokenSigningAlgs: list,
		Introspection:      i.IntrospectionURL(),
	})
}

// serveJWKS answers with the JWK Set (RFC 7517 section 5), an ETag and, when
// configured, Cache-Control; If-None-Match gets 304 (RFC 9110 section
// 13.1.2).
func (i *Issuer) serveJWKS(w http.ResponseWriter, r *http.Request) {
	i.jwksHits.Add(1)
	if i.refuse(w) {
		return
	}
	i.mu.Lock()
	doc, cc := i.doc, i.cacheControl
	i.mu.Unlock()
	sum := sha256.Sum256(doc)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	h := w.Header()
	h.Set("ETag", etag)
	if cc != "" {
		h.Set("Cache-Control", cc)
	}
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "application/jwk-set+json")
	h.Set("Content-Length", strconv.Itoa(len(doc)))
	w.Write(doc)
}

// refuse answers the simulated outage, if any.
func (i *Issuer) refuse(w http.ResponseWriter) bool {
	status := int(i.outage.Load())
	if status == 0 {
		return false
	}
	http.Error(w, http.StatusText(status), status)
	return true
}

func writeJSON(w http.ResponseWriter, contentType string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Write(b)
}
