package conformance_test

import (
	"testing"

	"github.com/jwtguard/jwtguard/dpop"
	"github.com/jwtguard/jwtguard/jwtguardtest/conformance"
	"github.com/jwtguard/jwtguard/middleware"
)

func TestMemoryReplayStoreConforms(t *testing.T) {
	t.Parallel()
	conformance.TestReplayStore(t, func() dpop.ReplayStore { return dpop.NewMemoryReplayStore(0) })
}

func TestMemoryRevocationConforms(t *testing.T) {
	t.Parallel()
	conformance.TestRevocation(t, func() middleware.Revoker { return middleware.NewMemoryRevocation(0) })
}
