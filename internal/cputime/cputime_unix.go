//go:build unix

// Package cputime reads the CPU time the process has used, for benchmarks
// that report work done rather than wall time (which a contended machine
// inflates).
package cputime

import (
	"syscall"
	"time"
)

// Process returns the user and system CPU time this process used so far,
// or 0 when the system cannot say.
func Process() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
