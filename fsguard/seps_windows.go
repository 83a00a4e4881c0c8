//go:build windows

package fsguard

// hostWindows selects the path syntax of the host; see seps_other.go.
const hostWindows = true
