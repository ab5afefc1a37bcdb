package middleware

import (
	"net/http"
	"strings"
)

// Challenge returns the WWW-Authenticate header value for err, per RFC 6750
// section 3: a bare `Bearer realm="..."` for a missing token, plus error and
// error_description for invalid_request and invalid_token, plus scope for
// insufficient_scope, plus acr_values and max_age for
// insufficient_user_authentication (RFC 9470 section 3). realm may be
// empty. It returns "" for unavailable keys: a 503 is not an
// authentication challenge.
//
// Errors from Validator.Authenticate (or passed through
// Validator.Annotate) also know the schemes the API accepts: then a DPoP
// challenge with algs follows the Bearer one (RFC 9449 section 7.1; only
// the DPoP one when DPoP is required), the error attributes go on the
// scheme the request used, and resource_metadata is added when configured
// (RFC 9728 section 5.1).
func Challenge(realm string, err error) string {
	e := AsError(err)
	if e.HTTPStatus() == http.StatusServiceUnavailable {
		return ""
	}
	o := e.offer
	if o == nil {
		o = &bearerOnly
	}
	errOnDPoP := o.dpopAlgs != "" && (!o.bearer || e.scheme == SchemeDPoP ||
		e.category == ErrInvalidDPoPProof || e.category == ErrUseDPoPNonce)
	var b strings.Builder
	if o.bearer {
		writeChallenge(&b, SchemeBearer, realm, o, "", e, !errOnDPoP)
	}
	if o.dpopAlgs != "" {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		writeChallenge(&b, SchemeDPoP, realm, o, o.dpopAlgs, e, errOnDPoP)
	}
	return b.String()
}

// offer is what an API accepts, for its challenges.
type offer struct {
	bearer   bool
	dpopAlgs string // space-separated; "" when DPoP is disabled
	metadata string // RFC 9728 resource metadata URL
}

var bearerOnly = offer{bearer: true}

func writeChallenge(b *strings.Builder, scheme, realm string, o *offer, algs string, e *Error, withError bool) {
	b.WriteString(scheme)
	sep := " "
	param := func(name, value string) {
		b.WriteString(sep)
		b.WriteString(name)
		b.WriteString(`="`)
		b.WriteString(quotedSafe(value))
		b.WriteByte('"')
		sep = ", "
	}
	if realm != "" {
		param("realm", realm)
	}
	if algs != "" {
		param("algs", algs)
	}
	if o.metadata != "" {
		param("resource_metadata", o.metadata)
	}
	if code := e.Code(); code != "" && withError {
		param("error", code)
		param("error_description", e.Description)
		if len(e.Scopes) > 0 {
			param("scope", strings.Join(e.Scopes, " "))
		}
		stepUpParams(e, param)
	}
}

// Annotate returns err as an *Error that also knows the scheme the
// request used and the schemes v accepts, so Challenge renders the right
// challenges. Adapters pass errors that did not come from Authenticate
// through it, such as a scopecheck 403.
func (v *Validator) Annotate(err error, scheme string) error {
	return v.annotate(AsError(err), scheme)
}

func (v *Validator) annotate(e *Error, scheme string) *Error {
	c := *e
	c.scheme = scheme
	c.offer = &v.offer
	return &c
}

// quotedSafe keeps only the characters RFC 6750 section 3 allows in
// error_description and scope (%x20-21 / %x23-5B / %x5D-7E): quotes and
// backslashes become apostrophes and slashes, other bytes are dropped, so
// the header can never be broken open.
func quotedSafe(s string) string {
	ok := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			b.WriteByte('\'')
		case c == '\\':
			b.WriteByte('/')
		case c >= 0x20 && c <= 0x7e:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Problem is an RFC 9457 problem details body carrying the same code and
// description as the challenge.
type Problem struct {
	Type   string   `json:"type"`
	Title  string   `json:"title"`
	Status int      `json:"status"`
	Detail string   `json:"detail"`
	Error  string   `json:"error,omitempty"` // RFC 6750 error code
	Reason Reason   `json:"reason"`          // jwtguard's reason
	Scope  string   `json:"scope,omitempty"` // required scopes, space-delimited
	Hint   string   `json:"hint,omitempty"`  // only when the adapter opts in
	Scopes []string `json:"-"`

	// ACRValues and MaxAge (seconds) are the acr_values and max_age of a
	// step-up challenge (RFC 9470 section 3).
	ACRValues string `json:"acr_values,omitempty"`
	MaxAge    int64  `json:"max_age,omitempty"`
}

// ProblemFor builds the problem details of err. The developer hint is left
// out unless withHint: it helps in development and says more than a
// production client needs.
func ProblemFor(err error, withHint bool) Problem {
	e := AsError(err)
	p := Problem{
		Type:   "about:blank",
		Status: e.HTTPStatus(),
		Title:  http.StatusText(e.HTTPStatus()),
		Detail: e.Description,
		Error:  e.Code(),
		Reason: e.Reason,
		Scope:  strings.Join(e.Scopes, " "),
		Scopes: e.Scopes,
	}
	p.ACRValues, p.MaxAge = strings.Join(e.ACRValues, " "), maxAgeSeconds(e.MaxAge)
	if withHint {
		p.Hint = e.Hint
	}
	return p
}
