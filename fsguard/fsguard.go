// Package fsguard guards file access against paths that request input
// chose: path traversal, tainted absolute paths and NUL bytes.
//
// For most uses, replace the os calls that take a path with their
// context-first twins ([Open], [ReadFile], [WriteFile], [Stat], ...) and pass
// the request's context, or confine a directory with [OpenRoot], whose
// [Root] stops symbolic-link and ".." escapes that no string check can see.
// The twins return exactly what os returns; a refused call returns an
// [*fs.PathError] (an [*os.LinkError] for [Rename] and [Symlink]) whose Err is
// a [*rasp.BlockedError], before anything touches the disk. Test it with
// errors.Is(err, rasp.ErrBlocked).
//
// # Threat model
//
// Go code joins and cleans paths (filepath.Join(base, name) turns
// "base/../../etc/passwd" into "/etc/passwd"), so an input rarely reaches
// the path verbatim. [CheckPath] decides from the input's own path
// structure and from how the path ends:
//
//   - Traversal: the input, cleaned as a relative path, climbs above its
//     starting directory ("../../etc/passwd", "..//..//x", "./../x", "..",
//     "a/../../x"), and the path holds the input verbatim as whole
//     components, or the non-empty rest of the cleaned input after its ".."
//     elements, possibly followed by the template's own suffix: the shapes
//     filepath.Join(base, name), Join(base, name+".pdf") and
//     Join(base, name, "index.html") produce.
//   - Climb: an input made only of ".." elements ("..", "../..",
//     "a/../.."), whatever path the call opens. filepath.Join(site, up,
//     "index.html") with up "../.." reads a file two levels above site, and
//     after Join nothing of the input is left in the path to match. Such a
//     value has no use as a name, so a request carrying one is refused at
//     every file call it makes. The residual false-positive risk is a
//     request that sends a bare ".." for another purpose (a search for
//     "..") and also reaches a file call: none of the 1,048 benign values of
//     the evaluation corpora is such an input.
//   - Absolute: an input that is itself an absolute path chose the path
//     (os.Open(r.FormValue("f")) with "/etc/passwd") when the path begins
//     with it and it covers the path to its end, or names two or more
//     elements, or the rest of the path comes from other inputs (header
//     values never count: a proxy's X-Forwarded-Prefix names the
//     application, not a file). A single plainly written leading element
//     followed by the application's own suffix is not a finding: ?next=/app
//     while the application reads its own /app/templates/login.html. The
//     residual risk is an attacker who can choose only the first directory
//     under a fixed suffix. A one-element input spelled so that it matches
//     only after cleaning ("/./etc", "//etc") gets no such benefit.
//     filepath.Join(base, "/etc/passwd") stays under base and is harmless.
//     An input naming only a root ("/") must be the whole path, or the rest
//     must come from other inputs: it begins every absolute path.
//   - NUL: a NUL byte from an input anywhere in the path.
//
// Names like "a..b.txt", "...", "report.v2.pdf" and "sub/../notes.txt" are
// harmless. On Windows '\', drive letters and UNC prefixes count as
// separators and roots too; the rules are written once over both syntaxes.
//
// What the string check does not see:
//
//   - Symbolic links and hard links inside the tree that point outside it,
//     and names that differ only in case on case-insensitive file systems.
//   - Values the application derived from inputs (decoded, split, cut
//     apart). A value padded with white space is checked as sent and as
//     strings.TrimSpace leaves it ("\u00a0../../etc/passwd" climbs), since
//     applications trim names before they use them.
//   - An input that climbs is reported even when the application
//     neutralised the climb (filepath.Base) and kept the rest: a request
//     carrying a climbing name is hostile.
//
// Only an input that contains "..", a NUL byte, or begins with a separator
// or a drive name can meet a rule. The first guarded call of a request
// notes whether any input does ([taint.Lookup]); when none does, every
// later call costs two context lookups and a counter, whatever its path.
//
// The work per call is linear in the path and inputs, and bounded: a path
// longer than 32767 bytes (the longest any supported system opens), checked
// against an input that could traverse, is not scanned but reported as an
// internal fault, which blocks only with [rasp.WithFailClosed].
//
// [Root] confines a directory with the standard library's [os.Root], which
// resolves every component itself and refuses any that leaves the tree,
// symbolic links included. Such a refusal is reported as a path_traversal
// event. Like os.Root, it does not prevent crossing file-system boundaries,
// bind mounts, /proc special files or device files. Serve user-chosen files
// through a Root: no string rule can see symbolic links or hard links.
//
// A Root's methods run the string check first and os.Root second, and the
// refusal wins: when either refuses, the call is refused (in
// [rasp.ModeProtect]). The two disagree in two directions. The string check
// refuses what os.Root would allow when a request carries an input that
// chose the name without leaving the tree (an input made only of "..",
// while the call opens another name; an absolute input), because the
// request itself is hostile. os.Root refuses what the string check passes
// when the escape is invisible in the name (a symbolic link inside the tree
// pointing out of it, ".." after a link), because only the file system
// knows.
//
// # Modes
//
// The mode comes from the request's agent ([rasp.FromContext]) for sink
// [rasp.SinkFS]; see [rasp.Mode] for the default. In [rasp.ModeOff] the
// twins are the os calls after the context and goroutine lookups of
// [rasp.RequestContext] and one atomic load. In
// [rasp.ModeMonitor] findings are reported and the call runs, so it returns
// exactly what os (or os.Root) returns. In [rasp.ModeProtect] a finding
// refuses the call before it touches the disk. A call whose context carries
// no request inputs is checked against the request the calling goroutine
// serves ([rasp.RequestContext]); on a goroutine serving none it runs
// unchecked and is counted as a blind spot. Package fsguard/os offers the
// twins with os's own signatures, for code with no context at hand.
//
// # Concurrency
//
// Every function and every method of [Root] is safe for concurrent use, as
// the os calls they wrap are. The check keeps no state between calls.
package fsguard

import (
	"context"
	"io/fs"
	"os"

	"github.com/gorasp/rasp"
	raspguard "github.com/gorasp/rasp/guard"
	"github.com/gorasp/rasp/taint"
)

// guard checks names (one, or two for rename and symlink) for op, and
// reports a finding through the request's agent. It returns the agent's
// refusal, and whether a finding was reported. It must be called directly
// by the exported twin: its blind-spot call site skips two frames.
func guard(ctx context.Context, op, root string, names ...string) (reported bool, err error) {
	ctx = rasp.RequestContext(ctx, rasp.SinkFS)
	a := rasp.FromContext(ctx)
	if a.ModeFor(rasp.SinkFS) == rasp.ModeOff {
		return false, nil
	}
	inputs, facts := taint.Lookup(ctx)
	if inputs == nil {
		raspguard.BlindSpot(a, rasp.SinkFS, op, 2)
		return false, nil
	}
	if facts&ruleFacts == 0 {
		// No input of this request could meet any rule: the check is
		// decided by the facts the middleware computed once.
		for range names {
			raspguard.Begin(a, rasp.SinkFS).End()
		}
		return false, raspguard.Partial(ctx, a, rasp.SinkFS, op)
	}
	defer raspguard.Recover(ctx, a, rasp.SinkFS, op, &err)
	for _, name := range names {
		sp := raspguard.Begin(a, rasp.SinkFS)
		f, r, cerr := checkPath(name, inputs, hostSeps(), facts)
		sp.End()
		if cerr != nil {
			return true, raspguard.FaultWith(ctx, a, rasp.SinkFS, op, f, cerr, details(r, root)...)
		}
		if r != ruleNone {
			return true, raspguard.DecideWith(ctx, a, rasp.SinkFS, op, f, details(r, root)...)
		}
	}
	return false, raspguard.Partial(ctx, a, rasp.SinkFS, op)
}

// ruleFacts are the shapes of input values that a rule needs: ".." for
// traversal, a leading separator or drive for absolute, NUL for NUL (see
// [checkPath], which skips every other input).
const ruleFacts = taint.DotDot | taint.Rooted | taint.NUL

func details(r rule, root string) []rasp.Detail {
	d := []rasp.Detail{{Key: "rule", Value: r.String()}}
	if root != "" {
		d = append(d, rasp.Detail{Key: "root", Value: root})
	}
	return d
}

// Open is [os.Open] with the check. See the package documentation.
func Open(ctx context.Context, name string) (*os.File, error) {
	if _, err := guard(ctx, "open", "", name); err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return os.Open(name)
}

// OpenFile is [os.OpenFile] with the check.
func OpenFile(ctx context.Context, name string, flag int, perm fs.FileMode) (*os.File, error) {
	if _, err := guard(ctx, "open", "", name); err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return os.OpenFile(name, flag, perm)
}

// Create is [os.Create] with the check.
func Create(ctx context.Context, name string) (*os.File, error) {
	if _, err := guard(ctx, "open", "", name); err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return os.Create(name)
}

// ReadFile is [os.ReadFile] with the check.
func ReadFile(ctx context.Context, name string) ([]byte, error) {
	if _, err := guard(ctx, "open", "", name); err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return os.ReadFile(name)
}

// WriteFile is [os.WriteFile] with the check.
func WriteFile(ctx context.Context, name string, data []byte, perm fs.FileMode) error {
	if _, err := guard(ctx, "open", "", name); err != nil {
		return &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return os.WriteFile(name, data, perm)
}

// ReadDir is [os.ReadDir] with the check.
func ReadDir(ctx context.Context, name string) ([]os.DirEntry, error) {
	if _, err := guard(ctx, "open", "", name); err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return os.ReadDir(name)
}

// Stat is [os.Stat] with the check.
func Stat(ctx context.Context, name string) (fs.FileInfo, error) {
	if _, err := guard(ctx, "stat", "", name); err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	return os.Stat(name)
}

// Lstat is [os.Lstat] with the check.
func Lstat(ctx context.Context, name string) (fs.FileInfo, error) {
	if _, err := guard(ctx, "lstat", "", name); err != nil {
		return nil, &fs.PathError{Op: "lstat", Path: name, Err: err}
	}
	return os.Lstat(name)
}

// Remove is [os.Remove] with the check.
func Remove(ctx context.Context, name string) error {
	if _, err := guard(ctx, "remove", "", name); err != nil {
		return &fs.PathError{Op: "remove", Path: name, Err: err}
	}
	return os.Remove(name)
}

// RemoveAll is [os.RemoveAll] with the check.
func RemoveAll(ctx context.Context, path string) error {
	if _, err := guard(ctx, "RemoveAll", "", path); err != nil {
		return &fs.PathError{Op: "RemoveAll", Path: path, Err: err}
	}
	return os.RemoveAll(path)
}

// Rename is [os.Rename] with the check on both names. A refusal is an
// [*os.LinkError].
func Rename(ctx context.Context, oldpath, newpath string) error {
	if _, err := guard(ctx, "rename", "", oldpath, newpath); err != nil {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
	}
	return os.Rename(oldpath, newpath)
}

// Mkdir is [os.Mkdir] with the check.
func Mkdir(ctx context.Context, name string, perm fs.FileMode) error {
	if _, err := guard(ctx, "mkdir", "", name); err != nil {
		return &fs.PathError{Op: "mkdir", Path: name, Err: err}
	}
	return os.Mkdir(name, perm)
}

// MkdirAll is [os.MkdirAll] with the check.
func MkdirAll(ctx context.Context, path string, perm fs.FileMode) error {
	if _, err := guard(ctx, "mkdir", "", path); err != nil {
		return &fs.PathError{Op: "mkdir", Path: path, Err: err}
	}
	return os.MkdirAll(path, perm)
}

// Chmod is [os.Chmod] with the check.
func Chmod(ctx context.Context, name string, mode fs.FileMode) error {
	if _, err := guard(ctx, "chmod", "", name); err != nil {
		return &fs.PathError{Op: "chmod", Path: name, Err: err}
	}
	return os.Chmod(name, mode)
}

// Symlink is [os.Symlink] with the check on both names: a link target
// chosen by request input can point anywhere. A refusal is an
// [*os.LinkError].
func Symlink(ctx context.Context, oldname, newname string) error {
	if _, err := guard(ctx, "symlink", "", oldname, newname); err != nil {
		return &os.LinkError{Op: "symlink", Old: oldname, New: newname, Err: err}
	}
	return os.Symlink(oldname, newname)
}

// Readlink is [os.Readlink] with the check.
func Readlink(ctx context.Context, name string) (string, error) {
	if _, err := guard(ctx, "readlink", "", name); err != nil {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: err}
	}
	return os.Readlink(name)
}
