package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/jwtguard/jwtguard/jwks"
)

// keySource returns the key source a validator configured like this
// would use: the issuer's discovery document (jwks.Discover, as
// middleware.New does), or jwksURI. It logs nothing: what matters is
// reported by the commands.
func keySource(issuer, jwksURI string, algs []jwks.Alg, timeout time.Duration) (*jwks.Remote, error) {
	opts := []jwks.Option{
		jwks.WithHTTPClient(&http.Client{Timeout: timeout}),
		jwks.WithLogger(slog.New(slog.DiscardHandler)),
	}
	if len(algs) > 0 {
		opts = append(opts, jwks.WithAlgorithms(algs))
	}
	if jwksURI != "" {
		return jwks.NewRemote(jwksURI, opts...)
	}
	return jwks.Discover(issuer, opts...)
}

// errMismatch is returned by waitKeys for a discovery document that names
// another issuer.
type errMismatch struct{ configured, published string }

func (e *errMismatch) Error() string {
	msg := fmt.Sprintf("the issuer's discovery document names the issuer %q, not %q", e.published, e.configured)
	if strings.TrimSuffix(e.published, "/") == strings.TrimSuffix(e.configured, "/") {
		msg += " (they differ only by a trailing slash, which counts)"
	}
	return msg
}

// waitKeys waits until src has keys and returns nil; or returns why it
// has none as soon as that is known: the first fetch failed, discovery
// named another issuer, or ctx ended. A validator would keep retrying in
// the background; a diagnosis reports the first failure.
func waitKeys(ctx context.Context, src *jwks.Remote, issuer string) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	done, cancel := context.WithCancel(context.Background())
	cancel()
	for {
		if src.Keys().Len() > 0 {
			return nil
		}
		if p, bad := src.IssuerMismatch(); bad {
			return &errMismatch{configured: issuer, published: p}
		}
		// Prime with a context already done returns at once: the last
		// fetch error when a fetch failed, else the context's error.
		if err := src.Prime(done); err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: no answer within the timeout (-timeout)", jwks.ErrUnavailable)
		case <-tick.C:
		}
	}
}
