package fsguard_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gorasp/rasp"
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
