// Package fsguard is a stub of the guard with the same API. It calls the raw
// os functions, as the real one does, and must not be reported.
package fsguard

import (
	"context"
	"io/fs"
	"os"
)

func Open(ctx context.Context, name string) (*os.File, error) { return os.Open(name) }
func OpenFile(ctx context.Context, name string, flag int, perm fs.FileMode) (*os.File, error) {
	return os.OpenFile(name, flag, perm)
}
func Create(ctx context.Context, name string) (*os.File, error)       { return os.Create(name) }
func ReadFile(ctx context.Context, name string) ([]byte, error)       { return os.ReadFile(name) }
func ReadDir(ctx context.Context, name string) ([]os.DirEntry, error) { return os.ReadDir(name) }
func Stat(ctx context.Context, name string) (fs.FileInfo, error)      { return os.Stat(name) }
func Lstat(ctx context.Context, name string) (fs.FileInfo, error)     { return os.Lstat(name) }
func Remove(ctx context.Context, name string) error                   { return os.Remove(name) }
func RemoveAll(ctx context.Context, path string) error                { return os.RemoveAll(path) }
func Rename(ctx context.Context, oldpath, newpath string) error       { return os.Rename(oldpath, newpath) }
func Mkdir(ctx context.Context, name string, perm fs.FileMode) error {
	return os.Mkdir(name, perm)
}
func MkdirAll(ctx context.Context, path string, perm fs.FileMode) error {
	return os.MkdirAll(path, perm)
}
func Chmod(ctx context.Context, name string, mode fs.FileMode) error { return os.Chmod(name, mode) }
func Symlink(ctx context.Context, oldname, newname string) error     { return os.Symlink(oldname, newname) }
func Readlink(ctx context.Context, name string) (string, error)      { return os.Readlink(name) }
func WriteFile(ctx context.Context, name string, data []byte, perm fs.FileMode) error {
	return os.WriteFile(name, data, perm)
}
