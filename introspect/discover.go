package introspect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// ErrInsecureURL is wrapped by the error for an issuer, endpoint or
// redirect target that is not https (plain http is allowed to loopback
// hosts, and with InsecureAllowHTTP).
var ErrInsecureURL = errors.New("introspect: URL must be https")

// errRedirect refuses a redirect of the introspection request: the token
// and the client's credentials go to the configured endpoint only.
var errRedirect = errors.New("introspect: the introspection endpoint redirected; redirects are not followed")

// maxMetadataBytes caps a discovery document.
const maxMetadataBytes = 256 << 10

// DiscoverEndpoint reads the introspection_endpoint of issuer from its
// metadata: OpenID Connect Discovery 1.0 section 4
// ("<issuer>/.well-known/openid-configuration"), then RFC 8414 section 3
// ("/.well-known/oauth-authorization-server" inserted before the issuer's
// path). The first document that can be fetched, names issuer exactly as
// its "issuer" (OIDC Discovery section 4.3, RFC 8414 section 3.3) and has
// an https introspection_endpoint (loopback excepted) wins. Of opts, only
// WithHTTPClient, WithTimeout and InsecureAllowHTTP apply.
//
// A Client whose Config.Endpoint is empty calls it on first use; call it
// yourself to fail fast at startup.
func DiscoverEndpoint(ctx context.Context, issuer string, opts ...Option) (string, error) {
	o, err := newOptions(opts)
	if err != nil {
		return "", err
	}
	if err := checkIssuer(issuer, o.insecure); err != nil {
		return "", err
	}
	client := o.httpClient()
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	return discover(ctx, client, issuer, o.insecure)
}

func discover(ctx context.Context, client *http.Client, issuer string, insecure bool) (string, error) {
	var errs []error
	for _, u := range discoveryURLs(issuer) {
		ep, err := discoverOne(ctx, client, u, issuer, insecure)
		if err == nil {
			return ep, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return "", errors.Join(errs...)
}

// discoveryURLs returns the OIDC document's URL, then the RFC 8414 one.
func discoveryURLs(issuer string) []string {
	oidc := strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
	u, err := url.Parse(issuer)
	if err != nil {
		return []string{oidc}
	}
	u.Path = "/.well-known/oauth-authorization-server" + strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return []string{oidc, u.String()}
}

func discoverOne(ctx context.Context, client *http.Client, docURL, issuer string, insecure bool) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, docURL, nil)
	if err != nil {
		return "", fmt.Errorf("introspect: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("introspect: fetching %s: %w", docURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		return "", fmt.Errorf("introspect: fetching %s: HTTP %d", docURL, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxMetadataBytes+1))
	if err != nil {
		return "", fmt.Errorf("introspect: reading %s: %w", docURL, err)
	}
	if len(body) > maxMetadataBytes {
		return "", fmt.Errorf("introspect: %s sent more than %d bytes", docURL, maxMetadataBytes)
	}
	return parseMetadata(docURL, body, issuer, insecure)
}

// parseMetadata checks a metadata document and returns its
// introspection_endpoint (RFC 8414 section 2).
func parseMetadata(docURL string, body []byte, issuer string, insecure bool) (string, error) {
	md, err := parseObject(body)
	if err != nil {
		return "", fmt.Errorf("introspect: %s: not a metadata document: %w", docURL, err)
	}
	iss, present, err := md.str("issuer")
	if err != nil {
		return "", fmt.Errorf("introspect: %s: %w", docURL, err)
	}
	if !present || iss != issuer {
		return "", fmt.Errorf("introspect: %s names issuer %q, not %q (OIDC Discovery section 4.3: must be identical)", docURL, iss, issuer)
	}
	ep, _, err := md.str("introspection_endpoint")
	if err != nil {
		return "", fmt.Errorf("introspect: %s: %w", docURL, err)
	}
	if ep == "" {
		return "", fmt.Errorf("introspect: %s has no introspection_endpoint", docURL)
	}
	if err := checkURL(ep, insecure); err != nil {
		return "", fmt.Errorf("introspect: %s: introspection_endpoint: %w", docURL, err)
	}
	return ep, nil
}

// checkIssuer applies checkURL and RFC 8414 section 2: no query or
// fragment.
func checkIssuer(issuer string, insecure bool) error {
	if err := checkURL(issuer, insecure); err != nil {
		return fmt.Errorf("introspect: issuer: %w", err)
	}
	if u, _ := url.Parse(issuer); u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("introspect: issuer %q has a query or fragment (RFC 8414 section 2)", issuer)
	}
	return nil
}

// checkURL requires an absolute https URL, or http to a loopback host
// (localhost, 127.0.0.0/8, ::1), unless insecure: the rule of package
// jwks.
func checkURL(raw string, insecure bool) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("introspect: invalid URL %q: %w", raw, err)
	}
	if u.Host == "" {
		return fmt.Errorf("introspect: URL %q is not absolute", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if insecure || isLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("%w: %q uses plain http (loopback excepted, see InsecureAllowHTTP)", ErrInsecureURL, raw)
	}
	return fmt.Errorf("%w: %q has scheme %q", ErrInsecureURL, raw, u.Scheme)
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// httpClient returns a copy of the configured client (or a new one) with
// the redirect policy: the introspection POST never follows a redirect (it
// would resend the token and, for client_secret_post, the secret); a
// discovery GET follows at most maxRedirects, each to a URL checkURL
// accepts, and never from https to plain http, loopback included.
func (o *options) httpClient() *http.Client {
	var cl http.Client
	if o.client != nil {
		cl = *o.client
	} else {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = o.concurrency
		cl = http.Client{Transport: tr, Timeout: o.timeout}
	}
	insecure := o.insecure
	cl.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if via[0].Method != http.MethodGet {
			return errRedirect
		}
		if len(via) >= maxRedirects {
			return fmt.Errorf("introspect: more than %d redirects", maxRedirects)
		}
		if via[len(via)-1].URL.Scheme == "https" && req.URL.Scheme != "https" {
			return fmt.Errorf("%w: a redirect from https to %q", ErrInsecureURL, req.URL.Redacted())
		}
		return checkURL(req.URL.String(), insecure)
	}
	return &cl
}
