package middleware

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/jwtguard/jwtguard/jwks"
)

// ValidationEvent describes one call of Validator.Validate, for metrics.
// It never carries the token or anything read from an untrusted token.
type ValidationEvent struct {
	// Issuer is the configured issuer the token named (or its
	// IssuerConfig.Label), for an issuer an IssuerResolver named its Label
	// or ResolvedIssuerLabel, and "" when the token was refused before its
	// issuer was matched to the configuration. It is never read from the
	// token alone, so it is safe as a metric label.
	Issuer string
	// Reason is "" when the token was accepted.
	Reason Reason
	// Cached is true when the verified-token cache answered.
	Cached bool
	// Path says how the token was presented (PathBearer, PathDPoP) and,
	// for a certificate-bound token, checked (PathMTLS, PathDPoPMTLS).
	Path Path
	// Start is when the validation began; it took Duration.
	Start    time.Time
	Duration time.Duration
}

// Observer receives an event for every validation. Validated is called on
// the request's goroutine: it must be fast, safe for concurrent use and
// never block. Without an observer (the default) Validate pays nothing.
type Observer interface {
	Validated(ValidationEvent)
}

// WithObserver reports every validation to o (see adapters/promguard).
// When o is also a jwks.Observer, the key source New discovers reports its
// fetches to o as well; sources given with WithKeys take
// jwks.WithObserver themselves.
func WithObserver(o Observer) Option {
	return func(c *config) error {
		if o == nil {
			return errors.New("middleware: nil observer")
		}
		c.observer = o
		return nil
	}
}

// WithLogger logs each refused token at debug level with its reason and
// issuer; never the token, a signature or a claim value. The key source New
// discovers logs to l too (failed refreshes at warn, an issuer whose
// discovery document names another issuer at error, key-set changes at
// info). Default: refused tokens are not logged, and the discovered key
// source reports only failed fetches (at most once every 5 minutes) and an
// issuer mismatch, to slog.Default (see jwks.WithLogger).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("middleware: nil logger")
		}
		c.logger = l
		return nil
	}
}

// sourceOptions are the options of the key source New creates: the
// algorithm allowlist, then the observer and logger of the Validator when
// they fit a key source too (so one WithObserver covers both), then
// WithKeyOptions, which win.
func (c *config) sourceOptions() []jwks.Option {
	opts := []jwks.Option{jwks.WithAlgorithms(c.algs)}
	if o, ok := c.observer.(jwks.Observer); ok {
		opts = append(opts, jwks.WithObserver(o))
	}
	if c.logger != nil {
		opts = append(opts, jwks.WithLogger(c.logger))
	}
	return append(opts, c.keyOpts...)
}

// observe finishes ev and hands it to the observer and the logger.
func (v *Validator) observe(ctx context.Context, ev *ValidationEvent, start time.Time, e *Error) {
	ev.Start, ev.Duration = start, time.Since(start)
	if e != nil {
		ev.Reason = e.Reason
	}
	if v.observer != nil {
		notify(ctx, v.observer, ev)
	}
	if e != nil && v.logger != nil && v.logger.Enabled(ctx, slog.LevelDebug) {
		v.logger.LogAttrs(ctx, slog.LevelDebug, "jwtguard: token refused",
			slog.String("reason", string(e.Reason)), slog.String("issuer", ev.Issuer))
	}
}
