package redisguard_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/jwtguard/jwtguard/adapters/httpguard"
	"github.com/jwtguard/jwtguard/adapters/redisguard"
	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
)

const external = "https://api.example.com"

// replica is one API process: its own validator and stores, on a Redis
// shared with the others.
type replica struct {
	v   *middleware.Validator
	rev *redisguard.Revocation
	srv *httptest.Server
}

type answer struct {
	status     int
	reason     middleware.Reason
	retryAfter string
}

func (r *replica) do(t *testing.T, scheme, tok, proof string) answer {
	t.Helper()
	req, _ := http.NewRequest("GET", r.srv.URL+"/api/me", nil)
	req.Header.Set("Authorization", scheme+" "+tok)
	if proof != "" {
		req.Header.Set("DPoP", proof)
	}
	resp, err := r.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var p struct {
		Reason middleware.Reason `json:"reason"`
	}
	json.NewDecoder(resp.Body).Decode(&p)
	return answer{resp.StatusCode, p.Reason, resp.Header.Get("Retry-After")}
}

// TestManyReplicas: three replicas share one Redis. A DPoP proof accepted
// by one is refused by the two others; a revocation made on one takes
// effect on all within 100 ms; with Redis killed, DPoP requests get 503
// with Retry-After while Bearer requests keep working from the revocation
// snapshot for its staleness bound, then get 503 too; once Redis is back,
// every replica recovers without a restart; and Close leaves no goroutine
// behind.
func TestManyReplicas(t *testing.T) {
	before := runtime.NumGoroutine()
	srv := startRedis(t)
	iss, err := jwtguardtest.NewIssuer(jwtguardtest.WithAlgorithm("ES256"))
	if err != nil {
		t.Fatal(err)
	}
	defer iss.Close()
	const staleness = 600 * time.Millisecond
	p := redisguard.WithPrefix(prefix())
	var reps []*replica
	var clients []*redis.Client
	for range 3 {
		c := srv.newClient()
		clients = append(clients, c)
		store, err := redisguard.NewReplayStore(c, p, patient)
		if err != nil {
			t.Fatal(err)
		}
		rev, err := redisguard.NewRevocation(c, p, patient, redisguard.WithMaxStaleness(staleness))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = rev.WaitReady(ctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		v, err := middleware.New(iss.URL(), api, middleware.WithDPoPReplayStore(store), middleware.WithRevocation(rev))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
		err = v.Prime(ctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		mux.HandleFunc("GET /api/me", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
		reps = append(reps, &replica{v: v, rev: rev, srv: httptest.NewServer(
			httpguard.Protect(v, mux, httpguard.WithExternalURL(external), httpguard.WithRetryAfter(2*time.Second)))})
	}
	key, _ := jwtguardtest.NewDPoPKey("")
	bound, _ := iss.AccessToken(jwtguardtest.Claims{Audience: []string{api}, DPoPKey: key})
	bearer, _ := iss.AccessToken(jwtguardtest.Claims{Audience: []string{api}, ID: "bearer-1", Subject: "bob"})
	proof := func() string {
		pr, err := key.Proof(jwtguardtest.Proof{Method: "GET", URL: external + "/api/me", AccessToken: bound})
		if err != nil {
			t.Fatal(err)
		}
		return pr
	}

	// A proof is accepted once across the replicas.
	pr := proof()
	if a := reps[0].do(t, "DPoP", bound, pr); a.status != 200 {
		t.Fatalf("first use: %+v", a)
	}
	for i, r := range reps[1:] {
		if a := r.do(t, "DPoP", bound, pr); a.status != 401 || a.reason != middleware.ReasonDPoPReplay {
			t.Fatalf("replay at replica %d: %+v, want 401 %s", i+1, a, middleware.ReasonDPoPReplay)
		}
	}

	// A revocation on one replica reaches all within 100 ms, the
	// verified-token caches notwithstanding.
	for _, r := range reps {
		if a := r.do(t, "Bearer", bearer, ""); a.status != 200 {
			t.Fatalf("bearer before the revocation: %+v", a)
		}
	}
	start := time.Now()
	if err := reps[1].rev.RevokeJTI(context.Background(), "bearer-1", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	for i, r := range reps {
		for {
			a := r.do(t, "Bearer", bearer, "")
			if a.status == 401 && a.reason == middleware.ReasonRevoked {
				break
			}
			if time.Since(start) > 100*time.Millisecond {
				t.Fatalf("replica %d still answers %+v 100 ms after the revocation", i, a)
			}
		}
	}
	t.Logf("revocation effective on 3 replicas after %v", time.Since(start))
	other, _ := iss.AccessToken(jwtguardtest.Claims{Audience: []string{api}, Subject: "carol"})

	// Redis dies.
	srv.Stop()
	down := time.Now()
	for i, r := range reps {
		if a := r.do(t, "DPoP", bound, proof()); a.status != 503 || a.reason != middleware.ReasonReplayStoreUnavailable || a.retryAfter != "2" {
			t.Fatalf("replica %d, DPoP with Redis down: %+v, want 503 with Retry-After", i, a)
		}
		if a := r.do(t, "Bearer", other, ""); a.status != 200 {
			t.Fatalf("replica %d, Bearer with Redis down (within the staleness bound): %+v", i, a)
		}
		if a := r.do(t, "Bearer", bearer, ""); a.status != 401 {
			t.Fatalf("replica %d, the revoked token with Redis down: %+v", i, a)
		}
	}
	if time.Since(down) > staleness/2 {
		t.Fatalf("the checks took %v, too long for the staleness bound", time.Since(down))
	}
	time.Sleep(time.Until(down.Add(staleness + 200*time.Millisecond)))
	for i, r := range reps {
		if a := r.do(t, "Bearer", other, ""); a.status != 503 || a.reason != middleware.ReasonRevocationUnavailable || a.retryAfter == "" {
			t.Fatalf("replica %d, Bearer past the staleness bound: %+v, want 503 revocation_unavailable", i, a)
		}
	}

	// Redis comes back (empty: no persistence): the replicas recover.
	srv.Restart()
	deadline := time.Now().Add(5 * time.Second)
	for i, r := range reps {
		for {
			a, b := r.do(t, "Bearer", other, ""), r.do(t, "DPoP", bound, proof())
			if a.status == 200 && b.status == 200 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("replica %d not recovered 5 s after Redis came back: Bearer %+v, DPoP %+v", i, a, b)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	// Close everything: no goroutine is left.
	for _, r := range reps {
		r.srv.Close()
		r.v.Close()
		r.rev.Close()
	}
	iss.Close()
	srv.Stop()
	for _, c := range clients {
		c.Close()
	}
	deadline = time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines before, %d after Close:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(20 * time.Millisecond)
	}
}
