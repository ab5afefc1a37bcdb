package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/jwtguardtest"
)

// These tests build the example binary and drive it over loopback, as the
// outside tools of issue 3's contract do.

var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

// binary builds ./examples/contacts once per test run.
func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test builds and runs the binary")
	}
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "contacts-e2e-")
		if binErr != nil {
			return
		}
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
		}
		binPath = filepath.Join(binDir, "contacts")
		out, err := exec.Command(goTool, "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = &buildError{out: string(out), err: err}
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return "go build: " + e.err.Error() + "\n" + e.out }

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// proc is a running contacts binary with its output collected.
type proc struct {
	cmd    *exec.Cmd
	mu     sync.Mutex
	out    bytes.Buffer
	stderr syncBuffer
	done   chan struct{}
}

// syncBuffer collects the program's log lines (stderr) for failure reports.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func start(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(binary(t), args...), done: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stderr = &p.stderr
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			p.mu.Lock()
			p.out.Write(sc.Bytes())
			p.out.WriteByte('\n')
			p.mu.Unlock()
		}
	}()
	t.Cleanup(func() { p.stop(t) })
	return p
}

// stop interrupts the program and checks that it shuts down cleanly.
func (p *proc) stop(t *testing.T) {
	if p.cmd.ProcessState != nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGINT)
	exited := make(chan error, 1)
	go func() { <-p.done; exited <- p.cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("contacts exited with %v after SIGINT; stderr:\n%s", err, p.stderr.String())
		}
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-exited
		t.Error("contacts did not stop within 10 s of SIGINT")
	}
}

// await returns the submatches of re in the output, waiting up to 10 s.
func (p *proc) await(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		p.mu.Lock()
		m := re.FindStringSubmatch(p.out.String())
		out := p.out.String()
		p.mu.Unlock()
		if m != nil {
			return m
		}
		select {
		case <-p.done:
			t.Fatalf("contacts exited; output:\n%s\nstderr:\n%s", out, p.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not printed within 10 s; output:\n%s\nstderr:\n%s", re, out, p.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var (
	listenRE = regexp.MustCompile(`(?m)^contacts: listening on (http://127\.0\.0\.1:\d+)$`)
	readerRE = regexp.MustCompile(`# read-only token.*\n\s+curl -i -H "Authorization: Bearer ([^"]+)" (\S+)/api/contacts\n`)
	adminRE  = regexp.MustCompile(`# read\+delete token.*\n\s+curl -i -X DELETE -H "Authorization: Bearer ([^"]+)" (\S+)/api/contacts/1\n`)
	idRE     = regexp.MustCompile(`# an ID token.*\n\s+curl -i -H "Authorization: Bearer ([^"]+)" (\S+)/api/me\n`)
	orgRE    = regexp.MustCompile(`# a member of the organization.*\n\s+curl -i -H "Authorization: Bearer ([^"]+)" (\S+)/api/orgs/acme/contacts\n`)
	auditRE  = regexp.MustCompile(`# the audit log after a multi-factor sign-in.*\n.*\n\s+curl -i -H "Authorization: Bearer ([^"]+)" (\S+)/api/audit\n`)
	opaqueRE = regexp.MustCompile(`# introspection \(RFC 7662\) at \S+: 200, as for the JWT\n\s+curl -i -H "Authorization: Bearer ([^"]+)" (\S+)/api/contacts\n`)
)

// With no flags the binary starts its own development issuer and prints
// working tokens: drive it with them.
func TestEndToEndDevelopmentIssuer(t *testing.T) {
	p := start(t, nil, "-addr", "127.0.0.1:0")
	base := p.await(t, listenRE)[1]
	reader, admin, id, opaque := p.await(t, readerRE), p.await(t, adminRE), p.await(t, idRE), p.await(t, opaqueRE)
	org, auditor := p.await(t, orgRE), p.await(t, auditRE)
	for _, m := range [][]string{reader, admin, id, opaque, org, auditor} {
		if m[2] != base {
			t.Fatalf("curl command targets %s, server is %s", m[2], base)
		}
	}
	steps := []struct {
		method, path, token string
		status              int
		want                string // substring of the body
	}{
		{"GET", "/readyz", "", 200, "ok"},
		{"GET", "/api/public", "", 200, `"message"`},
		{"GET", "/api/contacts", "", 401, `"reason":"missing_token"`},
		{"GET", "/api/contacts", reader[1], 200, `"Ada Lovelace"`},
		{"GET", "/api/me", reader[1], 200, `{"sub":"auth0|reader","scopes":["read:contacts"],"custom":{"favorite_color":"blue"}}`},
		{"DELETE", "/api/contacts/1", reader[1], 403, `"scope":"delete:contacts"`},
		{"DELETE", "/api/contacts/1", admin[1], 204, ""},
		{"DELETE", "/api/contacts/1", admin[1], 404, `"not_found"`},
		{"GET", "/api/me", id[1], 401, `"reason":"id_token"`},
		{"GET", "/api/orgs/acme/contacts", org[1], 200, `"Grace Hopper"`},
		{"GET", "/api/orgs/globex/contacts", org[1], 403, `"reason":"claim_requirement"`},
		{"GET", "/api/orgs/acme/contacts", reader[1], 403, `"reason":"claim_requirement"`},
		{"GET", "/api/audit", auditor[1], 200, `[{"action":"delete","id":"1"}]`},
		{"GET", "/api/audit", admin[1], 401, `"acr_values":"http://schemas.openid.net/pape/policies/2007/06/multi-factor","max_age":300`},
		// The opaque token is introspected and answered as the reader's JWT.
		{"GET", "/api/contacts", opaque[1], 200, `"Grace Hopper"`},
		{"GET", "/api/me", opaque[1], 200, `{"sub":"auth0|reader","scopes":["read:contacts"],"custom":{"favorite_color":"blue"}}`},
		{"DELETE", "/api/contacts/3", opaque[1], 403, `"scope":"delete:contacts"`},
		{"GET", "/api/me", "jgt_unknown", 401, `"reason":"inactive_token"`},
	}
	for _, s := range steps {
		var auth []string
		if s.token != "" {
			auth = []string{bearer(s.token)}
		}
		a := call(t, s.method, base+s.path, auth...)
		if a.status != s.status || !strings.Contains(string(a.body), s.want) {
			t.Errorf("%s %s: %d %s, want %d containing %s", s.method, s.path, a.status, a.body, s.status, s.want)
		}
	}
}

// The issuer is down when the binary starts (configured through the
// environment) and comes back: 503 with Retry-After, then 200 without a
// restart.
func TestEndToEndIssuerDownAtStart(t *testing.T) {
	iss, err := jwtguardtest.NewIssuer()
	if err != nil {
		t.Fatal(err)
	}
	defer iss.Close()
	iss.SetDown(true)
	p := start(t, []string{"JWTGUARD_ISSUER=" + iss.URL(), "JWTGUARD_JWKS_MIN_REFRESH=1s"}, "-addr", "127.0.0.1:0")
	base := p.await(t, listenRE)[1]
	p.await(t, regexp.MustCompile(`issuer `+regexp.QuoteMeta(iss.URL())+`, audience https://contacts\.example\.com`))
	tok, err := iss.AccessToken(jwtguardtest.Claims{Subject: "auth0|e2e", Audience: []string{"https://contacts.example.com"},
		Permissions: []string{"read:contacts"}})
	if err != nil {
		t.Fatal(err)
	}
	a := call(t, "GET", base+"/api/contacts", bearer(tok))
	if a.status != 503 || a.header.Get("Retry-After") == "" || a.header.Get("WWW-Authenticate") != "" {
		t.Fatalf("while the issuer is down: %d %v %s", a.status, a.header, a.body)
	}
	if a := call(t, "GET", base+"/readyz"); a.status != 503 {
		t.Errorf("/readyz while down: %d", a.status)
	}
	iss.SetDown(false)
	deadline := time.Now().Add(15 * time.Second)
	for {
		a := call(t, "GET", base+"/api/contacts", bearer(tok))
		if a.status == 200 {
			var list []map[string]string
			if err := json.Unmarshal(a.body, &list); err != nil || len(list) != 3 {
				t.Errorf("list %s: %v", a.body, err)
			}
			break
		}
		if a.status != 503 || time.Now().After(deadline) {
			t.Fatalf("after the issuer came back: %d %s", a.status, a.body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if a := call(t, "GET", base+"/readyz"); a.status != 200 {
		t.Errorf("/readyz after recovery: %d", a.status)
	}
}

// With -issuer and the introspection flags (the secret from the
// environment), that issuer's opaque tokens are introspected: answered as
// JWTs with the same claims, and 401 once revoked.
func TestEndToEndIntrospection(t *testing.T) {
	iss, err := jwtguardtest.NewIssuer()
	if err != nil {
		t.Fatal(err)
	}
	defer iss.Close()
	x := iss.Introspector()
	x.SetClientCredentials("contacts-api", "s3cret")
	mint := func(scope string) string {
		tok, err := x.OpaqueToken(jwtguardtest.Claims{Subject: "okta|e2e", Audience: []string{"https://contacts.example.com"}, Scope: scope})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	reader, admin, revoked := mint("read:contacts"), mint("read:contacts delete:contacts"), mint("read:contacts")
	x.Revoke(revoked)
	p := start(t, []string{"JWTGUARD_INTROSPECTION_CLIENT_SECRET=s3cret"}, "-addr", "127.0.0.1:0", "-issuer", iss.URL(),
		"-introspection-url", iss.IntrospectionURL(), "-introspection-client-id", "contacts-api")
	base := p.await(t, listenRE)[1]
	p.await(t, regexp.MustCompile(`(?m)^contacts: opaque tokens introspected at `+regexp.QuoteMeta(iss.IntrospectionURL())+`$`))
	steps := []struct {
		method, path, token string
		status              int
		want                string // substring of the body
	}{
		{"GET", "/api/contacts", reader, 200, `"Ada Lovelace"`},
		{"GET", "/api/me", reader, 200, `{"sub":"okta|e2e","scopes":["read:contacts"],"custom":{}}`},
		{"DELETE", "/api/contacts/1", reader, 403, `"scope":"delete:contacts"`},
		{"DELETE", "/api/contacts/1", admin, 204, ""},
		{"GET", "/api/contacts", revoked, 401, `"reason":"inactive_token"`},
	}
	for _, s := range steps {
		a := call(t, s.method, base+s.path, bearer(s.token))
		if a.status != s.status || !strings.Contains(string(a.body), s.want) {
			t.Errorf("%s %s: %d %s, want %d containing %s", s.method, s.path, a.status, a.body, s.status, s.want)
		}
	}
	if n := x.Requests(); n != 3 {
		t.Errorf("%d introspection requests, want 3 (one per token: answers are cached)", n)
	}
}

// An issuer without discovery: the binary falls back to Auth0's
// /.well-known/jwks.json; and -jwks-uri skips discovery altogether.
func TestEndToEndKeyLocations(t *testing.T) {
	iss, err := jwtguardtest.NewIssuer(jwtguardtest.WithoutDiscovery())
	if err != nil {
		t.Fatal(err)
	}
	defer iss.Close()
	tok, err := iss.AccessToken(jwtguardtest.Claims{Subject: "auth0|e2e", Audience: []string{"https://api.example.org"},
		Scope: "read:contacts", Custom: map[string]any{"https://ns.example.org/favorite_color": "green"}})
	if err != nil {
		t.Fatal(err)
	}
	for name, args := range map[string][]string{
		"fallback": {"-issuer", iss.URL()},
		"jwks-uri": {"-issuer", iss.URL(), "-jwks-uri", iss.JWKSURL()},
	} {
		t.Run(name, func(t *testing.T) {
			p := start(t, []string{"JWTGUARD_AUDIENCE=https://ignored.example.com"}, append(args,
				"-addr", "127.0.0.1:0", "-audience", "https://api.example.org", "-namespace", "https://ns.example.org/",
				"-jwks-refresh", "1m")...)
			base := p.await(t, listenRE)[1]
			deadline := time.Now().Add(10 * time.Second)
			for {
				a := call(t, "GET", base+"/api/me", bearer(tok))
				if a.status == 200 {
					if got := strings.TrimSpace(string(a.body)); got != `{"sub":"auth0|e2e","scopes":["read:contacts"],"custom":{"favorite_color":"green"}}` {
						t.Errorf("/api/me: %s", got)
					}
					break
				}
				if a.status != 503 || time.Now().After(deadline) {
					t.Fatalf("/api/me: %d %s", a.status, a.body)
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
}

// Bad configuration is a clear error and exit status 2, never a panic.
func TestEndToEndBadFlags(t *testing.T) {
	for _, tc := range []struct {
		env  []string
		args []string
		want string // the whole output, when set
	}{
		{args: []string{"-jwks-refresh", "10ms"}},
		{args: []string{"-audience", ""}},
		{args: []string{"stray"}},
		{args: []string{"-nope"}},
		{args: []string{"-issuer", "https://a.example/", "-issuer", "https://b.example/", "-jwks-uri", "https://a.example/jwks"},
			want: "demo: -jwks-uri names the keys of one issuer, and 2 issuers are given: leave it out, and each issuer's keys are found by its discovery document\n"},
		{env: []string{"JWTGUARD_ISSUER=https://a.example/,,https://b.example/"},
			want: `demo: JWTGUARD_ISSUER "https://a.example/,,https://b.example/": an issuer of the comma-separated list is empty` + "\n"},
		{args: []string{"-issuer", ""}, want: "demo: -issuer is empty\n"},
		{args: []string{"-issuer", "https://idp.example.com/", "-introspection-url", "https://idp.example.com/introspect"}},
		{args: []string{"-introspection-url", "https://idp.example.com/introspect", "-introspection-client-id", "x", "-introspection-client-secret", "y"}},
	} {
		cmd := exec.Command(binary(t), tc.args...)
		cmd.Env = append(os.Environ(), tc.env...)
		out, err := cmd.CombinedOutput()
		ee, ok := err.(*exec.ExitError)
		if !ok || ee.ExitCode() != 2 || strings.Contains(string(out), "panic") || tc.want != "" && string(out) != tc.want {
			t.Errorf("%v %v: %v\n%s", tc.env, tc.args, err, out)
		}
	}
}

// Two issuers, by flags or by the environment's list: tokens of both are
// accepted, a third issuer's token gets 401 without a request to it, and
// /readyz waits for both issuers' keys.
func TestEndToEndSeveralIssuers(t *testing.T) {
	a, b, stranger := newKit(t), newKit(t), newKit(t)
	mint := func(iss *jwtguardtest.Issuer) string {
		tok, err := iss.AccessToken(jwtguardtest.Claims{Subject: "auth0|e2e", Audience: []string{"https://contacts.example.com"}, Scope: "read:contacts"})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	for _, tc := range []struct {
		name  string
		env   []string
		args  []string
		bDown bool
	}{
		{name: "flags", args: []string{"-issuer", a.URL(), "-issuer", b.URL()}},
		{name: "environment list, second issuer down at start", env: []string{"JWTGUARD_ISSUER= " + a.URL() + " , " + b.URL()}, bDown: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b.SetDown(tc.bDown)
			p := start(t, append(tc.env, "JWTGUARD_JWKS_MIN_REFRESH=1s"), append(tc.args, "-addr", "127.0.0.1:0")...)
			base := p.await(t, listenRE)[1]
			p.await(t, regexp.MustCompile(`(?m)^contacts: issuers `+regexp.QuoteMeta(a.URL()+" "+b.URL())+`, audience https://contacts\.example\.com$`))
			awaitStatus(t, base+"/api/contacts", mint(a), 200)
			if tc.bDown {
				if r := call(t, "GET", base+"/readyz"); r.status != 503 {
					t.Errorf("/readyz while the second issuer is down: %d", r.status)
				}
				b.SetDown(false)
			}
			awaitStatus(t, base+"/api/contacts", mint(b), 200)
			if r := call(t, "GET", base+"/readyz"); r.status != 200 {
				t.Errorf("/readyz with both issuers' keys: %d", r.status)
			}
			r := call(t, "GET", base+"/api/contacts", bearer(mint(stranger)))
			if r.status != 401 || r.problem["error"] != "invalid_token" || r.problem["reason"] != "issuer_mismatch" {
				t.Errorf("an issuer not listed: %d %s", r.status, r.body)
			}
			if n := stranger.JWKSFetches() + stranger.DiscoveryFetches(); n != 0 {
				t.Errorf("%d requests reached the issuer that is not listed", n)
			}
		})
	}
}

func newKit(t *testing.T) *jwtguardtest.Issuer {
	t.Helper()
	iss, err := jwtguardtest.NewIssuer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(iss.Close)
	return iss
}

// awaitStatus calls url with tok until it answers status, while it answers
// 503 (keys loading), for 15 s at most.
func awaitStatus(t *testing.T, url, tok string, status int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		r := call(t, "GET", url, bearer(tok))
		if r.status == status {
			return
		}
		if r.status != 503 || time.Now().After(deadline) {
			t.Fatalf("%s: %d %s, want %d", url, r.status, r.body, status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
