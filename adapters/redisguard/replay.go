package redisguard

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/jwtguard/jwtguard/dpop"
)

// ReplayStore is a dpop.ReplayStore in Redis, shared by the replicas of an
// API (middleware.WithDPoPReplayStore). Each proof is one command:
//
//	SET <prefix>dpop:<hex of the entry ID> <token> NX GET PXAT <Expiry in ms, rounded up>
//
// The key is the hex of ReplayEntry.ID, itself a SHA-256 of the proof's
// key thumbprint and jti: never the raw jti. Redis expires the key at the
// proof's Expiry, never before. The value is unique to each call, so that
// a retry of the command by the client (after a lost reply) is recognised
// as the same use and not reported as a replay; this needs Redis 7.0 or
// later (SET with both NX and GET).
//
// No per-key quota is enforced: the replay keys are bounded by Redis's own
// maxmemory. Redis must not evict them: use maxmemory-policy noeviction
// (or a volatile-* policy on a Redis that holds nothing else with a TTL
// worth less) — an evicted key is a proof that can be replayed. When Redis
// refuses the write (OOM), is unreachable or slow past the deadline
// (WithTimeout, or the request's context), Seen returns an error and the
// middleware answers 503 with Retry-After (ReasonReplayStoreUnavailable),
// never 200 nor 401.
type ReplayStore struct {
	c       redis.UniversalClient
	prefix  string
	timeout time.Duration
	tag     [8]byte // random per store
	n       atomic.Uint64
}

// NewReplayStore returns a ReplayStore on c (a single node, Sentinel or
// Cluster client that honours context deadlines; see NewClient).
func NewReplayStore(c redis.UniversalClient, opts ...Option) (*ReplayStore, error) {
	o, err := newOptions(c, opts)
	if err != nil {
		return nil, err
	}
	s := &ReplayStore{c: c, prefix: o.prefix + "dpop:", timeout: o.timeout}
	rand.Read(s.tag[:])
	return s, nil
}

// Seen implements dpop.ReplayStore.
func (s *ReplayStore) Seen(ctx context.Context, e dpop.ReplayEntry) (bool, error) {
	ctx, cancel := bounded(ctx, s.timeout)
	defer cancel()
	var key [64]byte
	hex.Encode(key[:], e.ID[:])
	var val [16]byte
	copy(val[:8], s.tag[:])
	binary.BigEndian.PutUint64(val[8:], s.n.Add(1))
	ms := e.Expiry.UnixMilli()
	if e.Expiry.After(time.UnixMilli(ms)) {
		ms++ // round up: never forget a proof early
	}
	old, err := s.c.Do(ctx, "SET", s.prefix+string(key[:]), val[:], "NX", "GET", "PXAT", ms).Text()
	switch {
	case errors.Is(err, redis.Nil):
		return false, nil // set: a new proof
	case err != nil:
		return false, fmt.Errorf("redisguard: replay store: %w", err)
	}
	return old != string(val[:]), nil
}
