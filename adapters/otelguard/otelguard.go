package otelguard

import (
	"context"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/jwtguard/jwtguard/jwks"
	"github.com/jwtguard/jwtguard/middleware"
)

// ScopeName is the instrumentation scope of the tracer and the meter.
const ScopeName = "github.com/jwtguard/jwtguard/adapters/otelguard"

// The span names.
const (
	SpanValidate = "jwtguard.validate"   // one per validation, child of the request span
	SpanFetch    = "jwtguard.jwks.fetch" // one per JWKS fetch, a trace of its own
)

// The attribute keys. Their values come from fixed lists or from the
// configuration, never from a token.
const (
	// IssuerKey is the configured issuer the token named, or Untrusted.
	IssuerKey = attribute.Key("jwtguard.issuer")
	// ResultKey is ResultAccepted, ResultCached or ResultRefused; on
	// jwtguard.jwks.* it is the fetch's or the refresh's result.
	ResultKey = attribute.Key("jwtguard.result")
	// ReasonKey is the middleware.Reason of a refusal. Metrics carry
	// "none" when the token was accepted; spans carry it only on
	// refusals, beside error.type.
	ReasonKey = attribute.Key("jwtguard.reason")
	// CacheHitKey is true when the verified-token cache answered (span
	// only: the result says it for metrics).
	CacheHitKey = attribute.Key("jwtguard.cache.hit")
	// PathKey is how the token was presented and checked: a
	// middleware.Path ("bearer", "dpop", "mtls", "dpop_mtls",
	// "introspection").
	// It is never a URL path.
	PathKey = attribute.Key("jwtguard.path")
	// ErrorTypeKey is OpenTelemetry's error.type: the Reason of a refusal.
	ErrorTypeKey = attribute.Key("error.type")

	// SourceKey names a key source (jwks.WithName; else its issuer or URL).
	SourceKey = attribute.Key("jwtguard.jwks.source")
	// TriggerKey is a jwks.Trigger: initial, scheduled or unknown_kid.
	TriggerKey = attribute.Key("jwtguard.jwks.trigger")
	// KeysKey is the number of usable keys after a fetch; KeysAddedKey and
	// KeysRemovedKey count the kids that changed (span only).
	KeysKey        = attribute.Key("jwtguard.jwks.keys")
	KeysAddedKey   = attribute.Key("jwtguard.jwks.keys.added")
	KeysRemovedKey = attribute.Key("jwtguard.jwks.keys.removed")
)

// The values of ResultKey for validations.
const (
	ResultAccepted = "accepted" // signature verified and every check passed
	ResultCached   = "cached"   // accepted from the verified-token cache
	ResultRefused  = "refused"
)

// Untrusted stands for the issuer of a token refused before its issuer
// matched the configuration: the token's own iss is never recorded.
const Untrusted = "untrusted"

// Observer records jwtguard's events through the OpenTelemetry API: a span
// per validation and per key fetch, and metrics that mirror promguard's.
// It implements middleware.ContextObserver and jwks.Observer and is safe
// for concurrent use. One Observer serves any number of Validators and key
// sources; create one per MeterProvider (each registers the callbacks of
// jwtguard.validations and jwtguard.jwks.staleness).
//
// A validation is a span rather than an event on the request span: it has
// a duration (a request that waited for a key fetch shows it), samplers
// and span-metrics pipelines see it by name, and an event costs about as
// much with the SDK while being lost when the request span is not
// recording.
//
// Cost: the validation span is recorded after the checks, from the
// event's start and duration, so nothing runs before them. The attributes
// of each (issuer, reason, path, cache) combination are built once and kept
// in a copy-on-write map read without a lock; jwtguard.validations is an
// atomic add per event, reported at collection. What remains per
// validation is the tracer's span (nothing with the no-op tracer, a
// sampling decision and a span with four attributes otherwise) and a
// histogram record: the SDK's own cost (BenchmarkSDKFloor), most of
// BenchmarkCacheHitOTel.
type Observer struct {
	tracer      trace.Tracer
	duration    metric.Float64Histogram
	fetches     metric.Int64Counter
	keys        metric.Int64Gauge
	lastSuccess metric.Float64Gauge
	unknownKID  metric.Int64Counter
	staleness   *staleness
	events      cache[eventKey, *eventAttrs]
	misses      cache[missKey, []metric.AddOption]
	now         func() time.Time
}

var (
	_ middleware.ContextObserver = (*Observer)(nil)
	_ jwks.Observer              = (*Observer)(nil)
)

// Option configures New.
type Option func(*config)

type config struct {
	tp trace.TracerProvider
	mp metric.MeterProvider
}

// WithTracerProvider records spans with tp instead of the global
// provider (otel.GetTracerProvider). A noop.TracerProvider turns spans off.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) {
		if tp != nil {
			c.tp = tp
		}
	}
}

// WithMeterProvider records metrics with mp instead of the global provider
// (otel.GetMeterProvider). A noop.MeterProvider turns metrics off.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) {
		if mp != nil {
			c.mp = mp
		}
	}
}

// durationBuckets are promguard's: 1 µs to about 150 ms.
var durationBuckets = func() []float64 {
	b := make([]float64, 14)
	for i, v := 0, 1e-6; i < len(b); i, v = i+1, v*2.5 {
		b[i] = v
	}
	return b
}()

// New returns an Observer recording with the global providers unless
// options say otherwise; wire it with middleware.WithObserver. It fails
// only when the meter refuses an instrument.
func New(opts ...Option) (*Observer, error) {
	c := config{}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	if c.tp == nil {
		c.tp = otel.GetTracerProvider()
	}
	if c.mp == nil {
		c.mp = otel.GetMeterProvider()
	}
	m := c.mp.Meter(ScopeName)
	o := &Observer{tracer: c.tp.Tracer(ScopeName), now: time.Now}
	var err error
	// Counted with an atomic add per event and reported at collection
	// time: a synchronous counter would double the cost of a cache hit.
	if _, err = m.Int64ObservableCounter("jwtguard.validations", metric.WithUnit("{validation}"),
		metric.WithDescription("Access token validations by configured issuer, result (accepted, cached, refused), refusal reason and path."),
		metric.WithInt64Callback(o.observeValidations)); err != nil {
		return nil, err
	}
	if o.duration, err = m.Float64Histogram("jwtguard.validation.duration", metric.WithUnit("s"),
		metric.WithDescription("Time to validate an access token, by result."),
		metric.WithExplicitBucketBoundaries(durationBuckets...)); err != nil {
		return nil, err
	}
	if o.fetches, err = m.Int64Counter("jwtguard.jwks.fetches", metric.WithUnit("{fetch}"),
		metric.WithDescription("JWKS fetches by key source, trigger (initial, scheduled, unknown_kid) and result (success, not_modified, error).")); err != nil {
		return nil, err
	}
	if o.keys, err = m.Int64Gauge("jwtguard.jwks.keys", metric.WithUnit("{key}"),
		metric.WithDescription("Usable verification keys held by each key source.")); err != nil {
		return nil, err
	}
	if o.lastSuccess, err = m.Float64Gauge("jwtguard.jwks.last_success", metric.WithUnit("s"),
		metric.WithDescription("Unix time of the last successful JWKS fetch (or 304) of each key source.")); err != nil {
		return nil, err
	}
	if o.unknownKID, err = m.Int64Counter("jwtguard.jwks.unknown_kid.refreshes", metric.WithUnit("{refresh}"),
		metric.WithDescription("Refreshes asked for because a token named an unknown kid, by key source and result (fetched, rate_limited).")); err != nil {
		return nil, err
	}
	o.staleness = &staleness{now: time.Now, last: map[string]time.Time{}}
	if _, err = m.Float64ObservableGauge("jwtguard.jwks.staleness", metric.WithUnit("s"),
		metric.WithDescription("Seconds since the key source last fetched its JWKS successfully (or since its first failure when it never has)."),
		metric.WithFloat64Callback(o.staleness.observe)); err != nil {
		return nil, err
	}
	return o, nil
}

// eventKey is what the attributes of a validation depend on: the
// configured issuer ("" when none matched), the reason, the path and the
// cache. Each field takes a bounded set of values.
type eventKey struct {
	issuer string
	reason middleware.Reason
	path   middleware.Path
	cached bool
}

// eventAttrs are built once per eventKey; n counts its events.
type eventAttrs struct {
	n       atomic.Int64
	span    []attribute.KeyValue
	count   metric.ObserveOption
	record  []metric.RecordOption
	refused bool
	status  string // the span's status description when refused
}

func newEventAttrs(k eventKey) *eventAttrs {
	issuer, result, reason, path := k.issuer, ResultAccepted, string(k.reason), string(k.path)
	switch {
	case k.reason != "":
		result = ResultRefused
	case k.cached:
		result = ResultCached
	}
	if issuer == "" {
		issuer = Untrusted
	}
	if reason == "" {
		reason = "none"
	}
	if path == "" {
		path = "unknown"
	}
	// Spans name the reason only on refusals (with OpenTelemetry's
	// error.type); metrics always do, "none" when accepted, as promguard.
	span := []attribute.KeyValue{IssuerKey.String(issuer), ResultKey.String(result),
		PathKey.String(path), CacheHitKey.Bool(k.cached)}
	if k.reason != "" {
		span = append(span, ReasonKey.String(reason), ErrorTypeKey.String(reason))
	}
	count := attribute.NewSet(IssuerKey.String(issuer), ResultKey.String(result),
		ReasonKey.String(reason), PathKey.String(path))
	return &eventAttrs{
		span:    span,
		count:   metric.WithAttributeSet(count),
		record:  []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(ResultKey.String(result)))},
		refused: k.reason != "",
		status:  reason,
	}
}

// ValidatedContext implements middleware.ContextObserver: the Validator
// calls it, on the request's goroutine, with the context given to Validate
// (or Authenticate), so the validation span is a child of the request span
// that otelhttp or otelgrpc started. The span is recorded after the fact,
// from ev.Start to ev.Start+ev.Duration; its attributes are set after the
// sampler's decision (samplers decide on the parent or the trace ID; to
// keep the traces of refused tokens, sample on jwtguard.result in the
// collector). The duration is recorded with the validation span's
// context, so its exemplars point at that span.
func (o *Observer) ValidatedContext(ctx context.Context, ev middleware.ValidationEvent) {
	k := eventKey{issuer: ev.Issuer, reason: ev.Reason, path: ev.Path, cached: ev.Cached}
	a, ok := o.events.load(k)
	if !ok {
		a = o.events.loadOrStore(k, func() *eventAttrs { return newEventAttrs(k) })
	}
	start := ev.Start
	if start.IsZero() {
		start = o.now().Add(-ev.Duration)
	}
	ctx, span := o.tracer.Start(ctx, SpanValidate, trace.WithTimestamp(start))
	recording := span.IsRecording()
	if recording {
		span.SetAttributes(a.span...)
		if a.refused {
			span.SetStatus(codes.Error, a.status)
		}
	}
	a.n.Add(1)
	o.duration.Record(ctx, ev.Duration.Seconds(), a.record...)
	if recording {
		span.End(trace.WithTimestamp(start.Add(ev.Duration)))
	} else {
		span.End()
	}
}

// observeValidations reports jwtguard.validations: each combination's
// count, cumulative.
func (o *Observer) observeValidations(_ context.Context, obs metric.Int64Observer) error {
	if m := o.events.m.Load(); m != nil {
		for _, a := range *m {
			if n := a.n.Load(); n > 0 {
				obs.Observe(n, a.count)
			}
		}
	}
	return nil
}

// Validated implements middleware.Observer for callers without a context
// (a Validator always calls ValidatedContext): the span starts a trace of
// its own.
func (o *Observer) Validated(ev middleware.ValidationEvent) {
	o.ValidatedContext(context.Background(), ev)
}
