package httpguard

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/jwtguard/jwtguard/middleware"
)

// WriteError answers a refused request: status, WWW-Authenticate challenge
// (RFC 6750 section 3), Retry-After on 503 (WithRetryAfter, or the error's
// own RetryAfter when longer), and an RFC 9457
// application/problem+json body with the same code and description. Other
// adapters (gin) render through it so answers never differ.
func WriteError(w http.ResponseWriter, r *http.Request, err error, opts ...Option) {
	newConfig(opts).writeError(w, r, err)
}

// refuse answers a request a guard refuses. A DPoP-Nonce that a guard
// further out set for a served request is taken back first, so a refusal
// carries a nonce only when its error has one (use_dpop_nonce), as with a
// single guard (RFC 9449 section 9).
func (c *config) refuse(w http.ResponseWriter, r *http.Request, err error) {
	w.Header().Del("DPoP-Nonce")
	c.writeError(w, r, err)
}

func (c *config) defaultWriter(w http.ResponseWriter, _ *http.Request, err error) {
	e := middleware.AsError(err)
	h := w.Header()
	if ch := middleware.Challenge(c.realm, e); ch != "" {
		h.Set("WWW-Authenticate", ch)
	}
	if e.DPoPNonce != "" {
		h.Set("DPoP-Nonce", e.DPoPNonce) // RFC 9449 section 9
	}
	status := e.HTTPStatus()
	if status == http.StatusServiceUnavailable {
		// The failing dependency may know better (a rate limit's refill).
		h.Set("Retry-After", strconv.Itoa(int((max(c.retryAfter, e.RetryAfter)+time.Second-1)/time.Second)))
	}
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	// Encoded without HTML escaping, so a hint such as
	// "audience=<API identifier>" reads as written.
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	enc.SetEscapeHTML(false)
	enc.Encode(middleware.ProblemFor(e, c.hints)) // a Problem always encodes
	w.WriteHeader(status)
	w.Write(body.Bytes())
}
