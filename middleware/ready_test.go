package middleware

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/jwks"
)

func TestReadyAndPrime(t *testing.T) {
	src := &countingSource{}
	v, err := New(testIssuer, testAudience, WithKeys(src))
	if err != nil {
		t.Fatal(err)
	}
	if v.Ready() {
		t.Fatal("Ready with no keys")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Millisecond)
	defer cancel()
	if err := v.Prime(ctx); !errors.Is(err, ErrKeysUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Prime without keys: %v", err)
	}
	go func() {
		time.Sleep(60 * time.Millisecond)
		src.set.Store(jwks.NewSet(fixture.keySet...))
	}()
	ctx2, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel2()
	if err := v.Prime(ctx2); err != nil {
		t.Fatalf("Prime once keys arrive: %v", err)
	}
	if !v.Ready() {
		t.Fatal("not Ready with keys")
	}
}

type recordingObserver struct{ events []ValidationEvent }

func (o *recordingObserver) Validated(ev ValidationEvent) { o.events = append(o.events, ev) }

func TestObserverEvents(t *testing.T) {
	obs := &recordingObserver{}
	v := newValidator(t, WithObserver(obs))
	ctx := context.Background()
	good := token(t, "RS256", nil)
	v.Validate(ctx, good)
	v.Validate(ctx, good)
	v.Validate(ctx, token(t, "RS256", func(h, c map[string]any) { c["iss"] = "https://evil.example/" }))
	v.Validate(ctx, token(t, "RS256", func(h, c map[string]any) { c["exp"] = 1 }))
	want := []ValidationEvent{
		{Issuer: testIssuer, Path: PathBearer},
		{Issuer: testIssuer, Cached: true, Path: PathBearer},
		{Reason: ReasonIssuer, Path: PathBearer},
		{Issuer: testIssuer, Reason: ReasonExpired, Path: PathBearer},
	}
	if len(obs.events) != len(want) {
		t.Fatalf("got %d events, want %d", len(obs.events), len(want))
	}
	for i, ev := range obs.events {
		if ev.Duration <= 0 || ev.Start.IsZero() {
			t.Errorf("event %d has no start or duration", i)
		}
		ev.Duration, ev.Start = 0, time.Time{}
		if ev != want[i] {
			t.Errorf("event %d = %+v, want %+v", i, ev, want[i])
		}
	}
}
