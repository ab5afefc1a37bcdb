//go:build !linux

package scopecheck

import "time"

// processCPU is not measured here.
func processCPU() time.Duration { return 0 }
