package redisguard_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/adapters/redisguard"
	"github.com/jwtguard/jwtguard/introspect"
	"github.com/jwtguard/jwtguard/jwtguardtest"
)

const api = "https://api.example.com"

var secret = []byte("0123456789abcdef0123456789abcdef")

// TestIntrospectionCacheAcrossReplicas: two introspection Clients share
// answers through Redis; keys are hashes, TTLs those of the entries; with
// Redis down the Clients ask the endpoint.
func TestIntrospectionCacheAcrossReplicas(t *testing.T) {
	t.Parallel()
	srv := startRedis(t)
	c := srv.client(t)
	x, err := jwtguardtest.NewIntrospector()
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	cfg := introspect.Config{Issuer: x.URL(), Endpoint: x.Endpoint(), Audiences: []string{api},
		ClientID: jwtguardtest.DefaultIntrospectionClientID, ClientSecret: jwtguardtest.DefaultIntrospectionClientSecret}
	var clients []*introspect.Client
	for range 2 {
		sc, err := redisguard.NewIntrospectionCache(srv.client(t), redisguard.WithPrefix("p:"))
		if err != nil {
			t.Fatal(err)
		}
		ic, err := introspect.New(cfg, introspect.WithSharedCache(sc, secret))
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, ic)
	}
	ctx := context.Background()
	tok, _ := x.OpaqueToken(jwtguardtest.Claims{Subject: "alice", Audience: []string{api}, ExpiresIn: 40 * time.Second})
	for _, ic := range clients {
		if res, err := ic.Introspect(ctx, tok); err != nil || res.Subject != "alice" {
			t.Fatal(res, err)
		}
	}
	if x.Requests() != 1 {
		t.Fatalf("%d requests to the endpoint, want 1", x.Requests())
	}
	keys, _ := c.Keys(ctx, "*").Result()
	if len(keys) != 1 || !strings.HasPrefix(keys[0], "p:introspect:") || len(keys[0]) != len("p:introspect:")+64 {
		t.Fatalf("keys %q", keys)
	}
	v, _ := c.Get(ctx, keys[0]).Result()
	if strings.Contains(v, "alice") || strings.Contains(keys[0], tok) {
		t.Fatal("Redis holds the answer or the token in clear")
	}
	if ttl, _ := c.PTTL(ctx, keys[0]).Result(); ttl <= 30*time.Second || ttl > 40*time.Second {
		t.Fatalf("TTL %v, want the token's remaining life (≤ 40 s)", ttl)
	}
	srv.Stop()
	tok2, _ := x.OpaqueToken(jwtguardtest.Claims{Audience: []string{api}})
	if _, err := clients[1].Introspect(ctx, tok2); err != nil {
		t.Fatalf("Redis down: %v (the endpoint should answer)", err)
	}
}
