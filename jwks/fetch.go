package jwks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ErrInsecureURL is wrapped by the error for a key or metadata URL that is
// not https (plain http is allowed to loopback hosts and with
// InsecureAllowHTTP), whether configured, advertised as a jwks_uri or reached
// by a redirect; and for a redirect or jwks_uri that leaves https, which no
// option allows.
var ErrInsecureURL = errors.New("jwks: URL must be https")

// StatusError is a key or metadata fetch answered with an HTTP status other
// than 200 (or 304 to a conditional request).
type StatusError struct {
	URL        string
	StatusCode int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("jwks: fetching %s: HTTP %d", e.URL, e.StatusCode)
}

// response is what a key or discovery fetch returned.
type response struct {
	body        []byte
	etag        string
	notModified bool
	header      http.Header
}

// get fetches url with the source's client: at most MaxDocumentBytes of
// body, 200 (or 304 when etag was sent) required. Cancelling ctx (Close)
// ends it at once.
func get(ctx context.Context, client *http.Client, u, etag, accept string) (*response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	req.Header.Set("Accept", accept)
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("jwks: fetching %s: %w", u, err)
	}
	defer resp.Body.Close()
	res := &response{header: resp.Header, etag: resp.Header.Get("ETag")}
	switch {
	case resp.StatusCode == http.StatusNotModified && etag != "":
		res.notModified = true
		return res, nil
	case resp.StatusCode != http.StatusOK:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		return nil, &StatusError{URL: u, StatusCode: resp.StatusCode}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxDocumentBytes+1))
	if err != nil {
		return nil, fmt.Errorf("jwks: reading %s: %w", u, err)
	}
	if len(body) > MaxDocumentBytes {
		return nil, fmt.Errorf("%w: %s sent more than %d bytes", ErrMalformedDocument, u, MaxDocumentBytes)
	}
	res.body = body
	return res, nil
}

// cacheTTL reads the freshness lifetime of the answer (RFC 9111 section
// 4.2.1): Cache-Control max-age, else Expires minus Date (or now).
// no-store and no-cache mean "as short as allowed" (0, later clamped),
// wherever they appear among the directives.
func (res *response) cacheTTL(now time.Time) (time.Duration, bool) {
	maxAge, hasMaxAge := time.Duration(0), false
	for _, v := range res.header.Values("Cache-Control") {
		for _, d := range strings.Split(v, ",") {
			name, val, _ := strings.Cut(strings.TrimSpace(d), "=")
			switch strings.ToLower(name) {
			case "no-store", "no-cache":
				return 0, true
			case "max-age":
				n, err := strconv.ParseInt(strings.Trim(val, `"`), 10, 64)
				if err == nil && n >= 0 && !hasMaxAge {
					maxAge = time.Duration(min(n, int64(MaxCacheTTL/time.Second))) * time.Second
					hasMaxAge = true
				}
			}
		}
	}
	if hasMaxAge {
		return maxAge, true
	}
	if exp := res.header.Get("Expires"); exp != "" {
		t, err := http.ParseTime(exp)
		if err != nil {
			return 0, true // an invalid Expires means "already expired"
		}
		if d, err := http.ParseTime(res.header.Get("Date")); err == nil {
			now = d
		}
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// checkURL requires an absolute https URL, or http to a loopback host
// (localhost, 127.0.0.0/8, ::1), unless insecure.
func checkURL(raw string, insecure bool) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("jwks: invalid URL %q: %w", raw, err)
	}
	if u.Host == "" {
		return fmt.Errorf("jwks: URL %q is not absolute", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if insecure || isLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("%w: %q uses plain http; keys must come over https (loopback excepted, see InsecureAllowHTTP)", ErrInsecureURL, raw)
	}
	return fmt.Errorf("%w: %q has scheme %q", ErrInsecureURL, raw, u.Scheme)
}

// checkRedirect decides whether a key or discovery fetch may follow a
// redirect to next, via being the requests made so far (the first is the
// one the source made). next must pass checkURL, and once any request of
// the chain was https, next must be https too, whatever its host (loopback
// included) and even with InsecureAllowHTTP: the https the fetch started
// on is what authenticates the keys, and a plain http hop would let anyone
// on the path answer.
func checkRedirect(next *url.URL, via []*http.Request, insecure bool) error {
	if next.Scheme != "https" {
		for _, r := range via {
			if r.URL.Scheme == "https" {
				return fmt.Errorf("%w: redirect from %s to %s leaves https", ErrInsecureURL, r.URL.Redacted(), next.Redacted())
			}
		}
	}
	return checkURL(next.String(), insecure)
}

// isHTTPS reports whether raw starts with the scheme https, in any case.
// It needs no valid URL, so a string that only looks like https is held to
// https as well.
func isHTTPS(raw string) bool {
	return len(raw) >= len("https:") && strings.EqualFold(raw[:len("https:")], "https:")
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
