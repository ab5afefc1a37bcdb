package middleware

import (
	"errors"
	"net/url"
	"strings"
)

// ResourceMetadata is an OAuth 2.0 Protected Resource Metadata document
// (RFC 9728 section 2): how clients find out which authorization servers,
// scopes and token presentation methods an API accepts.
type ResourceMetadata struct {
	Resource                      string   `json:"resource"`
	AuthorizationServers          []string `json:"authorization_servers,omitempty"`
	ScopesSupported               []string `json:"scopes_supported,omitempty"`
	BearerMethodsSupported        []string `json:"bearer_methods_supported,omitempty"`
	DPoPSigningAlgValuesSupported []string `json:"dpop_signing_alg_values_supported,omitempty"`
	DPoPBoundAccessTokensRequired bool     `json:"dpop_bound_access_tokens_required,omitempty"`
	// TLSClientCertificateBoundAccessTokens says that the API accepts
	// certificate-bound access tokens (RFC 8705); set by
	// WithCertificateBoundTokens.
	TLSClientCertificateBoundAccessTokens bool   `json:"tls_client_certificate_bound_access_tokens,omitempty"`
	ResourceName                          string `json:"resource_name,omitempty"`
}

// ResourceMetadata describes v as RFC 9728 asks: resource is the primary
// audience, authorization_servers the trusted issuers, bearer_methods
// "header" (tokens in the query or body are not accepted by default), the
// DPoP algorithms unless DPoP is disabled,
// tls_client_certificate_bound_access_tokens with
// WithCertificateBoundTokens, and the scopes given (typically every scope
// a route requires).
func (v *Validator) ResourceMetadata(scopes ...string) ResourceMetadata {
	md := ResourceMetadata{
		Resource:                              v.audiences[0],
		AuthorizationServers:                  v.Issuers(),
		ScopesSupported:                       scopes,
		BearerMethodsSupported:                []string{"header"},
		DPoPBoundAccessTokensRequired:         v.dpop.mode == DPoPRequired,
		TLSClientCertificateBoundAccessTokens: v.certBound,
	}
	if v.dpop.mode != DPoPDisabled {
		md.DPoPSigningAlgValuesSupported = strings.Fields(v.offer.dpopAlgs)
	}
	return md
}

// ResourceMetadataPath is where RFC 9728 section 3 puts the document.
const ResourceMetadataPath = "/.well-known/oauth-protected-resource"

// WithResourceMetadataURL adds resource_metadata="u" to every challenge
// (RFC 9728 section 5.1), so a client that got a 401 can find the
// authorization server to ask. u must be an absolute http(s) URL, usually
// the API's own base URL plus ResourceMetadataPath.
func WithResourceMetadataURL(u string) Option {
	return func(c *config) error {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			return errors.New("middleware: the resource metadata URL must be an absolute http(s) URL")
		}
		c.metadata = u
		return nil
	}
}
