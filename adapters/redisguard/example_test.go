package redisguard_test

import (
	"context"
	"log"
	"net/http"
	"time"

	"github.com/jwtguard/jwtguard/adapters/httpguard"
	"github.com/jwtguard/jwtguard/adapters/redisguard"
	"github.com/jwtguard/jwtguard/middleware"
)

// Every replica of the API runs the same code against the same Redis: a
// DPoP proof is accepted once across them, and a token revoked on one is
// refused by all.
func Example() {
	rdb, err := redisguard.NewClient("redis://127.0.0.1:6379/0")
	if err != nil {
		log.Fatal(err)
	}
	defer rdb.Close()
	replay, err := redisguard.NewReplayStore(rdb, redisguard.WithPrefix("contacts:"))
	if err != nil {
		log.Fatal(err)
	}
	revocations, err := redisguard.NewRevocation(rdb, redisguard.WithPrefix("contacts:"))
	if err != nil {
		log.Fatal(err)
	}
	defer revocations.Close()
	v, err := middleware.New("https://issuer.example.com/", "https://contacts.example.com",
		middleware.WithDPoPReplayStore(replay), middleware.WithRevocation(revocations))
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()

	// An admin endpoint (behind its own authorization) logs a user out
	// everywhere: the tokens issued to them until now are refused, on
	// every replica, until the longest token lifetime has passed.
	logout := func(ctx context.Context, sub string) error {
		return revocations.RevokeSubject(ctx, sub, time.Now(), time.Now().Add(24*time.Hour))
	}
	_ = logout

	mux := http.NewServeMux()
	http.ListenAndServe("127.0.0.1:8080", httpguard.Protect(v, mux))
}
