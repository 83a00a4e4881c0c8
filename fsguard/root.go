package fsguard

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/gorasp/rasp"
	raspguard "github.com/gorasp/rasp/guard"
	"github.com/gorasp/rasp/taint"
)

// Root confines file access to one directory tree with [os.Root], and adds
// the request-input check of [CheckPath] plus reporting: an attempt to leave
// the tree, which os.Root refuses with "path escapes from parent", is
// reported as a path_traversal event, whichever input (if any) caused it.
//
// Every method checks the names it is given before it touches the disk (in
// [rasp.ModeProtect] a finding refuses the call), then calls the os.Root
// method of the same name. When os.Root refuses an escape, the event is
// written unless the check already reported the call; in ModeProtect the
// error is then a [*fs.PathError] (an [*os.LinkError] for Rename and
// Symlink) wrapping a [*rasp.BlockedError], in ModeMonitor and ModeOff it is
// os.Root's own error, unchanged.
//
// See [os.Root] for what confinement covers and its platform limits. A Root
// is safe for concurrent use; after Close its methods return errors and
// Name stays safe.
type Root struct {
	root *os.Root
}

// OpenRoot opens dir for confined access. See [os.OpenRoot].
func OpenRoot(dir string) (*Root, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &Root{root: r}, nil
}

// Name returns the name of the directory given to [OpenRoot].
func (r *Root) Name() string { return r.root.Name() }

// Close closes the Root. See [os.Root.Close].
func (r *Root) Close() error { return r.root.Close() }

// FS returns an [fs.FS] for the tree. It takes no context, so it runs
// without the request-input check; os.Root's confinement still applies.
func (r *Root) FS() fs.FS { return r.root.FS() }

// errEscapeText is the text of os.Root's refusal of a name that leaves the
// root (errPathEscapes in os/file.go). The error value is unexported, so it
// is recognised by its text; TestRootEscapeDetected fails if Go changes it.
const errEscapeText = "path escapes from parent"

// isEscape reports whether err, or any error it wraps, is os.Root's refusal
// of a name that leaves the root.
func isEscape(err error) bool {
	for err != nil {
		if err.Error() == errEscapeText {
			return true
		}
		switch e := err.(type) {
		case interface{ Unwrap() []error }:
			for _, w := range e.Unwrap() {
				if isEscape(w) {
					return true
				}
			}
			return false
		default:
			err = errors.Unwrap(err)
		}
	}
	return false
}

// escaped reports an os.Root refusal to escape as a path_traversal event
// unless the check already reported the call (reported). It returns the
// error the caller sees: the agent's refusal in protect mode, else err.
func (r *Root) escaped(ctx context.Context, op string, reported bool, err error, names ...string) error {
	if reported || err == nil || !isEscape(err) {
		return err
	}
	ctx = rasp.RequestContext(ctx, rasp.SinkFS)
	a := rasp.FromContext(ctx)
	if a.ModeFor(rasp.SinkFS) == rasp.ModeOff {
		return err
	}
	name := names[0]
	inputs := taint.FromContext(ctx)
	f := rasp.Finding{
		Kind:   rasp.KindPathTraversal,
		Target: name,
		Start:  -1,
		End:    -1,
		Reason: "os.Root refused a name that leaves the root",
	}
	// Attribute the escape to the longest input that occurs in a name,
	// when there is one; a symbolic link escape may involve none.
	for _, n := range names {
		for _, in := range inputs {
			if in.Value == "" || len(in.Value) <= len(f.Input.Value) {
				continue
			}
			if i := strings.Index(n, in.Value); i >= 0 {
				f.Input, f.Target, f.Start, f.End = in, n, i, i+len(in.Value)
			}
		}
	}
	if berr := raspguard.DecideWith(ctx, a, rasp.SinkFS, op, f, details(ruleEscape, r.root.Name())...); berr != nil {
		return berr
	}
	return err
}

func pathErr(op, name string, err error) error {
	if _, ok := err.(*rasp.BlockedError); ok {
		return &fs.PathError{Op: op, Path: name, Err: err}
	}
	return err
}

func linkErr(op, oldname, newname string, err error) error {
	if _, ok := err.(*rasp.BlockedError); ok {
		return &os.LinkError{Op: op, Old: oldname, New: newname, Err: err}
	}
	return err
}

// Open is [os.Root.Open] with the check. See [Root].
func (r *Root) Open(ctx context.Context, name string) (*os.File, error) {
	return rootCall(ctx, r, "openat", name, func() (*os.File, error) { return r.root.Open(name) })
}

// OpenFile is [os.Root.OpenFile] with the check.
func (r *Root) OpenFile(ctx context.Context, name string, flag int, perm fs.FileMode) (*os.File, error) {
	return rootCall(ctx, r, "openat", name, func() (*os.File, error) { return r.root.OpenFile(name, flag, perm) })
}

// Create is [os.Root.Create] with the check.
func (r *Root) Create(ctx context.Context, name string) (*os.File, error) {
	return rootCall(ctx, r, "openat", name, func() (*os.File, error) { return r.root.Create(name) })
}

// ReadFile is [os.Root.ReadFile] with the check.
func (r *Root) ReadFile(ctx context.Context, name string) ([]byte, error) {
	return rootCall(ctx, r, "openat", name, func() ([]byte, error) { return r.root.ReadFile(name) })
}

// WriteFile is [os.Root.WriteFile] with the check.
func (r *Root) WriteFile(ctx context.Context, name string, data []byte, perm fs.FileMode) error {
	return r.do(ctx, "openat", name, func() error { return r.root.WriteFile(name, data, perm) })
}

// ReadDir reads the named directory of the tree and returns its entries
// sorted by file name, as [os.ReadDir] does. [os.Root] has no ReadDir: it
// opens the directory with [os.Root.Open].
func (r *Root) ReadDir(ctx context.Context, name string) ([]os.DirEntry, error) {
	reported, err := guard(ctx, "openat", r.root.Name(), name)
	if err != nil {
		return nil, &fs.PathError{Op: "openat", Path: name, Err: err}
	}
	f, err := r.root.Open(name)
	if err = r.escaped(ctx, "openat", reported, err, name); err != nil {
		return nil, pathErr("openat", name, err)
	}
	defer f.Close()
	dirs, err := f.ReadDir(-1)
	slices.SortFunc(dirs, func(a, b os.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return dirs, err
}

// Stat is [os.Root.Stat] with the check.
func (r *Root) Stat(ctx context.Context, name string) (fs.FileInfo, error) {
	return rootCall(ctx, r, "statat", name, func() (fs.FileInfo, error) { return r.root.Stat(name) })
}

// Lstat is [os.Root.Lstat] with the check.
func (r *Root) Lstat(ctx context.Context, name string) (fs.FileInfo, error) {
	return rootCall(ctx, r, "statat", name, func() (fs.FileInfo, error) { return r.root.Lstat(name) })
}

// Remove is [os.Root.Remove] with the check.
func (r *Root) Remove(ctx context.Context, name string) error {
	return r.do(ctx, "removeat", name, func() error { return r.root.Remove(name) })
}

// RemoveAll is [os.Root.RemoveAll] with the check.
func (r *Root) RemoveAll(ctx context.Context, name string) error {
	return r.do(ctx, "RemoveAll", name, func() error { return r.root.RemoveAll(name) })
}

// Rename is [os.Root.Rename] with the check on both names.
func (r *Root) Rename(ctx context.Context, oldname, newname string) error {
	reported, err := guard(ctx, "renameat", r.root.Name(), oldname, newname)
	if err != nil {
		return &os.LinkError{Op: "renameat", Old: oldname, New: newname, Err: err}
	}
	err = r.root.Rename(oldname, newname)
	return linkErr("renameat", oldname, newname, r.escaped(ctx, "renameat", reported, err, oldname, newname))
}

// Mkdir is [os.Root.Mkdir] with the check.
func (r *Root) Mkdir(ctx context.Context, name string, perm fs.FileMode) error {
	return r.do(ctx, "mkdirat", name, func() error { return r.root.Mkdir(name, perm) })
}

// MkdirAll is [os.Root.MkdirAll] with the check.
func (r *Root) MkdirAll(ctx context.Context, name string, perm fs.FileMode) error {
	return r.do(ctx, "mkdirat", name, func() error { return r.root.MkdirAll(name, perm) })
}

// Chmod is [os.Root.Chmod] with the check.
func (r *Root) Chmod(ctx context.Context, name string, mode fs.FileMode) error {
	return r.do(ctx, "chmodat", name, func() error { return r.root.Chmod(name, mode) })
}

// Symlink is [os.Root.Symlink] with the check on both names. os.Root does
// not validate oldname, the link's target, which may point outside the
// tree; a target chosen by request input is refused like any other path.
func (r *Root) Symlink(ctx context.Context, oldname, newname string) error {
	reported, err := guard(ctx, "symlinkat", r.root.Name(), oldname, newname)
	if err != nil {
		return &os.LinkError{Op: "symlinkat", Old: oldname, New: newname, Err: err}
	}
	err = r.root.Symlink(oldname, newname)
	return linkErr("symlinkat", oldname, newname, r.escaped(ctx, "symlinkat", reported, err, newname))
}

// Readlink is [os.Root.Readlink] with the check.
func (r *Root) Readlink(ctx context.Context, name string) (string, error) {
	return rootCall(ctx, r, "readlinkat", name, func() (string, error) { return r.root.Readlink(name) })
}

// do runs call, an [os.Root] method on name that returns only an error,
// behind the check, and reports an escape the OS refused.
func (r *Root) do(ctx context.Context, op, name string, call func() error) error {
	_, err := rootCall(ctx, r, op, name, func() (struct{}, error) { return struct{}{}, call() })
	return err
}

// rootCall runs call, an [os.Root] method on name, behind the check, and
// reports an escape the OS refused. On error it returns what call returned
// beside the error, as the os function does.
func rootCall[T any](ctx context.Context, r *Root, op, name string, call func() (T, error)) (T, error) {
	reported, err := guard(ctx, op, r.root.Name(), name)
	if err != nil {
		var zero T
		return zero, &fs.PathError{Op: op, Path: name, Err: err}
	}
	v, err := call()
	if err = r.escaped(ctx, op, reported, err, name); err != nil {
		return v, pathErr(op, name, err)
	}
	return v, nil
}
