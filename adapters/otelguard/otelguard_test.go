package otelguard_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/jwtguard/jwtguard/adapters/httpguard"
	"github.com/jwtguard/jwtguard/adapters/otelguard"
	"github.com/jwtguard/jwtguard/jwks"
	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
)

const (
	audience = "https://contacts.example.com"
	subject  = "auth0|alice"
	apiURL   = "http://api.example.com/contacts"
)

// env is a Validator observed by an otelguard.Observer that records into
// the SDK's span recorder and a manual metric reader.
type env struct {
	spans  *tracetest.SpanRecorder
	reader *sdkmetric.ManualReader
	tp     *sdktrace.TracerProvider
	obs    *otelguard.Observer
	iss    *jwtguardtest.Issuer
	v      *middleware.Validator
	h      http.Handler
}

func newEnv(t *testing.T, opts ...middleware.Option) *env {
	t.Helper()
	e := &env{spans: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader()}
	e.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(e.spans))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(e.reader))
	t.Cleanup(func() { e.tp.Shutdown(context.Background()); mp.Shutdown(context.Background()) })
	var err error
	if e.obs, err = otelguard.New(otelguard.WithTracerProvider(e.tp), otelguard.WithMeterProvider(mp)); err != nil {
		t.Fatal(err)
	}
	if e.iss, err = jwtguardtest.NewIssuer(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.iss.Close)
	opts = append([]middleware.Option{middleware.WithObserver(e.obs)}, opts...)
	if e.v, err = middleware.New(e.iss.URL(), audience, opts...); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.v.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.v.Prime(ctx); err != nil {
		t.Fatal(err)
	}
	e.h = httpguard.Protect(e.v, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	}))
	return e
}

func (e *env) token(t *testing.T, c jwtguardtest.Claims) string {
	t.Helper()
	if c.Subject == "" {
		c.Subject = subject
	}
	if c.Audience == nil {
		c.Audience = []string{audience}
	}
	tok, err := e.iss.AccessToken(c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// serve sends req through the guard inside a server span, as otelhttp
// would start it, and returns the answer and that span's context.
func (e *env) serve(req *http.Request) (*httptest.ResponseRecorder, trace.SpanContext) {
	ctx, span := e.tp.Tracer("test/otelhttp").Start(req.Context(), "GET /contacts",
		trace.WithSpanKind(trace.SpanKindServer))
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req.WithContext(ctx))
	span.End()
	return rec, span.SpanContext()
}

func bearer(tok string) *http.Request {
	req := httptest.NewRequest("GET", apiURL, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	return req
}

// named returns the ended spans called name, in the order they ended.
func (e *env) named(name string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range e.spans.Ended() {
		if s.Name() == name {
			out = append(out, s)
		}
	}
	return out
}

// attrs renders a span's attributes as a map, for exact comparison.
func attrs(kvs []attribute.KeyValue) map[string]string {
	m := map[string]string{}
	for _, kv := range kvs {
		m[string(kv.Key)] = kv.Value.Emit()
	}
	return m
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// assertValidationSpan checks that s is a jwtguard.validate span, child
// of parent, within it in time, with exactly the attributes want.
func assertValidationSpan(t *testing.T, s sdktrace.ReadOnlySpan, parent sdktrace.ReadOnlySpan, want map[string]string) {
	t.Helper()
	if s.Name() != otelguard.SpanValidate {
		t.Errorf("span name %q", s.Name())
	}
	if s.Parent().SpanID() != parent.SpanContext().SpanID() || s.SpanContext().TraceID() != parent.SpanContext().TraceID() {
		t.Errorf("validation span's parent is %v, want the request span %v", s.Parent().SpanID(), parent.SpanContext().SpanID())
	}
	if s.StartTime().Before(parent.StartTime()) || s.EndTime().After(parent.EndTime()) || !s.EndTime().After(s.StartTime()) {
		t.Errorf("validation span [%v, %v] not within the request span [%v, %v]", s.StartTime(), s.EndTime(), parent.StartTime(), parent.EndTime())
	}
	if got := attrs(s.Attributes()); !equalMaps(got, want) {
		t.Errorf("attributes\n got %v\nwant %v", got, want)
	}
}

// requestSpan returns the ended server span of sc.
func (e *env) requestSpan(t *testing.T, sc trace.SpanContext) sdktrace.ReadOnlySpan {
	t.Helper()
	for _, s := range e.spans.Ended() {
		if s.SpanContext().SpanID() == sc.SpanID() {
			return s
		}
	}
	t.Fatal("request span not recorded")
	return nil
}

// validationChild returns the one validation span whose parent is sc.
func (e *env) validationChild(t *testing.T, sc trace.SpanContext) sdktrace.ReadOnlySpan {
	t.Helper()
	var found []sdktrace.ReadOnlySpan
	for _, s := range e.named(otelguard.SpanValidate) {
		if s.Parent().SpanID() == sc.SpanID() {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d validation spans under the request span, want 1", len(found))
	}
	return found[0]
}

func TestValidationSpanIsChildOfRequestSpan(t *testing.T) {
	e := newEnv(t)
	tok := e.token(t, jwtguardtest.Claims{Scope: "read:contacts"})
	for i, want := range []map[string]string{
		{"jwtguard.issuer": e.iss.URL(), "jwtguard.result": "accepted", "jwtguard.path": "bearer",
			"jwtguard.cache.hit": "false"},
		{"jwtguard.issuer": e.iss.URL(), "jwtguard.result": "cached", "jwtguard.path": "bearer",
			"jwtguard.cache.hit": "true"},
	} {
		rec, sc := e.serve(bearer(tok))
		if rec.Code != http.StatusOK {
			t.Fatalf("request %d: status %d", i, rec.Code)
		}
		s := e.validationChild(t, sc)
		assertValidationSpan(t, s, e.requestSpan(t, sc), want)
		if s.Status().Code != codes.Unset {
			t.Errorf("request %d: status %v on an accepted token", i, s.Status())
		}
		if s.SpanKind() != trace.SpanKindInternal {
			t.Errorf("request %d: kind %v", i, s.SpanKind())
		}
		if s.InstrumentationScope().Name != otelguard.ScopeName {
			t.Errorf("scope %q", s.InstrumentationScope().Name)
		}
	}
	assertNothingSecret(t, e, tok)
}

func TestRefusedTokenSpan(t *testing.T) {
	e := newEnv(t)
	tok := e.token(t, jwtguardtest.Claims{ExpiresIn: -time.Hour})
	rec, sc := e.serve(bearer(tok))
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("status %d", rec.Code)
	}
	s := e.validationChild(t, sc)
	assertValidationSpan(t, s, e.requestSpan(t, sc), map[string]string{
		"jwtguard.issuer": e.iss.URL(), "jwtguard.result": "refused", "jwtguard.reason": "expired",
		"jwtguard.path": "bearer", "jwtguard.cache.hit": "false", "error.type": "expired"})
	if st := s.Status(); st.Code != codes.Error || st.Description != "expired" {
		t.Errorf("status %+v, want Error \"expired\"", st)
	}
	// A forged issuer is not recorded: the span says untrusted.
	forged := e.token(t, jwtguardtest.Claims{Issuer: "https://evil.example/"})
	_, sc = e.serve(bearer(forged))
	if got := attrs(e.validationChild(t, sc).Attributes()); got["jwtguard.issuer"] != otelguard.Untrusted ||
		got["jwtguard.reason"] != string(middleware.ReasonIssuer) {
		t.Errorf("forged issuer: %v", got)
	}
	assertNothingSecret(t, e, tok, forged)
}

func TestDPoPPath(t *testing.T) {
	e := newEnv(t)
	key, err := jwtguardtest.NewDPoPKey("")
	if err != nil {
		t.Fatal(err)
	}
	tok := e.token(t, jwtguardtest.Claims{DPoPKey: key})
	proof, err := key.Proof(jwtguardtest.Proof{Method: "GET", URL: apiURL, AccessToken: tok})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", apiURL, nil)
	req.Header.Set("Authorization", "DPoP "+tok)
	req.Header.Set("DPoP", proof)
	rec, sc := e.serve(req)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Header().Get("WWW-Authenticate"))
	}
	assertValidationSpan(t, e.validationChild(t, sc), e.requestSpan(t, sc), map[string]string{
		"jwtguard.issuer": e.iss.URL(), "jwtguard.result": "accepted", "jwtguard.path": "dpop",
		"jwtguard.cache.hit": "false"})
	assertNothingSecret(t, e, tok, proof, key.Thumbprint())
}

// An unsampled request gets no validation span (the SDK's default
// ParentBased sampler), and metrics still count it.
func TestUnsampledParent(t *testing.T) {
	e := newEnv(t)
	parent := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1}, SpanID: trace.SpanID{1}, Remote: true})
	ctx := trace.ContextWithRemoteSpanContext(context.Background(), parent)
	if _, err := e.v.Validate(ctx, e.token(t, jwtguardtest.Claims{})); err != nil {
		t.Fatal(err)
	}
	if n := len(e.named(otelguard.SpanValidate)); n != 0 {
		t.Errorf("%d validation spans under an unsampled parent", n)
	}
	if got := sums(t, e, "jwtguard.validations"); got[fmt.Sprintf("issuer=%s path=bearer reason=none result=accepted", e.iss.URL())] != 1 {
		t.Errorf("validations %v", got)
	}
}

func TestValidatedWithoutContextStartsATrace(t *testing.T) {
	e := newEnv(t)
	start := time.Now().Add(-time.Millisecond)
	e.obs.Validated(middleware.ValidationEvent{Reason: middleware.ReasonMalformed, Path: middleware.PathBearer,
		Start: start, Duration: 250 * time.Microsecond})
	s := e.named(otelguard.SpanValidate)
	if len(s) != 1 {
		t.Fatalf("%d spans", len(s))
	}
	if s[0].Parent().IsValid() {
		t.Error("span has a parent")
	}
	if !s[0].StartTime().Equal(start) || s[0].EndTime().Sub(s[0].StartTime()) != 250*time.Microsecond {
		t.Errorf("span [%v, %v], want from %v for 250µs", s[0].StartTime(), s[0].EndTime(), start)
	}
	if got := attrs(s[0].Attributes()); got["jwtguard.issuer"] != "untrusted" || got["jwtguard.reason"] != "malformed" {
		t.Errorf("attributes %v", got)
	}
}

func TestKeyFetchSpans(t *testing.T) {
	e := newEnv(t)
	source := e.iss.URL()
	fetches := e.named(otelguard.SpanFetch)
	if len(fetches) != 1 {
		t.Fatalf("%d fetch spans after Prime, want 1", len(fetches))
	}
	want := map[string]string{"jwtguard.jwks.source": source, "jwtguard.jwks.trigger": "initial",
		"jwtguard.result": "success", "jwtguard.jwks.keys": "1", "jwtguard.jwks.keys.added": "1", "jwtguard.jwks.keys.removed": "0"}
	if got := attrs(fetches[0].Attributes()); !equalMaps(got, want) {
		t.Errorf("initial fetch\n got %v\nwant %v", got, want)
	}
	if fetches[0].Parent().IsValid() || fetches[0].Status().Code != codes.Unset {
		t.Errorf("initial fetch: parent %v, status %v", fetches[0].Parent(), fetches[0].Status())
	}

	// A rotation: the first token with the new kid makes the source fetch.
	if _, err := e.iss.Rotate(); err != nil {
		t.Fatal(err)
	}
	rec, sc := e.serve(bearer(e.token(t, jwtguardtest.Claims{})))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	fetches = e.named(otelguard.SpanFetch)
	if len(fetches) != 2 {
		t.Fatalf("%d fetch spans after a rotation, want 2", len(fetches))
	}
	want["jwtguard.jwks.trigger"], want["jwtguard.jwks.keys"] = "unknown_kid", "2"
	if got := attrs(fetches[1].Attributes()); !equalMaps(got, want) {
		t.Errorf("unknown-kid fetch\n got %v\nwant %v", got, want)
	}
	// The request waited for the fetch: its validation span covers it.
	v := e.validationChild(t, sc)
	if v.StartTime().After(fetches[1].StartTime()) || v.EndTime().Before(fetches[1].EndTime()) {
		t.Errorf("validation [%v, %v] does not cover the fetch [%v, %v]", v.StartTime(), v.EndTime(), fetches[1].StartTime(), fetches[1].EndTime())
	}

	got := sums(t, e, "jwtguard.jwks.fetches")
	wantSums := map[string]int64{
		"result=success source=" + source + " trigger=initial":     1,
		"result=success source=" + source + " trigger=unknown_kid": 1,
	}
	if !equalInts(got, wantSums) {
		t.Errorf("jwtguard.jwks.fetches\n got %v\nwant %v", got, wantSums)
	}
	if got, want := sums(t, e, "jwtguard.jwks.unknown_kid.refreshes"), map[string]int64{"result=fetched source=" + source: 1}; !equalInts(got, want) {
		t.Errorf("jwtguard.jwks.unknown_kid.refreshes\n got %v\nwant %v", got, want)
	}
	if got, want := sums(t, e, "jwtguard.jwks.keys"), map[string]int64{"source=" + source: 2}; !equalInts(got, want) {
		t.Errorf("jwtguard.jwks.keys\n got %v\nwant %v", got, want)
	}
	stale := floats(t, e, "jwtguard.jwks.staleness")
	if s, ok := stale["source="+source]; !ok || s < 0 || s > 60 {
		t.Errorf("jwtguard.jwks.staleness %v", stale)
	}
	last := floats(t, e, "jwtguard.jwks.last_success")
	if s := last["source="+source]; time.Since(time.Unix(int64(s), 0)) > time.Minute {
		t.Errorf("jwtguard.jwks.last_success %v", last)
	}
}

func TestKeyFetchFailure(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	obs, err := otelguard.New(otelguard.WithTracerProvider(tp), otelguard.WithMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	iss, err := jwtguardtest.NewIssuer()
	if err != nil {
		t.Fatal(err)
	}
	defer iss.Close()
	iss.SetDown(true)
	src, err := jwks.NewRemote(iss.JWKSURL(), jwks.WithObserver(obs), jwks.WithName("idp"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	deadline := time.Now().Add(10 * time.Second)
	for len(spans.Ended()) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	ended := spans.Ended()
	if len(ended) == 0 {
		t.Fatal("no fetch span")
	}
	s := ended[0]
	want := map[string]string{"jwtguard.jwks.source": "idp", "jwtguard.jwks.trigger": "initial",
		"jwtguard.result": "error", "jwtguard.jwks.keys": "0", "jwtguard.jwks.keys.added": "0", "jwtguard.jwks.keys.removed": "0"}
	if got := attrs(s.Attributes()); s.Name() != otelguard.SpanFetch || !equalMaps(got, want) {
		t.Errorf("%s\n got %v\nwant %v", s.Name(), got, want)
	}
	if st := s.Status(); st.Code != codes.Error || !strings.Contains(st.Description, "503") {
		t.Errorf("status %+v, want Error naming the 503", st)
	}
	e := &env{reader: reader}
	if got := sums(t, e, "jwtguard.jwks.fetches"); got["result=error source=idp trigger=initial"] < 1 {
		t.Errorf("jwtguard.jwks.fetches %v", got)
	}
	if got := floats(t, e, "jwtguard.jwks.staleness"); len(got) != 1 {
		t.Errorf("a source that never worked has no staleness: %v", got)
	}
	if got := floats(t, e, "jwtguard.jwks.last_success"); len(got) != 0 {
		t.Errorf("last_success without a success: %v", got)
	}
}

func TestValidationMetrics(t *testing.T) {
	e := newEnv(t)
	good := e.token(t, jwtguardtest.Claims{})
	for range 3 {
		e.serve(bearer(good)) // accepted once, then cached twice
	}
	e.serve(bearer(e.token(t, jwtguardtest.Claims{ExpiresIn: -time.Hour})))
	e.serve(bearer("not-a-jwt"))
	iss := e.iss.URL()
	want := map[string]int64{
		"issuer=" + iss + " path=bearer reason=none result=accepted":      1,
		"issuer=" + iss + " path=bearer reason=none result=cached":        2,
		"issuer=" + iss + " path=bearer reason=expired result=refused":    1,
		"issuer=untrusted path=bearer reason=opaque_token result=refused": 1,
	}
	if got := sums(t, e, "jwtguard.validations"); !equalInts(got, want) {
		t.Errorf("jwtguard.validations\n got %v\nwant %v", got, want)
	}
	h := histograms(t, e, "jwtguard.validation.duration")
	if got, want := h, map[string]uint64{"result=accepted": 1, "result=cached": 2, "result=refused": 2}; !equalInts(got, want) {
		t.Errorf("jwtguard.validation.duration counts\n got %v\nwant %v", got, want)
	}
	m := collected(t, e, "jwtguard.validation.duration")
	if m.Unit != "s" {
		t.Errorf("unit %q", m.Unit)
	}
	if b := m.Data.(metricdata.Histogram[float64]).DataPoints[0].Bounds; len(b) != 14 || b[0] != 1e-6 {
		t.Errorf("bounds %v", b)
	}
	if m := collected(t, e, "jwtguard.validations"); m.Unit != "{validation}" || !m.Data.(metricdata.Sum[int64]).IsMonotonic {
		t.Errorf("jwtguard.validations: unit %q, %T", m.Unit, m.Data)
	}
}

// A flood of tokens naming random issuers adds one attribute set, never
// one per issuer.
func TestRandomIssuersStayUntrusted(t *testing.T) {
	e := newEnv(t)
	var toks, issuers []string
	for i := range 200 {
		iss := fmt.Sprintf("https://evil-%d.example/", i)
		issuers = append(issuers, iss)
		toks = append(toks, e.token(t, jwtguardtest.Claims{Issuer: iss}))
	}
	var wg sync.WaitGroup
	for _, tok := range toks {
		wg.Go(func() {
			if _, err := e.v.Validate(context.Background(), tok); err == nil {
				t.Error("a foreign issuer was accepted")
			}
		})
	}
	wg.Wait()
	want := map[string]int64{"issuer=untrusted path=bearer reason=issuer_mismatch result=refused": 200}
	if got := sums(t, e, "jwtguard.validations"); !equalInts(got, want) {
		t.Errorf("jwtguard.validations\n got %v\nwant %v", got, want)
	}
	for _, s := range e.named(otelguard.SpanValidate) {
		if v := attrs(s.Attributes())["jwtguard.issuer"]; v != otelguard.Untrusted {
			t.Fatalf("span issuer %q", v)
		}
	}
	assertNothingSecret(t, e, append(toks, issuers...)...)
}

// assertNothingSecret fails when a span attribute, event or status, or a
// metric attribute, carries the subject or any of secrets (or a part of a
// token).
func assertNothingSecret(t *testing.T, e *env, secrets ...string) {
	t.Helper()
	secrets = append(secrets, subject)
	for _, tok := range secrets[:len(secrets)-1] {
		secrets = append(secrets, strings.Split(tok, ".")...)
	}
	check := func(where, v string) {
		for _, s := range secrets {
			if len(s) >= 8 && strings.Contains(v, s) {
				t.Errorf("%s carries a secret: %q", where, v)
			}
		}
	}
	for _, s := range e.spans.Ended() {
		for _, kv := range s.Attributes() {
			check(s.Name()+" "+string(kv.Key), kv.Value.Emit())
		}
		for _, ev := range s.Events() {
			check(s.Name()+" event", ev.Name)
			for _, kv := range ev.Attributes {
				check(s.Name()+" event "+string(kv.Key), kv.Value.Emit())
			}
		}
		check(s.Name()+" status", s.Status().Description)
	}
	var rm metricdata.ResourceMetrics
	if err := e.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			for _, set := range attributeSets(m.Data) {
				check(m.Name, set.Encoded(attribute.DefaultEncoder()))
			}
		}
	}
}

func attributeSets(d metricdata.Aggregation) []attribute.Set {
	var out []attribute.Set
	switch d := d.(type) {
	case metricdata.Sum[int64]:
		for _, p := range d.DataPoints {
			out = append(out, p.Attributes)
		}
	case metricdata.Gauge[int64]:
		for _, p := range d.DataPoints {
			out = append(out, p.Attributes)
		}
	case metricdata.Gauge[float64]:
		for _, p := range d.DataPoints {
			out = append(out, p.Attributes)
		}
	case metricdata.Histogram[float64]:
		for _, p := range d.DataPoints {
			out = append(out, p.Attributes)
		}
	}
	return out
}

// collected collects and returns the metric called name.
func collected(t *testing.T, e *env, name string) metricdata.Metrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := e.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != otelguard.ScopeName {
			continue
		}
		for _, m := range sm.Metrics {
			if m.Name == name {
				return m
			}
		}
	}
	t.Fatalf("no metric %s", name)
	return metricdata.Metrics{}
}

// key renders a set as "k=v k=v", keys sorted, without the jwtguard.
// prefixes.
func key(s attribute.Set) string {
	var parts []string
	for _, kv := range s.ToSlice() {
		k := strings.TrimPrefix(strings.TrimPrefix(string(kv.Key), "jwtguard."), "jwks.")
		parts = append(parts, k+"="+kv.Value.Emit())
	}
	slices.Sort(parts)
	return strings.Join(parts, " ")
}

// sums returns the points of an int64 counter or gauge by attribute set.
func sums(t *testing.T, e *env, name string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	switch d := collected(t, e, name).Data.(type) {
	case metricdata.Sum[int64]:
		for _, p := range d.DataPoints {
			out[key(p.Attributes)] = p.Value
		}
	case metricdata.Gauge[int64]:
		for _, p := range d.DataPoints {
			out[key(p.Attributes)] = p.Value
		}
	default:
		t.Fatalf("%s is a %T", name, d)
	}
	return out
}

// floats returns the points of a float64 gauge by attribute set; empty
// when the metric has no point yet.
func floats(t *testing.T, e *env, name string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	var rm metricdata.ResourceMetrics
	if err := e.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if g, ok := m.Data.(metricdata.Gauge[float64]); ok && m.Name == name {
				for _, p := range g.DataPoints {
					out[key(p.Attributes)] = p.Value
				}
			}
		}
	}
	return out
}

// histograms returns the counts of a histogram by attribute set.
func histograms(t *testing.T, e *env, name string) map[string]uint64 {
	t.Helper()
	out := map[string]uint64{}
	for _, p := range collected(t, e, name).Data.(metricdata.Histogram[float64]).DataPoints {
		out[key(p.Attributes)] = p.Count
	}
	return out
}

func equalInts[V int64 | uint64](a, b map[string]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// The issuers a resolver names count as "resolved", in validations and
// key fetches alike; the key-count, last-success and staleness gauges of
// one source are not kept for them, and no attribute names one of them.
func TestResolvedIssuers(t *testing.T) {
	tenant, err := jwtguardtest.NewIssuer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tenant.Close)
	e := newEnv(t, middleware.WithTokenCache(0), middleware.WithIssuerResolver(
		func(ctx context.Context, iss string) (middleware.IssuerConfig, error) {
			if iss != tenant.URL() {
				return middleware.IssuerConfig{}, middleware.ErrIssuerNotTrusted
			}
			return middleware.IssuerConfig{}, nil
		}))
	tok, err := tenant.AccessToken(jwtguardtest.Claims{Subject: subject, Audience: []string{audience}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.v.Validate(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	static := "source=" + e.iss.URL()
	if got, want := sums(t, e, "jwtguard.validations"), map[string]int64{"issuer=resolved path=bearer reason=none result=accepted": 1}; !equalInts(got, want) {
		t.Errorf("jwtguard.validations\n got %v\nwant %v", got, want)
	}
	if got, want := sums(t, e, "jwtguard.jwks.fetches"), map[string]int64{
		"result=success " + static + " trigger=initial":  1,
		"result=success source=resolved trigger=initial": 1,
	}; !equalInts(got, want) {
		t.Errorf("jwtguard.jwks.fetches\n got %v\nwant %v", got, want)
	}
	if got, want := sums(t, e, "jwtguard.jwks.keys"), map[string]int64{static: 1}; !equalInts(got, want) {
		t.Errorf("jwtguard.jwks.keys\n got %v\nwant %v", got, want)
	}
	for _, name := range []string{"jwtguard.jwks.last_success", "jwtguard.jwks.staleness"} {
		if got := floats(t, e, name); len(got) != 1 || got[static] == 0 && name == "jwtguard.jwks.last_success" {
			t.Errorf("%s: %v, want the static source only", name, got)
		}
	}
	// Every kit listens on 127.0.0.1: the tenant's address is its port.
	assertNothingSecret(t, e, tok, strings.TrimPrefix(tenant.URL(), "http://"))
}
