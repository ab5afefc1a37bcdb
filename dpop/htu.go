package dpop

import (
	"fmt"
	"net/url"
	"strings"
)

// CheckExternalURL accepts "" (use the request's own scheme and host) or an
// absolute http(s) URL with a host and no user, query or fragment, such as
// "https://api.example.com": the base adapters put before a request's path
// to get the URI a proof's htu must name (RFC 9449 section 4.3), when a
// proxy in front of the API changes the scheme or the host.
func CheckExternalURL(base string) error {
	if base == "" {
		return nil
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" ||
		u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return fmt.Errorf(`dpop: external URL %q is not an absolute http(s) URL like "https://api.example.com"`, base)
	}
	return nil
}

// normalizeHTU returns the form of an http(s) URI that DPoP compares
// (RFC 9449 section 4.3, check 9): query and fragment dropped, then the
// syntax-based and scheme-based normalisation of RFC 3986 sections 6.2.2
// and 6.2.3: scheme and host lower-cased, the default port removed, an empty
// path made "/", percent-encodings upper-cased and those of unreserved
// characters decoded, dot segments removed. ok is false for anything that is
// not an absolute http or https URI.
func normalizeHTU(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.Host == "" {
		return "", false
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", false
	}
	host := strings.ToLower(u.Hostname())
	if port := u.Port(); port != "" && !(scheme == "http" && port == "80" || scheme == "https" && port == "443") {
		host += ":" + port
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]" // IPv6 literal without its port
	}
	var b strings.Builder
	b.WriteString(scheme)
	b.WriteString("://")
	if u.User != nil {
		// Never in a request's own URI: keep it so that it never matches.
		b.WriteString(u.User.String())
		b.WriteByte('@')
	}
	b.WriteString(host)
	p := removeDotSegments(normalizePercent(u.EscapedPath()))
	if p == "" {
		p = "/"
	}
	b.WriteString(p)
	return b.String(), true
}

// normalizePercent upper-cases percent-encodings and decodes those of
// unreserved characters (RFC 3986 sections 2.3 and 6.2.2.2).
func normalizePercent(p string) string {
	if !strings.Contains(p, "%") {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] != '%' || i+2 >= len(p) || !isHex(p[i+1]) || !isHex(p[i+2]) {
			b.WriteByte(p[i])
			continue
		}
		c := unhex(p[i+1])<<4 | unhex(p[i+2])
		if isUnreserved(c) {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteString(strings.ToUpper(p[i+1 : i+3]))
		}
		i += 2
	}
	return b.String()
}

// removeDotSegments is the algorithm of RFC 3986 section 5.2.4.
func removeDotSegments(in string) string {
	if !strings.Contains(in, ".") {
		return in
	}
	var out []string
	segs := strings.Split(in, "/")
	for i, s := range segs {
		last := i == len(segs)-1
		switch s {
		case ".":
			if last {
				out = append(out, "")
			}
		case "..":
			if len(out) > 1 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, s)
		}
	}
	return strings.Join(out, "/")
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}
