package jwks

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// ErrIssuerMismatch is wrapped by the error for a discovery document whose
// "issuer" is not exactly the configured issuer.
var ErrIssuerMismatch = errors.New("jwks: discovery document names another issuer")

// Discover returns a source for the keys of issuer, found through its
// metadata: OpenID Connect Discovery 1.0 section 4
// ("<issuer>/.well-known/openid-configuration"), then RFC 8414 section 3
// ("/.well-known/oauth-authorization-server" inserted before the issuer's
// path). The document's "issuer" must equal issuer exactly (OIDC Discovery
// section 4.3, RFC 8414 section 3.3) and its jwks_uri must be https: plain
// http is allowed only for a plain http issuer, to loopback or with
// InsecureAllowHTTP. If neither document can be used, WithFallbackJWKS
// names a JWKS URL to use instead. Discovery runs in the background like
// every fetch: Discover never blocks and fails only on configuration errors.
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
	return parseMetadata(docURL, res.body, r.issuer, r.cfg.insecureURL)
}

// parseMetadata checks a discovery document fetched from docURL and returns
// its jwks_uri. The "issuer" member must equal issuer exactly (OIDC
// Discovery section 4.3, RFC 8414 section 3.3: no normalisation, a trailing
// slash matters) and jwks_uri must pass checkURL, and be https when the
// issuer or docURL is. Member names are matched exactly and may not repeat
// (see object).
func parseMetadata(docURL string, body []byte, issuer string, insecure bool) (string, error) {
	md, err := parseObject(body)
	if err != nil {
		return "", fmt.Errorf("jwks: %s: not a metadata document: %w", docURL, err)
	}
	iss, present, err := md.str("issuer")
	if err != nil {
		return "", fmt.Errorf("jwks: %s: %w", docURL, err)
	}
	if !present || iss == "" {
		return "", fmt.Errorf("%w: %s has no issuer (RFC 8414 section 2: required)", ErrIssuerMismatch, docURL)
	}
	if iss != issuer {
		return "", fmt.Errorf("%w: %s names issuer %q, not %q (OIDC Discovery section 4.3)", ErrIssuerMismatch, docURL, iss, issuer)
	}
	jwksURI, _, err := md.str("jwks_uri")
	if err != nil {
		return "", fmt.Errorf("jwks: %s: %w", docURL, err)
	}
	if jwksURI == "" {
		return "", fmt.Errorf("jwks: %s has no jwks_uri", docURL)
	}
	if err := checkURL(jwksURI, insecure); err != nil {
		return "", fmt.Errorf("jwks: %s: jwks_uri: %w", docURL, err)
	}
	// An https issuer's keys come over https too, whatever the host and
	// options: plain http to loopback is for issuers that are themselves
	// plain http on loopback (tests).
	if (isHTTPS(issuer) || isHTTPS(docURL)) && !isHTTPS(jwksURI) {
		return "", fmt.Errorf("%w: %s: jwks_uri %q is not https, but the issuer is", ErrInsecureURL, docURL, jwksURI)
	}
	return jwksURI, nil
}
