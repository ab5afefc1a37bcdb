package otelguard_test

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/jwtguard/jwtguard/adapters/otelguard"
	"github.com/jwtguard/jwtguard/bench"
	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
)

// The cache-hit path of Validate (a token validated before) with and
// without the observer, side by side: run with
//
//	go test -run '^$' -bench CacheHit -benchmem
//
// BenchmarkCacheHitNoObserver is the core's cached path (bench/: Verify
// "cached"); BenchmarkCacheHitOTel adds the OTel SDK with every span
// sampled, no exporter, and a manual metric reader, under a sampled request
// span, as behind otelhttp; BenchmarkCacheHitOTelNoop is the observer with
// the API's no-op providers (the cost of the hook and the attribute cache).
// Beside ns/op each reports cpu-ns/op, the process CPU time per
// validation (bench.StartCPU): steadier than wall time on a loaded machine.

// cacheHit validates a token once, then measures validating it again.
func cacheHit(b *testing.B, ctx context.Context, opts ...middleware.Option) {
	iss, err := jwtguardtest.NewIssuer()
	if err != nil {
		b.Fatal(err)
	}
	defer iss.Close()
	v, err := middleware.New(iss.URL(), audience, opts...)
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	pctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := v.Prime(pctx); err != nil {
		b.Fatal(err)
	}
	tok, err := iss.AccessToken(jwtguardtest.Claims{Subject: subject, Audience: []string{audience}})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := v.Validate(ctx, tok); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpu := bench.StartCPU()
	for b.Loop() {
		if _, err := v.Validate(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
	cpu.Report(b, b.N)
}

func BenchmarkCacheHitNoObserver(b *testing.B) {
	cacheHit(b, context.Background())
}

func BenchmarkCacheHitOTel(b *testing.B) {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	defer tp.Shutdown(context.Background())
	defer mp.Shutdown(context.Background())
	o, err := otelguard.New(otelguard.WithTracerProvider(tp), otelguard.WithMeterProvider(mp))
	if err != nil {
		b.Fatal(err)
	}
	ctx, span := tp.Tracer("bench/otelhttp").Start(context.Background(), "GET /contacts",
		trace.WithSpanKind(trace.SpanKindServer))
	defer span.End()
	cacheHit(b, ctx, middleware.WithObserver(o))
}

func BenchmarkCacheHitOTelNoop(b *testing.B) {
	o, err := otelguard.New(otelguard.WithTracerProvider(tracenoop.NewTracerProvider()),
		otelguard.WithMeterProvider(metricnoop.NewMeterProvider()))
	if err != nil {
		b.Fatal(err)
	}
	cacheHit(b, context.Background(), middleware.WithObserver(o))
}

// BenchmarkSDKFloor makes the SDK calls the observer makes for a cache
// hit (a span with its timestamps and four attributes, a histogram record)
// without jwtguard: BenchmarkCacheHitOTel minus
// BenchmarkCacheHitNoObserver minus this is otelguard's own share.
func BenchmarkSDKFloor(b *testing.B) {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	defer tp.Shutdown(context.Background())
	defer mp.Shutdown(context.Background())
	m := mp.Meter("floor")
	hist, _ := m.Float64Histogram("h", metric.WithExplicitBucketBoundaries(1e-6, 2.5e-6, 6.25e-6, 1.6e-5, 3.9e-5,
		9.8e-5, 2.4e-4, 6.1e-4, 1.5e-3, 3.8e-3, 9.5e-3, 2.4e-2, 6e-2, 1.5e-1))
	tracer := tp.Tracer("floor")
	attrs := []attribute.KeyValue{otelguard.IssuerKey.String("https://tenant.example.com/"),
		otelguard.ResultKey.String("cached"), otelguard.PathKey.String("bearer"), otelguard.CacheHitKey.Bool(true)}
	rec := []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(otelguard.ResultKey.String("cached")))}
	parent, span := tp.Tracer("bench/otelhttp").Start(context.Background(), "GET /contacts",
		trace.WithSpanKind(trace.SpanKindServer))
	defer span.End()
	b.ReportAllocs()
	cpu := bench.StartCPU()
	for b.Loop() {
		start := time.Now()
		ctx, s := tracer.Start(parent, otelguard.SpanValidate, trace.WithTimestamp(start))
		s.SetAttributes(attrs...)
		hist.Record(ctx, 1e-7, rec...)
		s.End(trace.WithTimestamp(start.Add(100 * time.Nanosecond)))
	}
	cpu.Report(b, b.N)
}
