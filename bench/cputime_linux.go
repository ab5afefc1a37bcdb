package bench

import (
	"syscall"
	"time"
	"unsafe"
)

// clockProcessCPUTimeID is CLOCK_PROCESS_CPUTIME_ID of clock_gettime(2).
const clockProcessCPUTimeID = 2

// ProcessCPU returns the CPU time the process has used so far, all threads
// together (the garbage collector's included), or 0 when the clock cannot
// be read. Unlike wall time it does not grow while the process waits for a
// CPU, which makes it the steadier measure on a shared, loaded machine.
func ProcessCPU() time.Duration {
	var ts syscall.Timespec
	_, _, errno := syscall.RawSyscall(syscall.SYS_CLOCK_GETTIME, clockProcessCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0)
	if errno != 0 {
		return 0
	}
	return time.Duration(ts.Nano())
}
