package jwks

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Discover returns a source for the keys of issuer, found through its
// metadata: OpenID Connect Discovery 1.0 section 4
// ("<issuer>/.well-known/openid-configuration"), then RFC 8414 section 3
// ("/.well-known/oauth-authorization-server" inserted before the issuer's
// path). The document's "issuer" must equal issuer exactly (OIDC Discovery
// section 4.3, RFC 8414 section 3.3) and its jwks_uri must be https (loopback
// excepted). If neither document can be used, WithFallbackJWKS names a JWKS
// URL to use instead. Discovery runs in the background like every fetch:
// Discover never blocks and fails only on configuration errors.
func Discover(issuer string, opts ...Option) (*Remote, error) {
	cfg, err := newRemoteConfig(opts)
	if err != nil {
		return nil, err
	}
	if err := checkURL(issuer, cfg.insecureURL); err != nil {
		return nil, fmt.Errorf("jwks: issuer: %w", err)
	}
	if u, _ := url.Parse(issuer); u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("jwks: issuer %q has a query or fragment (RFC 8414 section 2)", issuer)
	}
	if cfg.fallback != "" {
		if err := checkURL(cfg.fallback, cfg.insecureURL); err != nil {
			return nil, fmt.Errorf("jwks: fallback: %w", err)
		}
	}
	r := newRemote(cfg, issuer)
	r.issuer = issuer
	r.start()
	return r, nil
}

// DiscoveryURLs returns where Discover looks for the metadata of issuer:
// the OIDC document, then the RFC 8414 one.
func DiscoveryURLs(issuer string) []string {
	oidc := strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
	u, err := url.Parse(issuer)
	if err != nil {
		return []string{oidc}
	}
	path := strings.TrimSuffix(u.Path, "/")
	u.Path = "/.well-known/oauth-authorization-server" + path
	u.RawPath = ""
	return []string{oidc, u.String()}
}

// metadata is the part of a discovery document a key source needs.
type metadata struct {
	Issuer  string `json:"issuer"`
	JWKSURI string `json:"jwks_uri"`
}

// jwksURL returns the JWKS URL, running discovery the first time (and
// again after a failed discovery). It runs inside a fetch, one at a time.
func (r *Remote) jwksURL() (string, error) {
	if r.url != "" {
		return r.url, nil
	}
	var errs []error
	for _, u := range DiscoveryURLs(r.issuer) {
		jwksURI, err := r.discover(u)
		if err == nil {
			r.url = jwksURI
			return jwksURI, nil
		}
		errs = append(errs, err)
	}
	err := errors.Join(errs...)
	if r.cfg.fallback != "" {
		r.cfg.logger.Warn("jwks: discovery failed; using the fallback JWKS URL",
			"source", r.name, "fallback", r.cfg.fallback, "error", err)
		return r.cfg.fallback, nil
	}
	return "", err
}

// discover reads one metadata document and returns its checked jwks_uri.
func (r *Remote) discover(docURL string) (string, error) {
	res, err := get(r.ctx, r.cfg.client, docURL, "", "application/json")
	if err != nil {
		return "", err
	}
	var md metadata
	if err := json.Unmarshal(res.body, &md); err != nil {
		return "", fmt.Errorf("jwks: %s: not a metadata document: %w", docURL, err)
	}
	if md.Issuer != r.issuer {
		return "", fmt.Errorf("jwks: %s names issuer %q, not %q (OIDC Discovery section 4.3)", docURL, md.Issuer, r.issuer)
	}
	if md.JWKSURI == "" {
		return "", fmt.Errorf("jwks: %s has no jwks_uri", docURL)
	}
	if err := checkURL(md.JWKSURI, r.cfg.insecureURL); err != nil {
		return "", fmt.Errorf("jwks: %s: jwks_uri: %w", docURL, err)
	}
	return md.JWKSURI, nil
}
