package redisguard_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/jwtguard/jwtguard/adapters/redisguard"
)

// The tests start redis-server processes of their own: on a free loopback
// port, without persistence, stopped when the test ends. When redis-server
// is not installed they try to install it (root with apt-get, as in CI);
// only when that fails too do they skip, saying why.

var (
	serverOnce sync.Once
	serverPath string
	serverErr  error
)

func redisServer(t testing.TB) string {
	t.Helper()
	serverOnce.Do(func() {
		if p, err := exec.LookPath("redis-server"); err == nil {
			serverPath = p
			return
		}
		if _, err := exec.LookPath("apt-get"); err != nil || os.Geteuid() != 0 {
			serverErr = fmt.Errorf("redis-server is not installed, and cannot be installed here (needs root and apt-get): install it (apt-get install redis-server) to run these tests")
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, "apt-get", "install", "-y", "redis-server").CombinedOutput()
		if err != nil {
			out2, _ := exec.CommandContext(ctx, "apt-get", "update").CombinedOutput()
			out = append(out, out2...)
			var out3 []byte
			out3, err = exec.CommandContext(ctx, "apt-get", "install", "-y", "redis-server").CombinedOutput()
			out = append(out, out3...)
		}
		if p, lerr := exec.LookPath("redis-server"); err == nil && lerr == nil {
			serverPath = p
			return
		}
		serverErr = fmt.Errorf("redis-server is not installed and apt-get could not install it: %v\n%s", err, tail(out))
	})
	if serverErr != nil {
		t.Skip(serverErr)
	}
	return serverPath
}

func tail(b []byte) string {
	s := string(b)
	if len(s) > 2000 {
		s = s[len(s)-2000:]
	}
	return s
}

// redisProc is a redis-server on a loopback port of its own. Stop and
// Start may be called again (a restart on the same port, empty).
type redisProc struct {
	t    testing.TB
	Addr string
	mu   sync.Mutex
	cmd  *exec.Cmd
	dir  string
}

// startRedis starts a redis-server and stops it when the test ends.
func startRedis(t testing.TB) *redisProc {
	t.Helper()
	path := redisServer(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	r := &redisProc{t: t, Addr: addr, dir: t.TempDir()}
	r.start(path)
	t.Cleanup(r.Stop)
	return r
}

func (r *redisProc) start(path string) {
	r.t.Helper()
	_, port, _ := net.SplitHostPort(r.Addr)
	r.mu.Lock()
	defer r.mu.Unlock()
	var err error
	for attempt := 0; attempt < 50; attempt++ {
		cmd := exec.Command(path, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
			"--dir", r.dir, "--protected-mode", "yes", "--loglevel", "warning")
		if err = cmd.Start(); err != nil {
			r.t.Fatal(err)
		}
		if err = waitRedis(r.Addr, 5*time.Second); err == nil {
			r.cmd = cmd
			return
		}
		cmd.Process.Kill()
		cmd.Wait()
		time.Sleep(50 * time.Millisecond) // the port may still be held
	}
	r.t.Fatalf("redis-server on %s did not start: %v", r.Addr, err)
}

// waitRedis waits until the server at addr answers PING.
func waitRedis(addr string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err == nil {
			c.SetDeadline(time.Now().Add(time.Second))
			fmt.Fprint(c, "PING\r\n")
			line, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if strings.HasPrefix(line, "+PONG") {
				return nil
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("no PONG within %v", within)
}

// Stop kills the server (as a crash would) and waits for it.
func (r *redisProc) Stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd == nil {
		return
	}
	r.cmd.Process.Kill()
	r.cmd.Wait()
	r.cmd = nil
}

// Restart starts the server again on the same port, empty.
func (r *redisProc) Restart() { r.start(serverPath) }

// client returns a client of the server, closed when the test ends.
func (r *redisProc) client(t testing.TB) *redis.Client {
	c := r.newClient()
	t.Cleanup(func() { c.Close() })
	return c
}

// newClient returns a client of the server for the caller to close.
func (r *redisProc) newClient() *redis.Client {
	return redis.NewClient(&redis.Options{Addr: r.Addr, ContextTimeoutEnabled: true,
		DialTimeout: 200 * time.Millisecond, MaxRetries: -1,
		// One dial attempt: a refused connection fails at once (the
		// default retries 5 times, 100 ms apart, within the deadline).
		DialerRetries: 1, DialerRetryTimeout: 10 * time.Millisecond})
}

// patient is the deadline of the stores in tests that expect Redis to
// answer: the machines that run the tests are shared and loaded, and the
// default 50 ms can pass while Redis is fine. TestReplayStoreFailsFast
// checks the default.
var patient = redisguard.WithTimeout(2 * time.Second)

var prefixes atomic.Int64

// prefix returns a key prefix no other test uses.
func prefix() string { return fmt.Sprintf("test%d:", prefixes.Add(1)) }
