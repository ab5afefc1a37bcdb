package mtls_test

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/mtls"
)

// vectorThumbprint is testdata/vector.pem's thumbprint, computed with
//
//	openssl x509 -in vector.pem -outform der | openssl dgst -sha256 -binary | basenc --base64url
//
// (then the "=" padding removed); hex 2ace006a935bb8c7318c2df25080d6a8b54b493d78345155928323c3988c2c0a.
const vectorThumbprint = "Ks4AapNbuMcxjC3yUIDWqLVLST14NFFVkoMjw5iMLAo"

// rfc8705Example is the cnf.x5t#S256 of the RFC 8705 section 3.1 example
// token (its certificate is not published). Its last character, "2",
// leaves non-zero bits past the 256th: no base64url encoder writes that
// for a SHA-256 hash, and Verify refuses it as malformed.
// rfc8705Canonical is the same 32 bytes encoded canonically: well formed,
// matches nothing.
const (
	rfc8705Example   = "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"
	rfc8705Canonical = "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg0"
)

func readVector(t *testing.T) *x509.Certificate {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "vector.pem"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		t.Fatal("testdata/vector.pem holds no PEM block")
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestThumbprintKnownVector(t *testing.T) {
	c := readVector(t)
	if got := mtls.Thumbprint(c); got != vectorThumbprint {
		t.Fatalf("Thumbprint = %q, want %q", got, vectorThumbprint)
	}
	if err := mtls.Verify(vectorThumbprint, c); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

// The thumbprint of a freshly generated certificate agrees with openssl's.
func TestThumbprintMatchesOpenSSL(t *testing.T) {
	for _, tool := range []string{"openssl", "basenc", "sh"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	ca := newCA(t)
	c := clientCert(t, ca, "svc")
	f := filepath.Join(t.TempDir(), "client.pem")
	if err := os.WriteFile(f, c.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("sh", "-c",
		`openssl x509 -in "$1" -outform der | openssl dgst -sha256 -binary | basenc --base64url`, "sh", f).Output()
	if err != nil {
		t.Fatalf("openssl: %v", err)
	}
	want := strings.TrimRight(strings.TrimSpace(string(out)), "=")
	if got := mtls.Thumbprint(c.Leaf); got != want {
		t.Fatalf("Thumbprint = %q, openssl says %q", got, want)
	}
	if got := c.Thumbprint(); got != want {
		t.Fatalf("jwtguardtest thumbprint = %q, openssl says %q", got, want)
	}
}

func TestVerify(t *testing.T) {
	ca := newCA(t)
	alice, bob := clientCert(t, ca, "alice"), clientCert(t, ca, "bob")
	tp := alice.Thumbprint()
	// The last character encodes 4 bits and 2 zero bits: pick another
	// canonical one.
	last := tp[:42] + "A"
	if tp[42] == 'A' {
		last = tp[:42] + "E"
	}
	cases := []struct {
		name  string
		bound string
		cert  *x509.Certificate
		want  error
	}{
		{"right certificate", tp, alice.Leaf, nil},
		{"another certificate of the same CA", tp, bob.Leaf, mtls.ErrCertificateMismatch},
		{"no certificate", tp, nil, mtls.ErrNoCertificate},
		{"RFC 8705 example value, canonical", rfc8705Canonical, alice.Leaf, mtls.ErrCertificateMismatch},
		{"RFC 8705 example value, as printed (non-canonical)", rfc8705Example, alice.Leaf, mtls.ErrMalformedThumbprint},
		{"unbound (empty)", "", alice.Leaf, mtls.ErrMalformedThumbprint},
		{"42 characters", tp[:42], alice.Leaf, mtls.ErrMalformedThumbprint},
		{"44 characters", tp + "A", alice.Leaf, mtls.ErrMalformedThumbprint},
		{"padded", tp + "=", alice.Leaf, mtls.ErrMalformedThumbprint},
		{"standard alphabet", strings.NewReplacer("-", "+", "_", "/").Replace(rfc8705Example), alice.Leaf, mtls.ErrMalformedThumbprint},
		{"newline inside", tp[:20] + "\n" + tp[21:], alice.Leaf, mtls.ErrMalformedThumbprint},
		{"non-canonical last character", tp[:42] + string(tp[42]+1), alice.Leaf, mtls.ErrMalformedThumbprint},
		{"hex SHA-256", strings.Repeat("ab", 32), alice.Leaf, mtls.ErrMalformedThumbprint},
		{"malformed and no certificate", "x", nil, mtls.ErrMalformedThumbprint},
		{"last character differs", last, alice.Leaf, mtls.ErrCertificateMismatch},
		{"case differs", swapCase(tp[:42]) + tp[42:], alice.Leaf, mtls.ErrCertificateMismatch},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := mtls.Verify(tc.bound, tc.cert)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
			assertSafeError(t, err, tc.bound, tp, mtls.Thumbprint(bob.Leaf))
		})
	}
}

// The comparison decides on the whole hash: thumbprints that differ in
// their first or last byte, or share a long prefix, are all mismatches,
// and comparing costs the same work whatever the position (crypto/subtle;
// timing is not measured here, it would be flaky).
func TestVerifyComparesWholeHash(t *testing.T) {
	ca := newCA(t)
	c := clientCert(t, ca, "alice")
	tp := c.Thumbprint()
	flip := func(i int) string {
		b := []byte(tp)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	for _, i := range []int{0, 1, 21, 41} {
		if err := mtls.Verify(flip(i), c.Leaf); !errors.Is(err, mtls.ErrCertificateMismatch) {
			t.Errorf("character %d flipped: %v", i, err)
		}
	}
	if err := mtls.Verify(tp, c.Leaf); err != nil {
		t.Fatal(err)
	}
}

func swapCase(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case 'a' <= r && r <= 'z':
			return r - 'a' + 'A'
		case 'A' <= r && r <= 'Z':
			return r - 'A' + 'a'
		}
		return r
	}, s)
}

// assertSafeError checks an error's string starts with "mtls:" and holds
// none of secrets (thumbprints, header values).
func assertSafeError(t *testing.T, err error, secrets ...string) {
	t.Helper()
	msg := err.Error()
	if !strings.HasPrefix(msg, "mtls: ") {
		t.Errorf("error %q does not start with mtls:", msg)
	}
	for _, s := range secrets {
		if len(s) >= 8 && strings.Contains(msg, s) {
			t.Errorf("error %q contains %q", msg, s)
		}
	}
}

func newCA(t testing.TB) *jwtguardtest.CA {
	t.Helper()
	ca, err := jwtguardtest.NewCA("")
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

func clientCert(t testing.TB, ca *jwtguardtest.CA, cn string) *jwtguardtest.Certificate {
	t.Helper()
	c, err := ca.ClientCertificate(cn)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
