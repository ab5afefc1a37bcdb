package mtls

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
)

// MaxHeaderBytes caps one certificate header value. A URL-encoded PEM
// certificate is about three times its DER; real client certificates are
// 0.5 to 2 KiB of DER.
const MaxHeaderBytes = 16 << 10

// Default header names.
const (
	// HeaderXFCC is Envoy's x-forwarded-client-cert.
	HeaderXFCC = "X-Forwarded-Client-Cert"
	// HeaderClientCert is the RFC 9440 section 2.2 field.
	HeaderClientCert = "Client-Cert"
)

type headerKind uint8

const (
	kindNone headerKind = iota
	kindEscapedPEM
	kindXFCC
	kindClientCert
)

// HeaderFormat is where and how a TLS-terminating proxy passes the client
// certificate on: a header name and an encoding. Build one with
// EscapedPEMHeader, XFCCHeader or ClientCertHeader; the zero value is not
// usable.
type HeaderFormat struct {
	name string
	kind headerKind
	hops int // XFCC: elements appended after the edge proxy's
}

// EscapedPEMHeader is a header holding the URL-encoded PEM of the leaf
// certificate, as nginx sets it with
//
//	proxy_set_header X-Client-Cert $ssl_client_escaped_cert;
//
// (AWS ALB's X-Amzn-Mtls-Clientcert is the same encoding). name is the
// header, e.g. "X-Client-Cert". The value must hold exactly one
// CERTIFICATE block; nginx's older $ssl_client_cert (PEM with tabs) is not
// supported.
func EscapedPEMHeader(name string) HeaderFormat {
	return HeaderFormat{name: textproto.CanonicalMIMEHeaderKey(name), kind: kindEscapedPEM}
}

// XFCCHeader is Envoy's X-Forwarded-Client-Cert: comma-separated elements,
// one per proxy that appended one, each a semicolon-separated list of
// key=value pairs; the certificate is the Cert value (URL-encoded PEM) and
// Hash, when present, is the hex SHA-256 of its DER, checked here.
//
// appendingHops is the number of proxies between the edge proxy (the one
// that terminates the client's TLS) and the API that append an element of
// their own (APPEND_FORWARD); the client's element is then the
// (appendingHops+1)-th from the right. Use 0 when the edge proxy is the
// only one, or when inner proxies use FORWARD_ONLY. The header must have
// exactly appendingHops+1 elements: more means someone else's elements got
// through (ErrProxyHeader); fewer means the client presented no
// certificate to the edge proxy (ErrNoCertificate).
//
// Configure the edge Envoy with forward_client_cert_details: SANITIZE_SET
// (a client's own XFCC header is dropped, never appended to) and
// set_current_client_cert_details: {cert: true}, and nothing else: Envoy
// writes URI and DNS values unquoted, and a client certificate whose SAN
// holds "," or ";" could otherwise add elements or keys (refused here, but
// a refusal all the same).
func XFCCHeader(appendingHops int) HeaderFormat {
	return HeaderFormat{name: HeaderXFCC, kind: kindXFCC, hops: appendingHops}
}

// ClientCertHeader is the RFC 9440 section 2.2 Client-Cert field: the DER
// of the leaf certificate as a Structured Field Byte Sequence
// (":base64:", RFC 8941 section 3.3.5). Parameters are not accepted.
func ClientCertHeader() HeaderFormat {
	return HeaderFormat{name: HeaderClientCert, kind: kindClientCert}
}

// Name returns the header's canonical name ("X-Forwarded-Client-Cert").
// gRPC metadata keys are its lower-case form.
func (f HeaderFormat) Name() string { return f.name }

// String describes the format, e.g. `X-Forwarded-Client-Cert (Envoy XFCC)`.
func (f HeaderFormat) String() string {
	switch f.kind {
	case kindEscapedPEM:
		return f.name + " (URL-encoded PEM)"
	case kindXFCC:
		return f.name + " (Envoy XFCC, " + strconv.Itoa(f.hops) + " appending hops)"
	case kindClientCert:
		return f.name + " (RFC 9440)"
	}
	return "no header"
}

func (f HeaderFormat) check() error {
	if f.kind == kindNone {
		return errors.New("mtls: HeaderFormat is the zero value; use EscapedPEMHeader, XFCCHeader or ClientCertHeader")
	}
	if !isToken(f.name) {
		return fmt.Errorf("mtls: %q is not a header name", f.name)
	}
	if f.hops < 0 {
		return fmt.Errorf("mtls: XFCCHeader(%d): the number of appending hops cannot be negative", f.hops)
	}
	return nil
}

// HeaderError describes a certificate header that cannot be used. Err is
// ErrProxyHeader (the proxy sent something unusable) or ErrNoCertificate
// (the value says the client has no usable certificate). It never holds
// the header's value.
type HeaderError struct {
	Header  string // the header's name
	Problem string // what is wrong, in words
	Err     error
}

func (e *HeaderError) Error() string { return "mtls: " + e.Header + " header: " + e.Problem }

// Unwrap returns Err.
func (e *HeaderError) Unwrap() error { return e.Err }

func (f HeaderFormat) bad(problem string) error {
	return &HeaderError{Header: f.name, Problem: problem, Err: ErrProxyHeader}
}

func (f HeaderFormat) none(problem string) error {
	return &HeaderError{Header: f.name, Problem: problem, Err: ErrNoCertificate}
}

// extract reads the certificate from the header's values: (nil, nil) when
// the header is absent or empty.
func (f HeaderFormat) extract(values []string) (*x509.Certificate, error) {
	switch len(values) {
	case 0:
		return nil, nil
	case 1:
	default:
		return nil, f.bad("the request has " + strconv.Itoa(len(values)) + " of them; exactly one is allowed")
	}
	return f.parse(values[0])
}

// parse parses one header value: (nil, nil) when it is empty.
func (f HeaderFormat) parse(v string) (*x509.Certificate, error) {
	if len(v) > MaxHeaderBytes {
		return nil, f.bad("the value is longer than " + strconv.Itoa(MaxHeaderBytes) + " bytes")
	}
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	switch f.kind {
	case kindEscapedPEM:
		return f.parseEscapedPEM(v)
	case kindXFCC:
		return f.parseXFCC(v)
	case kindClientCert:
		return f.parseClientCert(v)
	}
	return nil, f.bad("no format")
}

// parseEscapedPEM decodes URL-encoded PEM. Percent-decoding leaves "+"
// alone (url.PathUnescape): base64 uses it, and some proxies do not escape
// it.
func (f HeaderFormat) parseEscapedPEM(v string) (*x509.Certificate, error) {
	s, err := url.PathUnescape(v)
	if err != nil {
		return nil, f.bad("the value is not URL-encoded")
	}
	der, problem := decodeOnePEM(s)
	if problem != "" {
		return nil, f.bad(problem)
	}
	return f.certificate(der)
}

// decodeOnePEM returns the DER of the single CERTIFICATE block of s, with
// nothing but white space around it. encoding/pem skips text before a block;
// that is refused here, so two values glued together never pass as one.
func decodeOnePEM(s string) (der []byte, problem string) {
	b := bytes.TrimSpace([]byte(s))
	if !bytes.HasPrefix(b, []byte("-----BEGIN ")) {
		return nil, "the value is not a PEM certificate"
	}
	block, rest := pem.Decode(b)
	switch {
	case block == nil:
		return nil, "the value is not a PEM certificate"
	case block.Type != "CERTIFICATE" || len(block.Headers) > 0:
		return nil, "the PEM block is not a plain CERTIFICATE block"
	case len(bytes.TrimSpace(rest)) > 0:
		return nil, "the value holds more than one PEM block or trailing data"
	}
	return block.Bytes, ""
}

// parseClientCert decodes an RFC 8941 section 3.3.5 Byte Sequence. Per
// section 4.2.7 missing "=" padding is accepted; any other character, and
// anything after the closing colon (parameters included), is refused.
func (f HeaderFormat) parseClientCert(v string) (*x509.Certificate, error) {
	s := strings.Trim(v, " ")
	if len(s) < 2 || s[0] != ':' || s[len(s)-1] != ':' {
		return nil, f.bad("the value is not a Structured Field Byte Sequence (:base64:)")
	}
	s = s[1 : len(s)-1]
	body := strings.TrimRight(s, "=")
	if pad := len(s) - len(body); pad > 2 || (pad > 0 && len(s)%4 != 0) {
		return nil, f.bad("the Byte Sequence has bad base64 padding")
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/') {
			return nil, f.bad("the Byte Sequence holds a character outside base64")
		}
	}
	der, err := base64.RawStdEncoding.DecodeString(body)
	if err != nil {
		return nil, f.bad("the Byte Sequence is not valid base64")
	}
	return f.certificate(der)
}

// parseXFCC picks the client's element of an XFCC value and decodes its
// Cert, checking Hash when present.
func (f HeaderFormat) parseXFCC(v string) (*x509.Certificate, error) {
	elems, problem := splitXFCC(v)
	if problem != "" {
		return nil, f.bad(problem)
	}
	want := f.hops + 1
	switch {
	case len(elems) < want:
		return nil, f.none("it has " + strconv.Itoa(len(elems)) + " element(s) and the client's would be number " +
			strconv.Itoa(want) + " from the right: the edge proxy added none")
	case len(elems) > want:
		return nil, f.bad("it has " + strconv.Itoa(len(elems)) + " elements, " + strconv.Itoa(want) +
			" expected: does the edge proxy use SANITIZE_SET?")
	}
	var cert, hash string
	var haveCert, haveHash bool
	for _, kv := range elems[len(elems)-want] {
		switch {
		case strings.EqualFold(kv.key, "Cert"):
			if haveCert {
				return nil, f.bad("the client's element has more than one Cert")
			}
			cert, haveCert = kv.value, true
		case strings.EqualFold(kv.key, "Hash"):
			if haveHash {
				return nil, f.bad("the client's element has more than one Hash")
			}
			hash, haveHash = kv.value, true
		}
	}
	if !haveCert {
		return nil, f.bad("the client's element has no Cert: set Envoy's set_current_client_cert_details cert: true")
	}
	pemText, err := url.PathUnescape(cert)
	if err != nil {
		return nil, f.bad("the Cert value is not URL-encoded")
	}
	der, problem := decodeOnePEM(pemText)
	if problem != "" {
		return nil, f.bad("Cert: " + problem)
	}
	if haveHash {
		got, err := hex.DecodeString(hash)
		sum := sha256.Sum256(der)
		if err != nil || len(got) != sha256.Size {
			return nil, f.bad("the Hash value is not a hex SHA-256 hash")
		}
		if !bytes.Equal(got, sum[:]) {
			return nil, f.bad("the Hash value is not the SHA-256 of the Cert value")
		}
	}
	return f.certificate(der)
}

// certificate parses the DER a well-formed header carried. Bytes that are
// not a certificate are ignored (RFC 9440 section 2.1): the request has no
// usable certificate, which is the client's to fix (a TLS stack that
// accepts what crypto/x509 refuses let it through).
func (f HeaderFormat) certificate(der []byte) (*x509.Certificate, error) {
	if len(der) == 0 {
		return nil, nil
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, f.none("the certificate it carries cannot be parsed")
	}
	return c, nil
}

type xfccPair struct{ key, value string }

// splitXFCC splits an XFCC value into elements of key=value pairs. A value
// may be double-quoted, with \" and \\ escapes inside; "," ";" and "="
// separate only outside quotes. White space around elements, pairs, keys
// and values is ignored. Empty elements or pairs, keys that are not
// tokens, and unterminated quotes are refused.
func splitXFCC(v string) (elems [][]xfccPair, problem string) {
	var (
		cur  []xfccPair
		key  strings.Builder
		val  strings.Builder
		inKV bool // after '='
		quot bool // value was quoted; only white space may follow
		seen bool // anything in the current pair
	)
	endPair := func() string {
		k := strings.TrimSpace(key.String())
		if !seen {
			return "it has an empty element or pair"
		}
		if !inKV || !isToken(k) {
			return "a pair is not key=value"
		}
		vs := val.String()
		if !quot {
			vs = strings.TrimSpace(vs)
		}
		cur = append(cur, xfccPair{key: k, value: vs})
		key.Reset()
		val.Reset()
		inKV, quot, seen = false, false, false
		return ""
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == ',' || c == ';':
			if p := endPair(); p != "" {
				return nil, p
			}
			if c == ',' {
				elems = append(elems, cur)
				cur = nil
			}
		case quot:
			if c != ' ' && c != '\t' {
				return nil, "a quoted value is followed by other characters"
			}
		case !inKV && c == '=':
			inKV, seen = true, true
		case !inKV:
			key.WriteByte(c)
			if c != ' ' && c != '\t' {
				seen = true
			}
		case c == '"' && strings.TrimSpace(val.String()) == "":
			end, s, ok := readQuoted(v, i)
			if !ok {
				return nil, "a quoted value is not terminated"
			}
			val.Reset()
			val.WriteString(s)
			quot, i = true, end
		case c == '"':
			return nil, "a value has a stray double quote"
		default:
			val.WriteByte(c)
		}
	}
	if p := endPair(); p != "" {
		return nil, p
	}
	return append(elems, cur), ""
}

// readQuoted reads the quoted string starting at v[start] == '"' and
// returns the index of its closing quote and its unescaped content.
func readQuoted(v string, start int) (end int, s string, ok bool) {
	var b strings.Builder
	for i := start + 1; i < len(v); i++ {
		switch v[i] {
		case '\\':
			if i+1 == len(v) {
				return 0, "", false
			}
			i++
			b.WriteByte(v[i])
		case '"':
			return i, b.String(), true
		default:
			b.WriteByte(v[i])
		}
	}
	return 0, "", false
}

// isToken reports whether s is an RFC 9110 section 5.6.2 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' {
			continue
		}
		if !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}
