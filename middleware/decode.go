package middleware

import (
	"math"
	"strings"
	"time"
	"unsafe"
)

// maxNumericDate is 9999-12-31T23:59:59Z. Dates beyond it (or negative) are
// refused rather than clamped: a token that "never expires" is a mistake or
// an attack.
const maxNumericDate = 253402300799

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
	var r objectReader
	r.reset(data)
	ok := true
	for ok && r.next() {
		switch r.key {
		case "alg":
			h.alg, ok = r.readString()
		case "kid":
			h.kid, ok = r.readString()
		case "typ":
			h.typ, ok = r.readString()
		case "cty":
			h.cty, ok = r.readString()
		case "crit":
			h.crit = true
			_, ok = r.skipValue()
		case "enc", "zip":
			h.encrypted = true
			_, ok = r.skipValue()
		case "b64":
			h.b64False = r.peek() != 't'
			_, ok = r.skipValue()
		default:
			_, ok = r.skipValue()
		}
	}
	if r.err != nil {
		return invalid(ReasonHeader, "the token header is not valid JSON: "+r.err.Error())
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
	var r objectReader
	r.reset(data)
	c := &cs.Claims
	ok := true
	var bad string
	for ok && r.next() {
		k := r.key
		at := r.pos
		switch k {
		case "iss":
			c.Issuer, ok = r.readStringTyped()
		case "sub":
			c.Subject, ok = r.readStringTyped()
		case "aud":
			c.Audience, ok = r.readStringOrStrings(cs.spare())
			c.Audience = cs.keep(c.Audience)
		case "exp":
			cs.exp, ok = r.readDate()
			cs.hasExp = true
		case "nbf":
			cs.nbf, ok = r.readDate()
			cs.hasNbf = true
		case "iat":
			cs.iat, ok = r.readDate()
			cs.hasIat = true
		case "jti":
			c.ID, ok = r.readStringTyped()
		case "azp":
			c.AuthorizedParty, ok = r.readStringTyped()
		case "client_id":
			c.ClientIDClaim, ok = r.readStringTyped()
		case "scope":
			c.Scope, ok = r.readStringTyped()
		case "scp":
			c.SCP, ok = r.readStringOrStrings(cs.spare())
			if ok && r.lastWasString {
				c.SCP = splitScopes(c.SCP[0])
			} else {
				c.SCP = cs.keep(c.SCP)
			}
		case "permissions":
			if r.peek() != '[' {
				ok = false
				break
			}
			c.Permissions, ok = r.readStrings(cs.spare())
			c.Permissions = cs.keep(c.Permissions)
		case "gty":
			c.GrantType, ok = r.readStringTyped()
		case "cnf":
			ok = r.readConfirmation(c)
		case "nonce":
			cs.hasNonce = true
			_, ok = r.skipValue()
		case "at_hash", "c_hash":
			cs.idTokenMarker = k
			_, ok = r.skipValue()
		case "typ":
			cs.kind, ok = r.readStringTyped()
			cs.hasKind = true
		default:
			_, ok = r.skipValue()
		}
		if !ok && r.err == nil {
			bad = k
		}
		c.members.add(data, k, at, r.pos)
	}
	if r.err != nil {
		return invalid(ReasonClaims, "the token claims are not valid JSON: "+r.err.Error())
	}
	if !ok {
		return invalid(ReasonClaims, "the token claim \""+bad+"\" has the wrong type")
	}
	c.raw = data
	return nil
}

// readStringTyped reads a string value; any other type is a type error
// (ok false without r.err).
func (r *objectReader) readStringTyped() (string, bool) {
	if r.peek() != '"' {
		r.skipValue()
		return "", false
	}
	return r.readString()
}

// readStringOrStrings reads a string or an array of strings, as aud and scp
// allow (RFC 7519 section 4.1.3), appending to dst as readStrings does.
// lastWasString tells which it was.
func (r *objectReader) readStringOrStrings(dst []string) ([]string, bool) {
	switch r.peek() {
	case '"':
		s, ok := r.readString()
		r.lastWasString = true
		return append(dst[:0], s), ok
	case '[':
		r.lastWasString = false
		save := r.pos
		list, ok := r.readStrings(dst)
		if !ok && r.err != nil && r.err == errJSONSyntax {
			// An array holding a non-string: a type error, not bad JSON,
			// when the array itself is well-formed.
			r.err, r.pos = nil, save
			if _, valid := r.skipValue(); valid {
				return nil, false
			}
		}
		return list, ok
	}
	r.skipValue()
	return nil, false
}

// readDate reads a NumericDate (RFC 7519 section 2): a JSON number of
// seconds, fractions allowed, within [0, 9999-12-31].
func (r *objectReader) readDate() (float64, bool) {
	c := r.peek()
	if c != '-' && (c < '0' || c > '9') {
		r.skipValue()
		return 0, false
	}
	f, ok := r.readNumber()
	if !ok {
		return 0, false
	}
	if f < 0 || f > maxNumericDate || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// readConfirmation reads the cnf object (RFC 7800 section 3.1): jkt
// (RFC 9449 section 6.1) and x5t#S256 (RFC 8705 section 3.1) as strings,
// and which members it has, so that a binding the validator cannot verify
// is refused after the signature check (see confirmation.go).
func (r *objectReader) readConfirmation(c *Claims) bool {
	if r.peek() != '{' {
		r.skipValue()
		return false
	}
	raw, ok := r.skipValue()
	if !ok {
		return false
	}
	c.cnf = cnfPresent
	var inner objectReader
	inner.reset(raw)
	for inner.next() {
		switch inner.key {
		case "jkt":
			c.cnf |= cnfJKT
			c.ConfirmationJKT, ok = inner.readStringTyped()
		case "x5t#S256":
			c.cnf |= cnfX5T
			c.ConfirmationX5T, ok = inner.readStringTyped()
		default:
			c.cnf |= confirmationMember(inner.key)
			_, ok = inner.skipValue()
		}
		if !ok {
			return false
		}
	}
	return inner.err == nil
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

// dateToTime converts a validated NumericDate.
func dateToTime(f float64) time.Time {
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9))
}
