package middleware

import (
	"context"
	"sync"
	"testing"
	"time"
)

type ctxKey struct{}

// ctxObserver records the events and the context value each came with.
type ctxObserver struct {
	mu     sync.Mutex
	events []ValidationEvent
	values []any
	plain  int
}

func (o *ctxObserver) Validated(ValidationEvent) { o.mu.Lock(); o.plain++; o.mu.Unlock() }

func (o *ctxObserver) ValidatedContext(ctx context.Context, ev ValidationEvent) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.events = append(o.events, ev)
	o.values = append(o.values, ctx.Value(ctxKey{}))
}

func TestContextObserver(t *testing.T) {
	obs := &ctxObserver{}
	v := newValidator(t, WithObserver(obs))
	ctx := context.WithValue(context.Background(), ctxKey{}, "request-1")
	before := time.Now()
	good := token(t, "RS256", nil)
	v.Validate(ctx, good)
	v.Validate(ctx, token(t, "RS256", func(h, c map[string]any) { c["exp"] = 1 }))
	c := newDPoPClient(t)
	bound := c.boundToken(t)
	if _, err := v.Authenticate(ctx, dpopCreds(bound, c.proof(t, "DELETE", apiURL, bound, nil))); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Authenticate(ctx, Credentials{Scheme: SchemeBearer, Token: good}); err != nil {
		t.Fatal(err)
	}
	want := []ValidationEvent{
		{Issuer: testIssuer, Path: PathBearer},
		{Issuer: testIssuer, Reason: ReasonExpired, Path: PathBearer},
		{Issuer: testIssuer, Path: PathDPoP},
		{Issuer: testIssuer, Cached: true, Path: PathBearer},
	}
	if obs.plain != 0 {
		t.Errorf("Validated called %d times beside ValidatedContext", obs.plain)
	}
	if len(obs.events) != len(want) {
		t.Fatalf("got %d events, want %d", len(obs.events), len(want))
	}
	for i, ev := range obs.events {
		if obs.values[i] != "request-1" {
			t.Errorf("event %d: ctx is not the one given to Validate", i)
		}
		if ev.Start.Before(before) || ev.Start.After(time.Now()) || ev.Duration <= 0 {
			t.Errorf("event %d: start %v, duration %v", i, ev.Start, ev.Duration)
		}
		ev.Start, ev.Duration = time.Time{}, 0
		if ev != want[i] {
			t.Errorf("event %d = %+v, want %+v", i, ev, want[i])
		}
	}
}

func TestPathOf(t *testing.T) {
	for scheme, want := range map[string]Path{SchemeBearer: PathBearer, SchemeDPoP: PathDPoP, "": PathBearer} {
		if got := pathOf(scheme); got != want {
			t.Errorf("pathOf(%q) = %q, want %q", scheme, got, want)
		}
	}
}
