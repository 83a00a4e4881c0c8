//go:build !windows

package fsguard

// hostWindows selects the path syntax of the host for [CheckPath] and the
// twins: a constant, so the hot path loads nothing to know it.
const hostWindows = false
