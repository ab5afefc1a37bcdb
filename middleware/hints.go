package middleware

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Developer hints (Error.Hint) say how a client gets a token this API
// accepts. They are for the developer: adapters render them only when
// their hint option is on (httpguard.WithHints, ginguard.WithHints,
// ProblemFor(err, true)), never in the challenge or the description. They
// must fit Auth0, Okta, Entra ID, Keycloak and ORY Hydra alike. A value
// read from the token goes through hintValue: the token is untrusted.

const (
	// maxHintValue bounds, in runes, a value from the token quoted in a
	// hint; longer values are cut and end with "…".
	maxHintValue = 100
	// maxHintValues bounds how many values of a list a hint quotes.
	maxHintValues = 4
)

// hintValue returns s, read from an untrusted token, quoted for a hint:
// control and format characters (bidirectional overrides, zero-width
// characters) dropped, invalid UTF-8 replaced by U+FFFD, and at most
// maxHintValue runes kept.
func hintValue(s string) string {
	var b strings.Builder
	n := 0
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				r = unicode.ReplacementChar
			}
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			continue
		}
		if n == maxHintValue {
			b.WriteString("…")
			break
		}
		b.WriteRune(r)
		n++
	}
	return strconv.Quote(b.String())
}

// hintValues quotes the first maxHintValues of list with hintValue.
func hintValues(list []string) string {
	q := make([]string, 0, min(len(list), maxHintValues)+1)
	for i, s := range list {
		if i == maxHintValues {
			q[i-1] += " (and " + strconv.Itoa(len(list)-i) + " more)"
			break
		}
		q = append(q, hintValue(s))
	}
	return strings.Join(q, ", ")
}

// configured quotes configured values (issuers, audiences) for a hint.
func configured(list []string) string {
	q := make([]string, 0, len(list))
	for _, s := range list {
		q = append(q, strconv.Quote(s))
	}
	return strings.Join(q, ", ")
}

// howToRequest says, for each authorization server, how a client asks for
// an access token whose aud is aud (this API's identifier).
func howToRequest(aud string) string {
	entra := "scope=api://<app-id>/.default"
	if strings.HasPrefix(aud, "api://") {
		entra = "scope=" + aud + "/.default"
	}
	return "Auth0: audience=" + aud + " in the authorization request; " +
		"Okta: a custom authorization server whose audience is " + aud + "; " +
		"Entra ID: " + entra + " on the v2.0 endpoint, which gives the app as aud; " +
		"Keycloak: an audience mapper (or client scope) that adds " + aud + "; " +
		"ORY Hydra: audience=" + aud + ", which must be among the client's allowed audiences"
}

// Microsoft Graph's identifiers: Entra ID gives them as aud to tokens
// asked for with Graph scopes (User.Read...).
const (
	graphAppID = "00000003-0000-0000-c000-000000000000"
	graphURL   = "https://graph.microsoft.com"
)

// audienceHint is the hint of an audience_mismatch: the token's aud
// (received), the API's accepted audiences, and how to get a token for
// the API.
func audienceHint(received, accepted []string) string {
	var nonEmpty []string
	for _, a := range received {
		if a != "" {
			nonEmpty = append(nonEmpty, a)
		}
	}
	how := howToRequest(accepted[0])
	if len(nonEmpty) == 0 {
		return "the token has no aud: the client must request an access token for this API (" +
			configured(accepted) + "): " + how
	}
	h := "the token's aud is " + hintValues(nonEmpty) + "; this API accepts " + configured(accepted) + ": "
	for _, a := range nonEmpty {
		if a == graphAppID || strings.TrimSuffix(a, "/") == graphURL {
			return h + "the token is for Microsoft Graph, not for this API (Entra ID issues it for Graph scopes such as User.Read); " +
				"request scope=api://<app-id>/.default instead"
		}
		for _, x := range accepted {
			if x == "api://"+a || a == "api://"+x {
				return h + "Entra ID v2.0 tokens carry the application (client) ID as aud and v1.0 tokens the " +
					"Application ID URI: accept both with middleware.WithAudiences"
			}
		}
	}
	return h + "the client must request an access token for this API (" + how +
		"); if this token is meant for this API, accept its audience with middleware.WithAudiences"
}

// issuerHint is the hint of an issuer_mismatch: the token's iss
// (received) and the trusted issuers.
func issuerHint(received string, trusted []string) string {
	if received == "" {
		return "the token has no iss; this API trusts " + configured(trusted)
	}
	h := "the token's iss is " + hintValue(received) + "; this API trusts " + configured(trusted) + ": "
	for _, t := range trusted {
		if strings.TrimSuffix(t, "/") == strings.TrimSuffix(received, "/") {
			return h + "issuers are compared exactly, trailing slash included (Auth0 issuers end with \"/\"; " +
				"Okta, Keycloak and Entra ID v2.0 issuers do not): if this token comes from your authorization server, " +
				"configure the issuer exactly as " + hintValue(received)
		}
	}
	const v1, v2 = "https://sts.windows.net/", "https://login.microsoftonline.com/"
	for _, t := range trusted {
		if strings.HasPrefix(received, v1) && strings.HasPrefix(t, v2) || strings.HasPrefix(received, v2) && strings.HasPrefix(t, v1) {
			return h + "Entra ID issues v1.0 tokens (iss " + v1 + "<tenant>/) unless the API's app registration sets " +
				"requestedAccessTokenVersion (accessTokenAcceptedVersion) to 2 (iss " + v2 + "<tenant>/v2.0): " +
				"change the manifest, or trust that issuer with middleware.WithIssuer"
		}
	}
	return h + "issuers are compared exactly: check the tenant (Auth0, Entra ID), the authorization server " +
		"(Okta: a custom one, not the org server) or the realm (Keycloak) the client gets its tokens from, " +
		"or trust that issuer with middleware.WithIssuer"
}

// The hints of tokens that are not JWS access tokens at all, and of ID
// tokens.
const (
	hintIDToken = "send the access_token of the token response, not the id_token: an ID token is for the client, not for an API"
	hintOpaque  = "the token is not a JWT: send the access token, not a refresh token or an API key. " +
		"Auth0 issues an opaque access token when the authorization request names no audience (add audience=<API identifier>); " +
		"ORY Hydra issues opaque access tokens unless its access-token strategy is jwt " +
		"(strategies.access_token, or the client's access_token_strategy); Okta, Entra ID and Keycloak access tokens are JWTs. " +
		"Servers that issue opaque tokens by design (Ping, Okta's org server, Hydra) are validated by introspection (RFC 7662) when this API configures it"
	hintEncrypted = "the access token is encrypted: Auth0 encrypts it when the authorization request names no audience " +
		"(add audience=<API identifier>) or when the API has JSON Web Encryption on (turn it off); " +
		"other authorization servers encrypt access tokens only when configured to: turn that off for this API"
)
