package middleware

import (
	"net/http"
	"strings"
)

// Challenge returns the WWW-Authenticate header value for err, per RFC 6750
// section 3: a bare `Bearer realm="..."` for a missing token, plus error and
// error_description for invalid_request and invalid_token, plus scope for
// insufficient_scope. realm may be empty. It returns "" for unavailable
// keys: a 503 is not an authentication challenge.
func Challenge(realm string, err error) string {
	e := AsError(err)
	if e.HTTPStatus() == http.StatusServiceUnavailable {
		return ""
	}
	var b strings.Builder
	b.WriteString("Bearer")
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
	if code := e.Code(); code != "" {
		param("error", code)
		param("error_description", e.Description)
		if len(e.Scopes) > 0 {
			param("scope", strings.Join(e.Scopes, " "))
		}
	}
	return b.String()
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
	if withHint {
		p.Hint = e.Hint
	}
	return p
}
