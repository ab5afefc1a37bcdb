package jwks

import (
	"context"
	"errors"
	"fmt"
)

// ErrUnavailable means a source has no key set yet: the first fetch has not
// succeeded (the IdP is down or slow at start). It is the server's problem,
// not the client's: adapters answer 503, never 401.
var ErrUnavailable = errors.New("jwks: no key set available yet")

// Source provides the keys of one issuer.
//
// Keys must be cheap and lock-free: it is called on every request. Refresh
// is called only when a token that passed the cheap checks names a kid the
// current set lacks; a source may refuse to fetch (rate limit) and return its
// current set. Implementations must be safe for concurrent use.
type Source interface {
	// Keys returns the current snapshot, or nil before the first
	// successful load.
	Keys() *Set
	// Refresh asks for a newer snapshot because kid is unknown. It returns
	// the newest set it has (possibly unchanged) and waits no longer than
	// ctx and the source's own bound allow.
	Refresh(ctx context.Context, kid string) (*Set, error)
}

// KeyError says why one key of a document was not loaded.
type KeyError struct {
	KID    string
	Index  int
	Reason string
}

func (e *KeyError) Error() string {
	return fmt.Sprintf("jwks: key %d (kid %q) dropped: %s", e.Index, e.KID, e.Reason)
}
