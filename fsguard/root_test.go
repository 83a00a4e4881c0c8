package fsguard_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/fsguard"
	"github.com/gorasp/rasp/taint"
)

// runRootOp runs op on name through api, names in the root as they are.
func runRootOp(api fsAPI, op, name string) (string, error) {
	return runAPIOp(api, op, name, func(n string) string { return n }, func(f *os.File) string { return filepath.Base(f.Name()) })
}

func osRootAPI(r *os.Root) fsAPI {
	return fsAPI{
		Open: r.Open, OpenFile: r.OpenFile, Create: r.Create, ReadFile: r.ReadFile, WriteFile: r.WriteFile,
		ReadDir: func(name string) ([]os.DirEntry, error) {
			f, err := r.Open(name)
			if err != nil {
				return nil, err
			}
			defer f.Close()
			ents, err := f.ReadDir(-1)
			slices.SortFunc(ents, func(a, b os.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
			return ents, err
		},
		Stat: r.Stat, Lstat: r.Lstat, Remove: r.Remove, RemoveAll: r.RemoveAll, Rename: r.Rename,
		Mkdir: r.Mkdir, MkdirAll: r.MkdirAll, Chmod: r.Chmod, Symlink: r.Symlink, Readlink: r.Readlink,
	}
}

func guardedRootAPI(ctx context.Context, r *fsguard.Root) fsAPI {
	return fsAPI{
		Open:      func(n string) (*os.File, error) { return r.Open(ctx, n) },
		OpenFile:  func(n string, f int, p fs.FileMode) (*os.File, error) { return r.OpenFile(ctx, n, f, p) },
		Create:    func(n string) (*os.File, error) { return r.Create(ctx, n) },
		ReadFile:  func(n string) ([]byte, error) { return r.ReadFile(ctx, n) },
		WriteFile: func(n string, d []byte, p fs.FileMode) error { return r.WriteFile(ctx, n, d, p) },
		ReadDir:   func(n string) ([]os.DirEntry, error) { return r.ReadDir(ctx, n) },
		Stat:      func(n string) (fs.FileInfo, error) { return r.Stat(ctx, n) },
		Lstat:     func(n string) (fs.FileInfo, error) { return r.Lstat(ctx, n) },
		Remove:    func(n string) error { return r.Remove(ctx, n) },
		RemoveAll: func(n string) error { return r.RemoveAll(ctx, n) },
		Rename:    func(o, n string) error { return r.Rename(ctx, o, n) },
		Mkdir:     func(n string, p fs.FileMode) error { return r.Mkdir(ctx, n, p) },
		MkdirAll:  func(n string, p fs.FileMode) error { return r.MkdirAll(ctx, n, p) },
		Chmod:     func(n string, m fs.FileMode) error { return r.Chmod(ctx, n, m) },
		Symlink:   func(o, n string) error { return r.Symlink(ctx, o, n) },
		Readlink:  func(n string) (string, error) { return r.Readlink(ctx, n) },
	}
}

type rootCase struct {
	name, op, input string
	attack          bool
	blindCheck      bool // only the OS-level confinement sees it
}

var rootCases = []rootCase{
	{"read", "ReadFile", "notes.txt", false, false},
	{"read via inner link", "ReadFile", "notes", false, false},
	{"read inside climb", "ReadFile", "sub/../notes.txt", false, false},
	{"read missing", "ReadFile", "missing.txt", false, false},
	{"open", "Open", "sub/a.txt", false, false},
	{"openfile", "OpenFile", "notes.txt", false, false},
	{"create", "Create", "created.txt", false, false},
	{"write", "WriteFile", "new.txt", false, false},
	{"readdir", "ReadDir", "sub", false, false},
	{"readdir missing", "ReadDir", "nope", false, false},
	{"stat", "Stat", "notes.txt", false, false},
	{"lstat link", "Lstat", "link", false, false},
	{"remove", "Remove", "sub/a.txt", false, false},
	{"removeall", "RemoveAll", "sub", false, false},
	{"rename", "Rename", "renamed.txt", false, false},
	{"mkdir", "Mkdir", "newdir", false, false},
	{"mkdirall", "MkdirAll", "x/y", false, false},
	{"chmod", "Chmod", "notes.txt", false, false},
	{"symlink", "Symlink", "notes.txt", false, false},
	{"readlink", "Readlink", "link", false, false},

	{"read climb", "ReadFile", "../outside/secret.txt", true, false},
	{"read absolute", "ReadFile", "/etc/passwd", true, false},
	{"stat climb", "Stat", "sub/../../outside/secret.txt", true, false},
	{"write climb", "WriteFile", "../outside/target.txt", true, false},
	{"rename climb", "Rename", "../outside/target.txt", true, false},
	{"symlink absolute target", "Symlink", "/etc/passwd", true, false},

	{"read through link", "ReadFile", "link/secret.txt", true, true},
	{"open through link", "Open", "link/secret.txt", true, true},
	{"stat through link", "Stat", "link/secret.txt", true, true},
	{"readdir through link", "ReadDir", "link", true, true},
	{"write through link", "WriteFile", "link/target.txt", true, true},
	{"create through link", "Create", "link/new.txt", true, true},
	{"openfile through link", "OpenFile", "link/target.txt", true, true},
	{"mkdir through link", "Mkdir", "link/newdir", true, true},
	{"chmod through link", "Chmod", "link/target.txt", true, true},
	{"remove through link", "Remove", "link/target.txt", true, true},
	{"rename through link", "Rename", "link/target.txt", true, true},
}

// TestRoot runs every case in every mode against twin trees, one through
// os.Root, one through fsguard.Root. ModeOff and ModeMonitor must behave
// exactly like os.Root; escapes are reported in monitor and refused in
// protect with the tree untouched.
func TestRoot(t *testing.T) {
	for _, mode := range []rasp.Mode{rasp.ModeOff, rasp.ModeMonitor, rasp.ModeProtect} {
		for _, c := range rootCases {
			t.Run(fmt.Sprintf("%v/%s", mode, c.name), func(t *testing.T) {
				t.Parallel()
				osDir, gDir := newTree(t), newTree(t)
				osr, err := os.OpenRoot(filepath.Join(osDir, "base"))
				if err != nil {
					t.Fatal(err)
				}
				defer osr.Close()
				gr, err := fsguard.OpenRoot(filepath.Join(gDir, "base"))
				if err != nil {
					t.Fatal(err)
				}
				defer gr.Close()
				ctx, logs, _ := requestCtx(mode, query(c.input), query("harmless"))

				// The string check alone cannot see a symbolic link.
				if c.blindCheck {
					if _, ok := fsguard.CheckPath(c.input, []taint.Input{query(c.input)}); ok {
						t.Fatalf("CheckPath(%q) flagged a name only the OS can judge", c.input)
					}
				}

				before := snapshot(t, gDir, true)
				wantRes, wantErr := runRootOp(osRootAPI(osr), c.op, c.input)
				gotRes, gotErr := runRootOp(guardedRootAPI(ctx, gr), c.op, c.input)
				evs := events(t, logs)

				if mode == rasp.ModeProtect && c.attack {
					switch c.op {
					case "Rename", "Symlink":
						assertBlocked[*os.LinkError](t, gotErr)
					default:
						assertBlocked[*fs.PathError](t, gotErr)
					}
					if !isZero(gotRes) {
						t.Errorf("blocked call returned %s", gotRes)
					}
					if d := diffSnapshots(before, snapshot(t, gDir, true)); d != "" {
						t.Errorf("blocked call touched the tree:\n%s", d)
					}
					if len(evs) != 1 || evs[0]["kind"] != rasp.KindPathTraversal || evs[0]["blocked"] != true {
						t.Fatalf("events = %v, want one blocked path_traversal", evs)
					}
					if c.blindCheck && (evs[0]["input_value"] != c.input || evs[0]["details"].(map[string]any)["rule"] != "root_escape") {
						t.Errorf("event = %v, want the input and rule root_escape", evs[0])
					}
					return
				}
				if gotRes != wantRes || fmt.Sprintf("%T %v", gotErr, gotErr) != fmt.Sprintf("%T %v", wantErr, wantErr) {
					t.Errorf("guarded = %s, %v\nos.Root = %s, %v", gotRes, gotErr, wantRes, wantErr)
				}
				if d := diffSnapshots(snapshot(t, osDir, false), snapshot(t, gDir, false)); d != "" {
					t.Errorf("trees differ after the call:\n%s", d)
				}
				wantEvents := 0
				if mode == rasp.ModeMonitor && c.attack {
					wantEvents = 1
				}
				if len(evs) != wantEvents {
					t.Fatalf("events = %v, want %d", evs, wantEvents)
				}
			})
		}
	}
}

// TestRootSymlinkEscape: a name without any "..", chosen by request input,
// reaches outside through a link inside the tree. The string check lets
// fsguard.ReadFile read it; Root refuses and reports it.
func TestRootSymlinkEscape(t *testing.T) {
	dir := newTree(t)
	base := filepath.Join(dir, "base")
	ctx, logs, a := requestCtx(rasp.ModeProtect, query("link/secret.txt"))

	b, err := fsguard.ReadFile(ctx, filepath.Join(base, "link/secret.txt"))
	if err != nil || string(b) != "content of outside/secret.txt" {
		t.Fatalf("fsguard.ReadFile = %q, %v: the string check was expected to miss a link", b, err)
	}

	r, err := fsguard.OpenRoot(base)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err = r.ReadFile(ctx, "link/secret.txt")
	if b != nil {
		t.Errorf("Root.ReadFile returned %q", b)
	}
	assertBlocked[*fs.PathError](t, err)
	evs := events(t, logs)
	if len(evs) != 1 || evs[0]["target"] != "link/secret.txt" || evs[0]["reason"] == "" {
		t.Fatalf("events = %v", evs)
	}
	if s := a.Stats().Sinks[rasp.SinkFS]; s.Blocks != 1 || s.Findings != 1 {
		t.Errorf("stats = %+v", s)
	}

	// In monitor the OS refusal comes back unchanged, and is reported.
	a.SetMode(rasp.ModeMonitor)
	_, err = r.ReadFile(ctx, "link/secret.txt")
	if err == nil || strings.Contains(err.Error(), "blocked") || !strings.Contains(err.Error(), "path escapes from parent") {
		t.Fatalf("monitor: err = %v, want os.Root's refusal", err)
	}
	if n := len(events(t, logs)); n != 2 {
		t.Errorf("events = %d, want 2", n)
	}
}

// TestRootNoDoubleReport: a climbing name is reported once, by the check,
// even though os.Root refuses it too.
func TestRootNoDoubleReport(t *testing.T) {
	dir := newTree(t)
	r, err := fsguard.OpenRoot(filepath.Join(dir, "base"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx, logs, _ := requestCtx(rasp.ModeMonitor, query("../outside/secret.txt"))
	if _, err := r.Stat(ctx, "../outside/secret.txt"); err == nil {
		t.Fatal("Stat escaped the root")
	}
	evs := events(t, logs)
	if len(evs) != 1 || evs[0]["details"].(map[string]any)["rule"] != "traversal" {
		t.Fatalf("events = %v, want one traversal event", evs)
	}
}

func TestRootAccessors(t *testing.T) {
	dir := newTree(t)
	base := filepath.Join(dir, "base")
	if _, err := fsguard.OpenRoot(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("OpenRoot(missing) succeeded")
	}
	r, err := fsguard.OpenRoot(base)
	if err != nil {
		t.Fatal(err)
	}
	if r.Name() != base {
		t.Errorf("Name = %q", r.Name())
	}
	b, err := fs.ReadFile(r.FS(), "notes.txt")
	if err != nil || string(b) != "content of base/notes.txt" {
		t.Errorf("FS ReadFile = %q, %v", b, err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	ctx, _, _ := requestCtx(rasp.ModeProtect, query("notes.txt"))
	if _, err := r.ReadFile(ctx, "notes.txt"); err == nil {
		t.Error("ReadFile after Close succeeded")
	}
	if r.Name() != base {
		t.Error("Name after Close changed")
	}
}

// TestRootRefusalWins: the string check and os.Root can disagree; the
// refusal wins. A request carrying an input made only of ".." is refused by
// the check although os.Root would open the (unrelated) name; a link out of
// the tree passes the check and is refused by os.Root.
func TestRootRefusalWins(t *testing.T) {
	dir := newTree(t)
	for _, tc := range []struct {
		name, input, open string
		mode              rasp.Mode
		blocked           bool
	}{
		{"check refuses, os.Root allows", "../..", "notes.txt", rasp.ModeProtect, true},
		{"control: same call, guard off", "../..", "notes.txt", rasp.ModeOff, false},
		{"check passes, os.Root refuses", "link/secret.txt", "link/secret.txt", rasp.ModeProtect, true},
		{"both allow", "sub/a.txt", "sub/a.txt", rasp.ModeProtect, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := fsguard.OpenRoot(filepath.Join(dir, "base"))
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			ctx, _, _ := requestCtx(tc.mode, query(tc.input))
			b, err := r.ReadFile(ctx, tc.open)
			if got := errors.Is(err, rasp.ErrBlocked); got != tc.blocked {
				t.Fatalf("ReadFile(%q) with input %q = %q, %v; blocked %v, want %v", tc.open, tc.input, b, err, got, tc.blocked)
			}
			if !tc.blocked && err != nil {
				t.Fatalf("ReadFile(%q) = %v", tc.open, err)
			}
		})
	}
}
