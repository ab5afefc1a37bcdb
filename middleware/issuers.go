package middleware

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/jwtguard/jwtguard/jwks"
)

// IssuerConfig is the configuration of one trusted issuer: where its keys
// come from and the settings in which it differs from the Validator's. It
// is given for a configured issuer with WithIssuerConfig, and returned by
// an IssuerResolver for the issuers it trusts. The zero value discovers the
// issuer's keys (jwks.Discover of the issuer itself) and uses the
// Validator's audiences, algorithms and namespaces.
//
// Keys are bound to their issuer: the keys of one issuer never verify a
// token whose iss names another, whatever the kid, unless the two issuers
// are declared to share them (WithIssuerAliases, or the same key settings
// in two configurations).
//
// Later per-issuer requirements (an introspection endpoint, DPoP or mutual
// TLS) belong here too.
type IssuerConfig struct {
	// Where the keys come from: at most one of Keys, JWKSURL and
	// DiscoveryIssuer; none means jwks.Discover of the issuer itself.
	//
	// Keys is a key source the caller owns: the Validator never closes it.
	Keys jwks.Source
	// JWKSURL is the issuer's JWK Set, fetched without discovery
	// (jwks.NewRemote).
	JWKSURL string
	// DiscoveryIssuer is another identifier of the same authorization
	// server whose discovery document names the keys (jwks.Discover of
	// it): the canonical domain of an Auth0 tenant for a custom domain,
	// say. Configurations with the same JWKSURL or DiscoveryIssuer (and
	// Algorithms) share one key source, fetched once.
	DiscoveryIssuer string

	// Audiences, when not empty, replace the Validator's accepted
	// audiences (New's audience and WithAudiences) for this issuer's
	// tokens.
	Audiences []string
	// Algorithms, when not empty, narrow the Validator's allowlist
	// (WithAlgorithms) for this issuer's tokens and keys; each must be in
	// that allowlist, which is checked before any issuer is looked up.
	Algorithms []jwks.Alg
	// Namespaces, when not empty, replace the custom-claim namespaces of
	// WithNamespace for this issuer's tokens.
	Namespaces []string

	// Label is ValidationEvent.Issuer for this issuer's tokens, a metric
	// label (adapters/promguard), and the name its key source reports to a
	// jwks.Observer. Default: the issuer itself for a configured issuer,
	// ResolvedIssuerLabel for a resolved one, so that the issuers a
	// resolver names (as many as there are tenants) are counted together.
	// A resolver sets it only to a name from its own, bounded, list of
	// tenants, never to a value derived from the token.
	Label string
}

// ResolvedIssuerLabel is ValidationEvent.Issuer, and the key-source name
// reported to a jwks.Observer, for the issuers an IssuerResolver names
// without a Label.
const ResolvedIssuerLabel = "resolved"

// WithIssuers trusts more issuers, each verified only with its own keys,
// which New discovers (jwks.Discover with WithKeyOptions) and Close stops.
// They take the Validator's audiences, algorithms and namespaces; see
// WithIssuerConfig for issuers that differ.
func WithIssuers(issuers ...string) Option {
	return func(c *config) error {
		for _, iss := range issuers {
			if err := WithIssuerConfig(iss, IssuerConfig{})(c); err != nil {
				return err
			}
		}
		return nil
	}
}

// WithIssuerConfig trusts issuer with its own settings (see IssuerConfig).
// Key sources it makes New create (JWKSURL, DiscoveryIssuer, or discovery
// of issuer) are stopped by Close. The issuer given to New always takes
// the Validator's own settings.
func WithIssuerConfig(issuer string, cfg IssuerConfig) Option {
	return func(c *config) error {
		if err := checkIssuer(issuer); err != nil {
			return err
		}
		c.issuers = append(c.issuers, issuerConfig{issuer: issuer, keys: cfg.Keys, settings: cfg})
		return nil
	}
}

// issuerAliases is one WithIssuerAliases.
type issuerAliases struct {
	issuer  string
	aliases []string
}

// WithIssuerAliases trusts aliases as other names of issuer, a configured
// issuer (the one given to New, or one of WithIssuer, WithIssuers,
// WithIssuerConfig): a token whose iss is an alias is verified with the
// keys of issuer, which are fetched once for all, and checked with its
// settings. This is how Auth0 custom domains work: the tenant's tokens
// carry the custom domain or the tenant domain as iss, depending on where
// the client asked, and both sign with the same keys. Each alias is a
// trusted issuer in its own right (Issuers, RFC 9728 metadata, metrics
// label), so list only names the authorization server really issues.
func WithIssuerAliases(issuer string, aliases ...string) Option {
	return func(c *config) error {
		if len(aliases) == 0 {
			return errors.New("middleware: WithIssuerAliases needs at least one alias")
		}
		c.aliases = append(c.aliases, issuerAliases{issuer: issuer, aliases: slices.Clone(aliases)})
		return nil
	}
}

// setupIssuers checks the configured issuers and fills in their settings.
// The issuer given to New may be "" only with a resolver.
func (c *config) setupIssuers() error {
	c.issuers[0].primary = true
	if c.issuers[0].issuer == "" {
		if c.resolver == nil {
			return checkIssuer("")
		}
		if c.issuers[0].keys != nil {
			return errors.New("middleware: WithKeys sets the keys of the issuer given to New, and there is none")
		}
		c.issuers = c.issuers[1:]
	}
	seen := map[string]bool{}
	for i := range c.issuers {
		ic := &c.issuers[i]
		if err := checkIssuer(ic.issuer); err != nil {
			return err
		}
		if seen[ic.issuer] {
			return errors.New("middleware: issuer " + ic.issuer + " configured twice")
		}
		seen[ic.issuer] = true
		if ic.keys != nil {
			ic.settings.Keys = ic.keys // WithKeys
		}
		if err := c.fill(ic, ic.issuer); err != nil {
			return fmt.Errorf("middleware: issuer %s: %w", ic.issuer, err)
		}
		ic.expires = math.Inf(1)
	}
	for _, a := range c.aliases {
		if !seen[a.issuer] {
			return fmt.Errorf("middleware: WithIssuerAliases: %q is not a configured issuer", a.issuer)
		}
		for _, alias := range a.aliases {
			if err := checkIssuer(alias); err != nil {
				return err
			}
			if seen[alias] {
				return errors.New("middleware: issuer " + alias + " configured twice")
			}
			seen[alias] = true
		}
	}
	return nil
}

// fill checks ic.settings and derives ic's settings from them and from the
// Validator's: the Validator's where the issuer has none. label is its
// default label.
func (c *config) fill(ic *issuerConfig, label string) error {
	s := &ic.settings
	n := 0
	for _, set := range []bool{s.Keys != nil, s.JWKSURL != "", s.DiscoveryIssuer != ""} {
		if set {
			n++
		}
	}
	if n > 1 {
		return errors.New("give at most one of Keys, JWKSURL and DiscoveryIssuer")
	}
	ic.audiences, ic.algs, ic.namespaces, ic.label = c.audiences, nil, c.namespaces, label
	if len(s.Audiences) > 0 {
		if slices.Contains(s.Audiences, "") {
			return errors.New("empty audience")
		}
		ic.audiences = slices.Clone(s.Audiences)
	}
	for _, a := range s.Algorithms {
		if !slices.Contains(c.algs, a) {
			return fmt.Errorf("algorithm %q is not in the Validator's allowlist (WithAlgorithms)", a)
		}
		if !slices.Contains(ic.algs, a) {
			ic.algs = append(ic.algs, a)
		}
	}
	if len(s.Namespaces) > 0 {
		if slices.Contains(s.Namespaces, "") {
			return errors.New("empty namespace")
		}
		ic.namespaces = slices.Clone(s.Namespaces)
	}
	if s.Label != "" {
		if strings.TrimSpace(s.Label) != s.Label {
			return fmt.Errorf("label %q has surrounding spaces", s.Label)
		}
		ic.label = s.Label
	}
	return nil
}

// sourceKey identifies the key source a configuration asks New or the
// resolver to create: configurations with equal keys share one source.
type sourceKey struct {
	jwksURL   string
	discovery string
	algs      string
}

func keyOf(ic *issuerConfig) sourceKey {
	k := sourceKey{jwksURL: ic.settings.JWKSURL, discovery: ic.settings.DiscoveryIssuer, algs: fmt.Sprint(ic.algs)}
	if k.jwksURL == "" && k.discovery == "" {
		k.discovery = ic.issuer
	}
	return k
}

// newSource creates the key source of ic (which has no Keys) with the
// Validator's source options, the issuer's algorithms, and observer o when
// not nil; it returns the issuer it discovers ("" for a JWKS URL).
func (c *config) newSource(ic *issuerConfig, o jwks.Observer) (*jwks.Remote, string, error) {
	opts := c.sourceOptions()
	if ic.algs != nil {
		opts = append(opts, jwks.WithAlgorithms(ic.algs))
	}
	if o != nil {
		opts = append(opts, jwks.WithObserver(o))
	}
	if u := ic.settings.JWKSURL; u != "" {
		src, err := jwks.NewRemote(u, opts...)
		return src, "", err
	}
	d := ic.settings.DiscoveryIssuer
	if d == "" {
		d = ic.issuer
	}
	src, err := jwks.Discover(d, opts...)
	return src, d, err
}

// startSources creates the key sources of the configured issuers that have
// none, one per distinct sourceKey, then adds the aliases. On error it
// closes what it created.
func (c *config) startSources() error {
	made := map[sourceKey]*issuerConfig{}
	for i := range c.issuers {
		ic := &c.issuers[i]
		if ic.keys != nil {
			continue
		}
		k := keyOf(ic)
		if first := made[k]; first != nil {
			ic.keys, ic.discovery = first.keys, first.discovery // owned by the first
			continue
		}
		src, d, err := c.newSource(ic, nil)
		if err != nil {
			for _, m := range made {
				m.keys.(io.Closer).Close()
			}
			if ic.primary {
				return err // New's issuer: the error as it always was
			}
			return fmt.Errorf("middleware: issuer %s: %w", ic.issuer, err)
		}
		ic.keys, ic.owned, ic.discovery = src, true, d
		made[k] = ic
	}
	for _, a := range c.aliases {
		i := slices.IndexFunc(c.issuers, func(ic issuerConfig) bool { return ic.issuer == a.issuer && ic.aliasOf == "" })
		for _, alias := range a.aliases {
			ic := c.issuers[i]
			ic.issuer, ic.owned, ic.primary, ic.aliasOf = alias, false, false, a.issuer
			if ic.settings.Label == "" {
				ic.label = alias
			}
			c.issuers = append(c.issuers, ic)
		}
	}
	return nil
}

// manyIssuers is the number of configured issuers from which a map finds
// them faster than a scan.
const manyIssuers = 4

// issuerIndex maps the issuers when there are many; it points into
// issuers, which never change after New.
func issuerIndex(issuers []issuerConfig) map[string]*issuerConfig {
	if len(issuers) < manyIssuers {
		return nil
	}
	m := make(map[string]*issuerConfig, len(issuers))
	for i := range issuers {
		m[issuers[i].issuer] = &issuers[i]
	}
	return m
}

// untrustedIssuer is the error of a token whose issuer is neither
// configured nor resolved; trusted are the configured issuers.
func untrustedIssuer(iss string, trusted []string) *Error {
	e := invalid(ReasonIssuer, "the token issuer is not trusted by this API")
	if len(trusted) > 0 {
		return e.withHint(issuerHint(iss, trusted))
	}
	if iss == "" {
		return e.withHint("the token has no iss")
	}
	return e.withHint("the token's iss is " + hintValue(iss) + "; this API does not trust it")
}

// IssuerStatus is the state of one trusted issuer's keys (see
// Validator.IssuerStatus).
type IssuerStatus struct {
	// Issuer is the issuer identifier, exactly as its tokens carry it.
	Issuer string
	// Label is ValidationEvent.Issuer for its tokens.
	Label string
	// AliasOf is the configured issuer whose keys it shares
	// (WithIssuerAliases), or "".
	AliasOf string
	// Resolved is true for an issuer an IssuerResolver named: it is kept
	// while in use and never holds back Ready.
	Resolved bool
	// Ready is true when its keys are loaded and its key source reports
	// no issuer mismatch.
	Ready bool
	// Keys is the number of usable keys.
	Keys int
	// IssuerMismatch is the issuer its discovery document publishes when
	// that is not the issuer discovered (see jwks.Remote.IssuerMismatch),
	// else "".
	IssuerMismatch string
}

// IssuerStatus reports the state of every trusted issuer: the configured
// ones in the order of Issuers, then those a resolver named and still
// keeps, most recently used first. It is for readiness details and
// debugging pages; it never blocks on the network.
func (v *Validator) IssuerStatus() []IssuerStatus {
	out := make([]IssuerStatus, 0, len(v.issuers))
	for i := range v.issuers {
		out = append(out, statusOf(&v.issuers[i], false))
	}
	if v.resolver != nil {
		out = append(out, v.resolver.status()...)
	}
	return out
}

func statusOf(ic *issuerConfig, resolved bool) IssuerStatus {
	published, mismatch := issuerMismatch(ic.keys)
	n := ic.keys.Keys().Len()
	return IssuerStatus{Issuer: ic.issuer, Label: ic.label, AliasOf: ic.aliasOf, Resolved: resolved,
		Ready: n > 0 && !mismatch, Keys: n, IssuerMismatch: published}
}
