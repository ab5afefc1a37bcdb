package middleware

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jwtguard/jwtguard/jwks"
)

// The names of the checks of a Report, in the order Validate runs them.
// They are stable: the JSON output of cmd/jwtguard carries them.
const (
	CheckFormat    = "format"     // size, compact form, base64url of the header
	CheckHeader    = "header"     // JSON, no crit, not JWE, not nested
	CheckType      = "typ"        // the header typ (RFC 9068 section 4)
	CheckAlgorithm = "alg"        // alg on the allowlist
	CheckPayload   = "payload"    // base64url and JSON of the claims, claim types
	CheckIssuer    = "iss"        // a trusted issuer, compared exactly
	CheckKind      = "token_kind" // not an ID token nor another kind of token
	CheckAudience  = "aud"        // an accepted audience
	CheckExpiry    = "exp"        // present and ahead of now (with leeway)
	CheckNotBefore = "nbf"        // not ahead of now (with leeway)
	CheckIssuedAt  = "iat"        // not in the future (with leeway)
	CheckKey       = "key"        // the issuer's key for kid, bound to alg
	CheckSignature = "signature"  // base64url and the signature itself
	CheckBinding   = "binding"    // sender constraint (cnf) for the Bearer scheme
	CheckScope     = "scope"      // the route's scopes, with ExplainRequirement
	// CheckVerdict appears only when the checks above did not foresee
	// Validate's verdict, which is then reported as is: a bug in Explain,
	// never in Validate. Tests assert it never appears.
	CheckVerdict = "verdict"
)

// Check is the outcome of one check of Explain.
type Check struct {
	// Name is one of the Check* constants.
	Name string `json:"name"`
	// OK is true when the check passed. A check that failed, or that
	// could not run (Skipped), is not OK.
	OK bool `json:"ok"`
	// Skipped is true when the check could not run because something it
	// needs failed earlier (Detail says what).
	Skipped bool `json:"skipped,omitempty"`
	// Reason is the reason of the check's failure, the one Validate gives
	// when this check is the first to fail; empty when the check passed or
	// was skipped.
	Reason Reason `json:"reason,omitempty"`
	// Detail names the values involved: what the token carries and what
	// the validator is configured with. Values read from the token are
	// quoted, cut to 100 characters and cleaned of control characters.
	Detail string `json:"detail"`
	// Hint is the nearest fix, for the developer; empty when there is
	// nothing to fix.
	Hint string `json:"hint,omitempty"`
}

// Report is what Explain found: the verdict of Validate and every check
// that leads to it.
type Report struct {
	// Accepted and Reason are the verdict of Validate for the same token
	// (then of the route requirement given with ExplainRequirement).
	// Reason is empty when Accepted.
	Accepted bool   `json:"accepted"`
	Reason   Reason `json:"reason"`
	// Description is the description of Validate's error; empty when
	// Accepted.
	Description string `json:"description,omitempty"`
	// Checks holds one entry per check, in the order Validate runs them
	// (the Check* constants). The first that is neither OK nor Skipped
	// gives Reason.
	Checks []Check `json:"checks"`
	// Header and Claims are the token's decoded JOSE header and payload,
	// as they are in the token, when they are JSON; nil otherwise. They
	// are unverified unless Accepted, and for display only.
	Header json.RawMessage `json:"header"`
	Claims json.RawMessage `json:"claims"`
}

// Failed returns the first check that failed, or nil.
func (r *Report) Failed() *Check {
	for i := range r.Checks {
		if !r.Checks[i].OK && !r.Checks[i].Skipped {
			return &r.Checks[i]
		}
	}
	return nil
}

// ExplainOption configures one call of Explain.
type ExplainOption func(*explainConfig)

type explainConfig struct {
	scopes      []string
	permissions bool
	requirement bool
	at          time.Time
}

// ExplainRequirement adds the route's scope requirement to the report:
// every scope in scopes is required (scopecheck.All), from the scope and
// scp claims and, when permissions is true, Auth0's permissions array (the
// adapters' WithPermissions). The verdict is then the route's: a token
// Validate accepts that lacks a scope is refused with
// ReasonInsufficientScope, as an adapter would refuse it.
func ExplainRequirement(scopes []string, permissions bool) ExplainOption {
	return func(c *explainConfig) {
		c.scopes = append([]string(nil), scopes...)
		c.permissions = permissions
		c.requirement = true
	}
}

// ExplainAt explains the token as a Validator whose clock reads t would
// validate it, e.g. to learn why a token of a past request was refused.
// Default: the validator's clock (WithClock), read once.
func ExplainAt(t time.Time) ExplainOption {
	return func(c *explainConfig) { c.at = t }
}

// Explain runs every check of Validate on token, not only up to the first
// failure, and reports each: the values involved and the nearest fix. Its
// verdict (Report.Accepted and Report.Reason) is always the one Validate
// gives for the same token, with the verified-token cache off: it is
// computed by Validate's own code.
//
// WARNING: Explain is an ORACLE. It tells whoever reads the report which
// check failed and the values involved (the trusted issuers, the accepted
// audiences, the allowed algorithms, the key ids the issuer publishes, the
// clock and the leeway), which is exactly what an attacker probing an API
// wants to know. It is for developers and operators: a command line tool
// (cmd/jwtguard), a test, a debug endpoint behind operator
// authentication. Never wire it into the answer to an untrusted client,
// and never by default: adapters answer with Error.Reason and
// Error.Description, and Error.Hint only when their hint option is on.
//
// Explain does not read or fill the verified-token cache, reports nothing
// to the Observer or the logger, and costs Validate nothing. Like
// Validate, and only when Validate would, it asks the issuer's key source
// for new keys when the token names a kid the source lacks; the source's
// rate limit applies, and the report says whether a refresh was made,
// refused by the rate limit, or failed. ctx bounds that wait.
func (v *Validator) Explain(ctx context.Context, token string, opts ...ExplainOption) *Report {
	var cfg explainConfig
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	now := cfg.at
	if now.IsZero() {
		now = v.now()
	}
	// The verdict: Validate's code on a copy of the validator without the
	// cache, whose clock is frozen at now and whose key sources record
	// what the key lookup asked of them.
	vc := *v
	vc.cache = nil
	vc.now = func() time.Time { return now }
	vc.issuers = make([]issuerConfig, len(v.issuers))
	traces := make([]*traceSource, len(v.issuers))
	for i, ic := range v.issuers {
		traces[i] = &traceSource{src: ic.keys}
		ic.keys, ic.owned = traces[i], false
		vc.issuers[i] = ic
	}
	vc.byIssuer = issuerIndex(vc.issuers)                        // pointers into the copy
	_, verdict := vc.verdict(ctx, token, SchemeBearer, nil, nil) // Validate's
	x := &explainer{v: &vc, cfg: &cfg, now: vc.nowSeconds(), token: token, traces: traces, verdict: verdict}
	x.run()
	if verdict == nil && cfg.requirement {
		verdict = x.scopeError
	}
	r := &Report{Checks: x.checks, Header: x.headerJSON, Claims: x.claimsJSON, Accepted: verdict == nil}
	if verdict != nil {
		r.Reason, r.Description = verdict.Reason, verdict.Description
	}
	r.reconcile(verdict)
	return r
}

// reconcile makes sure the report leads to the verdict: when the first
// failed check does not carry the verdict's reason (a check of Explain
// that mirrors Validate's wrongly), the verdict is added as a check of
// its own, so the report never contradicts Validate.
func (r *Report) reconcile(verdict *Error) {
	f := r.Failed()
	switch {
	case verdict == nil && f == nil, verdict != nil && f != nil && f.Reason == verdict.Reason:
		return
	case verdict == nil:
		r.Checks = append(r.Checks, Check{Name: CheckVerdict, OK: true,
			Detail: "Validate accepted the token although the check " + f.Name + " above failed; this is a bug of Explain, please report it"})
	default:
		r.Checks = append(r.Checks, Check{Name: CheckVerdict, Reason: verdict.Reason,
			Detail: "Validate refused the token: " + verdict.Description + " (the checks above did not foresee it; this is a bug of Explain, please report it)",
			Hint:   verdict.Hint})
	}
}

// traceSource wraps a key source for the verdict run of Explain and
// records what the key lookup did: whether it looked at the keys at all
// (the token passed every earlier check), and whether it asked for a
// refresh and with what result.
type traceSource struct {
	src        jwks.Source
	looked     bool
	refreshed  bool
	refreshErr error
	refreshSet *jwks.Set
}

func (s *traceSource) Keys() *jwks.Set {
	s.looked = true
	return s.src.Keys()
}

func (s *traceSource) Refresh(ctx context.Context, kid string) (*jwks.Set, error) {
	set, err := s.src.Refresh(ctx, kid)
	s.refreshed, s.refreshErr, s.refreshSet = true, err, set
	return set, err
}
