package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/jwtguardtest"
)

// These tests run two contacts processes on one redis-server of their own
// (loopback, no persistence), as two replicas behind a load balancer.

// redisServer starts redis-server on a free loopback port and returns its
// address and a function that kills it. It installs redis-server with
// apt-get when missing and running as root (as CI does), and skips only
// when that is impossible.
func redisServer(t *testing.T) (addr string, kill func()) {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		if _, aerr := exec.LookPath("apt-get"); aerr != nil || os.Geteuid() != 0 {
			t.Skip("redis-server is not installed and cannot be installed here (needs root and apt-get): apt-get install redis-server")
		}
		out, ierr := exec.Command("apt-get", "install", "-y", "redis-server").CombinedOutput()
		if ierr != nil {
			exec.Command("apt-get", "update").Run()
			out, ierr = exec.Command("apt-get", "install", "-y", "redis-server").CombinedOutput()
		}
		if path, err = exec.LookPath("redis-server"); err != nil {
			t.Skipf("redis-server is not installed and apt-get could not install it: %v\n%s", ierr, out)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr = l.Addr().String()
	l.Close()
	_, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(path, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := false
	kill = func() {
		if !done {
			done = true
			cmd.Process.Kill()
			cmd.Wait()
		}
	}
	t.Cleanup(kill)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
			c.SetDeadline(time.Now().Add(time.Second))
			fmt.Fprint(c, "PING\r\n")
			line, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if strings.HasPrefix(line, "+PONG") {
				return addr, kill
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server on %s did not answer within 5 s", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// dpopCall sends GET url/api/me with a DPoP-bound token and proof; host,
// when set, is the Host header (the address the client thinks it talks to).
func dpopCall(t *testing.T, url, host, tok, proof string) answer {
	t.Helper()
	req, _ := http.NewRequest("GET", url+"/api/me", nil)
	if host != "" {
		req.Host = host
	}
	req.Header.Set("Authorization", "DPoP "+tok)
	req.Header.Set("DPoP", proof)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode, header: resp.Header}
	a.body, _ = io.ReadAll(resp.Body)
	return a
}

// TestEndToEndRedisReplicas: two processes started with the same -redis
// refuse a DPoP proof replayed from one to the other (401
// invalid_dpop_proof on the DPoP challenge); with Redis stopped, DPoP
// requests get 503 with Retry-After and Bearer requests still 200.
func TestEndToEndRedisReplicas(t *testing.T) {
	addr, kill := redisServer(t)
	iss, err := jwtguardtest.NewIssuer()
	if err != nil {
		t.Fatal(err)
	}
	defer iss.Close()
	env := []string{"JWTGUARD_ISSUER=" + iss.URL(), "JWTGUARD_REDIS=redis://" + addr + "/0"}
	a := start(t, env, "-addr", "127.0.0.1:0")
	b := start(t, nil, "-addr", "127.0.0.1:0", "-issuer", iss.URL(), "-redis", "redis://"+addr+"/0")
	baseA, baseB := a.await(t, listenRE)[1], b.await(t, listenRE)[1]
	key, _ := jwtguardtest.NewDPoPKey("")
	aud := []string{"https://contacts.example.com"}
	bound, _ := iss.AccessToken(jwtguardtest.Claims{Subject: "auth0|dpop", Audience: aud, DPoPKey: key})
	plain, _ := iss.AccessToken(jwtguardtest.Claims{Subject: "auth0|bearer", Audience: aud, Permissions: []string{"read:contacts"}})
	hostA := strings.TrimPrefix(baseA, "http://")
	proof := func() string {
		p, err := key.Proof(jwtguardtest.Proof{Method: "GET", URL: baseA + "/api/me", AccessToken: bound})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Wait for both processes' keys.
	for _, base := range []string{baseA, baseB} {
		deadline := time.Now().Add(10 * time.Second)
		for call(t, "GET", base+"/readyz").status != 200 {
			if time.Now().After(deadline) {
				t.Fatalf("%s not ready", base)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	// The demos wait 50 ms at most for Redis; on a loaded machine a call
	// can take longer, and the request is then a 503: try again.
	retry := func(do func() answer) answer {
		for i := 0; ; i++ {
			r := do()
			if r.status != 503 || i == 20 {
				return r
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	var p string
	if r := retry(func() answer { p = proof(); return dpopCall(t, baseA, "", bound, p) }); r.status != 200 {
		t.Fatalf("first use at A: %d %s", r.status, r.body)
	}
	// The same request (same Host, so the same htu) replayed at B.
	r := retry(func() answer { return dpopCall(t, baseB, hostA, bound, p) })
	www := r.header.Get("WWW-Authenticate")
	_, dpopChallenge, _ := strings.Cut(www, "DPoP ")
	if r.status != 401 || !strings.Contains(dpopChallenge, `error="invalid_dpop_proof"`) ||
		!strings.Contains(string(r.body), `"reason":"dpop_replay"`) {
		t.Fatalf("replay at B: %d %q %s", r.status, www, r.body)
	}

	kill()
	for _, base := range []string{baseA, baseB} {
		r := dpopCall(t, base, hostA, bound, proof())
		if r.status != 503 || r.header.Get("Retry-After") == "" || !strings.Contains(string(r.body), `"reason":"replay_store_unavailable"`) {
			t.Fatalf("%s, DPoP with Redis down: %d %v %s", base, r.status, r.header, r.body)
		}
		if r := call(t, "GET", base+"/api/contacts", bearer(plain)); r.status != 200 {
			t.Fatalf("%s, Bearer with Redis down: %d %s", base, r.status, r.body)
		}
	}
	// Bearer stays unaffected past any staleness bound.
	time.Sleep(1500 * time.Millisecond)
	if r := call(t, "GET", baseB+"/api/contacts", bearer(plain)); r.status != 200 {
		t.Fatalf("Bearer 1.5 s into the outage: %d %s", r.status, r.body)
	}
}

// TestEndToEndSharedNonces: with -redis and the same -dpop-nonce-secret,
// a nonce handed out by one process is accepted by the other.
func TestEndToEndSharedNonces(t *testing.T) {
	addr, _ := redisServer(t)
	iss, err := jwtguardtest.NewIssuer()
	if err != nil {
		t.Fatal(err)
	}
	defer iss.Close()
	secret := strings.Repeat("n", 32)
	args := []string{"-addr", "127.0.0.1:0", "-issuer", iss.URL(), "-redis", "redis://" + addr + "/0", "-dpop-nonce-secret", secret}
	a, b := start(t, nil, args...), start(t, nil, args...)
	baseA, baseB := a.await(t, listenRE)[1], b.await(t, listenRE)[1]
	key, _ := jwtguardtest.NewDPoPKey("")
	bound, _ := iss.AccessToken(jwtguardtest.Claims{Audience: []string{"https://contacts.example.com"}, DPoPKey: key})
	hostA := strings.TrimPrefix(baseA, "http://")
	mint := func(nonce string) string {
		p, err := key.Proof(jwtguardtest.Proof{Method: "GET", URL: baseA + "/api/me", AccessToken: bound, Nonce: nonce})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var nonce string
	for ctx.Err() == nil {
		r := dpopCall(t, baseA, "", bound, mint(""))
		if r.status == 401 && strings.Contains(r.header.Get("WWW-Authenticate"), `error="use_dpop_nonce"`) {
			nonce = r.header.Get("DPoP-Nonce")
			break
		}
		time.Sleep(50 * time.Millisecond) // keys loading: 503
	}
	if nonce == "" {
		t.Fatal("no nonce from A")
	}
	for ctx.Err() == nil {
		r := dpopCall(t, baseB, hostA, bound, mint(nonce)) // 503 while B's keys load, or Redis is slow
		if r.status == 200 {
			return
		}
		if r.status != 503 {
			t.Fatalf("A's nonce at B: %d %s", r.status, r.body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("B never became ready")
}
