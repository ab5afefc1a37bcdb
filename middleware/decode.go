package middleware

import (
	"strings"
	"unsafe"

	"github.com/jwtguard/jwtguard/internal/jose"
	"github.com/jwtguard/jwtguard/internal/jsonscan"
)

// header is what the validator reads from a JOSE header (RFC 7515 section 4).
type header struct {
	alg, kid, typ, cty string
	crit               bool // any crit member (RFC 7515 section 4.1.11)
	encrypted          bool // JWE-only members (enc, zip)
	b64False           bool // RFC 7797 unencoded payload
}

// decodeHeader reads a JOSE header. jku, x5u, jwk, x5c and the thumbprint
// members are skipped unread: keys come only from configured sources
// (RFC 8725 section 3.10).
func decodeHeader(data []byte, h *header) *Error {
	var r jsonscan.Reader
	r.Reset(data)
	ok := true
	for ok && r.Next() {
		switch r.Key() {
		case "alg":
			h.alg, ok = r.ReadString()
		case "kid":
			h.kid, ok = r.ReadString()
		case "typ":
			h.typ, ok = r.ReadString()
		case "cty":
			h.cty, ok = r.ReadString()
		case "crit":
			h.crit = true
			_, ok = r.SkipValue()
		case "enc", "zip":
			h.encrypted = true
			_, ok = r.SkipValue()
		case "b64":
			h.b64False = r.Peek() != 't'
			_, ok = r.SkipValue()
		default:
			_, ok = r.SkipValue()
		}
	}
	if r.Err() != nil {
		return invalid(ReasonHeader, "the token header is not valid JSON: "+jsonProblem(r.Err()))
	}
	if !ok {
		return invalid(ReasonHeader, "the token header has a member of the wrong type")
	}
	return nil
}

// claimSet is the payload as decoded on the hot path.
type claimSet struct {
	exp, nbf, iat  float64
	hasExp, hasNbf bool
	hasIat         bool
	// idTokenMarker is at_hash or c_hash when present: only ID tokens
	// carry them (OIDC Core sections 2, 3.3.2.11).
	idTokenMarker string
	// hasNonce: a nonce claim, an ID-token marker unless kind says
	// otherwise (see claimSet.kindError).
	hasNonce bool
	// kind is the payload's typ claim (not the JOSE header typ), by which
	// Keycloak names the kind of each token it issues.
	kind    string
	hasKind bool
	Claims

	// strs backs short aud, scp and permissions lists, so a typical token
	// needs no slice allocation of its own (the claimSet is allocated
	// anyway). nstrs counts the elements handed out.
	strs  [6]string
	nstrs int
}

// spare lends the unused part of cs.strs as an empty slice to append to.
func (cs *claimSet) spare() []string { return cs.strs[cs.nstrs:cs.nstrs:len(cs.strs)] }

// keep records that list, returned by a reader given spare(), lives in
// cs.strs when it does, and caps it so that an append by a caller can
// never write over the next claim's elements.
func (cs *claimSet) keep(list []string) []string {
	if len(list) == 0 || cs.nstrs == len(cs.strs) || unsafe.SliceData(list) != &cs.strs[cs.nstrs] {
		return list
	}
	cs.nstrs += len(list)
	return list[:len(list):len(list)]
}

// decodeClaims reads the registered and authorization claims of a payload
// into cs. Types are enforced (RFC 7519 section 4.1): a string exp, a
// numeric iss or a non-string scope make the token invalid.
func decodeClaims(data []byte, cs *claimSet) *Error {
	var r jsonscan.Reader
	r.Reset(data)
	c := &cs.Claims
	ok := true
	single := false
	var bad string
	for ok && r.Next() {
		k := r.Key()
		at := r.Pos()
		switch k {
		case "iss":
			c.Issuer, ok = r.ReadStringTyped()
		case "sub":
			c.Subject, ok = r.ReadStringTyped()
		case "aud":
			c.Audience, _, ok = r.ReadStringOrStrings(cs.spare())
			c.Audience = cs.keep(c.Audience)
		case "exp":
			cs.exp, ok = jose.ReadDate(&r)
			cs.hasExp = true
		case "nbf":
			cs.nbf, ok = jose.ReadDate(&r)
			cs.hasNbf = true
		case "iat":
			cs.iat, ok = jose.ReadDate(&r)
			cs.hasIat = true
		case "jti":
			c.ID, ok = r.ReadStringTyped()
		case "azp":
			c.AuthorizedParty, ok = r.ReadStringTyped()
		case "client_id":
			c.ClientIDClaim, ok = r.ReadStringTyped()
		case "scope":
			c.Scope, ok = r.ReadStringTyped()
		case "scp":
			c.SCP, single, ok = r.ReadStringOrStrings(cs.spare())
			if ok && single {
				c.SCP = splitScopes(c.SCP[0])
			} else {
				c.SCP = cs.keep(c.SCP)
			}
		case "permissions":
			if r.Peek() != '[' {
				ok = false
				break
			}
			c.Permissions, ok = r.ReadStrings(cs.spare())
			c.Permissions = cs.keep(c.Permissions)
		case "gty":
			c.GrantType, ok = r.ReadStringTyped()
		case "cnf":
			ok = readConfirmation(&r, c)
		case "nonce":
			cs.hasNonce = true
			_, ok = r.SkipValue()
		case "at_hash", "c_hash":
			cs.idTokenMarker = k
			_, ok = r.SkipValue()
		case "typ":
			cs.kind, ok = r.ReadStringTyped()
			cs.hasKind = true
		default:
			_, ok = r.SkipValue()
		}
		if !ok && r.Err() == nil {
			bad = k
		}
		c.members.add(data, k, at, r.Pos())
	}
	if r.Err() != nil {
		return invalid(ReasonClaims, "the token claims are not valid JSON: "+jsonProblem(r.Err()))
	}
	if !ok {
		return invalid(ReasonClaims, "the token claim \""+bad+"\" has the wrong type")
	}
	c.raw = data
	return nil
}

// readConfirmation reads the cnf object (RFC 7800 section 3.1): jkt
// (RFC 9449 section 6.1) and x5t#S256 (RFC 8705 section 3.1) as strings,
// and which members it has, so that a binding the validator cannot verify
// is refused after the signature check (see confirmation.go).
func readConfirmation(r *jsonscan.Reader, c *Claims) bool {
	if r.Peek() != '{' {
		r.SkipValue()
		return false
	}
	raw, ok := r.SkipValue()
	if !ok {
		return false
	}
	c.cnf = cnfPresent
	var inner jsonscan.Reader
	inner.Reset(raw)
	for inner.Next() {
		switch inner.Key() {
		case "jkt":
			c.cnf |= cnfJKT
			c.ConfirmationJKT, ok = inner.ReadStringTyped()
		case "x5t#S256":
			c.cnf |= cnfX5T
			c.ConfirmationX5T, ok = inner.ReadStringTyped()
		default:
			c.cnf |= confirmationMember(inner.Key())
			_, ok = inner.SkipValue()
		}
		if !ok {
			return false
		}
	}
	return inner.Err() == nil
}

// jsonProblem is the text of a jsonscan error without its package prefix,
// for a client-safe description.
func jsonProblem(err error) string {
	return strings.TrimPrefix(err.Error(), "jsonscan: ")
}

// splitScopes splits a space-delimited scope string (RFC 6749 section 3.3).
func splitScopes(s string) []string {
	if s == "" {
		return nil
	}
	out := make([]string, 0, strings.Count(s, " ")+1)
	for _, f := range strings.Split(s, " ") {
		if f != "" {
			out = append(out, f)
		}
	}
	return out
}
