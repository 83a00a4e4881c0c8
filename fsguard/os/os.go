package os

import (
	"context"
	"io/fs"
	"os"
	"time"

	"github.com/gorasp/rasp/fsguard"
)

// bg is the context of every guarded call: it carries no inputs, so the
// fsguard twin checks against the request the goroutine serves.
var bg = context.Background()

// Open is [os.Open] with fsguard's check. See [fsguard.Open].
func Open(name string) (*File, error) { return fsguard.Open(bg, name) }

// OpenFile is [os.OpenFile] with fsguard's check.
func OpenFile(name string, flag int, perm FileMode) (*File, error) {
	return fsguard.OpenFile(bg, name, flag, perm)
}

// Create is [os.Create] with fsguard's check.
func Create(name string) (*File, error) { return fsguard.Create(bg, name) }

// ReadFile is [os.ReadFile] with fsguard's check.
func ReadFile(name string) ([]byte, error) { return fsguard.ReadFile(bg, name) }

// WriteFile is [os.WriteFile] with fsguard's check.
func WriteFile(name string, data []byte, perm FileMode) error {
	return fsguard.WriteFile(bg, name, data, perm)
}

// ReadDir is [os.ReadDir] with fsguard's check.
func ReadDir(name string) ([]DirEntry, error) { return fsguard.ReadDir(bg, name) }

// Stat is [os.Stat] with fsguard's check.
func Stat(name string) (FileInfo, error) { return fsguard.Stat(bg, name) }

// Lstat is [os.Lstat] with fsguard's check.
func Lstat(name string) (FileInfo, error) { return fsguard.Lstat(bg, name) }

// Remove is [os.Remove] with fsguard's check.
func Remove(name string) error { return fsguard.Remove(bg, name) }

// RemoveAll is [os.RemoveAll] with fsguard's check.
func RemoveAll(path string) error { return fsguard.RemoveAll(bg, path) }

// Rename is [os.Rename] with fsguard's check on both names.
func Rename(oldpath, newpath string) error { return fsguard.Rename(bg, oldpath, newpath) }

// Mkdir is [os.Mkdir] with fsguard's check.
func Mkdir(name string, perm FileMode) error { return fsguard.Mkdir(bg, name, perm) }

// MkdirAll is [os.MkdirAll] with fsguard's check.
func MkdirAll(path string, perm FileMode) error { return fsguard.MkdirAll(bg, path, perm) }

// Chmod is [os.Chmod] with fsguard's check.
func Chmod(name string, mode FileMode) error { return fsguard.Chmod(bg, name, mode) }

// Symlink is [os.Symlink] with fsguard's check on both names.
func Symlink(oldname, newname string) error { return fsguard.Symlink(bg, oldname, newname) }

// Readlink is [os.Readlink] with fsguard's check.
func Readlink(name string) (string, error) { return fsguard.Readlink(bg, name) }

// The file calls below are forwarded to os unchecked; see the package
// documentation.

// Chdir is [os.Chdir], unchecked.
func Chdir(dir string) error { return os.Chdir(dir) }

// Chown is [os.Chown], unchecked.
func Chown(name string, uid, gid int) error { return os.Chown(name, uid, gid) }

// Lchown is [os.Lchown], unchecked.
func Lchown(name string, uid, gid int) error { return os.Lchown(name, uid, gid) }

// Chtimes is [os.Chtimes], unchecked.
func Chtimes(name string, atime time.Time, mtime time.Time) error {
	return os.Chtimes(name, atime, mtime)
}

// Link is [os.Link], unchecked.
func Link(oldname, newname string) error { return os.Link(oldname, newname) }

// Truncate is [os.Truncate], unchecked.
func Truncate(name string, size int64) error { return os.Truncate(name, size) }

// MkdirTemp is [os.MkdirTemp], unchecked.
func MkdirTemp(dir, pattern string) (string, error) { return os.MkdirTemp(dir, pattern) }

// CreateTemp is [os.CreateTemp], unchecked.
func CreateTemp(dir, pattern string) (*File, error) { return os.CreateTemp(dir, pattern) }

// CopyFS is [os.CopyFS], unchecked.
func CopyFS(dir string, fsys fs.FS) error { return os.CopyFS(dir, fsys) }

// DirFS is [os.DirFS], unchecked.
func DirFS(dir string) fs.FS { return os.DirFS(dir) }

// OpenRoot is [os.OpenRoot]. The [Root] confines every name opened in it.
func OpenRoot(name string) (*Root, error) { return os.OpenRoot(name) }

// OpenInRoot is [os.OpenInRoot]: name is confined to dir.
func OpenInRoot(dir, name string) (*File, error) { return os.OpenInRoot(dir, name) }

// NewFile is [os.NewFile].
func NewFile(fd uintptr, name string) *File { return os.NewFile(fd, name) }

// Pipe is [os.Pipe].
func Pipe() (r *File, w *File, err error) { return os.Pipe() }
