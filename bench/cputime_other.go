//go:build !linux

package bench

import "time"

// ProcessCPU returns 0 off Linux: the cpu-ns/op metric is then not reported.
func ProcessCPU() time.Duration { return 0 }
