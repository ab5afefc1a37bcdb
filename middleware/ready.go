package middleware

import (
	"context"
	"fmt"
	"time"
)

// Ready reports whether every trusted issuer has a usable key set. Until it
// does, tokens of that issuer are refused with ErrKeysUnavailable (503).
// Serve it as a readiness probe.
func (v *Validator) Ready() bool {
	for _, ic := range v.issuers {
		if ic.keys.Keys().Len() == 0 {
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

// Prime waits until every issuer has keys or ctx ends, for services that
// would rather not start serving with 503s. Sources that cannot wait are
// polled. It returns an error wrapping ErrKeysUnavailable when ctx ends
// first.
func (v *Validator) Prime(ctx context.Context) error {
	for _, ic := range v.issuers {
		if p, ok := ic.keys.(primer); ok {
			if err := p.Prime(ctx); err != nil {
				return fmt.Errorf("%w: issuer %s: %w", ErrKeysUnavailable, ic.issuer, err)
			}
			continue
		}
		for ic.keys.Keys().Len() == 0 {
			select {
			case <-ctx.Done():
				return fmt.Errorf("%w: issuer %s: %w", ErrKeysUnavailable, ic.issuer, ctx.Err())
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	return nil
}
