package mtls

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/jwtguard/jwtguard/jwtguardtest"
)

// fuzzCert returns a client certificate for seeds.
func fuzzCert(f *testing.F) *jwtguardtest.Certificate {
	f.Helper()
	ca, err := jwtguardtest.NewCA("")
	if err != nil {
		f.Fatal(err)
	}
	c, err := ca.ClientCertificate("fuzz")
	if err != nil {
		f.Fatal(err)
	}
	return c
}

// checkParse holds for every parser and input: no certificate with an
// error; errors are HeaderErrors of one of the two categories, start with
// "mtls:" and never echo the value.
func checkParse(t *testing.T, f HeaderFormat, v string) []byte {
	t.Helper()
	c, err := f.parse(v)
	if err != nil {
		var he *HeaderError
		if c != nil || !errors.As(err, &he) || !(errors.Is(err, ErrProxyHeader) || errors.Is(err, ErrNoCertificate)) {
			t.Fatalf("parse = %v, %v", c, err)
		}
		if msg := err.Error(); !strings.HasPrefix(msg, "mtls: ") || len(v) > 200 && strings.Contains(msg, v) {
			t.Fatalf("error %q", msg)
		}
		return nil
	}
	if c == nil {
		return nil
	}
	return c.Raw
}

func escapeAllBytes(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' {
			b.WriteByte(c)
		} else {
			b.WriteString("%" + strings.ToUpper(hex.EncodeToString([]byte{c})))
		}
	}
	return b.String()
}

// FuzzXFCC: whatever the value, a certificate found is one the value's
// client element carries, and re-encoding it as a one-element header gives
// it back.
func FuzzXFCC(f *testing.F) {
	c := fuzzCert(f)
	sum := sha256.Sum256(c.Leaf.Raw)
	elem := "By=spiffe://example.com/edge;Hash=" + hex.EncodeToString(sum[:]) + `;Cert="` + escapeAllBytes(string(c.CertPEM)) + `"`
	for _, seed := range []struct {
		v    string
		hops uint8
	}{
		{elem, 0},
		{elem + "," + elem, 1},
		{elem + `;Subject="CN=a,O=\"b\"";URI=spiffe://x;DNS=a.example`, 0},
		{`Cert="` + url.PathEscape(string(c.CertPEM)) + `"`, 0},
		{"By=http://frontend.lyft.com;Hash=468ed33be74eee6556d90c0149c1309e9ba61d6425303443c0748a02dd8de688;URI=http://testclient.lyft.com", 0},
		{`Cert="\"`, 0},
		{",;=", 2},
		{"", 0},
	} {
		f.Add(seed.v, seed.hops)
	}
	f.Fuzz(func(t *testing.T, v string, hops uint8) {
		format := XFCCHeader(int(hops % 4))
		der := checkParse(t, format, v)
		if der == nil {
			return
		}
		if !strings.Contains(strings.ToLower(v), "cert") {
			t.Fatalf("a certificate from a value without Cert: %q", v)
		}
		block := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
		again := checkParse(t, XFCCHeader(0), `Cert="`+escapeAllBytes(string(block))+`"`)
		if !bytes.Equal(again, der) {
			t.Fatal("re-encoded certificate differs")
		}
	})
}

// FuzzClientCertHeader: a certificate found is exactly the bytes between
// the colons, in base64.
func FuzzClientCertHeader(f *testing.F) {
	c := fuzzCert(f)
	for _, seed := range []string{
		":" + base64.StdEncoding.EncodeToString(c.Leaf.Raw) + ":",
		":" + base64.RawStdEncoding.EncodeToString(c.Leaf.Raw) + ":",
		" :" + base64.StdEncoding.EncodeToString(c.Leaf.Raw) + ": ",
		":" + base64.StdEncoding.EncodeToString(c.Leaf.Raw) + ":;a=1",
		"::", ":", ":QUJD=:", ":MAMCAQE=:", "",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, v string) {
		der := checkParse(t, ClientCertHeader(), v)
		if der == nil {
			return
		}
		s := strings.Trim(v, " ")
		inner := strings.TrimRight(s[1:len(s)-1], "=")
		want, err := base64.RawStdEncoding.DecodeString(inner)
		if err != nil || !bytes.Equal(want, der) {
			t.Fatalf("certificate is not the value's bytes: %v", err)
		}
	})
}

// FuzzEscapedPEM: a certificate found is the single PEM block of the
// percent-decoded value.
func FuzzEscapedPEM(f *testing.F) {
	c := fuzzCert(f)
	pemText := string(c.CertPEM)
	for _, seed := range []string{
		escapeAllBytes(pemText),
		url.PathEscape(pemText),
		escapeAllBytes(pemText + pemText),
		escapeAllBytes("x" + pemText),
		escapeAllBytes(string(c.KeyPEM)),
		"%zz", "-----BEGIN CERTIFICATE-----", "",
	} {
		f.Add(seed)
	}
	format := EscapedPEMHeader("X-Client-Cert")
	f.Fuzz(func(t *testing.T, v string) {
		der := checkParse(t, format, v)
		if der == nil {
			return
		}
		s, err := url.PathUnescape(v)
		if err != nil {
			t.Fatalf("certificate from a value that does not unescape: %v", err)
		}
		block, rest := pem.Decode([]byte(s))
		if block == nil || !bytes.Equal(block.Bytes, der) || len(bytes.TrimSpace(rest)) != 0 {
			t.Fatal("certificate is not the value's single PEM block")
		}
	})
}
