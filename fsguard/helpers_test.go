package fsguard_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/fsguard"
	"github.com/gorasp/rasp/internal/testlog"
	"github.com/gorasp/rasp/taint"
	"github.com/rs/zerolog"
)

// makefs builds a tree under dir from entries in the style of os/root_test.go:
// "d/" is a directory, "f" a file whose content names it, "a => b" a
// symbolic link a pointing to b.
func makefs(t *testing.T, dir string, entries ...string) {
	t.Helper()
	for _, e := range entries {
		switch {
		case strings.Contains(e, " => "):
			name, target, _ := strings.Cut(e, " => ")
			if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
				t.Fatal(err)
			}
		case strings.HasSuffix(e, "/"):
			if err := os.MkdirAll(filepath.Join(dir, e), 0o755); err != nil {
				t.Fatal(err)
			}
		default:
			if err := os.WriteFile(filepath.Join(dir, e), []byte("content of "+e), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// tree is the test layout: base is the directory the application serves,
// outside holds what an attacker wants. base/link points outside.
var tree = []string{
	"outside/",
	"outside/secret.txt",
	"outside/target.txt",
	"base/",
	"base/notes.txt",
	"base/sub/",
	"base/sub/a.txt",
	"base/docs/",
	"base/link => ../outside",
	"base/notes => notes.txt",
}

// newTree returns a fresh tree and its root.
func newTree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	// Resolve symbolic links in the temp dir itself (macOS /var), so that
	// os.Root sees the same names as the string check.
	dir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	makefs(t, dir, tree...)
	return dir
}

// fileState is what a snapshot records of one name.
type fileState struct {
	Mode    fs.FileMode
	Size    int64
	ModTime time.Time
	Content string // regular files
	Link    string // symbolic links
}

// snapshot records every name under dir. withTimes keeps modification
// times (to prove nothing was written); twin trees differ in them.
func snapshot(t *testing.T, dir string, withTimes bool) map[string]fileState {
	t.Helper()
	m := map[string]fileState{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		st := fileState{Mode: fi.Mode()}
		if withTimes {
			st.ModTime = fi.ModTime()
		}
		switch {
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			st.Content, st.Size = string(b), fi.Size()
		case fi.Mode()&fs.ModeSymlink != 0:
			l, err := os.Readlink(p)
			if err != nil {
				return err
			}
			st.Link = strings.ReplaceAll(l, dir, "T")
		}
		rel, _ := filepath.Rel(dir, p)
		m[rel] = st
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func diffSnapshots(a, b map[string]fileState) string {
	var d []string
	for k, va := range a {
		vb, ok := b[k]
		switch {
		case !ok:
			d = append(d, "- "+k)
		case va != vb:
			d = append(d, fmt.Sprintf("~ %s: %+v -> %+v", k, va, vb))
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			d = append(d, "+ "+k)
		}
	}
	sort.Strings(d)
	return strings.Join(d, "\n")
}

// events returns the agent's events except blind-spot warnings.
func events(t *testing.T, logs *testlog.Buffer) []map[string]any {
	t.Helper()
	var evs []map[string]any
	for _, m := range logs.Events(t) {
		if m["kind"] != "blind_spot" {
			evs = append(evs, m)
		}
	}
	return evs
}

// requestCtx returns a context carrying a fresh agent in mode, its log,
// and the request inputs.
func requestCtx(mode rasp.Mode, inputs ...taint.Input) (context.Context, *testlog.Buffer, *rasp.Agent) {
	buf := new(testlog.Buffer)
	a := rasp.New(rasp.WithMode(mode), rasp.WithLogger(zerolog.New(buf)))
	ctx := rasp.NewContext(context.Background(), a)
	if len(inputs) > 0 {
		ctx = taint.NewContext(ctx, inputs...)
	}
	return ctx, buf, a
}

func query(v string) taint.Input {
	return taint.Input{Source: taint.SourceQuery, Key: "file", Value: v}
}

// assertBlocked checks that err is a refusal of the wrapper type W.
func assertBlocked[W error](t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, rasp.ErrBlocked) {
		t.Fatalf("err = %v, want a blocked error", err)
	}
	var w W
	if !errors.As(err, &w) {
		t.Fatalf("err is %T, want %T wrapping *rasp.BlockedError", err, w)
	}
	var be *rasp.BlockedError
	if !errors.As(err, &be) {
		t.Fatalf("err %T does not wrap *rasp.BlockedError", err)
	}
}

// fsAPI is the set of calls the tests run, bound to os, fsguard, os.Root
// or fsguard.Root.
type fsAPI struct {
	Open      func(string) (*os.File, error)
	OpenFile  func(string, int, fs.FileMode) (*os.File, error)
	Create    func(string) (*os.File, error)
	ReadFile  func(string) ([]byte, error)
	WriteFile func(string, []byte, fs.FileMode) error
	ReadDir   func(string) ([]os.DirEntry, error)
	Stat      func(string) (fs.FileInfo, error)
	Lstat     func(string) (fs.FileInfo, error)
	Remove    func(string) error
	RemoveAll func(string) error
	Rename    func(string, string) error
	Mkdir     func(string, fs.FileMode) error
	MkdirAll  func(string, fs.FileMode) error
	Chmod     func(string, fs.FileMode) error
	Symlink   func(string, string) error
	Readlink  func(string) (string, error)
}

func osAPI() fsAPI {
	return fsAPI{
		Open: os.Open, OpenFile: os.OpenFile, Create: os.Create, ReadFile: os.ReadFile, WriteFile: os.WriteFile,
		ReadDir: os.ReadDir, Stat: os.Stat, Lstat: os.Lstat, Remove: os.Remove, RemoveAll: os.RemoveAll,
		Rename: os.Rename, Mkdir: os.Mkdir, MkdirAll: os.MkdirAll, Chmod: os.Chmod, Symlink: os.Symlink,
		Readlink: os.Readlink,
	}
}

func guardedAPI(ctx context.Context) fsAPI {
	return fsAPI{
		Open:      func(n string) (*os.File, error) { return fsguard.Open(ctx, n) },
		OpenFile:  func(n string, f int, p fs.FileMode) (*os.File, error) { return fsguard.OpenFile(ctx, n, f, p) },
		Create:    func(n string) (*os.File, error) { return fsguard.Create(ctx, n) },
		ReadFile:  func(n string) ([]byte, error) { return fsguard.ReadFile(ctx, n) },
		WriteFile: func(n string, d []byte, p fs.FileMode) error { return fsguard.WriteFile(ctx, n, d, p) },
		ReadDir:   func(n string) ([]os.DirEntry, error) { return fsguard.ReadDir(ctx, n) },
		Stat:      func(n string) (fs.FileInfo, error) { return fsguard.Stat(ctx, n) },
		Lstat:     func(n string) (fs.FileInfo, error) { return fsguard.Lstat(ctx, n) },
		Remove:    func(n string) error { return fsguard.Remove(ctx, n) },
		RemoveAll: func(n string) error { return fsguard.RemoveAll(ctx, n) },
		Rename:    func(o, n string) error { return fsguard.Rename(ctx, o, n) },
		Mkdir:     func(n string, p fs.FileMode) error { return fsguard.Mkdir(ctx, n, p) },
		MkdirAll:  func(n string, p fs.FileMode) error { return fsguard.MkdirAll(ctx, n, p) },
		Chmod:     func(n string, m fs.FileMode) error { return fsguard.Chmod(ctx, n, m) },
		Symlink:   func(o, n string) error { return fsguard.Symlink(ctx, o, n) },
		Readlink:  func(n string) (string, error) { return fsguard.Readlink(ctx, n) },
	}
}

// runAPIOp runs op on name through api and summarises what the call
// returned. at names the fixed files some ops use (the rename source and
// destination, the link); fileName summarises an opened file.
func runAPIOp(api fsAPI, op, name string, at func(string) string, fileName func(*os.File) string) (string, error) {
	var (
		res any
		err error
	)
	file := func(f *os.File, ferr error, data string) (any, error) {
		if f == nil {
			return nil, ferr
		}
		defer f.Close()
		if data == "" {
			b, rerr := io.ReadAll(f)
			if rerr != nil {
				return nil, rerr
			}
			return string(b), ferr
		}
		_, werr := f.WriteString(data)
		return fileName(f), werr
	}
	stat := func(fi fs.FileInfo, err error) (any, error) {
		if fi == nil {
			return nil, err
		}
		return fmt.Sprintf("%s %d %v", fi.Name(), fi.Size(), fi.Mode()), err
	}
	switch op {
	case "Open":
		f, ferr := api.Open(name)
		res, err = file(f, ferr, "")
	case "OpenFile":
		f, ferr := api.OpenFile(name, os.O_WRONLY|os.O_TRUNC|os.O_CREATE, 0o644)
		res, err = file(f, ferr, "overwritten")
	case "Create":
		f, ferr := api.Create(name)
		res, err = file(f, ferr, "created")
	case "ReadFile":
		var b []byte
		b, err = api.ReadFile(name)
		res = b
	case "WriteFile":
		err = api.WriteFile(name, []byte("written"), 0o644)
	case "ReadDir":
		var ents []os.DirEntry
		ents, err = api.ReadDir(name)
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		res = names
	case "Stat":
		res, err = stat(api.Stat(name))
	case "Lstat":
		res, err = stat(api.Lstat(name))
	case "Remove":
		err = api.Remove(name)
	case "RemoveAll":
		err = api.RemoveAll(name)
	case "Rename":
		err = api.Rename(at("notes.txt"), name)
	case "RenameFrom":
		err = api.Rename(name, at("moved.txt"))
	case "Mkdir":
		err = api.Mkdir(name, 0o755)
	case "MkdirAll":
		err = api.MkdirAll(name, 0o755)
	case "Chmod":
		err = api.Chmod(name, 0o600)
	case "Symlink":
		err = api.Symlink(name, at("ln"))
	case "Readlink":
		res, err = api.Readlink(name)
	default:
		panic("unknown op " + op)
	}
	return fmt.Sprintf("%T %q", res, fmt.Sprint(res)), err
}
