package jwtguardtest

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// IntrospectionPath is where an Issuer and a standalone Introspector serve
// token introspection (RFC 7662), ORY Hydra's path.
const IntrospectionPath = "/oauth2/introspect"

// The client credentials an Introspector accepts until
// SetClientCredentials changes them: the API's own credentials at the
// authorization server.
const (
	DefaultIntrospectionClientID     = "jwtguardtest-api"
	DefaultIntrospectionClientSecret = "jwtguardtest-secret"
)

// OpaqueTokenPrefix starts every opaque token an Introspector mints. The
// rest is 32 random bytes in base64url: 47 characters, no dot, so never
// mistaken for a JWS (3 segments) or a JWE (5 segments).
const OpaqueTokenPrefix = "jgt_"

// hugeAnswerBytes is the size of the answer in huge mode: far over what a
// client should read.
const hugeAnswerBytes = 1 << 20

// Introspector is a token introspection endpoint (RFC 7662 section 2) for
// opaque access tokens, as Okta, Keycloak and ORY Hydra serve. It mints
// tokens (OpaqueToken, RefreshToken), authenticates the calling API
// (client_secret_basic or client_secret_post, RFC 6749 section 2.3.1) and
// answers for them until they expire or are revoked. Fault switches
// simulate outages, slowness and broken answers. It is safe for concurrent
// use.
//
// Get the one of an Issuer with Issuer.Introspector (same issuer as its
// JWTs, endpoint advertised in its discovery document), or a standalone
// one, with its own loopback server and discovery documents, with
// NewIntrospector.
type Introspector struct {
	issuer   string
	endpoint string
	srv      *httptest.Server // standalone only

	mu           sync.Mutex
	tokens       map[string]*opaqueToken
	clientID     string
	clientSecret string

	outage   atomic.Int32 // HTTP status of a simulated outage; 0 when up
	slow     atomic.Int64 // delay before answering, in nanoseconds
	garbage  atomic.Bool
	huge     atomic.Bool
	requests atomic.Int64
}

type opaqueToken struct {
	answer  map[string]any // the RFC 7662 answer while active
	exp     time.Time
	forced  bool // Custom set "active": answered as is, even past exp
	revoked bool
}

func newIntrospector(issuer, endpoint string) *Introspector {
	return &Introspector{
		issuer:       issuer,
		endpoint:     endpoint,
		tokens:       map[string]*opaqueToken{},
		clientID:     DefaultIntrospectionClientID,
		clientSecret: DefaultIntrospectionClientSecret,
	}
}

// Introspector returns the Issuer's introspection endpoint, served at
// IntrospectionURL and named by its discovery document as
// introspection_endpoint. Tokens it mints carry the Issuer's URL as iss.
func (i *Issuer) Introspector() *Introspector {
	i.introOnce.Do(func() { i.intro = newIntrospector(i.URL(), i.IntrospectionURL()) })
	return i.intro
}

// IntrospectionURL returns the URL of the Issuer's introspection endpoint.
func (i *Issuer) IntrospectionURL() string { return i.base + IntrospectionPath }

// NewIntrospector starts a standalone authorization server on a loopback
// port that serves only token introspection and its discovery documents
// (OIDC Discovery and RFC 8414, naming issuer and introspection_endpoint).
// Call Close when done.
func NewIntrospector() (*Introspector, error) {
	x := newIntrospector("", "")
	mux := http.NewServeMux()
	mux.Handle("POST "+IntrospectionPath, x)
	mux.HandleFunc("GET /.well-known/openid-configuration", x.serveMetadata)
	mux.HandleFunc("GET /.well-known/oauth-authorization-server", x.serveMetadata)
	// Addresses are set before the server serves (see NewIssuer).
	x.srv = httptest.NewUnstartedServer(mux)
	base := "http://" + x.srv.Listener.Addr().String()
	x.issuer = base + "/"
	x.endpoint = base + IntrospectionPath
	x.srv.Start()
	return x, nil
}

// Close stops a standalone Introspector's server; for an Issuer's, it does
// nothing (close the Issuer).
func (x *Introspector) Close() {
	if x.srv != nil {
		x.srv.Close()
	}
}

// URL returns the issuer identifier: the iss of the answers and the issuer
// of the discovery documents.
func (x *Introspector) URL() string { return x.issuer }

// Endpoint returns the introspection endpoint's URL.
func (x *Introspector) Endpoint() string { return x.endpoint }

// SetClientCredentials sets the client_id and client_secret the endpoint
// requires of its callers.
func (x *Introspector) SetClientCredentials(id, secret string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.clientID, x.clientSecret = id, secret
}

// OpaqueToken mints an opaque access token described by c and returns it.
// The endpoint answers for it with "active": true and the members of c
// (RFC 7662 section 2.2): iss, sub, aud, scope, client_id
// (DefaultClientID when c.ClientID is empty), token_type "Bearer" (or
// "DPoP" with cnf.jkt when c.DPoPKey is set), exp, iat, nbf, jti, and scp,
// permissions, azp, gty when set. c.Custom adds, replaces or (with nil)
// removes members last; set "username" there, or "active" to answer as
// given even after exp. Once exp has passed (or after Revoke) the answer
// is {"active": false}. c.Type and c.Header are ignored.
func (x *Introspector) OpaqueToken(c Claims) (string, error) {
	return x.mint(c, "")
}

// RefreshToken mints an opaque refresh token as ORY Hydra describes one:
// the answer of OpaqueToken with token_use "refresh_token" (token_type
// stays "Bearer"). An API must refuse it.
func (x *Introspector) RefreshToken(c Claims) (string, error) {
	return x.mint(c, "refresh_token")
}

func (x *Introspector) mint(c Claims, use string) (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("jwtguardtest: %w", err)
	}
	tok := OpaqueTokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	now := time.Now()
	m := map[string]any{"active": true, "iss": x.issuer, "token_type": "Bearer"}
	putString(m, "iss", c.Issuer)
	putString(m, "sub", c.Subject)
	switch len(c.Audience) {
	case 0:
	case 1:
		m["aud"] = c.Audience[0]
	default:
		m["aud"] = c.Audience
	}
	putString(m, "scope", c.Scope)
	if len(c.SCP) > 0 {
		m["scp"] = c.SCP
	}
	if c.Permissions != nil {
		m["permissions"] = c.Permissions
	}
	m["client_id"] = DefaultClientID
	putString(m, "client_id", c.ClientID)
	putString(m, "azp", c.AuthorizedParty)
	putString(m, "gty", c.GrantType)
	if c.DPoPKey != nil {
		m["token_type"] = "DPoP"
		m["cnf"] = map[string]string{"jkt": c.DPoPKey.Thumbprint()}
	}
	putString(m, "token_use", use)
	iat := now
	if !c.IssuedAt.IsZero() {
		iat = c.IssuedAt
	}
	m["iat"] = iat.Unix()
	expIn := c.ExpiresIn
	if expIn == 0 {
		expIn = DefaultExpiresIn
	}
	exp := now.Add(expIn)
	m["exp"] = exp.Unix()
	if !c.NotBefore.IsZero() {
		m["nbf"] = c.NotBefore.Unix()
	}
	jti := c.ID
	if jti == "" {
		var j [12]byte
		if _, err := rand.Read(j[:]); err != nil {
			return "", fmt.Errorf("jwtguardtest: %w", err)
		}
		jti = base64.RawURLEncoding.EncodeToString(j[:])
	}
	m["jti"] = jti
	_, forced := c.Custom["active"]
	for k, v := range c.Custom {
		merge(m, k, v)
	}
	if _, err := json.Marshal(m); err != nil {
		return "", fmt.Errorf("jwtguardtest: the introspection answer does not marshal: %w", err)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.tokens[tok] = &opaqueToken{answer: m, exp: exp, forced: forced}
	return tok, nil
}

// Revoke makes the endpoint answer {"active": false} for token from now on
// (RFC 7009).
func (x *Introspector) Revoke(token string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if t := x.tokens[token]; t != nil {
		t.revoked = true
	}
}

// SetOutage makes the endpoint answer status (e.g. 503, 500, 401) to every
// request until SetOutage(0). Statuses outside 400-599 end it too.
func (x *Introspector) SetOutage(status int) {
	if status < 400 || status > 599 {
		status = 0
	}
	x.outage.Store(int32(status))
}

// SetDown is SetOutage(503) when down is true and SetOutage(0) otherwise.
func (x *Introspector) SetDown(down bool) {
	if down {
		x.SetOutage(http.StatusServiceUnavailable)
		return
	}
	x.SetOutage(0)
}

// SetSlow delays every answer by d (0 ends it), or until the caller gives
// up.
func (x *Introspector) SetSlow(d time.Duration) { x.slow.Store(int64(max(d, 0))) }

// SetGarbage makes the endpoint answer 200 with a Content-Type of
// application/json and a body that is not JSON.
func (x *Introspector) SetGarbage(on bool) { x.garbage.Store(on) }

// SetHuge makes the endpoint answer 200 with a valid active answer of
// 1 MiB, padded with a custom member.
func (x *Introspector) SetHuge(on bool) { x.huge.Store(on) }

// Requests returns how many requests reached the endpoint, refused and
// faulty ones included.
func (x *Introspector) Requests() int64 { return x.requests.Load() }

// ServeHTTP answers an introspection request: a POST with a form body
// (RFC 7662 section 2.1) from an authenticated client. Wrong client
// credentials get 401 invalid_client, a malformed request 400
// invalid_request (RFC 6749 section 5.2).
func (x *Introspector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	x.requests.Add(1)
	if status := int(x.outage.Load()); status != 0 {
		http.Error(w, http.StatusText(status), status)
		return
	}
	if r.Method != http.MethodPost {
		oauthError(w, http.StatusMethodNotAllowed, "invalid_request")
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		oauthError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	// Slow after reading the body: the server then notices a client that
	// gives up, and the handler ends with it.
	if d := time.Duration(x.slow.Load()); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if status, code := x.authenticate(r); status != 0 {
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Basic realm="jwtguardtest"`)
		}
		oauthError(w, status, code)
		return
	}
	token := r.PostForm.Get("token")
	if token == "" || len(r.PostForm["token"]) != 1 {
		oauthError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	switch {
	case x.garbage.Load():
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte("<html><body>502 Bad Gateway</body></html>"))
		return
	case x.huge.Load():
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"active":true,"exp":%d,"pad":"%s"}`, time.Now().Add(time.Hour).Unix(), strings.Repeat("x", hugeAnswerBytes))
		return
	}
	writeJSON(w, "application/json", x.answer(token))
}

// answer returns the answer for token: its members while active, else
// {"active": false} (RFC 7662 section 2.2: nothing else for an inactive
// token).
func (x *Introspector) answer(token string) any {
	x.mu.Lock()
	defer x.mu.Unlock()
	t := x.tokens[token]
	if t == nil || t.revoked || (!t.forced && !time.Now().Before(t.exp)) {
		return map[string]bool{"active": false}
	}
	return t.answer
}

// authenticate checks the client's credentials, sent with exactly one
// method (RFC 6749 section 2.3.1): HTTP Basic with the form-urlencoded id
// and secret, or client_id and client_secret in the body. It returns 0 or
// the status and error code of the refusal.
func (x *Introspector) authenticate(r *http.Request) (int, string) {
	x.mu.Lock()
	wantID, wantSecret := x.clientID, x.clientSecret
	x.mu.Unlock()
	var id, secret string
	authz := r.Header.Get("Authorization")
	_, inBody := r.PostForm["client_secret"]
	switch {
	case authz != "" && inBody:
		return http.StatusBadRequest, "invalid_request" // two methods
	case authz != "":
		scheme, cred, _ := strings.Cut(authz, " ")
		if !strings.EqualFold(scheme, "Basic") {
			return http.StatusUnauthorized, "invalid_client"
		}
		raw, err := base64.StdEncoding.DecodeString(cred)
		if err != nil {
			return http.StatusUnauthorized, "invalid_client"
		}
		encID, encSecret, ok := strings.Cut(string(raw), ":")
		if !ok {
			return http.StatusUnauthorized, "invalid_client"
		}
		if id, err = url.QueryUnescape(encID); err != nil {
			return http.StatusUnauthorized, "invalid_client"
		}
		if secret, err = url.QueryUnescape(encSecret); err != nil {
			return http.StatusUnauthorized, "invalid_client"
		}
	case inBody:
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	default:
		return http.StatusUnauthorized, "invalid_client"
	}
	if subtle.ConstantTimeCompare([]byte(id), []byte(wantID)) != 1 ||
		subtle.ConstantTimeCompare([]byte(secret), []byte(wantSecret)) != 1 {
		return http.StatusUnauthorized, "invalid_client"
	}
	return 0, ""
}

// serveMetadata answers the discovery requests of a standalone
// Introspector.
func (x *Introspector) serveMetadata(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, "application/json", map[string]any{
		"issuer":                 x.issuer,
		"introspection_endpoint": x.endpoint,
		"introspection_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
	})
}

// oauthError writes an RFC 6749 section 5.2 error answer.
func oauthError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": code})
}
