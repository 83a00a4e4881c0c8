//go:build windows

package fsguard

// hostSeps is the path syntax of the host.
var hostSeps = windowsSeps
