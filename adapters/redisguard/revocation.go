package redisguard

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/jwtguard/jwtguard/middleware"
)

// Errors of Revocation.Check. Both make the middleware answer 503
// (ReasonRevocationUnavailable): a list that may be missing revocations is
// never trusted to accept a token.
var (
	// ErrNotSynced: the snapshot has not been loaded from Redis yet.
	ErrNotSynced = errors.New("redisguard: the revocation list has not been loaded from Redis yet")
	// ErrStale: the snapshot could not be confirmed current for longer
	// than WithMaxStaleness.
	ErrStale = errors.New("redisguard: the revocation list is stale (Redis unreachable)")
)

// Revocation is a middleware.Revoker in Redis, shared by the replicas of
// an API, whose Check never leaves the process: each replica keeps a
// snapshot of the live revocations, loaded at start and kept current by
// publish/subscribe, so a token costs a few map lookups, the tokens the
// validator's cache answers for included, and a revocation made on one
// replica takes effect on every other within a round trip of Redis
// (milliseconds).
//
// In Redis the list is one sorted set, <prefix>revocations, whose members
// name a revocation by kind and SHA-256 of the identifier (never the jti,
// sub or client_id in clear) scored by its until in Unix milliseconds; a
// Revoke method updates it and publishes the change on the channel of the
// same name in one script, and expired members are removed as new ones
// come. A replica subscribes first and loads the set second, so nothing
// published in between is lost, and does it again after every reconnect.
//
// While the subscription is down the snapshot may miss revocations: Check
// keeps answering from it for WithMaxStaleness (default 5 s; it is
// confirmed current by a ping every second), then fails closed
// (ErrStale: 503) until the subscription is back and the set reloaded.
// With WithMaxStaleness(0) it answers from the last snapshot for as long
// as Redis is down. Before the first load, Check fails (ErrNotSynced);
// WaitReady waits for it.
//
// A Revocation owns one goroutine and one connection (the subscription);
// Close stops them.
type Revocation struct {
	c          redis.UniversalClient
	key        string // the sorted set, and the channel
	timeout    time.Duration
	maxStale   time.Duration
	maxEntries int
	ping       time.Duration
	now        func() time.Time

	mu    sync.RWMutex
	snap  snapshot
	count atomic.Int64 // live entries of snap, read without the lock
	fresh atomic.Int64 // when snap was last known current (unix ns); 0: never
	ready chan struct{}
	once  sync.Once

	ps     *redis.PubSub
	cancel context.CancelFunc
	done   chan struct{}
}

// snapshot is the replica's copy of the list, by SHA-256 of the
// identifier; times in Unix milliseconds.
type snapshot struct {
	jtis     map[[32]byte]int64
	clients  map[[32]byte]int64
	subjects map[[32]byte][]cut
	nextExp  int64
}

// cut is one RevokeSubject: the subject's tokens with iat < before.
type cut struct{ before, until int64 }

func newSnapshot() snapshot {
	return snapshot{jtis: map[[32]byte]int64{}, clients: map[[32]byte]int64{}, subjects: map[[32]byte][]cut{}, nextExp: 1<<63 - 1}
}

// NewRevocation returns a Revocation on c (a client that honours context
// deadlines; see NewClient) and starts its subscription. It does not wait
// for Redis: see WaitReady.
func NewRevocation(c redis.UniversalClient, opts ...Option) (*Revocation, error) {
	o, err := newOptions(c, opts)
	if err != nil {
		return nil, err
	}
	ping := time.Second
	if o.maxStaleness > 0 {
		ping = min(max(o.maxStaleness/4, 20*time.Millisecond), time.Second)
	}
	r := &Revocation{
		c: c, key: o.prefix + "revocations", timeout: o.timeout, maxStale: o.maxStaleness,
		maxEntries: o.maxRevocations, ping: ping, now: o.now,
		snap: newSnapshot(), ready: make(chan struct{}), done: make(chan struct{}),
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	r.ps = c.Subscribe(ctx, r.key)
	go r.run(ctx)
	return r, nil
}

// WaitReady waits until the list has been loaded from Redis once, or ctx
// ends.
func (r *Revocation) WaitReady(ctx context.Context) error {
	select {
	case <-r.ready:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("redisguard: waiting for the revocation list: %w", ctx.Err())
	}
}

// Close stops the subscription and its goroutine. Check fails afterwards.
func (r *Revocation) Close() error {
	r.cancel()
	r.ps.Close() // ends a read in progress
	<-r.done
	r.fresh.Store(0)
	return nil
}

// Check implements middleware.Revocation, from the snapshot.
func (r *Revocation) Check(_ context.Context, q middleware.RevocationQuery) (bool, error) {
	f := r.fresh.Load()
	if f == 0 {
		return false, ErrNotSynced
	}
	now := r.now()
	if r.maxStale > 0 && now.UnixNano()-f > int64(r.maxStale) {
		return false, ErrStale
	}
	if r.count.Load() == 0 {
		return false, nil
	}
	ms := now.UnixMilli()
	r.mu.RLock()
	defer r.mu.RUnlock()
	s := &r.snap
	if q.JTI != "" && len(s.jtis) > 0 {
		if u := s.jtis[sha256.Sum256([]byte(q.JTI))]; u > ms {
			return true, nil
		}
	}
	if q.ClientID != "" && len(s.clients) > 0 {
		if u := s.clients[sha256.Sum256([]byte(q.ClientID))]; u > ms {
			return true, nil
		}
	}
	if q.Sub != "" && len(s.subjects) > 0 {
		for _, c := range s.subjects[sha256.Sum256([]byte(q.Sub))] {
			if c.until > ms && (q.IssuedAt.IsZero() || q.IssuedAt.UnixMilli() < c.before) {
				return true, nil
			}
		}
	}
	return false, nil
}

// RevokeJTI implements middleware.Revoker.
func (r *Revocation) RevokeJTI(ctx context.Context, jti string, until time.Time) error {
	return r.revoke(ctx, "jti", jti, "j:", "", until)
}

// RevokeClient implements middleware.Revoker.
func (r *Revocation) RevokeClient(ctx context.Context, clientID string, until time.Time) error {
	return r.revoke(ctx, "client_id", clientID, "c:", "", until)
}

// RevokeSubject implements middleware.Revoker.
func (r *Revocation) RevokeSubject(ctx context.Context, sub string, before, until time.Time) error {
	return r.revoke(ctx, "sub", sub, "s:", ":"+strconv.FormatInt(before.UnixMilli(), 10), until)
}

// revokeScript adds a member (or raises its score), removes the expired
// ones, keeps the set's own expiry at its last member's and publishes the
// change, atomically. KEYS[1] is the set; ARGV: channel, member, until,
// now (ms), bound, message.
var revokeScript = redis.NewScript(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[4])
if not redis.call('ZSCORE', KEYS[1], ARGV[2]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[5]) then
  return redis.error_reply('JWTGUARDFULL revocation list full')
end
redis.call('ZADD', KEYS[1], 'GT', ARGV[3], ARGV[2])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], last[2])
redis.call('PUBLISH', ARGV[1], ARGV[6])
return 1
`)

func (r *Revocation) revoke(ctx context.Context, what, id, kind, suffix string, until time.Time) error {
	switch {
	case id == "":
		return errors.New("redisguard: revoking an empty " + what)
	case len(id) > middleware.MaxRevocationIDSize:
		return errors.New("redisguard: the " + what + " to revoke is longer than middleware.MaxRevocationIDSize")
	}
	now := r.now()
	u := until.UnixMilli()
	if until.After(time.UnixMilli(u)) {
		u++
	}
	if u <= now.UnixMilli() {
		return nil
	}
	h := sha256.Sum256([]byte(id))
	member := kind + hex.EncodeToString(h[:]) + suffix
	msg := member + " " + strconv.FormatInt(u, 10)
	ctx, cancel := bounded(ctx, max(r.timeout, time.Second))
	defer cancel()
	err := revokeScript.Run(ctx, r.c, []string{r.key}, r.key, member, u, now.UnixMilli(), r.maxEntries, msg).Err()
	if err != nil {
		if strings.HasPrefix(err.Error(), "JWTGUARDFULL") {
			return middleware.ErrRevocationFull
		}
		return fmt.Errorf("redisguard: revoke: %w", err)
	}
	r.mu.Lock()
	r.snap.add(member, u)
	r.count.Store(int64(r.snap.len()))
	r.mu.Unlock()
	return nil
}

// add applies one member with its until to s; a member it cannot read is
// ignored.
func (s *snapshot) add(member string, until int64) {
	kind, rest, ok := strings.Cut(member, ":")
	if !ok || len(rest) < 64 {
		return
	}
	var h [32]byte
	if _, err := hex.Decode(h[:], []byte(rest[:64])); err != nil {
		return
	}
	switch kind {
	case "j":
		s.jtis[h] = max(s.jtis[h], until)
	case "c":
		s.clients[h] = max(s.clients[h], until)
	case "s":
		before, err := strconv.ParseInt(strings.TrimPrefix(rest[64:], ":"), 10, 64)
		if err != nil {
			return
		}
		list := s.subjects[h]
		for i, c := range list {
			if c.before == before {
				list[i].until = max(c.until, until)
				return
			}
		}
		s.subjects[h] = append(list, cut{before: before, until: until})
	default:
		return
	}
	s.nextExp = min(s.nextExp, until)
}

func (s *snapshot) len() int {
	n := len(s.jtis) + len(s.clients)
	for _, l := range s.subjects {
		n += len(l)
	}
	return n
}

// sweep forgets what expired by now (ms).
func (s *snapshot) sweep(now int64) {
	if now < s.nextExp {
		return
	}
	next := int64(1<<63 - 1)
	for _, m := range []map[[32]byte]int64{s.jtis, s.clients} {
		for h, u := range m {
			if u <= now {
				delete(m, h)
			} else {
				next = min(next, u)
			}
		}
	}
	for h, list := range s.subjects {
		live := list[:0]
		for _, c := range list {
			if c.until > now {
				live = append(live, c)
				next = min(next, c.until)
			}
		}
		if len(live) == 0 {
			delete(s.subjects, h)
		} else {
			s.subjects[h] = live
		}
	}
	s.nextExp = next
}

// run owns the subscription: it (re)loads the set after each
// (re)subscription, applies what is published, pings to confirm the
// snapshot current, and backs off while Redis is unreachable.
func (r *Revocation) run(ctx context.Context) {
	defer close(r.done)
	ps := r.ps
	const minBackoff, maxBackoff = 20 * time.Millisecond, time.Second
	backoff := minBackoff
	pause := func() {
		t := time.NewTimer(backoff)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
		backoff = min(2*backoff, maxBackoff)
	}
	subscribed, needSync := false, true
	for ctx.Err() == nil {
		if subscribed && needSync {
			if err := r.load(ctx); err != nil {
				pause()
				continue
			}
			needSync, backoff = false, minBackoff
		}
		msg, err := ps.ReceiveTimeout(ctx, r.ping)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				if err := ps.Ping(ctx); err == nil {
					continue
				}
			}
			subscribed, needSync = false, true
			pause()
			continue
		}
		now := r.now()
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" {
				subscribed, needSync = true, true
			}
		case *redis.Message:
			member, until, _ := strings.Cut(m.Payload, " ")
			if u, err := strconv.ParseInt(until, 10, 64); err == nil {
				r.mu.Lock()
				r.snap.add(member, u)
				r.count.Store(int64(r.snap.len()))
				r.mu.Unlock()
			}
			if !needSync {
				r.fresh.Store(now.UnixNano())
			}
		case *redis.Pong:
			if !needSync {
				r.fresh.Store(now.UnixNano())
			}
			r.mu.Lock()
			r.snap.sweep(now.UnixMilli())
			r.count.Store(int64(r.snap.len()))
			r.mu.Unlock()
		}
	}
}

// load replaces the snapshot with the live members of the set.
func (r *Revocation) load(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, max(r.timeout, 5*time.Second))
	defer cancel()
	now := r.now()
	zs, err := r.c.ZRangeArgsWithScores(ctx, redis.ZRangeArgs{
		Key: r.key, Start: "(" + strconv.FormatInt(now.UnixMilli(), 10), Stop: "+inf", ByScore: true,
	}).Result()
	if err != nil {
		return err
	}
	s := newSnapshot()
	for _, z := range zs {
		if m, ok := z.Member.(string); ok {
			s.add(m, int64(z.Score))
		}
	}
	r.mu.Lock()
	r.snap = s
	r.count.Store(int64(s.len()))
	r.mu.Unlock()
	r.fresh.Store(now.UnixNano())
	r.once.Do(func() { close(r.ready) })
	return nil
}
