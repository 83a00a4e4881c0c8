//go:build unix

package grpcguard_test

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time the process has used, user and system: a
// measure of work that a machine shared with other processes inflates far
// less than wall time, which also counts the waits for a CPU.
func cpuTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
