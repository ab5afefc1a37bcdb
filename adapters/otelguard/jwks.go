package otelguard

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/jwtguard/jwtguard/jwks"
	"github.com/jwtguard/jwtguard/middleware"
)

// The values of ResultKey for key fetches and unknown-kid refreshes.
const (
	FetchSuccess     = "success"
	FetchNotModified = "not_modified"
	FetchError       = "error"

	RefreshFetched     = "fetched"
	RefreshRateLimited = "rate_limited"
)

// KeysFetched implements jwks.Observer. It is called from the key
// source's own goroutine once a fetch ends. A fetch is shared by every
// request that waits for it, so its span starts a trace of its own; a
// request that waited shows it as the duration of its validation span.
// On failure the span's status is Error with the error's text (the one
// the key source logs: the JWKS URL, an HTTP status or a parse error).
func (o *Observer) KeysFetched(ev jwks.FetchEvent) {
	result := FetchSuccess
	switch {
	case ev.Err != nil:
		result = FetchError
	case ev.NotModified:
		result = FetchNotModified
	}
	end := o.now()
	ctx, span := o.tracer.Start(context.Background(), SpanFetch, trace.WithNewRoot(),
		trace.WithTimestamp(end.Add(-ev.Duration)),
		trace.WithAttributes(
			SourceKey.String(ev.Source), TriggerKey.String(string(ev.Trigger)), ResultKey.String(result),
			KeysKey.Int(ev.Keys), KeysAddedKey.Int(len(ev.Added)), KeysRemovedKey.Int(len(ev.Removed))))
	if ev.Err != nil {
		span.SetStatus(codes.Error, ev.Err.Error())
	}
	source := metric.WithAttributeSet(attribute.NewSet(SourceKey.String(ev.Source)))
	o.fetches.Add(ctx, 1, metric.WithAttributeSet(attribute.NewSet(
		SourceKey.String(ev.Source), TriggerKey.String(string(ev.Trigger)), ResultKey.String(result))))
	switch {
	case ev.Source == middleware.ResolvedIssuerLabel:
		// The sources of every issuer a resolver named without a label
		// report under this one name: their fetches add up, but the key
		// count or last success of one of them would stand for all.
	case ev.Err == nil:
		o.keys.Record(ctx, int64(ev.Keys), source)
		o.lastSuccess.Record(ctx, float64(end.UnixNano())/1e9, source)
		o.staleness.success(ev.Source, end)
	default:
		o.keys.Record(ctx, int64(ev.Keys), source)
		o.staleness.seen(ev.Source)
	}
	span.End(trace.WithTimestamp(end))
}

type missKey struct {
	source  string
	refused bool
}

// UnknownKIDRefresh implements jwks.Observer: a counter only, as the call
// comes without the request's context.
func (o *Observer) UnknownKIDRefresh(source string, refused bool) {
	k := missKey{source, refused}
	opts, ok := o.misses.load(k)
	if !ok {
		opts = o.misses.loadOrStore(k, func() []metric.AddOption {
			result := RefreshFetched
			if refused {
				result = RefreshRateLimited
			}
			return []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(
				SourceKey.String(source), ResultKey.String(result)))}
		})
	}
	o.unknownKID.Add(context.Background(), 1, opts...)
}

// staleness feeds jwtguard.jwks.staleness at collection time: how long ago
// each key source last fetched successfully, or, when it never has, since
// its first failure, so "never worked" alerts too.
type staleness struct {
	now  func() time.Time
	mu   sync.Mutex
	last map[string]time.Time
}

func (s *staleness) success(source string, at time.Time) {
	s.mu.Lock()
	s.last[source] = at
	s.mu.Unlock()
}

// seen registers a source on its first (failed) fetch.
func (s *staleness) seen(source string) {
	s.mu.Lock()
	if _, ok := s.last[source]; !ok {
		s.last[source] = s.now()
	}
	s.mu.Unlock()
}

func (s *staleness) observe(_ context.Context, obs metric.Float64Observer) error {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for src, t := range s.last {
		obs.Observe(now.Sub(t).Seconds(), metric.WithAttributeSet(attribute.NewSet(SourceKey.String(src))))
	}
	return nil
}
