package scopecheck

import (
	"syscall"
	"time"
	"unsafe"
)

// processCPU returns the CPU time the process has used (all threads), or
// 0 when the clock cannot be read. Unlike wall time it does not grow while
// the process waits for a CPU: the steadier measure on a shared machine
// (as bench/cputime_linux.go).
func processCPU() time.Duration {
	var ts syscall.Timespec
	const clockProcessCPUTimeID = 2
	_, _, errno := syscall.RawSyscall(syscall.SYS_CLOCK_GETTIME, clockProcessCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0)
	if errno != 0 {
		return 0
	}
	return time.Duration(ts.Nano())
}
