package redisguard

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Defaults of the stores.
const (
	// DefaultPrefix starts every key and channel name.
	DefaultPrefix = "jwtguard:"
	// DefaultTimeout bounds one Redis operation of a request when the
	// request's context has no earlier deadline: past it the operation
	// fails, and the request with it (503, never 200 or 401).
	DefaultTimeout = 50 * time.Millisecond
	// DefaultMaxStaleness is how long a Revocation answers from a snapshot
	// it cannot confirm current (its subscription is down) before it fails
	// closed.
	DefaultMaxStaleness = 5 * time.Second
	// DefaultMaxRevocations bounds the live revocations in Redis, and so
	// the snapshot each replica holds (about 150 bytes each).
	DefaultMaxRevocations = 100_000
)

// Option configures a store. Each constructor uses the options that apply
// to it and ignores the others.
type Option func(*options) error

type options struct {
	prefix         string
	timeout        time.Duration
	maxStaleness   time.Duration
	maxRevocations int
	now            func() time.Time
}

func newOptions(c redis.UniversalClient, opts []Option) (*options, error) {
	if c == nil {
		return nil, errors.New("redisguard: nil Redis client")
	}
	if err := checkClient(c); err != nil {
		return nil, err
	}
	o := &options{prefix: DefaultPrefix, timeout: DefaultTimeout, maxStaleness: DefaultMaxStaleness,
		maxRevocations: DefaultMaxRevocations, now: time.Now}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(o); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// WithPrefix sets the prefix of every key and channel (default
// DefaultPrefix, "jwtguard:"): services that share a Redis use prefixes
// of their own; the replicas of one service use the same.
func WithPrefix(p string) Option {
	return func(o *options) error {
		o.prefix = p
		return nil
	}
}

// WithTimeout sets the deadline of one operation of a request when the
// request's context has none earlier (default DefaultTimeout, 50 ms). It
// should stay well below the API's own timeouts: while Redis is slow,
// requests that need it wait this long before their 503.
func WithTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return errors.New("redisguard: the timeout must be positive")
		}
		o.timeout = d
		return nil
	}
}

// WithMaxStaleness sets how long a Revocation keeps answering from its
// snapshot while it cannot confirm that the snapshot is current (its
// subscription to Redis is down), before Check fails closed (503). Default
// DefaultMaxStaleness, 5 s. 0 means for ever: the snapshot of the moment
// Redis became unreachable is served until it is back, so Bearer requests
// keep working through an outage; a revocation written to Redis meanwhile
// by a revoker that can still reach it takes effect only when the
// replica's subscription is back.
func WithMaxStaleness(d time.Duration) Option {
	return func(o *options) error {
		if d < 0 {
			return errors.New("redisguard: negative staleness")
		}
		o.maxStaleness = d
		return nil
	}
}

// WithMaxRevocations bounds the live revocations a Revocation keeps in
// Redis (default DefaultMaxRevocations). Past it, the Revoke methods fail
// with middleware.ErrRevocationFull; a live revocation is never dropped.
func WithMaxRevocations(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return errors.New("redisguard: the revocation bound must be at least 1")
		}
		o.maxRevocations = n
		return nil
	}
}

// checkClient refuses the clients of go-redis that ignore context
// deadlines: with them a slow Redis would hold each request for the
// client's ReadTimeout (3 s by default) instead of the store's deadline.
func checkClient(c redis.UniversalClient) error {
	enabled := true
	switch cl := c.(type) {
	case *redis.Client:
		enabled = cl.Options().ContextTimeoutEnabled
	case *redis.ClusterClient:
		enabled = cl.Options().ContextTimeoutEnabled
	case *redis.Ring:
		enabled = cl.Options().ContextTimeoutEnabled
	}
	if !enabled {
		return errors.New("redisguard: the Redis client must honour context deadlines: set ContextTimeoutEnabled in its options")
	}
	return nil
}

// NewClient returns a client for a redis:// or rediss:// URL
// (redis.ParseURL: "redis://user:password@host:6379/0"), with context
// deadlines honoured, as the stores require.
func NewClient(url string) (*redis.Client, error) {
	o, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redisguard: %w", err)
	}
	o.ContextTimeoutEnabled = true
	return redis.NewClient(o), nil
}

// bounded returns ctx with the deadline of one operation: d from now,
// unless ctx ends sooner.
func bounded(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= d {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, d)
}
