package middleware

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/jwtguard/jwtguard/internal/jose"
	"github.com/jwtguard/jwtguard/jwks"
)

// explainMaxDecode bounds the tokens Explain decodes beyond the format
// check when they are over the validator's own limit: larger ones are
// reported as too large and no further.
const explainMaxDecode = 1 << 20

// explainer runs the checks of Explain one by one, each on what the
// token carries, whatever the checks before it found. Its v is the copy
// of the validator that gave the verdict (no cache, frozen clock, traced
// key sources).
type explainer struct {
	v       *Validator
	cfg     *explainConfig
	now     float64
	token   string
	traces  []*traceSource
	verdict *Error

	checks     []Check
	headerJSON json.RawMessage
	claimsJSON json.RawMessage
	scopeError *Error

	// What the checks so far decoded.
	parts     jose.Parts
	split     bool   // parts holds three segments (strictly or leniently split)
	lenient   bool   // the segments were decoded leniently (the format check failed)
	hdr       []byte // the decoded header, nil when not decodable
	payload   []byte // the decoded payload, nil when not decodable
	payloadOK bool   // the payload was canonical base64url
	sig       []byte
	sigOK     bool // the signature was canonical base64url
	h         header
	hOK       bool // h was read
	algOK     bool
	cs        claimSet
	csOK      bool // cs was read
	ic        *issuerConfig
	trace     *traceSource
	key       *jwks.Key // the key for kid, bound to the token's alg
}

func (x *explainer) run() {
	x.format()
	x.header()
	x.payloadCheck()
	x.claims()
	x.keyCheck()
	x.signature()
	x.binding()
	if x.cfg.requirement {
		x.scope()
	}
}

func (x *explainer) pass(name, detail string) {
	x.checks = append(x.checks, Check{Name: name, OK: true, Detail: detail})
}

func (x *explainer) fail(name string, e *Error, detail, hint string) {
	if detail == "" {
		detail = e.Description
	}
	x.checks = append(x.checks, Check{Name: name, Reason: e.Reason, Detail: detail, Hint: hint})
}

func (x *explainer) skip(why string, names ...string) {
	for _, n := range names {
		x.checks = append(x.checks, Check{Name: n, Skipped: true, Detail: "not checked: " + why})
	}
}

// rest lists the checks after name, for skipping them all.
func (x *explainer) rest(after string) []string {
	all := []string{CheckFormat, CheckHeader, CheckType, CheckAlgorithm, CheckPayload, CheckIssuer, CheckKind,
		CheckAudience, CheckExpiry, CheckNotBefore, CheckIssuedAt, CheckKey, CheckSignature, CheckBinding}
	if x.cfg.requirement {
		all = append(all, CheckScope)
	}
	for i, n := range all {
		if n == after {
			return all[i+1:]
		}
	}
	return nil
}

// format: size, compact form and alphabet (splitCompact), and the
// canonical base64url of the header, as Validate checks them first.
func (x *explainer) format() {
	tok := x.token
	if tok == "" {
		x.fail(CheckFormat, NewError(ErrMissingToken, ReasonMissingToken, "no access token"), "no token", "")
		x.skip("there is no token", x.rest(CheckFormat)...)
		return
	}
	var problems []*Error
	if len(tok) > x.v.maxSize {
		problems = append(problems, invalid(ReasonTooLarge, "the access token is larger than this API accepts"))
	}
	if len(tok) > max(explainMaxDecode, x.v.maxSize) {
		x.failFormat(problems, strconv.Itoa(len(tok))+" bytes, over the limit of "+strconv.Itoa(x.v.maxSize)+" bytes (WithMaxTokenSize)", "")
		x.skip("the token is too large to decode", x.rest(CheckFormat)...)
		return
	}
	sizeNote := ""
	if len(problems) > 0 {
		sizeNote = strconv.Itoa(len(tok)) + " bytes, over the limit of " + strconv.Itoa(x.v.maxSize) + " bytes (WithMaxTokenSize); "
	}
	parts, e := splitCompact(tok)
	if e != nil {
		problems = append(problems, e)
		segs := strings.Count(tok, ".") + 1
		switch e.Reason {
		case ReasonOpaque:
			x.failFormat(problems, sizeNote+opaqueDetail(tok, segs), hintOpaque+" (package introspect)")
			x.skip("the token is not a JWT", x.rest(CheckFormat)...)
			return
		case ReasonEncrypted:
			x.showHeader(jose.DecodeLenient(tok[:strings.IndexByte(tok, '.')]))
			x.failFormat(problems, sizeNote+"5 segments: a JWE (RFC 7516), encrypted for its audience; this API accepts signed JWTs (JWS) only", hintEncrypted)
			x.skip("the token is encrypted", x.rest(CheckFormat)...)
			return
		}
		if segs != 3 {
			first, _, _ := strings.Cut(tok, ".")
			x.showHeader(jose.DecodeLenient(first))
			x.failFormat(problems, sizeNote+e.Description+" ("+strconv.Itoa(segs)+" segments)", "send the whole token as the authorization server issued it: header.payload.signature")
			x.skip("the token is not a compact JWS", x.rest(CheckFormat)...)
			return
		}
		// Three segments with characters outside base64url: read them
		// leniently, so the checks below still say what else is wrong.
		d1 := strings.IndexByte(tok, '.')
		d2 := d1 + 1 + strings.IndexByte(tok[d1+1:], '.')
		parts = jose.Parts{Header: tok[:d1], Payload: tok[d1+1 : d2], Signature: tok[d2+1:], SigningInput: tok[:d2]}
		x.lenient = true
	}
	x.parts, x.split = parts, true
	if x.lenient {
		x.hdr, x.payload, x.sig = jose.DecodeLenient(parts.Header), jose.DecodeLenient(parts.Payload), jose.DecodeLenient(parts.Signature)
		x.payloadOK, x.sigOK = x.payload != nil, x.sig != nil
	} else {
		var ok bool
		if x.hdr, ok = strictDecode(parts.Header); !ok {
			problems = append(problems, invalid(ReasonEncoding, "the token header is not valid base64url"))
			x.hdr = jose.DecodeLenient(parts.Header)
		}
		if x.payload, x.payloadOK = strictDecode(parts.Payload); !x.payloadOK {
			x.payload = jose.DecodeLenient(parts.Payload)
		}
		if x.sig, x.sigOK = strictDecode(parts.Signature); !x.sigOK {
			x.sig = jose.DecodeLenient(parts.Signature)
		}
	}
	x.showHeader(x.hdr)
	if len(problems) == 0 {
		x.pass(CheckFormat, "a compact JWS: 3 segments, "+strconv.Itoa(len(tok))+" bytes (limit "+strconv.Itoa(x.v.maxSize)+")")
		return
	}
	hint := "send the token exactly as the authorization server issued it: unpadded base64url (RFC 7515 section 2), no spaces, quotes or line breaks"
	if problems[0].Reason == ReasonTooLarge {
		hint = "ask the authorization server for a smaller token (fewer custom claims, roles or groups in it), or raise the limit with middleware.WithMaxTokenSize"
	}
	detail := sizeNote
	for _, p := range problems {
		if p.Reason != ReasonTooLarge {
			detail += p.Description + "; "
		}
	}
	detail = strings.TrimSuffix(detail, "; ")
	if x.hdr != nil && problems[len(problems)-1].Reason == ReasonEncoding {
		detail += "; the checks below read the segments leniently decoded"
	}
	x.failFormat(problems, detail, hint)
}

// failFormat fails the format check with the first problem's reason.
func (x *explainer) failFormat(problems []*Error, detail, hint string) {
	x.fail(CheckFormat, problems[0], detail, hint)
}

// showHeader keeps the header for display when it is JSON.
func (x *explainer) showHeader(b []byte) {
	if b != nil && json.Valid(b) {
		x.headerJSON = json.RawMessage(b)
	}
}

// opaqueDetail describes an opaque token by its shape, never its value.
func opaqueDetail(tok string, segs int) string {
	d := strconv.Itoa(len(tok)) + " characters in " + strconv.Itoa(segs) + " dot-separated segment"
	if segs != 1 {
		d += "s"
	}
	d += ": not a JWS (3 segments) nor a JWE (5)"
	switch {
	case strings.HasPrefix(tok, "ory_at_"):
		d += "; the prefix ory_at_ marks an ORY Hydra opaque access token"
	case strings.HasPrefix(tok, "ory_rt_"):
		d += "; the prefix ory_rt_ marks an ORY Hydra refresh token, not an access token"
	case strings.HasPrefix(tok, "ory_ac_"):
		d += "; the prefix ory_ac_ marks an ORY Hydra authorization code, not a token"
	}
	return d
}

// strictDecode decodes a segment as Validate does.
func strictDecode(seg string) ([]byte, bool) {
	return jose.DecodeSegmentString(seg)
}

// header: the JOSE header's JSON and structure, then typ and alg.
func (x *explainer) header() {
	if x.hdr == nil {
		if x.split {
			x.skip("the header is not base64url", CheckHeader, CheckType, CheckAlgorithm)
		}
		return
	}
	if e := decodeHeader(x.hdr, &x.h); e != nil {
		x.fail(CheckHeader, e, "", "the token header must be a JSON object, each member once, alg, kid, typ and cty strings")
		x.skip("the header could not be read", CheckType, CheckAlgorithm)
		return
	}
	x.hOK = true
	// checkHeader reports the first of: JWE header, crit, b64, nested
	// cty, typ, alg. Every structural problem is collected by clearing
	// each once reported.
	hc := x.h
	hc.typ, hc.alg = "at+jwt", string(x.v.algs[0])
	var problems []*Error
	for range 4 {
		_, e := x.v.checkHeader(&hc)
		if e == nil {
			break
		}
		problems = append(problems, e)
		switch {
		case hc.encrypted:
			hc.encrypted = false
		case hc.crit:
			hc.crit = false
		case hc.b64False:
			hc.b64False = false
		default:
			hc.cty = ""
		}
	}
	if len(problems) == 0 {
		x.pass(CheckHeader, "a JSON object: "+headerSummary(&x.h))
	} else {
		var d []string
		for _, p := range problems {
			d = append(d, p.Description)
		}
		hint := "the authorization server must issue a plain signed JWT (JWS) access token: no crit, no b64, no nested JWT"
		if problems[0].Reason == ReasonEncrypted {
			hint = hintEncrypted
		}
		x.fail(CheckHeader, problems[0], strings.Join(d, "; "), hint)
	}
	x.typCheck()
	x.algCheck()
}

func headerSummary(h *header) string {
	s := "alg " + hintValue(h.alg)
	if h.kid != "" {
		s += ", kid " + hintValue(h.kid)
	} else {
		s += ", no kid"
	}
	if h.typ != "" {
		s += ", typ " + hintValue(h.typ)
	} else {
		s += ", no typ"
	}
	return s
}

func (x *explainer) typCheck() {
	typ := x.h.typ
	policy := "this API accepts at+jwt, JWT or no typ"
	if x.v.strictType {
		policy = "this API accepts only at+jwt (WithStrictTokenType)"
	}
	shown := "no typ"
	if typ != "" {
		shown = "typ " + hintValue(typ)
	}
	e := x.v.checkType(typ)
	if e == nil {
		x.pass(CheckType, shown+"; "+policy)
		return
	}
	t := strings.ToLower(strings.TrimPrefix(strings.ToLower(typ), "application/"))
	var hint string
	switch {
	case x.v.strictType && (t == "" || t == "jwt"):
		hint = "this API requires RFC 9068 access tokens, typed at+jwt: have the authorization server issue them " +
			"(Auth0: the API's token dialect rfc9068_profile or rfc9068_profile_authz), or accept typ JWT by dropping middleware.WithStrictTokenType"
	case t == "id+jwt" || strings.Contains(t, "id_token") || strings.Contains(t, "idtoken"):
		hint = hintIDToken
	case t == "dpop+jwt":
		hint = "this is a DPoP proof (RFC 9449), not an access token: send the access token in Authorization and the proof in the DPoP header"
	case t == "logout+jwt":
		hint = "this is a logout token (OIDC Back-Channel Logout), not an access token: send the access token of the token response"
	default:
		hint = "send the access token of the token response; the header typ says this token is something else"
	}
	x.fail(CheckType, e, shown+" is not an access token type; "+policy, hint)
}

func (x *explainer) algCheck() {
	_, e := x.v.checkHeader(&header{alg: x.h.alg, typ: "at+jwt"})
	allowed := algList(x.v.algs)
	if e == nil {
		x.algOK = true
		x.pass(CheckAlgorithm, "alg "+hintValue(x.h.alg)+" is allowed ("+allowed+")")
		return
	}
	a, known := jwks.ParseAlg(x.h.alg)
	var hint string
	switch {
	case strings.EqualFold(strings.TrimSpace(x.h.alg), "none") || x.h.alg == "":
		hint = "an unsigned token (alg none, or no alg) is never accepted: send the signed access token the authorization server issued"
	case known && a.IsHMAC():
		hint = string(a) + " is signed with a shared secret, which a JWKS never publishes: have the authorization server sign this API's tokens " +
			"with an asymmetric algorithm (Auth0: the API's signing algorithm RS256); only if this API holds the secret, " +
			"configure it with jwks.NewHMACKey and middleware.WithAlgorithms(jwks." + string(a) + ")"
	case known:
		hint = "if the authorization server signs with " + string(a) + ", allow it with middleware.WithAlgorithms"
	default:
		hint = hintValue(x.h.alg) + " is not a JWS signature algorithm this API knows (RFC 7518 section 3.1; names are case-sensitive)"
	}
	x.fail(CheckAlgorithm, e, "alg "+hintValue(x.h.alg)+" is not allowed; this API allows "+allowed, hint)
}

func algList(algs []jwks.Alg) string {
	s := make([]string, len(algs))
	for i, a := range algs {
		s[i] = string(a)
	}
	return strings.Join(s, ", ")
}

// payloadCheck: canonical base64url, JSON, claim types.
func (x *explainer) payloadCheck() {
	if !x.split {
		return
	}
	var problems []*Error
	if !x.payloadOK && !x.lenient {
		problems = append(problems, invalid(ReasonEncoding, "the token payload is not valid base64url"))
	}
	if x.payload != nil {
		if json.Valid(x.payload) {
			x.claimsJSON = json.RawMessage(x.payload)
		}
		if e := decodeClaims(x.payload, &x.cs); e != nil {
			problems = append(problems, e)
		} else {
			x.csOK = true
		}
	}
	switch {
	case len(problems) == 0:
		x.pass(CheckPayload, "a JSON object, every registered claim of its type")
	case x.payload == nil:
		x.fail(CheckPayload, problems[0], "", "send the token exactly as the authorization server issued it: unpadded base64url (RFC 7515 section 2)")
	default:
		var d []string
		for _, p := range problems {
			d = append(d, p.Description)
		}
		x.fail(CheckPayload, problems[0], strings.Join(d, "; "),
			"the claims must be a JSON object, each member once, iss, sub, jti, scope strings, aud a string or an array of strings, exp, nbf, iat numbers (RFC 7519 section 4.1)")
	}
	if !x.csOK {
		x.skip("the claims could not be read", CheckIssuer, CheckKind, CheckAudience, CheckExpiry, CheckNotBefore, CheckIssuedAt)
	}
}

// claims: iss, token kind, aud, exp, nbf, iat, in checkClaims' order.
func (x *explainer) claims() {
	if !x.csOK {
		return
	}
	c := &x.cs.Claims
	x.ic = x.v.issuer(c.Issuer)
	if x.ic != nil {
		for i := range x.v.issuers {
			if &x.v.issuers[i] == x.ic {
				x.trace = x.traces[i]
			}
		}
		x.pass(CheckIssuer, "iss "+hintValue(c.Issuer)+" is trusted")
	} else {
		x.fail(CheckIssuer, invalid(ReasonIssuer, "the token issuer is not trusted by this API"),
			issuerDetail(c.Issuer, x.v.Issuers()), explainIssuerHint(c.Issuer, x.v.Issuers()))
	}
	x.kindCheck()
	x.audienceCheck()
	x.timeChecks()
}

func issuerDetail(received string, trusted []string) string {
	if received == "" {
		return "the token has no iss; this API trusts " + configured(trusted)
	}
	return "iss " + hintValue(received) + "; this API trusts " + configured(trusted)
}

// idMarker names the ID-token marker of the claims, "" when none.
func (cs *claimSet) idMarker() string {
	switch {
	case cs.hasKind && cs.kind == kindID:
		return "the typ claim \"ID\""
	case cs.idTokenMarker != "":
		return cs.idTokenMarker
	case cs.hasNonce && !(cs.hasKind && (cs.kind == kindBearer || cs.kind == kindDPoP)):
		return "nonce"
	}
	return ""
}

func (x *explainer) kindCheck() {
	cs := &x.cs
	e := cs.kindError()
	if e == nil {
		d := "no ID-token marker (nonce, at_hash, c_hash)"
		if cs.hasKind {
			d = "the typ claim " + hintValue(cs.kind) + " names an access token"
			if cs.hasNonce {
				d += "; its nonce is the authorization request's (Keycloak), not an ID-token marker"
			}
		}
		x.pass(CheckKind, d)
		return
	}
	if m := cs.idMarker(); m != "" && e.Reason == ReasonIDToken {
		x.fail(CheckKind, e, "an ID token: it carries "+m+", which only ID tokens carry (OIDC Core section 2)", x.idTokenHint())
		return
	}
	x.fail(CheckKind, e, "the typ claim "+hintValue(cs.kind)+" names another kind of token than an access token",
		"send the access token of the token response, not the refresh, offline or logout token")
}

// idTokenHint says what to send instead of an ID token, naming its aud
// when that is a client id rather than this API.
func (x *explainer) idTokenHint() string {
	aud := x.cs.Audience
	if len(aud) > 0 && !audienceOK(x.audiences(), aud) {
		return "this is an ID token: its aud " + hintValues(aud) + " is the client's ID, not this API; " +
			"send the access token, obtained by requesting this API as its audience (" + howToRequest(x.audiences()[0]) + ")"
	}
	return hintIDToken
}

// audiences are the audiences the token's issuer accepts: its own when
// configured (WithIssuerConfig), else the API's.
func (x *explainer) audiences() []string {
	if x.ic != nil && len(x.ic.audiences) > 0 {
		return x.ic.audiences
	}
	return x.v.audiences
}

func (x *explainer) audienceCheck() {
	c := &x.cs.Claims
	if audienceOK(x.audiences(), c.Audience) {
		x.pass(CheckAudience, "aud "+hintValues(c.Audience)+" contains an accepted audience ("+configured(x.audiences())+")")
		return
	}
	e := invalid(ReasonAudience, "the token is not intended for this API (aud)")
	detail := "the token has no aud; this API accepts " + configured(x.audiences())
	if len(c.Audience) > 0 {
		detail = "aud " + hintValues(c.Audience) + "; this API accepts " + configured(x.audiences())
	}
	hint := audienceHint(c.Audience, x.audiences())
	if x.cs.idMarker() != "" && len(c.Audience) > 0 {
		hint = "this is an ID token (see token_kind), whose aud is the client's ID: send the access token, requested for this API (audience=" +
			x.audiences()[0] + ")"
	}
	x.fail(CheckAudience, e, detail, hint)
}

func (x *explainer) timeChecks() {
	cs, now, leeway := &x.cs, x.now, x.v.leeway
	lw := "leeway " + seconds(leeway)
	// exp
	switch {
	case !cs.hasExp:
		x.fail(CheckExpiry, invalid(ReasonMissingExpiry, "the token has no expiry (exp)"), "the token has no exp; this API requires one",
			"the authorization server must give access tokens an expiry (RFC 9068 section 2.2)")
	case now >= cs.exp+leeway:
		x.fail(CheckExpiry, invalid(ReasonExpired, "the token has expired"),
			"exp "+utc(cs.exp)+": expired "+ago(now-cs.exp)+" ago ("+lw+")",
			"get a new access token (the client should refresh it before exp); if it was issued moments ago, check the clocks of this server and of the authorization server (NTP)")
	case now >= cs.exp:
		x.pass(CheckExpiry, "exp "+utc(cs.exp)+": expired "+ago(now-cs.exp)+" ago, within the "+lw)
	default:
		x.pass(CheckExpiry, "exp "+utc(cs.exp)+": expires in "+ago(cs.exp-now)+" ("+lw+")")
	}
	// nbf
	switch {
	case !cs.hasNbf:
		x.pass(CheckNotBefore, "no nbf")
	case now < cs.nbf-leeway:
		x.fail(CheckNotBefore, invalid(ReasonNotYetValid, "the token is not valid yet (nbf)"),
			"nbf "+utc(cs.nbf)+": not valid for another "+ago(cs.nbf-now)+" ("+lw+")",
			"the token is not valid yet: the clock of this server is behind the authorization server's (check NTP on both), or the token was minted for later")
	default:
		x.pass(CheckNotBefore, "nbf "+utc(cs.nbf)+": valid since "+since(now-cs.nbf)+" ("+lw+")")
	}
	// iat
	switch {
	case !cs.hasIat:
		x.pass(CheckIssuedAt, "no iat")
	case cs.iat > now+leeway:
		x.fail(CheckIssuedAt, invalid(ReasonIssuedInFuture, "the token was issued in the future (iat)"),
			"iat "+utc(cs.iat)+": issued "+ago(cs.iat-now)+" in the future ("+lw+")",
			"the clock of the authorization server is ahead of this server's: check NTP on both")
	default:
		x.pass(CheckIssuedAt, "iat "+utc(cs.iat)+": issued "+since(now-cs.iat)+" ("+lw+")")
	}
}

// keyCheck reports the key lookup. When Validate reached it (the token
// passed every earlier check), the report describes what Validate did,
// refresh included; otherwise the current key set is consulted without
// a refresh, as Validate would not have asked for one.
func (x *explainer) keyCheck() {
	switch {
	case !x.split:
		return
	case !x.hOK:
		x.skip("the header could not be read", CheckKey, CheckSignature)
		return
	case !x.csOK:
		x.skip("the claims could not be read, so the issuer whose keys to use is unknown", CheckKey, CheckSignature)
		return
	case x.ic == nil:
		x.skip("the issuer is not trusted: there is no key set to look in", CheckKey, CheckSignature)
		return
	}
	kid, tr := x.h.kid, x.trace
	set := tr.src.Keys()
	if tr.refreshed {
		set = tr.refreshSet
	}
	key, found := set.Lookup(kid)
	alg, _ := jwks.ParseAlg(x.h.alg)
	who := "kid " + hintValue(kid)
	if kid == "" {
		who = "no kid"
	}
	refresh := x.refreshNote(found)
	switch {
	case set.Len() == 0:
		e := NewError(ErrKeysUnavailable, ReasonKeysUnavailable, "the verification keys are not available yet; try again shortly")
		d := "no keys of " + hintValue(x.ic.issuer) + " are loaded" + refresh
		hint := "the keys of the issuer could not be fetched: check that this host reaches the issuer's discovery document and JWKS " +
			"(jwtguard doctor -issuer ISSUER -audience AUDIENCE); this is not the token's fault"
		if p, bad := issuerMismatch(tr.src); bad {
			d += "; the issuer's discovery document names the issuer " + strconv.Quote(p) + ", not " + strconv.Quote(x.ic.issuer)
			hint = "configure the issuer exactly as its discovery document names it, " + strconv.Quote(p) +
				" (issuers are compared exactly, trailing slash included); keys are not loaded until then"
		}
		x.fail(CheckKey, e, d, hint)
		x.skip("no key", CheckSignature)
		return
	case !found && kid == "":
		x.fail(CheckKey, invalid(ReasonUnknownKey, "the token has no kid and the issuer has several keys"),
			"no kid, and "+hintValue(x.ic.issuer)+" publishes "+strconv.Itoa(set.Len())+" keys ("+hintValues(set.KIDs())+"): a kid is needed to choose"+refresh,
			"the authorization server must name the signing key in the header (kid)")
		x.skip("no key", CheckSignature)
		return
	case !found:
		x.fail(CheckKey, invalid(ReasonUnknownKey, "the token was signed with an unknown key (kid)"),
			who+" is not among the "+strconv.Itoa(set.Len())+" key(s) of "+hintValue(x.ic.issuer)+" ("+hintValues(set.KIDs())+")"+refresh,
			"the token was signed with a key this issuer does not publish: a token of another tenant or environment that uses the same iss, "+
				"a key the issuer has rotated out (mint a new token), or a forged token")
		x.skip("no key", CheckSignature)
		return
	case key.Alg() != alg:
		x.fail(CheckKey, invalid(ReasonKeyMismatch, "the token algorithm does not match its key"),
			who+" is a key bound to "+string(key.Alg())+" (thumbprint "+key.Thumbprint()+"); the token says alg "+hintValue(x.h.alg),
			"each key verifies exactly one algorithm: its JWK's alg member, or for an RSA key without one RS256. "+
				"If the authorization server signs with "+hintValue(x.h.alg)+" under this key, have its JWKS name that alg; "+
				"otherwise the token was forged (algorithm confusion)")
		x.skip("the key does not verify this alg", CheckSignature)
		return
	}
	x.key = key
	x.pass(CheckKey, who+": a key of "+hintValue(x.ic.issuer)+" bound to "+string(key.Alg())+" (thumbprint "+key.Thumbprint()+")"+refresh)
}

// refreshNote says what the lookup asked of the key source.
func (x *explainer) refreshNote(found bool) string {
	tr := x.trace
	switch {
	case !tr.looked:
		if found {
			return ""
		}
		return "; not refreshed: Validate asks for new keys only when every earlier check passes"
	case !tr.refreshed:
		return ""
	}
	err := tr.refreshErr
	msg := ""
	if err != nil {
		msg = strings.ReplaceAll(err.Error(), "\n", "; ")
	}
	switch {
	case err == nil && found:
		return "; the key source fetched new keys, which hold it"
	case err == nil:
		return "; the key source was asked for new keys, and the kid is still unknown"
	case errors.Is(err, jwks.ErrRateLimited):
		return "; a refresh was refused by the rate limit: the key source fetched for an unknown kid less than its minimum refresh interval ago (jwks.WithMinRefreshInterval, default 10 s), so the kid may be new: try again later"
	case errors.Is(err, jwks.ErrWaitTimeout):
		return "; a refresh was asked for but did not finish in time (jwks.WithMaxWait); it goes on in the background"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "; a refresh was asked for, and the wait was cut short (" + msg + ")"
	}
	return "; a refresh was asked for and failed: " + msg
}

// signature: the canonical base64url of the signature, then the
// signature with the key found.
func (x *explainer) signature() {
	if x.key == nil {
		return
	}
	e := verifySignature(x.key, x.parts.SigningInput, x.sig, x.sigOK)
	if e == nil {
		x.pass(CheckSignature, "verified with the "+string(x.key.Alg())+" key "+hintValue(x.key.ID()))
		return
	}
	hint := "the token was changed after it was signed, or signed by another key published under the same kid (another tenant or environment): it is not a token of this issuer"
	if e.Reason == ReasonEncoding {
		hint = "send the token exactly as the authorization server issued it: unpadded base64url (RFC 7515 section 2)"
	}
	x.fail(CheckSignature, e, e.Description+" (key "+hintValue(x.key.ID())+", "+string(x.key.Alg())+")", hint)
}

// binding: the sender constraint for the Bearer scheme, as Validate.
func (x *explainer) binding() {
	if !x.split {
		return
	}
	if !x.csOK {
		x.skip("the claims could not be read", CheckBinding)
		return
	}
	c := &x.cs.Claims
	e := x.v.bindingError(context.Background(), c, SchemeBearer, nil)
	switch {
	case e == nil:
		x.pass(CheckBinding, "unbound (no cnf): a Bearer token")
	case e.Reason == ReasonDPoPDowngrade:
		x.fail(CheckBinding, e, "DPoP-bound (cnf.jkt "+hintValue(c.ConfirmationJKT)+"), checked here as a Bearer token, as Validate does",
			"send it with the DPoP scheme and a DPoP proof (Authorization: DPoP <token>, plus the DPoP header), which Validator.Authenticate checks; "+
				"or request a Bearer token from the authorization server")
	case e.Reason == ReasonMTLSNoCertificate:
		x.fail(CheckBinding, e, "certificate-bound (cnf.x5t#S256 "+hintValue(c.ConfirmationX5T)+"), checked here without a client certificate, as Validate does",
			"send it over a TLS connection that presents the client certificate with that SHA-256 thumbprint (RFC 8705 section 3), "+
				"which Validator.Authenticate and every adapter check")
	default:
		x.fail(CheckBinding, e, "", e.Hint)
	}
}

// scope: the route's requirement, as scopecheck.All checks it.
func (x *explainer) scope() {
	if !x.split {
		return
	}
	if !x.csOK {
		x.skip("the claims could not be read", CheckScope)
		return
	}
	c := &x.cs.Claims
	granted := c.Scopes()
	has := func(s string) bool {
		return s != "" && (contains(granted, s) || x.cfg.permissions && contains(c.Permissions, s))
	}
	var missing, inPerms []string
	for _, s := range x.cfg.scopes {
		if !has(s) && !contains(missing, s) {
			missing = append(missing, s)
			if contains(c.Permissions, s) {
				inPerms = append(inPerms, s)
			}
		}
	}
	counted := "not counted"
	if x.cfg.permissions {
		counted = "counted"
	}
	detail := "requires " + configured(x.cfg.scopes)
	if len(x.cfg.scopes) == 0 {
		detail = "requires a valid token, no scope"
	}
	detail += "; granted by scope and scp: " + orNone(granted)
	if len(c.Permissions) > 0 || x.cfg.permissions {
		detail += "; permissions (" + counted + "): " + orNone(c.Permissions)
	}
	if len(missing) == 0 {
		x.pass(CheckScope, detail)
		return
	}
	e := NewError(ErrInsufficientScope, ReasonInsufficientScope,
		"the access token lacks the scope this resource requires: "+strings.Join(missing, " "))
	e.Scopes = missing
	x.scopeError = e
	hint := "request the missing scope in the authorization request (scope=" + strings.Join(missing, " ") +
		"), and make sure the client is granted it (Auth0: the API's permissions granted to the application or user; " +
		"Okta, Keycloak: the client scope; Entra ID: the app role or delegated permission)"
	if len(inPerms) > 0 {
		hint = "the token grants " + configured(inPerms) + " in its permissions claim (Auth0 RBAC), which this route does not count: " +
			"count permissions as scopes (the adapters' WithPermissions, jwtguard explain -permissions), " +
			"or have the authorization server put them in scope"
	}
	x.fail(CheckScope, e, detail+"; missing: "+configured(missing), hint)
}

func orNone(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return hintValues(list)
}

// utc renders a NumericDate.
func utc(f float64) string {
	return jose.DateTime(f).UTC().Format("2006-01-02T15:04:05Z")
}

// seconds renders a leeway.
func seconds(s float64) string {
	return strconv.FormatFloat(s, 'f', -1, 64) + " s"
}

// ago renders a positive interval in seconds, with a rounded reading:
// "3600 s (1h)".
func ago(d float64) string {
	n := int64(math.Floor(d))
	if n < 60 {
		return strconv.FormatInt(n, 10) + " s"
	}
	return strconv.FormatInt(n, 10) + " s (" + approx(n) + ")"
}

// since renders the time elapsed: "12 s ago" or "at this very second".
func since(d float64) string {
	if d < 1 {
		return "now"
	}
	return ago(d) + " ago"
}

// approx renders n seconds in at most two units: 45s, 59m5s, 3h, 3h5m,
// 2d3h.
func approx(n int64) string {
	if n < 0 {
		n = -n
	}
	const m, h, d = 60, 3600, 86400
	two := func(a int64, ua string, b int64, ub string) string {
		s := strconv.FormatInt(a, 10) + ua
		if b > 0 {
			s += strconv.FormatInt(b, 10) + ub
		}
		return s
	}
	switch {
	case n < m:
		return strconv.FormatInt(n, 10) + "s"
	case n < h:
		return two(n/m, "m", n%m, "s")
	case n < d:
		return two(n/h, "h", n%h/m, "m")
	}
	return two(n/d, "d", n%d/h, "h")
}

// explainIssuerHint refines issuerHint: an issuer that differs from a
// trusted one only by its trailing slash, its case or its scheme, and a
// token of another tenant or custom domain (same scheme, another host).
func explainIssuerHint(received string, trusted []string) string {
	base := issuerHint(received, trusted)
	if received == "" {
		return base
	}
	h := "the token's iss is " + hintValue(received) + "; this API trusts " + configured(trusted) + ": "
	norm := func(s string) string {
		s = strings.ToLower(strings.TrimSuffix(s, "/"))
		if i := strings.Index(s, "://"); i >= 0 {
			s = s[i+3:]
		}
		return s
	}
	for _, t := range trusted {
		if norm(t) != norm(received) {
			continue
		}
		var diffs []string
		rs, _, _ := strings.Cut(received, "://")
		ts, _, _ := strings.Cut(t, "://")
		if !strings.EqualFold(rs, ts) {
			diffs = append(diffs, "scheme")
		}
		if strings.HasSuffix(received, "/") != strings.HasSuffix(t, "/") {
			diffs = append(diffs, "trailing slash")
		}
		if strings.ToLower(received) != received || strings.ToLower(t) != t {
			if strings.TrimSuffix(strings.ToLower(received), "/") == strings.TrimSuffix(strings.ToLower(t), "/") &&
				strings.TrimSuffix(received, "/") != strings.TrimSuffix(t, "/") {
				diffs = append(diffs, "case")
			}
		}
		if len(diffs) == 1 && diffs[0] == "trailing slash" {
			return base
		}
		fix := "issuers are compared exactly, byte for byte (RFC 7519 section 4.1.1): if this token comes from your authorization server, configure the issuer exactly as " +
			hintValue(received)
		if contains(diffs, "scheme") {
			fix += "; a scheme that differs usually means the authorization server does not know its public URL " +
				"(behind a TLS-terminating proxy: Keycloak's KC_HOSTNAME, ORY Hydra's urls.self.issuer, X-Forwarded-Proto): fix it there rather than trust plain http"
		}
		return h + "it differs only by " + strings.Join(diffs, " and ") + "; " + fix
	}
	if strings.HasPrefix(base, h+"Entra ID") {
		return base
	}
	rs, rrest, rok := strings.Cut(received, "://")
	rhost, _, _ := strings.Cut(rrest, "/")
	for _, t := range trusted {
		ts, trest, tok := strings.Cut(t, "://")
		thost, _, _ := strings.Cut(trest, "/")
		if rok && tok && strings.EqualFold(rs, ts) && !strings.EqualFold(rhost, thost) {
			return h + "the token comes from another host, " + hintValue(rhost) + ", than the trusted " + strconv.Quote(thost) +
				": another tenant or environment (Auth0, Okta, Entra ID tenants; staging and production), or a custom domain " +
				"(Auth0 writes the custom domain in iss when the client signs in through it, the tenant domain otherwise): " +
				"have the client use the authorization server this API trusts, or trust that issuer too with middleware.WithIssuer"
		}
	}
	return base
}
