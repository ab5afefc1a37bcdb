package adaptertest

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	dpopverify "github.com/jwtguard/jwtguard/dpop" // cases.go has a func dpop
	"github.com/jwtguard/jwtguard/jwks"
	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
)

// Audience is the API identifier every Env validator accepts.
const Audience = "https://contacts.example.com"

// Env is what the cases run against.
type Env struct {
	Issuer *jwtguardtest.Issuer
	// V validates tokens of Issuer for Audience; its keys load.
	V *middleware.Validator
	// Down accepts the same issuer and audience, but its key source
	// answers 502, so every token meets "keys unavailable".
	Down *middleware.Validator
	// Nonce is V with server nonces in DPoP proofs (RFC 9449 section 9).
	Nonce *middleware.Validator
	// DPoPOnly is V accepting DPoP-bound tokens only (DPoPRequired).
	DPoPOnly *middleware.Validator
	// ReplayDown is V with a DPoP replay store that always fails.
	ReplayDown *middleware.Validator
	// Introspection is V that also validates Issuer's opaque tokens at its
	// introspection endpoint (RFC 7662, WithIntrospectionEndpoint).
	Introspection *middleware.Validator
	// IntrospectionDown is Introspection whose introspection endpoint
	// answers 503: every opaque token meets "introspection unavailable",
	// JWTs are validated as by V.
	IntrospectionDown *middleware.Validator
	// DPoPKey is the client key Tokens.Bound is bound to.
	DPoPKey *jwtguardtest.DPoPKey
	// Mutual TLS (RFC 8705): the CA, the API's server certificate (for
	// 127.0.0.1, ::1 and localhost), the client certificate
	// Tokens.CertBound and Tokens.BothBound are bound to, another client
	// certificate of the same CA, and a self-signed client certificate
	// Tokens.SelfSignedBound is bound to.
	CA                                *jwtguardtest.CA
	ServerCert, ClientCert, OtherCert *jwtguardtest.Certificate
	SelfSignedCert                    *jwtguardtest.Certificate
	Tokens                            Tokens
}

// Validator returns the validator of the API a case calls.
func (e *Env) Validator(a API) *middleware.Validator {
	switch a {
	case KeysDown:
		return e.Down
	case NonceAPI:
		return e.Nonce
	case DPoPOnlyAPI:
		return e.DPoPOnly
	case ReplayDown:
		return e.ReplayDown
	case IntrospectionAPI:
		return e.Introspection
	case IntrospectionDown:
		return e.IntrospectionDown
	}
	return e.V
}

// Tokens are the tokens the cases send.
type Tokens struct {
	Reader        string // scope "read:contacts"
	Deleter       string // Auth0 permissions read:contacts and delete:contacts, no scope
	Expired       string // read:contacts, expired an hour ago
	OtherAudience string // read:contacts for https://other.example.com
	IDToken       string // an OIDC ID token (nonce) for Audience
	Opaque        string // not a JWT
	JWE           string // five compact parts
	Bound         string // read:contacts, DPoP-bound to Env.DPoPKey (cnf.jkt)
	// CertBound is read:contacts, certificate-bound (cnf x5t#S256, RFC
	// 8705) to Env.ClientCert: accepted only from a request presenting
	// it, which the requests of Cases never do.
	CertBound string

	// Organizations (Auth0's top-level org_id).
	OrgMember  string // read:contacts, org_id Org
	OtherOrg   string // read:contacts, org_id OtherOrg
	OrgNoScope string // org_id Org, no scope
	// Keycloak roles.
	RealmAdmin string // realm_access.roles ["user", "admin"]
	RealmUser  string // realm_access.roles ["user"]
	// Machine is a client-credentials token of BillingClient (gty, sub
	// "billing-service@clients", azp).
	Machine string
	// Step-up: read:audit with acr MFA and auth_time now (MFA), an hour
	// ago (MFAStale), absent (MFANoAuthTime); without acr (NoMFA); and
	// read:contacts only with a fresh MFA (MFANoScope).
	MFA, MFAStale, MFANoAuthTime, NoMFA, MFANoScope string
	// BothBound is read:contacts, bound to Env.DPoPKey (cnf.jkt) and to
	// Env.ClientCert (cnf.x5t#S256): it needs both.
	BothBound string
	// SelfSignedBound is read:contacts, bound to Env.SelfSignedCert.
	SelfSignedBound string
	// KidBound is read:contacts, bound to a key named by cnf kid (RFC
	// 7800 section 3.4): a binding jwtguard does not verify, so refused
	// everywhere.
	KidBound string
	// Opaque access tokens of Issuer's introspection endpoint, for the
	// Introspection APIs: the claims of Reader, Deleter and Bound.
	OpaqueReader  string
	OpaqueDeleter string
	OpaqueBound   string
	// OpaqueRevoked is OpaqueReader's twin, revoked: the endpoint answers
	// "active": false.
	OpaqueRevoked string
}

// NewEnv starts an issuer and builds the validators; everything stops when
// t ends. Validators count Auth0 permissions only if the adapter is
// configured to (WithPermissions).
func NewEnv(t testing.TB) *Env {
	t.Helper()
	iss, err := jwtguardtest.NewIssuer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(iss.Close)
	e := &Env{Issuer: iss, V: validator(t, iss, iss),
		Nonce:      validator(t, iss, iss, middleware.WithDPoPNonce([]byte("adaptertest nonce secret, 32+ bytes long"), 10*time.Minute)),
		DPoPOnly:   validator(t, iss, iss, middleware.WithDPoP(middleware.DPoPRequired)),
		ReplayDown: validator(t, iss, iss, middleware.WithDPoPReplayStore(downStore{})),
	}
	if e.DPoPKey, err = jwtguardtest.NewDPoPKey(""); err != nil {
		t.Fatal(err)
	}
	if e.CA, err = jwtguardtest.NewCA(""); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		p    **jwtguardtest.Certificate
		make func() (*jwtguardtest.Certificate, error)
	}{
		{&e.ServerCert, func() (*jwtguardtest.Certificate, error) { return e.CA.ServerCertificate() }},
		{&e.ClientCert, func() (*jwtguardtest.Certificate, error) { return e.CA.ClientCertificate("alice-client") }},
		{&e.OtherCert, func() (*jwtguardtest.Certificate, error) { return e.CA.ClientCertificate("mallory-client") }},
		{&e.SelfSignedCert, func() (*jwtguardtest.Certificate, error) {
			return jwtguardtest.SelfSignedClientCertificate("self-client")
		}},
	} {
		if *c.p, err = c.make(); err != nil {
			t.Fatal(err)
		}
	}

	down, err := jwtguardtest.NewIssuer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(down.Close)
	down.SetOutage(http.StatusBadGateway)
	e.Down = validator(t, iss, down)
	e.Introspection = validator(t, iss, iss, introspection(iss.IntrospectionURL()))
	down.Introspector().SetDown(true)
	e.IntrospectionDown = validator(t, iss, iss, introspection(down.IntrospectionURL()))

	mint := func(c jwtguardtest.Claims) string {
		t.Helper()
		if c.Audience == nil {
			c.Audience = []string{Audience}
		}
		if c.Subject == "" {
			c.Subject = "auth0|alice"
		}
		tok, err := iss.AccessToken(c)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	e.Tokens = Tokens{
		Reader:          mint(jwtguardtest.Claims{Scope: "read:contacts"}),
		Deleter:         mint(jwtguardtest.Claims{Permissions: []string{"read:contacts", "delete:contacts"}}),
		Expired:         mint(jwtguardtest.Claims{Scope: "read:contacts", ExpiresIn: -time.Hour}),
		OtherAudience:   mint(jwtguardtest.Claims{Scope: "read:contacts", Audience: []string{"https://other.example.com"}}),
		Opaque:          "8xLOxBtZp8Qk3vT2",
		JWE:             jwe(),
		Bound:           mint(jwtguardtest.Claims{Scope: "read:contacts", DPoPKey: e.DPoPKey}),
		CertBound:       mint(jwtguardtest.Claims{Scope: "read:contacts"}.BoundToCertificate(e.ClientCert.Leaf)),
		BothBound:       mint(jwtguardtest.Claims{Scope: "read:contacts", DPoPKey: e.DPoPKey}.BoundToCertificate(e.ClientCert.Leaf)),
		SelfSignedBound: mint(jwtguardtest.Claims{Scope: "read:contacts"}.BoundToCertificate(e.SelfSignedCert.Leaf)),
		KidBound:        mint(jwtguardtest.Claims{Scope: "read:contacts", Custom: map[string]any{"cnf": map[string]any{"kid": "client-key-1"}}}),
		OrgMember:       mint(jwtguardtest.Claims{Scope: "read:contacts", Custom: map[string]any{"org_id": Org}}),
		OtherOrg:        mint(jwtguardtest.Claims{Scope: "read:contacts", Custom: map[string]any{"org_id": OtherOrg}}),
		OrgNoScope:      mint(jwtguardtest.Claims{Custom: map[string]any{"org_id": Org}}),
		RealmAdmin:      mint(jwtguardtest.Claims{Custom: map[string]any{"realm_access": map[string]any{"roles": []string{"user", "admin"}}}}),
		RealmUser:       mint(jwtguardtest.Claims{Custom: map[string]any{"realm_access": map[string]any{"roles": []string{"user"}}}}),
		Machine: mint(jwtguardtest.Claims{Subject: BillingClient + "@clients", GrantType: "client-credentials",
			AuthorizedParty: BillingClient, Scope: "read:contacts"}),
		MFA:           mint(jwtguardtest.Claims{Scope: "read:audit", Custom: map[string]any{"acr": MFA, "auth_time": time.Now().Unix()}}),
		MFAStale:      mint(jwtguardtest.Claims{Scope: "read:audit", Custom: map[string]any{"acr": MFA, "auth_time": time.Now().Add(-time.Hour).Unix()}}),
		MFANoAuthTime: mint(jwtguardtest.Claims{Scope: "read:audit", Custom: map[string]any{"acr": MFA}}),
		NoMFA:         mint(jwtguardtest.Claims{Scope: "read:audit", Custom: map[string]any{"auth_time": time.Now().Unix()}}),
		MFANoScope:    mint(jwtguardtest.Claims{Scope: "read:contacts", Custom: map[string]any{"acr": MFA, "auth_time": time.Now().Unix()}}),
	}
	opaque := func(c jwtguardtest.Claims) string {
		t.Helper()
		c.Audience, c.Subject = []string{Audience}, "auth0|alice"
		tok, err := iss.Introspector().OpaqueToken(c)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	e.Tokens.OpaqueReader = opaque(jwtguardtest.Claims{Scope: "read:contacts"})
	e.Tokens.OpaqueDeleter = opaque(jwtguardtest.Claims{Permissions: []string{"read:contacts", "delete:contacts"}})
	e.Tokens.OpaqueBound = opaque(jwtguardtest.Claims{Scope: "read:contacts", DPoPKey: e.DPoPKey})
	e.Tokens.OpaqueRevoked = opaque(jwtguardtest.Claims{Scope: "read:contacts"})
	iss.Introspector().Revoke(e.Tokens.OpaqueRevoked)
	e.Tokens.IDToken, err = iss.IDToken(jwtguardtest.Claims{Subject: "auth0|alice", Audience: []string{Audience}}, "nonce-1")
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// downStore is a DPoP replay store whose backend is down.
type downStore struct{}

func (downStore) Seen(context.Context, dpopverify.ReplayEntry) (bool, error) {
	return false, errors.New("adaptertest: replay store down")
}

// introspection introspects opaque tokens at endpoint with the test kit's
// client credentials.
func introspection(endpoint string) middleware.Option {
	return middleware.WithIntrospectionEndpoint(endpoint,
		jwtguardtest.DefaultIntrospectionClientID, jwtguardtest.DefaultIntrospectionClientSecret)
}

// validator accepts tokens of iss with the keys served by keys.
func validator(t testing.TB, iss, keys *jwtguardtest.Issuer, opts ...middleware.Option) *middleware.Validator {
	t.Helper()
	src, err := jwks.NewRemote(keys.JWKSURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	v, err := middleware.New(iss.URL(), Audience, append([]middleware.Option{middleware.WithKeys(src)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

// jwe is a compact JWE (RFC 7516 section 7.1): five base64url parts, the
// header naming a key-management algorithm and an encryption.
func jwe() string {
	b := base64.RawURLEncoding.EncodeToString
	return b([]byte(`{"alg":"RSA-OAEP-256","enc":"A256GCM","kid":"k1"}`)) + "." +
		b([]byte("encrypted-key")) + "." + b([]byte("iv-iv-iv-iv")) + "." +
		b([]byte("ciphertext")) + "." + b([]byte("tag-tag-tag-tag"))
}

// Counter counts the validations of a validator (middleware.Observer): how
// many times the guards of a stack authenticated a request.
type Counter struct{ n atomic.Int64 }

// Validated implements middleware.Observer.
func (c *Counter) Validated(middleware.ValidationEvent) { c.n.Add(1) }

// Take returns the count and resets it.
func (c *Counter) Take() int64 { return c.n.Swap(0) }

// Counted returns a validator of e.Issuer's tokens for audience, with
// working keys and opts, and the Counter of its validations.
func (e *Env) Counted(t testing.TB, audience string, opts ...middleware.Option) (*middleware.Validator, *Counter) {
	t.Helper()
	n := &Counter{}
	src, err := jwks.NewRemote(e.Issuer.JWKSURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	v, err := middleware.New(e.Issuer.URL(), audience,
		append([]middleware.Option{middleware.WithKeys(src), middleware.WithObserver(n)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v, n
}
