package introspect

import (
	"errors"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/jwtguardtest"
)

// TestFaults: every way the endpoint can fail is ErrUnavailable (503),
// never a refused token and never an accepted one; none is cached, so the
// first call after recovery asks again and succeeds.
func TestFaults(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		break_ func(*jwtguardtest.Introspector)
		fix    func(*jwtguardtest.Introspector)
		kind   Kind
		status int
	}{
		{"down", func(x *jwtguardtest.Introspector) { x.SetDown(true) }, func(x *jwtguardtest.Introspector) { x.SetDown(false) }, KindUnavailable, 503},
		{"500", func(x *jwtguardtest.Introspector) { x.SetOutage(500) }, func(x *jwtguardtest.Introspector) { x.SetOutage(0) }, KindUnavailable, 500},
		{"our credentials refused", func(x *jwtguardtest.Introspector) { x.SetClientCredentials("api", "rotated") },
			func(x *jwtguardtest.Introspector) {
				x.SetClientCredentials(jwtguardtest.DefaultIntrospectionClientID, jwtguardtest.DefaultIntrospectionClientSecret)
			}, KindUnavailable, 401},
		{"garbage", func(x *jwtguardtest.Introspector) { x.SetGarbage(true) }, func(x *jwtguardtest.Introspector) { x.SetGarbage(false) }, KindBadResponse, 0},
		{"huge", func(x *jwtguardtest.Introspector) { x.SetHuge(true) }, func(x *jwtguardtest.Introspector) { x.SetHuge(false) }, KindBadResponse, 0},
		{"slow", func(x *jwtguardtest.Introspector) { x.SetSlow(3 * time.Second) }, func(x *jwtguardtest.Introspector) { x.SetSlow(0) }, KindUnavailable, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			x := newKit(t)
			tok := mint(t, x, jwtguardtest.Claims{})
			c := newClient(t, kitConfig(x), WithTimeout(300*time.Millisecond))
			tc.break_(x)
			for range 2 {
				start := time.Now()
				res, err := c.Introspect(ctxT(t), tok)
				if k := kindOfErr(t, err, tok); k != tc.kind || res != nil {
					t.Fatalf("kind %q (%v), want %q", k, err, tc.kind)
				}
				if !errors.Is(err, ErrUnavailable) {
					t.Fatalf("%v is not ErrUnavailable", err)
				}
				var e *Error
				errors.As(err, &e)
				if e.StatusCode != tc.status {
					t.Fatalf("status %d, want %d", e.StatusCode, tc.status)
				}
				if d := time.Since(start); d > 2*time.Second {
					t.Fatalf("took %v", d)
				}
			}
			if n := x.Requests(); n != 2 {
				t.Fatalf("%d requests: an unavailable answer must not be cached", n)
			}
			tc.fix(x)
			if _, err := c.Introspect(ctxT(t), tok); err != nil {
				t.Fatalf("after recovery: %v", err)
			}
		})
	}
}

// TestEndpointGone: a closed endpoint (connection refused) is
// KindUnavailable.
func TestEndpointGone(t *testing.T) {
	t.Parallel()
	x := newKit(t)
	tok := mint(t, x, jwtguardtest.Claims{})
	c := newClient(t, kitConfig(x))
	x.Close()
	_, err := c.Introspect(ctxT(t), tok)
	if k := kindOfErr(t, err, tok); k != KindUnavailable {
		t.Fatalf("%v", err)
	}
}
