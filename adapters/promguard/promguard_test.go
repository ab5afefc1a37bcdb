package promguard_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/jwtguard/jwtguard/adapters/promguard"
	"github.com/jwtguard/jwtguard/jwks"
	"github.com/jwtguard/jwtguard/middleware"
)

const audience = "https://api.example.com"

var key = func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
}()

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// mint signs an RS256 token with key, independently of the code under test.
func mint(t testing.TB, kid, iss string, exp time.Duration) string {
	t.Helper()
	h, _ := json.Marshal(map[string]any{"alg": "RS256", "typ": "JWT", "kid": kid})
	p, _ := json.Marshal(map[string]any{"iss": iss, "aud": audience, "sub": "auth0|alice",
		"exp": time.Now().Add(exp).Unix(), "iat": time.Now().Unix()})
	in := b64(h) + "." + b64(p)
	d := sha256.Sum256([]byte(in))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, d[:])
	if err != nil {
		t.Fatal(err)
	}
	return in + "." + b64(sig)
}

// idp serves a JWKS with key under kid "k1" and counts requests; down
// makes it answer 503.
type idp struct {
	*httptest.Server
	down atomic.Bool
}

func newIDP(t *testing.T) *idp {
	i := &idp{}
	jwk := map[string]any{"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig",
		"n": b64(key.N.Bytes()), "e": b64(big.NewInt(int64(key.E)).Bytes())}
	doc, _ := json.Marshal(map[string]any{"keys": []any{jwk}})
	i.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if i.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		w.Write(doc)
	}))
	t.Cleanup(i.Close)
	return i
}

func setup(t *testing.T, opts ...middleware.Option) (*promguard.Metrics, *prometheus.Registry, *middleware.Validator, *jwks.Remote, *idp) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m, err := promguard.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	i := newIDP(t)
	src, err := jwks.NewRemote(i.URL, jwks.WithObserver(m), jwks.WithName("idp"),
		jwks.WithMinRefreshInterval(time.Second), jwks.WithMaxWait(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := src.Prime(ctx); err != nil {
		t.Fatal(err)
	}
	v, err := middleware.New("https://issuer.example.com/", audience,
		append([]middleware.Option{middleware.WithKeys(src), middleware.WithObserver(m)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return m, reg, v, src, i
}

func TestValidationMetrics(t *testing.T) {
	_, reg, v, _, _ := setup(t)
	iss := "https://issuer.example.com/"
	good := mint(t, "k1", iss, time.Hour)
	ctx := context.Background()
	for i := 0; i < 3; i++ { // 1 verified + 2 cache hits
		if _, err := v.Validate(ctx, good); err != nil {
			t.Fatal(err)
		}
	}
	v.Validate(ctx, mint(t, "k1", iss, -time.Hour))            // expired: issuer known
	v.Validate(ctx, mint(t, "k1", "https://evil/", time.Hour)) // untrusted issuer
	v.Validate(ctx, "opaque-token")

	want := `
# HELP jwtguard_validations_total Access token validations by configured issuer, result (accepted, cached, refused) and refusal reason.
# TYPE jwtguard_validations_total counter
jwtguard_validations_total{issuer="https://issuer.example.com/",reason="expired",result="refused"} 1
jwtguard_validations_total{issuer="https://issuer.example.com/",reason="none",result="accepted"} 1
jwtguard_validations_total{issuer="https://issuer.example.com/",reason="none",result="cached"} 2
jwtguard_validations_total{issuer="untrusted",reason="issuer_mismatch",result="refused"} 1
jwtguard_validations_total{issuer="untrusted",reason="opaque_token",result="refused"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "jwtguard_validations_total"); err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(reg, "jwtguard_validation_duration_seconds"); n != 3 {
		t.Fatalf("duration histograms: got %d series, want 3 (accepted, cached, refused)", n)
	}
}

func TestJWKSMetrics(t *testing.T) {
	_, reg, v, src, i := setup(t)
	ctx := context.Background()
	iss := "https://issuer.example.com/"
	// An unknown kid triggers one fetch; a second one within a second is
	// refused by the rate limit.
	v.Validate(ctx, mint(t, "unknown-1", iss, time.Hour))
	v.Validate(ctx, mint(t, "unknown-2", iss, time.Hour))
	// A failed fetch keeps the keys.
	i.down.Store(true)
	time.Sleep(1100 * time.Millisecond)
	v.Validate(ctx, mint(t, "unknown-3", iss, time.Hour))
	if !src.Ready() {
		t.Fatal("keys lost after a failed fetch")
	}
	want := `
# HELP jwtguard_jwks_fetches_total JWKS fetches by key source, trigger (initial, scheduled, unknown_kid) and result (success, not_modified, error).
# TYPE jwtguard_jwks_fetches_total counter
jwtguard_jwks_fetches_total{result="error",source="idp",trigger="unknown_kid"} 1
jwtguard_jwks_fetches_total{result="success",source="idp",trigger="initial"} 1
jwtguard_jwks_fetches_total{result="success",source="idp",trigger="unknown_kid"} 1
# HELP jwtguard_jwks_keys Usable verification keys held by each key source.
# TYPE jwtguard_jwks_keys gauge
jwtguard_jwks_keys{source="idp"} 1
# HELP jwtguard_jwks_unknown_kid_refreshes_total Refreshes asked for because a token named an unknown kid, by result (fetched, rate_limited).
# TYPE jwtguard_jwks_unknown_kid_refreshes_total counter
jwtguard_jwks_unknown_kid_refreshes_total{result="fetched",source="idp"} 2
jwtguard_jwks_unknown_kid_refreshes_total{result="rate_limited",source="idp"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"jwtguard_jwks_fetches_total", "jwtguard_jwks_keys", "jwtguard_jwks_unknown_kid_refreshes_total"); err != nil {
		t.Fatal(err)
	}
	stale := testutil.ToFloat64(collectorFor(t, reg, "jwtguard_jwks_seconds_since_last_success"))
	if stale < 1 || stale > 30 {
		t.Fatalf("seconds since last success = %v, want about 1.1", stale)
	}
	last := testutil.ToFloat64(collectorFor(t, reg, "jwtguard_jwks_last_success_timestamp_seconds"))
	if d := float64(time.Now().UnixNano())/1e9 - last; d < 1 || d > 30 {
		t.Fatalf("last success timestamp is %v s ago, want about 1.1", d)
	}
}

// collectorFor gathers one metric family as a collector for ToFloat64.
func collectorFor(t *testing.T, g prometheus.Gatherer, name string) prometheus.Collector {
	t.Helper()
	return gatheredCollector{g: g, name: name}
}

type gatheredCollector struct {
	g    prometheus.Gatherer
	name string
}

func (c gatheredCollector) Describe(chan<- *prometheus.Desc) {}

func (c gatheredCollector) Collect(ch chan<- prometheus.Metric) {
	mfs, _ := c.g.Gather()
	for _, mf := range mfs {
		if mf.GetName() != c.name {
			continue
		}
		for _, m := range mf.GetMetric() {
			ch <- prometheus.MustNewConstMetric(prometheus.NewDesc(c.name, "", nil, nil),
				prometheus.GaugeValue, m.GetGauge().GetValue())
		}
	}
}

// TestBoundedCardinality floods the validator with random issuers and kids:
// no series may carry a value taken from a token.
func TestBoundedCardinality(t *testing.T) {
	_, reg, v, _, _ := setup(t)
	ctx := context.Background()
	for n := 0; n < 300; n++ {
		v.Validate(ctx, mint(t, fmt.Sprintf("kid-%d", n), "https://issuer.example.com/", time.Hour))
		v.Validate(ctx, mint(t, "k1", fmt.Sprintf("https://random-%d.example/", n), time.Hour))
	}
	if n := testutil.CollectAndCount(reg, "jwtguard_validations_total"); n > 3 {
		t.Fatalf("validations_total has %d series after a flood of random iss and kid; want at most 3", n)
	}
	if n := testutil.CollectAndCount(reg, "jwtguard_jwks_unknown_kid_refreshes_total"); n > 2 {
		t.Fatalf("unknown_kid_refreshes_total has %d series; want at most 2", n)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if strings.Contains(lp.GetValue(), "random-") || strings.Contains(lp.GetValue(), "kid-") {
					t.Fatalf("label %s=%q comes from a token", lp.GetName(), lp.GetValue())
				}
			}
		}
	}
}

// TestOneOptionWiresBoth: WithObserver on a Validator whose key source New
// discovers reports the source's fetches too.
func TestOneOptionWiresBoth(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := promguard.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	var base string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			json.NewEncoder(w).Encode(map[string]string{"issuer": base + "/", "jwks_uri": base + "/jwks"})
		case "/jwks":
			jwk := map[string]any{"kty": "RSA", "kid": "k1", "n": b64(key.N.Bytes()), "e": "AQAB"}
			json.NewEncoder(w).Encode(map[string]any{"keys": []any{jwk}})
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	base = srv.URL
	v, err := middleware.New(base+"/", audience, middleware.WithObserver(m))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := v.Prime(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Validate(ctx, mint(t, "k1", base+"/", time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := testutil.ToFloat64(m2c(reg, "jwtguard_jwks_keys")); got != 1 {
		t.Fatalf("jwtguard_jwks_keys = %v, want 1 through the discovered source", got)
	}
}

func m2c(g prometheus.Gatherer, name string) prometheus.Collector {
	return gatheredCollector{g: g, name: name}
}

func TestDoubleRegistrationFails(t *testing.T) {
	reg := prometheus.NewRegistry()
	if _, err := promguard.New(reg); err != nil {
		t.Fatal(err)
	}
	if _, err := promguard.New(reg); err == nil {
		t.Fatal("second New on the same registry succeeded")
	}
}

// TestLogsNeverHoldTokens drives refusals and JWKS failures with debug
// logging on and checks the log for token material.
func TestLogsNeverHoldTokens(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	i := newIDP(t)
	src, err := jwks.NewRemote(i.URL, jwks.WithLogger(log), jwks.WithMinRefreshInterval(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := src.Prime(ctx); err != nil {
		t.Fatal(err)
	}
	v, err := middleware.New("https://issuer.example.com/", audience, middleware.WithKeys(src), middleware.WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	expired := mint(t, "k1", "https://issuer.example.com/", -time.Hour)
	unknown := mint(t, "other", "https://issuer.example.com/", time.Hour)
	forged := mint(t, "k1", "https://issuer.example.com/", time.Hour)
	forged = forged[:len(forged)-4] + "AAAA"
	i.down.Store(true)
	for _, tok := range []string{expired, unknown, forged} {
		v.Validate(ctx, tok)
	}
	out := buf.String()
	for _, want := range []string{`"reason":"expired"`, `"reason":"unknown_kid"`, `"reason":"bad_signature"`, `"level":"WARN"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
	for _, tok := range []string{expired, unknown} {
		for _, part := range strings.Split(tok, ".") {
			if strings.Contains(out, part) {
				t.Fatalf("log holds token material %q:\n%s", part[:10], out)
			}
		}
	}
}

// TestResolvedIssuers: the issuers a resolver names count as "resolved",
// in validations and key fetches, and no series names one of them; the
// gauges of a single source are not kept for them.
func TestResolvedIssuers(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := promguard.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	tenant := newIDP(t)
	iss := tenant.URL + "/tenant/"
	v, err := middleware.New("", audience, middleware.WithObserver(m), middleware.WithIssuerResolver(
		func(ctx context.Context, s string) (middleware.IssuerConfig, error) {
			if s != iss {
				return middleware.IssuerConfig{}, middleware.ErrIssuerNotTrusted
			}
			return middleware.IssuerConfig{JWKSURL: tenant.URL}, nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	ctx := context.Background()
	if _, err := v.Validate(ctx, mint(t, "k1", iss, time.Hour)); err != nil {
		t.Fatal(err)
	}
	v.Validate(ctx, mint(t, "k1", "https://random.example/", time.Hour))
	want := `
# HELP jwtguard_jwks_fetches_total JWKS fetches by key source, trigger (initial, scheduled, unknown_kid) and result (success, not_modified, error).
# TYPE jwtguard_jwks_fetches_total counter
jwtguard_jwks_fetches_total{result="success",source="resolved",trigger="initial"} 1
# HELP jwtguard_validations_total Access token validations by configured issuer, result (accepted, cached, refused) and refusal reason.
# TYPE jwtguard_validations_total counter
jwtguard_validations_total{issuer="resolved",reason="none",result="accepted"} 1
jwtguard_validations_total{issuer="untrusted",reason="issuer_mismatch",result="refused"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "jwtguard_validations_total", "jwtguard_jwks_fetches_total"); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"jwtguard_jwks_keys", "jwtguard_jwks_last_success_timestamp_seconds", "jwtguard_jwks_seconds_since_last_success"} {
		if n := testutil.CollectAndCount(reg, name); n != 0 {
			t.Errorf("%s has %d series", name, n)
		}
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if strings.Contains(lp.GetValue(), "127.0.0.1") || strings.Contains(lp.GetValue(), "random") {
					t.Errorf("%s: label %s=%q names an issuer", mf.GetName(), lp.GetName(), lp.GetValue())
				}
			}
		}
	}
}
