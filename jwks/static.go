package jwks

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// StaticSource serves a fixed key set: keys configured in code, PEM or JWK
// JSON. Refresh never fetches. It is safe for concurrent use.
type StaticSource struct {
	set *Set
}

// Static returns a source that always serves keys. It fails when keys is
// empty or when any key is nil or shares a kid with another.
func Static(keys ...*Key) (*StaticSource, error) {
	if len(keys) == 0 {
		return nil, errors.New("jwks: static source needs at least one key")
	}
	for _, k := range keys {
		if k == nil {
			return nil, errors.New("jwks: static source given a nil key")
		}
	}
	s := NewSet(keys...)
	if d := s.Dropped(); len(d) > 0 {
		return nil, d[0]
	}
	return &StaticSource{set: s}, nil
}

// StaticJWKS returns a source serving the keys of a JWK Set document or of a
// single JWK. Unusable keys are dropped (see ParseJWKS); a document with no
// usable key is an error.
func StaticJWKS(doc []byte, allowed []Alg) (*StaticSource, error) {
	s, err := ParseJWKS(doc, allowed)
	if errors.Is(err, ErrMalformedDocument) {
		// A single JWK is accepted as a set of one.
		if k, kerr := parseJWK(doc, nilIfEmpty(allowed)); kerr == nil {
			s, err = NewSet(k), nil
		}
	}
	if err != nil {
		return nil, err
	}
	if s.Len() == 0 {
		return nil, fmt.Errorf("jwks: no usable key in document: %v", errors.Join(s.Dropped()...))
	}
	return &StaticSource{set: s}, nil
}

func nilIfEmpty(a []Alg) []Alg {
	if len(a) == 0 {
		return AsymmetricAlgs
	}
	return a
}

// ParsePEM reads a PEM "PUBLIC KEY" (PKIX), "RSA PUBLIC KEY" (PKCS #1) or
// "CERTIFICATE" block and binds its key to alg.
func ParsePEM(kid, alg string, data []byte) (*Key, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("jwks: no PEM block found")
	}
	var pub any
	var err error
	switch block.Type {
	case "PUBLIC KEY":
		pub, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		pub, err = x509.ParsePKCS1PublicKey(block.Bytes)
	case "CERTIFICATE":
		var cert *x509.Certificate
		if cert, err = x509.ParseCertificate(block.Bytes); err == nil {
			pub = cert.PublicKey
		}
	default:
		return nil, fmt.Errorf("jwks: PEM block %q is not a public key or certificate", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("jwks: PEM: %w", err)
	}
	return NewKey(kid, alg, pub)
}

// Keys returns the fixed set.
func (s *StaticSource) Keys() *Set { return s.set }

// Refresh returns the fixed set: a static source has nothing to fetch.
func (s *StaticSource) Refresh(context.Context, string) (*Set, error) { return s.set, nil }
