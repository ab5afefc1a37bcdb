package middleware

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/mtls"
)

// certs are a client certificate the tokens are bound to and another one
// of the same CA.
type certs struct {
	right, other *x509.Certificate
}

func newCerts(t testing.TB) certs {
	t.Helper()
	ca, err := jwtguardtest.NewCA("")
	if err != nil {
		t.Fatal(err)
	}
	right, err := ca.ClientCertificate("client-a")
	if err != nil {
		t.Fatal(err)
	}
	other, err := ca.ClientCertificate("client-b")
	if err != nil {
		t.Fatal(err)
	}
	return certs{right.Leaf, other.Leaf}
}

// certToken mints a token whose cnf is cnf.
func certToken(t testing.TB, cnf map[string]any) string {
	return token(t, "ES256", func(h, cl map[string]any) { cl["cnf"] = cnf })
}

// source is a Credentials.ClientCertificate that counts its calls.
type source struct {
	cert  *x509.Certificate
	err   error
	calls atomic.Int32
}

func (s *source) get() (*x509.Certificate, error) {
	s.calls.Add(1)
	return s.cert, s.err
}

func bearerWith(tok string, s *source) Credentials {
	c := Credentials{Scheme: SchemeBearer, Token: tok}
	if s != nil {
		c.ClientCertificate = s.get
	}
	return c
}

// TestCertificateBound: a certificate-bound token (RFC 8705 section 3) is
// accepted only from a request presenting that certificate; the source is
// called once, and only for such a token.
func TestCertificateBound(t *testing.T) {
	cs := newCerts(t)
	x5t := mtls.Thumbprint(cs.right)
	tok := certToken(t, map[string]any{"x5t#S256": x5t})
	unbound := token(t, "ES256", nil)
	ctx := context.Background()
	unverified := fmt.Errorf("%w (the TLS handshake did not verify it)", mtls.ErrNoCertificate)
	proxy := &mtls.HeaderError{Header: "X-Client-Cert", Problem: "the value is not a PEM certificate", Err: mtls.ErrProxyHeader}
	cases := []struct {
		name   string
		src    *source // nil: no source at all
		reason Reason  // "" accepted
		cause  error
	}{
		{"right certificate", &source{cert: cs.right}, "", nil},
		{"another certificate", &source{cert: cs.other}, ReasonMTLSCertificateMismatch, nil},
		{"no certificate", &source{}, ReasonMTLSNoCertificate, nil},
		{"no source", nil, ReasonMTLSNoCertificate, nil},
		{"unverified certificate", &source{cert: cs.right, err: unverified}, ReasonMTLSNoCertificate, mtls.ErrNoCertificate},
		{"unusable proxy header", &source{err: proxy}, ReasonMTLSProxyHeader, mtls.ErrProxyHeader},
		{"the source fails otherwise", &source{err: errors.New("boom")}, ReasonInternal, nil},
	}
	for _, cache := range []int{DefaultCacheSize, 0} {
		v := newValidator(t, WithTokenCache(cache), WithLogger(slog.New(slog.DiscardHandler)))
		for _, tc := range cases {
			t.Run(fmt.Sprintf("%s/cache %d", tc.name, cache), func(t *testing.T) {
				if tc.src != nil {
					tc.src.calls.Store(0)
				}
				for i := range 2 { // the second time from the cache, when on
					cl, err := v.Authenticate(ctx, bearerWith(tok, tc.src))
					if tc.src != nil && tc.src.calls.Load() != int32(i+1) {
						t.Fatalf("source called %d times after %d requests", tc.src.calls.Load(), i+1)
					}
					if tc.reason == "" {
						if err != nil || cl.ConfirmationX5T != x5t {
							t.Fatalf("refused: %v", err)
						}
						continue
					}
					assertDPoPError(t, err, tc.reason, ErrInvalidToken)
					e := AsError(err)
					if e.HTTPStatus() != 401 || e.Code() != "invalid_token" || e.GRPCCode() != grpcUnauthenticated {
						t.Errorf("%d %q %d", e.HTTPStatus(), e.Code(), e.GRPCCode())
					}
					if !strings.Contains(e.Description, "certificate") || strings.Contains(e.Description+e.Hint, x5t) {
						t.Errorf("description %q, hint %q", e.Description, e.Hint)
					}
					if tc.cause != nil && !errors.Is(err, tc.cause) {
						t.Errorf("%v does not wrap %v", err, tc.cause)
					}
				}
			})
		}
	}
	t.Run("unbound tokens never read the certificate", func(t *testing.T) {
		v := newValidator(t)
		for _, s := range []*source{{cert: cs.right}, {cert: cs.other}, {}, {err: proxy}, nil} {
			if _, err := v.Authenticate(ctx, bearerWith(unbound, s)); err != nil {
				t.Fatal(err)
			}
			if s != nil && s.calls.Load() != 0 {
				t.Fatal("source called for an unbound token")
			}
		}
	})
}

// TestValidateRefusesCertificateBound: Validate has no request, hence no
// certificate; the hint says to use Authenticate.
func TestValidateRefusesCertificateBound(t *testing.T) {
	cs := newCerts(t)
	tok := certToken(t, map[string]any{"x5t#S256": mtls.Thumbprint(cs.right)})
	for _, cache := range []int{DefaultCacheSize, 0} {
		v := newValidator(t, WithTokenCache(cache))
		for range 2 {
			assertRejected(t, v, tok, ReasonMTLSNoCertificate, ErrInvalidToken)
			_, err := v.Validate(context.Background(), tok)
			if h := AsError(err).Hint; !strings.Contains(h, "use Authenticate") {
				t.Errorf("hint %q", h)
			}
		}
		if _, err := v.Authenticate(context.Background(), bearerWith(tok, &source{cert: cs.right})); err != nil {
			t.Fatalf("Authenticate after Validate: %v", err)
		}
	}
}

// TestMalformedThumbprint: a cnf.x5t#S256 that is no SHA-256 thumbprint is
// a malformed token (bad_claims), refused before the certificate is read.
func TestMalformedThumbprint(t *testing.T) {
	cs := newCerts(t)
	good := mtls.Thumbprint(cs.right)
	v := newValidator(t)
	for _, bad := range []string{"", "abc", good + "A", good[:42], good[:42] + "=", // wrong lengths, padding
		strings.Repeat("+", 43), // outside base64url
		good[:42] + "B",         // 258 bits: the last character's low bits must be 0
	} {
		t.Run(bad, func(t *testing.T) {
			s := &source{cert: cs.right}
			_, err := v.Authenticate(context.Background(), bearerWith(certToken(t, map[string]any{"x5t#S256": bad}), s))
			assertDPoPError(t, err, ReasonClaims, ErrInvalidToken)
			if s.calls.Load() != 0 {
				t.Error("source called for a malformed thumbprint")
			}
		})
	}
}

// TestCertificateAndDPoPBound: a token bound both ways needs the DPoP
// scheme with its proof and the certificate (RFC 8705 section 3 and RFC
// 9449 are independent). The certificate is checked first: a request
// with the wrong certificate does not use up its proof.
func TestCertificateAndDPoPBound(t *testing.T) {
	cs := newCerts(t)
	c := newDPoPClient(t)
	ctx := context.Background()
	v := newValidator(t)
	both := certToken(t, map[string]any{"jkt": c.jkt, "x5t#S256": mtls.Thumbprint(cs.right)})
	withCert := func(cr Credentials, cert *x509.Certificate) Credentials {
		cr.ClientCertificate = (&source{cert: cert}).get
		return cr
	}

	proof := c.proof(t, "DELETE", apiURL, both, nil)
	_, err := v.Authenticate(ctx, withCert(dpopCreds(both, proof), cs.other))
	assertDPoPError(t, err, ReasonMTLSCertificateMismatch, ErrInvalidToken)
	_, err = v.Authenticate(ctx, dpopCreds(both, proof))
	assertDPoPError(t, err, ReasonMTLSNoCertificate, ErrInvalidToken)
	cl, err := v.Authenticate(ctx, withCert(dpopCreds(both, proof), cs.right))
	if err != nil || cl.ConfirmationJKT != c.jkt || cl.ConfirmationX5T != mtls.Thumbprint(cs.right) {
		t.Fatalf("right certificate and proof (first use of the proof): %v", err)
	}
	_, err = v.Authenticate(ctx, withCert(dpopCreds(both, proof), cs.right))
	assertDPoPError(t, err, ReasonDPoPReplay, ErrInvalidDPoPProof)

	noProof := withCert(dpopCreds(both, ""), cs.right)
	noProof.Proofs = nil
	_, err = v.Authenticate(ctx, noProof)
	assertDPoPError(t, err, ReasonDPoPProof, ErrInvalidDPoPProof)
	_, err = v.Authenticate(ctx, withCert(dpopCreds(both, c.proof(t, "GET", apiURL, both, nil)), cs.right))
	assertDPoPError(t, err, ReasonDPoPProof, ErrInvalidDPoPProof)
	// Bearer: a DPoP-bound token is a downgrade, whatever the certificate.
	_, err = v.Authenticate(ctx, bearerWith(both, &source{cert: cs.right}))
	assertDPoPError(t, err, ReasonDPoPDowngrade, ErrInvalidToken)
	_, err = v.Validate(ctx, both)
	assertDPoPError(t, err, ReasonDPoPDowngrade, ErrInvalidToken)

	// A token bound to the certificate only is no DPoP-bound token.
	certOnly := certToken(t, map[string]any{"x5t#S256": mtls.Thumbprint(cs.right)})
	_, err = v.Authenticate(ctx, withCert(dpopCreds(certOnly, c.proof(t, "DELETE", apiURL, certOnly, nil)), cs.right))
	assertDPoPError(t, err, ReasonDPoPNotBound, ErrInvalidToken)

	// DPoP required: a certificate-bound Bearer token is refused first.
	req := newValidator(t, WithDPoP(DPoPRequired))
	_, err = req.Authenticate(ctx, bearerWith(certOnly, &source{cert: cs.right}))
	assertDPoPError(t, err, ReasonDPoPRequired, ErrInvalidToken)
	if _, err := req.Authenticate(ctx, withCert(dpopCreds(both, c.proof(t, "DELETE", apiURL, both, nil)), cs.right)); err != nil {
		t.Fatalf("DPoP required, bound both ways: %v", err)
	}
}

// TestCertificateBoundWithOtherMembers: x5t#S256 beside a member jwtguard
// does not verify still fails closed, before the certificate is read.
func TestCertificateBoundWithOtherMembers(t *testing.T) {
	cs := newCerts(t)
	c := newDPoPClient(t)
	v := newValidator(t)
	x5t := mtls.Thumbprint(cs.right)
	for name, cnf := range map[string]map[string]any{
		"jwk":     {"x5t#S256": x5t, "jwk": c.jwk},
		"kid":     {"x5t#S256": x5t, "kid": "k"},
		"unknown": {"x5t#S256": x5t, "osc": "x"},
		"x5t":     {"x5t#S256": x5t, "x5t": "abc"}, // SHA-1, RFC 7515 style: not RFC 8705
	} {
		t.Run(name, func(t *testing.T) {
			s := &source{cert: cs.right}
			_, err := v.Authenticate(context.Background(), bearerWith(certToken(t, cnf), s))
			assertDPoPError(t, err, ReasonUnsupportedConfirmation, ErrInvalidToken)
			if s.calls.Load() != 0 {
				t.Error("source called")
			}
		})
	}
}

// TestCertificateBoundObserved: the certificate check is part of the
// observed validation; its path is mtls (dpop_mtls with the DPoP scheme).
func TestCertificateBoundObserved(t *testing.T) {
	cs := newCerts(t)
	c := newDPoPClient(t)
	obs := &recordingObserver{}
	v := newValidator(t, WithObserver(obs))
	ctx := context.Background()
	tok := certToken(t, map[string]any{"x5t#S256": mtls.Thumbprint(cs.right)})
	both := certToken(t, map[string]any{"jkt": c.jkt, "x5t#S256": mtls.Thumbprint(cs.right)})
	v.Authenticate(ctx, bearerWith(tok, &source{cert: cs.right}))
	v.Authenticate(ctx, bearerWith(tok, &source{cert: cs.other}))
	v.Validate(ctx, tok)
	v.Authenticate(ctx, bearerWith(token(t, "ES256", nil), &source{cert: cs.right}))
	cr := dpopCreds(both, c.proof(t, "DELETE", apiURL, both, nil))
	cr.ClientCertificate = (&source{cert: cs.right}).get
	v.Authenticate(ctx, cr)
	want := []ValidationEvent{
		{Path: PathMTLS},
		{Path: PathMTLS, Reason: ReasonMTLSCertificateMismatch, Cached: true},
		{Path: PathMTLS, Reason: ReasonMTLSNoCertificate, Cached: true},
		{Path: PathBearer},
		{Path: PathDPoPMTLS},
	}
	if len(obs.events) != len(want) {
		t.Fatalf("events %+v", obs.events)
	}
	for i, ev := range obs.events {
		w := want[i]
		if ev.Path != w.Path || ev.Reason != w.Reason || ev.Issuer != testIssuer || (w.Cached && !ev.Cached) {
			t.Errorf("event %d: %+v, want %+v", i, ev, w)
		}
	}
}

// TestProxyHeaderLogged: an unusable header of a trusted proxy is a
// deployment fault: 401 for the client, an error log for the operator
// (the header's name and problem, never a value), at most once a minute.
func TestProxyHeaderLogged(t *testing.T) {
	cs := newCerts(t)
	var buf bytes.Buffer
	v := newValidator(t, WithLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelError}))))
	tok := certToken(t, map[string]any{"x5t#S256": mtls.Thumbprint(cs.right)})
	proxy := &mtls.HeaderError{Header: "X-Client-Cert", Problem: "the request has 2 of them; exactly one is allowed", Err: mtls.ErrProxyHeader}
	for range 3 {
		_, err := v.Authenticate(context.Background(), bearerWith(tok, &source{err: proxy}))
		assertDPoPError(t, err, ReasonMTLSProxyHeader, ErrInvalidToken)
		if e := AsError(err); strings.Contains(e.Description, "X-Client-Cert") || strings.Contains(e.Description, "exactly one") {
			t.Errorf("the client learns the deployment's details: %q", e.Description)
		}
	}
	out := buf.String()
	if strings.Count(out, "level=ERROR") != 1 || !strings.Contains(out, "X-Client-Cert header: the request has 2 of them") ||
		!strings.Contains(out, "mtls_proxy_header") {
		t.Fatalf("log:\n%s", out)
	}
	// After the interval, the next one is logged with the count.
	v.proxyLog.next.Store(0)
	v.Authenticate(context.Background(), bearerWith(tok, &source{err: proxy}))
	if out := buf.String(); strings.Count(out, "level=ERROR") != 2 || !strings.Contains(out, "occurrences=3") {
		t.Fatalf("log:\n%s", out)
	}
}

// TestResourceMetadataCertificateBound: RFC 9728 section 2's
// tls_client_certificate_bound_access_tokens is true with
// WithCertificateBoundTokens, absent otherwise.
func TestResourceMetadataCertificateBound(t *testing.T) {
	for _, opt := range []bool{false, true} {
		var opts []Option
		if opt {
			opts = append(opts, WithCertificateBoundTokens())
		}
		md := newValidator(t, opts...).ResourceMetadata("read")
		b, err := json.Marshal(md)
		if err != nil {
			t.Fatal(err)
		}
		has := strings.Contains(string(b), `"tls_client_certificate_bound_access_tokens":true`)
		if md.TLSClientCertificateBoundAccessTokens != opt || has != opt || (!opt && strings.Contains(string(b), "tls_client")) {
			t.Errorf("option %v: %s", opt, b)
		}
	}
}

func TestMTLSReasonsListed(t *testing.T) {
	for _, r := range []Reason{ReasonMTLSNoCertificate, ReasonMTLSCertificateMismatch, ReasonMTLSProxyHeader} {
		if !slices.Contains(Reasons, r) {
			t.Errorf("%s missing from Reasons", r)
		}
	}
}

// TestCredentialsFromRequestCertificate: CredentialsFromRequest reads the
// verified TLS client certificate (mtls.FromRequest), lazily.
func TestCredentialsFromRequestCertificate(t *testing.T) {
	cs := newCerts(t)
	r := newRequest("GET", "https://api.example.com/x", "Bearer abc")
	c, err := CredentialsFromRequest(r, "")
	if err != nil || c.ClientCertificate == nil {
		t.Fatalf("%+v %v", c, err)
	}
	if cert, err := c.ClientCertificate(); cert != nil || err != nil {
		t.Fatalf("no TLS: %v %v", cert, err)
	}
	r.TLS = tlsState(cs.right, false)
	if cert, err := c.ClientCertificate(); cert != nil || !errors.Is(err, mtls.ErrNoCertificate) {
		t.Fatalf("unverified: %v %v", cert, err)
	}
	r.TLS = tlsState(cs.right, true)
	if cert, err := c.ClientCertificate(); cert != cs.right || err != nil {
		t.Fatalf("verified: %v %v", cert, err)
	}
}

func newRequest(method, url, auth string) *http.Request {
	r := httptest.NewRequest(method, url, nil)
	r.Header.Set("Authorization", auth)
	return r
}

// tlsState is the state of a TLS connection on which the client presented
// cert; verified says whether the handshake verified its chain.
func tlsState(cert *x509.Certificate, verified bool) *tls.ConnectionState {
	cs := &tls.ConnectionState{PeerCertificates: []*x509.Certificate{cert}}
	if verified {
		cs.VerifiedChains = [][]*x509.Certificate{{cert}}
	}
	return cs
}
