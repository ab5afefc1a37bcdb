package httpguard

import (
	"encoding/json"
	"net/http"

	"github.com/jwtguard/jwtguard/middleware"
)

// ResourceMetadataHandler serves the RFC 9728 protected resource metadata
// document of v (section 3.2) with scopes_supported set to scopes. Mount it
// at middleware.ResourceMetadataPath on a route that needs no token; a Mux
// does both with HandleResourceMetadata.
func ResourceMetadataHandler(v *middleware.Validator, scopes ...string) http.Handler {
	md := v.ResourceMetadata(scopes...)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { writeMetadata(w, md) })
}

func writeMetadata(w http.ResponseWriter, md middleware.ResourceMetadata) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	json.NewEncoder(w).Encode(md) // a ResourceMetadata always encodes
}
