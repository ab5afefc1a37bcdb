package redisguard_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/adapters/redisguard"
	"github.com/jwtguard/jwtguard/dpop"
	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
)

// The benchmarks compare the Redis stores with the memory ones on
// loopback: the Redis replay store costs one round trip per DPoP request.
//
//	go test -run '^$' -bench . -benchtime 3000x ./adapters/redisguard/

// BenchmarkReplayStore is one Seen: the store alone.
func BenchmarkReplayStore(b *testing.B) {
	run := func(b *testing.B, s dpop.ReplayStore) {
		var n atomic.Uint64
		exp := time.Now().Add(time.Minute)
		b.ReportAllocs()
		for b.Loop() {
			var id [8]byte
			binary.BigEndian.PutUint64(id[:], n.Add(1))
			e := dpop.ReplayEntry{ID: sha256.Sum256(append([]byte(b.Name()), id[:]...)), Expiry: exp}
			if replayed, err := s.Seen(context.Background(), e); err != nil || replayed {
				b.Fatal(replayed, err)
			}
		}
	}
	b.Run("memory", func(b *testing.B) {
		run(b, dpop.NewMemoryReplayStore(1<<22, dpop.WithReplayKeyQuota(1<<20)))
	})
	b.Run("redis", func(b *testing.B) {
		run(b, newReplayStore(b, startRedis(b).client(b), redisguard.WithPrefix(prefix())))
	})
}

// dpopBench is a validator and pre-minted DPoP requests for it.
type dpopBench struct {
	v     *middleware.Validator
	creds []middleware.Credentials
}

// newDPoPBench mints n requests of nkeys clients (request i is client
// i%nkeys's), each with a key and a token of its own.
func newDPoPBench(b *testing.B, n, nkeys int, opts ...middleware.Option) *dpopBench {
	b.Helper()
	iss, err := jwtguardtest.NewIssuer(jwtguardtest.WithAlgorithm("ES256"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(iss.Close)
	v, err := middleware.New(iss.URL(), api, opts...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { v.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := v.Prime(ctx); err != nil {
		b.Fatal(err)
	}
	keys := make([]*jwtguardtest.DPoPKey, nkeys)
	toks := make([]string, nkeys)
	for i := range keys {
		keys[i], _ = jwtguardtest.NewDPoPKey("ES256")
		toks[i], _ = iss.AccessToken(jwtguardtest.Claims{Audience: []string{api}, DPoPKey: keys[i]})
	}
	d := &dpopBench{v: v}
	for i := range n {
		key, tok := keys[i%nkeys], toks[i%nkeys]
		p, err := key.Proof(jwtguardtest.Proof{Method: "GET", URL: external + "/api/me", AccessToken: tok})
		if err != nil {
			b.Fatal(err)
		}
		d.creds = append(d.creds, middleware.Credentials{Scheme: middleware.SchemeDPoP, Token: tok,
			Proofs: []string{p}, Method: "GET", URL: external + "/api/me"})
	}
	return d
}

// stores are the two configurations the benchmarks compare.
func stores(b *testing.B) map[string]func() []middleware.Option {
	return map[string]func() []middleware.Option{
		"memory": func() []middleware.Option {
			// A quota above the benchmarks' one key's proofs.
			store := dpop.NewMemoryReplayStore(1<<22, dpop.WithReplayKeyQuota(1<<20))
			return []middleware.Option{middleware.WithDPoPReplayStore(store),
				middleware.WithRevocation(middleware.NewMemoryRevocation(0))}
		},
		"redis": func() []middleware.Option {
			c := startRedis(b).client(b)
			p := redisguard.WithPrefix(prefix())
			// patient: a deadline passed on a loaded machine would end
			// the benchmark; the latencies say how long calls took.
			return []middleware.Option{
				middleware.WithDPoPReplayStore(newReplayStore(b, c, p)),
				middleware.WithRevocation(newRevocation(b, c, p)),
			}
		},
	}
}

// BenchmarkDPoPRequest is one DPoP request (token from the verified-token
// cache, proof signature, replay store, revocation list), one at a time.
func BenchmarkDPoPRequest(b *testing.B) {
	for _, name := range []string{"memory", "redis"} {
		b.Run(name, func(b *testing.B) {
			d := newDPoPBench(b, b.N, 1, stores(b)[name]()...)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if _, err := d.v.Authenticate(context.Background(), d.creds[i]); err != nil {
					b.Fatalf("request %d: %v", i, errors.Unwrap(errors.Unwrap(err)))
				}
			}
		})
	}
}

// BenchmarkDPoPLatency64 runs DPoP requests from 64 concurrent clients and
// reports the latency percentiles of one request (p50-µs, p99-µs).
func BenchmarkDPoPLatency64(b *testing.B) {
	const clients = 64
	for _, name := range []string{"memory", "redis"} {
		b.Run(name, func(b *testing.B) {
			d := newDPoPBench(b, b.N, clients, stores(b)[name]()...)
			lat := make([]time.Duration, b.N)
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			for range clients {
				wg.Go(func() {
					for {
						i := int(next.Add(1)) - 1
						if i >= b.N {
							return
						}
						start := time.Now()
						_, err := d.v.Authenticate(context.Background(), d.creds[i])
						lat[i] = time.Since(start)
						if err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
		})
	}
}
