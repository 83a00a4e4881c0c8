//go:build go1.26

package os

import "os"

// ErrNoHandle is os.ErrNoHandle (Go 1.26 and later).
var ErrNoHandle = os.ErrNoHandle
