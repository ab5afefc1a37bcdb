package jwks

import (
	"errors"
	"fmt"
	"log/slog"
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
// names a JWKS URL to use instead. A document that names another issuer (a
// trailing slash is enough) is logged at error and reported by
// IssuerMismatch, and the source is not Ready while it lasts, fallback or
// not. Discovery runs in the background like every fetch: Discover never
// blocks and fails only on configuration errors.
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

// IssuerMismatch reports whether the issuer's own discovery document
// names an issuer other than the one the source was built with, which it
// must equal exactly (OIDC Discovery section 4.3, RFC 8414 section 3.3): a
// trailing slash is enough to differ. published is the issuer the
// document names. Tokens carry the published issuer, so a validator
// configured with the other one refuses every token (issuer_mismatch) even
// when WithFallbackJWKS loads the keys: configure the issuer exactly as
// published. While it reports true, Ready is false.
//
// ok is false for NewRemote sources, until a discovery document names
// another issuer, and again once one names the configured issuer; a
// discovery that reads neither document leaves it as it was. Discovery
// runs at every fetch until it succeeds, so the condition is checked again
// at each refresh.
func (r *Remote) IssuerMismatch() (published string, ok bool) {
	if p := r.mismatch.Load(); p != nil {
		return *p, true
	}
	return "", false
}

// issuerMismatchError is the error of a discovery document that names
// another issuer; published is that issuer ("" when it names none).
type issuerMismatchError struct {
	published string
	err       error
}

func (e *issuerMismatchError) Error() string { return e.err.Error() }
func (e *issuerMismatchError) Unwrap() error { return e.err }

// jwksURL returns the JWKS URL, running discovery the first time (and
// again after a failed discovery). It runs inside a fetch, one at a time.
func (r *Remote) jwksURL() (string, error) {
	if r.url != "" {
		return r.url, nil
	}
	var errs []error
	published := ""
	for _, u := range DiscoveryURLs(r.issuer) {
		jwksURI, err := r.discover(u)
		if err == nil {
			r.url = jwksURI
			r.setMismatch("")
			return jwksURI, nil
		}
		var me *issuerMismatchError
		if published == "" && errors.As(err, &me) {
			published = me.published
		}
		errs = append(errs, err)
	}
	err := errors.Join(errs...)
	if r.ctx.Err() != nil {
		return "", err // closed: neither a mismatch nor a reason to fall back
	}
	if published != "" {
		r.setMismatch(published)
	}
	if r.cfg.fallback != "" {
		if published == "" {
			r.cfg.logger.Warn("jwks: discovery failed; using the fallback JWKS URL",
				"source", r.name, "fallback", r.cfg.fallback, "error", err)
		}
		return r.cfg.fallback, nil
	}
	return "", err
}

// setMismatch records the issuer the discovery document published when it
// is not the configured one ("" when it is), and logs each change: an
// error when a mismatch is found, at once even without WithLogger.
func (r *Remote) setMismatch(published string) {
	prev, _ := r.IssuerMismatch()
	switch {
	case published == prev:
	case published == "":
		r.mismatch.Store(nil)
		r.cfg.logger.Info("jwks: the discovery document now names the configured issuer",
			"source", r.name, "issuer", r.issuer, "was", prev)
	default:
		r.mismatch.Store(&published)
		msg := fmt.Sprintf("jwks: the configured issuer %q does not match %q, the issuer its discovery document publishes", r.issuer, published)
		if strings.TrimSuffix(published, "/") == strings.TrimSuffix(r.issuer, "/") {
			msg += " (they differ only by a trailing slash, which counts)"
		}
		msg += fmt.Sprintf("; tokens carry the published issuer, so none will be accepted: configure the issuer exactly as %q", published)
		r.report(slog.LevelError, true, msg, "source", r.name, "configured", r.issuer, "published", published)
	}
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
// issuer or docURL is. Member names are matched exactly and may not repeat;
// invalid UTF-8 and deep nesting refuse the document (see parseObject).
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
		return "", &issuerMismatchError{published: iss,
			err: fmt.Errorf("%w: %s names issuer %q, not %q (OIDC Discovery section 4.3)", ErrIssuerMismatch, docURL, iss, issuer)}
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
