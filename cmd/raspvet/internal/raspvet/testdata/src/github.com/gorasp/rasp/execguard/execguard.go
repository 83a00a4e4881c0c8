// Package execguard is a stub of the guard with the same API.
package execguard

import (
	"context"
	"os/exec"
)

func Command(name string, arg ...string) *exec.Cmd { return exec.Command(name, arg...) }

func CommandContext(ctx context.Context, name string, arg ...string) *exec.Cmd {
	return exec.CommandContext(ctx, name, arg...)
}
