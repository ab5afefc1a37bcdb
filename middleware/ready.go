package middleware

import (
	"context"
	"fmt"
	"time"

	"github.com/jwtguard/jwtguard/jwks"
)

// Ready reports whether every configured issuer has a usable key set and no
// key source reports an issuer mismatch (see jwks.Remote.IssuerMismatch:
// the issuer's own discovery document names another issuer, e.g. one
// with a trailing slash, so its tokens would all be refused with
// issuer_mismatch). Until keys arrive, tokens of that issuer are refused
// with ErrKeysUnavailable (503). Serve it as a readiness probe. Issuers an
// IssuerResolver names are created on demand and never hold it back; see
// IssuerStatus for the state of each issuer.
func (v *Validator) Ready() bool {
	for _, ic := range v.issuers {
		if ic.keys.Keys().Len() == 0 {
			return false
		}
		if _, bad := issuerMismatch(ic.keys); bad {
			return false
		}
	}
	return true
}

// primer is implemented by key sources that can wait for their first key
// set (jwks.Remote).
type primer interface {
	Prime(ctx context.Context) error
}

// issuerChecker is implemented by key sources that know whether their
// issuer's discovery document names the configured issuer (jwks.Discover
// sources).
type issuerChecker interface {
	IssuerMismatch() (published string, ok bool)
}

func issuerMismatch(src jwks.Source) (string, bool) {
	if c, ok := src.(issuerChecker); ok {
		return c.IssuerMismatch()
	}
	return "", false
}

// Prime waits until every issuer has keys or ctx ends, for services that
// would rather not start serving with 503s. Sources that cannot wait are
// polled. It returns an error wrapping ErrKeysUnavailable when ctx ends
// first, and one wrapping jwks.ErrIssuerMismatch when the keys arrived but
// a key source reports an issuer mismatch (see Ready).
func (v *Validator) Prime(ctx context.Context) error {
	for _, ic := range v.issuers {
		if p, ok := ic.keys.(primer); ok {
			if err := p.Prime(ctx); err != nil {
				return fmt.Errorf("%w: issuer %s: %w", ErrKeysUnavailable, ic.issuer, err)
			}
		} else {
			for ic.keys.Keys().Len() == 0 {
				select {
				case <-ctx.Done():
					return fmt.Errorf("%w: issuer %s: %w", ErrKeysUnavailable, ic.issuer, ctx.Err())
				case <-time.After(50 * time.Millisecond):
				}
			}
		}
		if published, bad := issuerMismatch(ic.keys); bad {
			discovered := ic.issuer
			if ic.discovery != "" {
				discovered = ic.discovery // an alias, or IssuerConfig.DiscoveryIssuer
			}
			return fmt.Errorf("middleware: issuer %q does not match %q, the issuer its discovery document publishes; "+
				"configure the issuer exactly as %q: %w", discovered, published, published, jwks.ErrIssuerMismatch)
		}
	}
	return nil
}
