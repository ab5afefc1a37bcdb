package redisguard

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// IntrospectionCache is an introspect.SharedCache in Redis
// (introspect.WithSharedCache): the introspection answers of one replica
// serve the others. Keys are <prefix>introspect:<hex of the entry key>,
// the entry key being the keyed hash the introspect Client computes (never
// the token); values are sealed by the Client; each expires after the
// entry's TTL. Every operation is bounded by WithTimeout (default 50 ms);
// the Client treats a failure as a miss and asks the endpoint.
type IntrospectionCache struct {
	c       redis.UniversalClient
	prefix  string
	timeout time.Duration
}

// NewIntrospectionCache returns an IntrospectionCache on c (a client that
// honours context deadlines; see NewClient).
func NewIntrospectionCache(c redis.UniversalClient, opts ...Option) (*IntrospectionCache, error) {
	o, err := newOptions(c, opts)
	if err != nil {
		return nil, err
	}
	return &IntrospectionCache{c: c, prefix: o.prefix + "introspect:", timeout: o.timeout}, nil
}

func (s *IntrospectionCache) key(k [32]byte) string { return s.prefix + hex.EncodeToString(k[:]) }

// Get implements introspect.SharedCache.
func (s *IntrospectionCache) Get(ctx context.Context, k [32]byte) ([]byte, bool, error) {
	ctx, cancel := bounded(ctx, s.timeout)
	defer cancel()
	v, err := s.c.Get(ctx, s.key(k)).Bytes()
	switch {
	case errors.Is(err, redis.Nil):
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("redisguard: introspection cache: %w", err)
	}
	return v, true, nil
}

// Set implements introspect.SharedCache.
func (s *IntrospectionCache) Set(ctx context.Context, k [32]byte, v []byte, ttl time.Duration) error {
	ctx, cancel := bounded(ctx, s.timeout)
	defer cancel()
	if err := s.c.Set(ctx, s.key(k), v, max(ttl, time.Millisecond)).Err(); err != nil {
		return fmt.Errorf("redisguard: introspection cache: %w", err)
	}
	return nil
}

// Delete implements introspect.SharedCache.
func (s *IntrospectionCache) Delete(ctx context.Context, k [32]byte) error {
	ctx, cancel := bounded(ctx, s.timeout)
	defer cancel()
	if err := s.c.Del(ctx, s.key(k)).Err(); err != nil {
		return fmt.Errorf("redisguard: introspection cache: %w", err)
	}
	return nil
}
