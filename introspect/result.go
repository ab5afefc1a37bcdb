package introspect

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Result is an active token's introspection answer (RFC 7662 section 2.2)
// that passed every check of Introspect. Absent members are zero values.
// Results may be cached and shared between callers: treat them, their
// slices and Raw as read-only.
type Result struct {
	// Active is always true in a Result that Introspect returns: an
	// inactive token is an error (KindInactive).
	Active bool

	Scope     string // scope, space-delimited (RFC 6749 section 3.3)
	ClientID  string // client_id: the client the token was issued to
	Username  string // username: human-readable resource owner
	TokenType string // token_type: "Bearer", "DPoP" (case as sent), or ""

	ExpiresAt time.Time // exp; never zero: Introspect requires it
	IssuedAt  time.Time // iat; zero when absent
	NotBefore time.Time // nbf; zero when absent

	Subject  string   // sub
	Audience []string // aud, a string or an array in the answer; nil when absent or empty
	Issuer   string   // iss; "" when absent, else exactly Config.Issuer
	ID       string   // jti

	// TokenUse is ORY Hydra's token_use: "access_token" or "" here, since
	// Introspect refuses any other value.
	TokenUse string

	// Cnf is the confirmation (RFC 7800 section 3.1) the token is bound to.
	Cnf Confirmation

	raw []byte
	// typ is Keycloak's typ ("Bearer", "Refresh", "ID"); hasTyp and
	// hasTokenType say whether typ and token_type were present.
	typ                  string
	hasTyp, hasTokenType bool
}

// Confirmation is the cnf member of an answer: the key or certificate a
// sender-constrained token is bound to. The zero value is an unbound
// (bearer) token.
type Confirmation struct {
	// JKT is cnf.jkt, the RFC 7638 thumbprint of the DPoP key the token is
	// bound to (RFC 9449 section 6.2); "" when absent.
	JKT string
	// X5TS256 is cnf["x5t#S256"], the SHA-256 thumbprint of the client
	// certificate of an mTLS-bound token (RFC 8705 section 3.2).
	X5TS256 string
	// Other is true when cnf has members besides those two: a binding this
	// package does not understand. An API that cannot check the binding
	// must refuse the token.
	Other bool
}

// Bound reports whether the token is sender-constrained in any way.
func (c Confirmation) Bound() bool { return c.JKT != "" || c.X5TS256 != "" || c.Other }

// Raw returns the answer's JSON object exactly as received, for members
// this package does not type (Okta's uid, Keycloak's realm_access, custom
// claims). The caller must not modify it.
func (r *Result) Raw() []byte { return r.raw }

// Scopes returns the space-delimited scope split into its scopes, without
// empty entries.
func (r *Result) Scopes() []string { return strings.Fields(r.Scope) }

// parseResponse checks the syntax and types of an answer: a JSON object
// (see parseObject), "active" a boolean, every member that RFC 7662 section
// 2.2 (or Hydra's token_use, Keycloak's typ) defines of its JSON type.
// When "active" is false it returns KindInactive without looking further.
// Policy (expiry, issuer, audience, token kind) is check's.
func parseResponse(body []byte) (*Result, *Error) {
	obj, err := parseObject(body)
	if err != nil {
		return nil, badResponse(err)
	}
	switch string(obj["active"]) {
	case "true":
	case "false":
		return nil, refused(KindInactive, "the token is not active")
	case "":
		return nil, badResponse(fmt.Errorf(`member "active" missing (RFC 7662 section 2.2: required)`))
	default:
		return nil, badResponse(fmt.Errorf(`member "active" is not a boolean`))
	}
	r := &Result{Active: true, raw: body}
	for _, m := range []struct {
		name    string
		dst     *string
		present *bool
	}{
		{"scope", &r.Scope, nil}, {"client_id", &r.ClientID, nil}, {"username", &r.Username, nil},
		{"token_type", &r.TokenType, &r.hasTokenType}, {"sub", &r.Subject, nil}, {"iss", &r.Issuer, nil},
		{"jti", &r.ID, nil}, {"token_use", &r.TokenUse, nil}, {"typ", &r.typ, &r.hasTyp},
	} {
		var present bool
		if *m.dst, present, err = obj.str(m.name); err != nil {
			return nil, badResponse(err)
		}
		if m.present != nil {
			*m.present = present
		}
	}
	for _, m := range []struct {
		name string
		dst  *time.Time
	}{{"exp", &r.ExpiresAt}, {"iat", &r.IssuedAt}, {"nbf", &r.NotBefore}} {
		if *m.dst, _, err = obj.date(m.name); err != nil {
			return nil, badResponse(err)
		}
	}
	if r.Audience, err = obj.strings("aud"); err != nil {
		return nil, badResponse(err)
	}
	if r.Cnf, err = parseConfirmation(obj["cnf"]); err != nil {
		return nil, badResponse(err)
	}
	return r, nil
}

// parseConfirmation reads cnf (RFC 7800 section 3.1): an object whose
// members are confirmation methods. jkt and x5t#S256 must be strings.
func parseConfirmation(raw json.RawMessage) (Confirmation, error) {
	var c Confirmation
	if raw == nil {
		return c, nil
	}
	if raw[0] != '{' {
		return c, fmt.Errorf(`member "cnf" is not an object`)
	}
	obj, err := parseObject(raw)
	if err != nil {
		return c, fmt.Errorf(`member "cnf": %v`, err)
	}
	if c.JKT, _, err = obj.str("jkt"); err != nil {
		return c, fmt.Errorf(`member "cnf": %v`, err)
	}
	if c.X5TS256, _, err = obj.str("x5t#S256"); err != nil {
		return c, fmt.Errorf(`member "cnf": %v`, err)
	}
	for name := range obj {
		if name != "jkt" && name != "x5t#S256" {
			c.Other = true
		}
	}
	return c, nil
}

func badResponse(err error) *Error {
	return unavailable(KindBadResponse, "the introspection answer is not a valid RFC 7662 response: "+err.Error(), nil)
}

// policy is what check needs of the configuration.
type policy struct {
	issuer     string
	audiences  []string
	allowNoAud bool
	leeway     time.Duration
}

// check applies the rules to a parsed active answer at now, in the order
// package middleware applies them to a JWT: kind of token, issuer,
// audience, expiry, nbf, iat.
func (p *policy) check(r *Result, now time.Time) *Error {
	if r.TokenUse != "" && r.TokenUse != "access_token" {
		// Hydra answers token_type "Bearer" for refresh tokens too and
		// tells them apart only by token_use.
		return refused(KindNotAccessToken, "the token is not an access token (token_use)")
	}
	if r.hasTokenType && !accessTokenType(r.TokenType) {
		return refused(KindNotAccessToken, "the token is not an access token (token_type)")
	}
	if r.hasTyp && !accessTokenType(r.typ) && !strings.EqualFold(r.typ, "at+jwt") && !strings.EqualFold(r.typ, "application/at+jwt") {
		// Keycloak answers for refresh ("Refresh", "Offline") and ID
		// ("ID") tokens too and tells them apart only by typ. The RFC 9068
		// type of a JWT access token is an access token too.
		return refused(KindNotAccessToken, "the token is not an access token (typ)")
	}
	if r.Issuer != "" && r.Issuer != p.issuer {
		return refused(KindIssuerMismatch, "the token was issued by another issuer (iss)")
	}
	if len(r.Audience) == 0 {
		if !p.allowNoAud {
			return refused(KindMissingAud, "the introspection answer names no audience (aud)")
		}
	} else if !p.audienceOK(r.Audience) {
		return refused(KindAudience, "the token is not intended for this API (aud)")
	}
	if r.ExpiresAt.IsZero() {
		return refused(KindMissingExpiry, "the introspection answer has no expiry (exp)")
	}
	if !now.Before(r.ExpiresAt.Add(p.leeway)) {
		return refused(KindExpired, "the token has expired")
	}
	if !r.NotBefore.IsZero() && now.Before(r.NotBefore.Add(-p.leeway)) {
		return refused(KindNotYetValid, "the token is not valid yet (nbf)")
	}
	if !r.IssuedAt.IsZero() && r.IssuedAt.After(now.Add(p.leeway)) {
		return refused(KindIssuedInFuture, "the token was issued in the future (iat)")
	}
	return nil
}

func (p *policy) audienceOK(aud []string) bool {
	for _, a := range aud {
		for _, want := range p.audiences {
			if a == want {
				return true
			}
		}
	}
	return false
}

// accessTokenType reports whether a token_type (or Keycloak typ) names an
// access token: Bearer (RFC 6750) or DPoP (RFC 9449), case-insensitively
// (RFC 6749 section 5.1). refresh_token, id_token, N_A (RFC 8693), "" and
// everything else do not.
func accessTokenType(t string) bool {
	return strings.EqualFold(t, "Bearer") || strings.EqualFold(t, "DPoP")
}
