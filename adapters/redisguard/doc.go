// Package redisguard keeps the state jwtguard shares between the replicas
// of an API in Redis (a single node, Sentinel or Cluster, through a
// go-redis v9 redis.UniversalClient), in a module of its own so that the
// core never depends on a Redis client:
//
//   - ReplayStore, a dpop.ReplayStore (middleware.WithDPoPReplayStore):
//     a DPoP proof accepted by one replica is a replay at every other. One
//     SET NX PXAT per proof, keyed by the proof's hash.
//   - Revocation, a middleware.Revoker (middleware.WithRevocation): a
//     revocation list in one sorted set, of which each replica holds a
//     snapshot kept current by publish/subscribe, so that checking a token
//     never leaves the process and a revocation made anywhere takes effect
//     everywhere within milliseconds. While Redis is unreachable the
//     snapshot serves for WithMaxStaleness, then Check fails closed.
//   - IntrospectionCache, an introspect.SharedCache
//     (introspect.WithSharedCache): the introspection answers of one
//     replica serve the others.
//
// Every key starts with a prefix (WithPrefix, default "jwtguard:") and
// names a hash, never a token, jti, sub or client_id. Every operation a
// request waits for is bounded by a deadline (WithTimeout, default 50 ms,
// or the request's own when it is earlier), so a slow or unreachable
// Redis makes requests that need it fail fast with 503 and Retry-After:
// never 200 for a proof that could not be checked, never 401 for the
// server's trouble. The client must honour context deadlines
// (ContextTimeoutEnabled; NewClient sets it), and Redis must be 7.0 or
// later and must not evict the replay keys (maxmemory-policy noeviction).
//
//	rdb, err := redisguard.NewClient("redis://redis.internal:6379/0")
//	replay, err := redisguard.NewReplayStore(rdb)
//	revoked, err := redisguard.NewRevocation(rdb)
//	defer revoked.Close()
//	v, err := middleware.New(issuer, audience,
//		middleware.WithDPoPReplayStore(replay),
//		middleware.WithRevocation(revoked))
//
// The tests start redis-server processes of their own on loopback; they
// install it with apt-get when it is missing and they run as root, and
// skip, saying so, only when that is impossible.
package redisguard
