package fsguard_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/fsguard"
	"github.com/gorasp/rasp/taint"
)

// shape is how the application builds the path from the input.
type shape int

const (
	raw    shape = iota // base + "/" + input
	joined              // filepath.Join(base, input)
	asIs                // the input itself
)

func (s shape) String() string { return [...]string{"raw", "join", "asis"}[s] }

func (s shape) path(base, in string) string {
	switch s {
	case raw:
		return base + "/" + in
	case joined:
		return filepath.Join(base, in)
	}
	return in
}

type opCase struct {
	name   string
	op     string
	input  string // "{OUT}" stands for the absolute path of the outside directory
	shapes []shape
	attack bool
}

var both = []shape{raw, joined}

var opCases = []opCase{
	// Benign: inputs that stay in base.
	{"read", "ReadFile", "notes.txt", both, false},
	{"read sub", "ReadFile", "sub/a.txt", both, false},
	{"read inside climb", "ReadFile", "sub/../notes.txt", both, false},
	{"read missing", "ReadFile", "missing.txt", both, false},
	{"read dotted", "ReadFile", "a..b.txt", both, false},
	{"open", "Open", "notes.txt", both, false},
	{"create", "Create", "created.txt", both, false},
	{"openfile", "OpenFile", "notes.txt", both, false},
	{"write", "WriteFile", "new.txt", both, false},
	{"readdir", "ReadDir", "sub", both, false},
	{"stat", "Stat", "notes.txt", both, false},
	{"lstat", "Lstat", "link", both, false},
	{"remove", "Remove", "sub/a.txt", both, false},
	{"removeall", "RemoveAll", "sub", both, false},
	{"rename", "Rename", "renamed.txt", both, false},
	{"rename from", "RenameFrom", "sub/a.txt", both, false},
	{"mkdir", "Mkdir", "newdir", both, false},
	{"mkdirall", "MkdirAll", "x/y/z", both, false},
	{"chmod", "Chmod", "notes.txt", both, false},
	{"symlink", "Symlink", "notes.txt", []shape{asIs}, false},
	{"readlink", "Readlink", "link", both, false},
	// Attacks: each leaves base, or would.
	{"read climb", "ReadFile", "../outside/secret.txt", both, true},
	{"read deep climb", "ReadFile", "sub/../../outside/secret.txt", both, true},
	{"read absolute", "ReadFile", "{OUT}/secret.txt", []shape{asIs}, true},
	{"read nul", "ReadFile", "notes.txt\x00.png", both, true},
	{"open climb", "Open", "../outside/secret.txt", both, true},
	{"stat climb", "Stat", "../outside/secret.txt", both, true},
	{"lstat climb", "Lstat", "../outside/secret.txt", both, true},
	{"readdir climb", "ReadDir", "../outside", both, true},
	{"readdir bare dotdot", "ReadDir", "..", []shape{raw}, true},
	{"readlink absolute", "Readlink", "{OUT}/../base/link", []shape{asIs}, true},
	{"create climb", "Create", "../outside/new.txt", both, true},
	{"openfile climb", "OpenFile", "../outside/target.txt", both, true},
	{"write climb", "WriteFile", "../outside/target.txt", both, true},
	{"write absolute", "WriteFile", "{OUT}/target.txt", []shape{asIs}, true},
	{"remove climb", "Remove", "../outside/target.txt", both, true},
	{"removeall climb", "RemoveAll", "../outside", both, true},
	{"rename climb", "Rename", "../outside/target.txt", both, true},
	{"rename from climb", "RenameFrom", "../outside/secret.txt", both, true},
	{"mkdir climb", "Mkdir", "../outside/newdir", both, true},
	{"mkdirall climb", "MkdirAll", "../outside/a/b", both, true},
	{"chmod climb", "Chmod", "../outside/target.txt", both, true},
	{"symlink absolute target", "Symlink", "{OUT}/secret.txt", []shape{asIs}, true},
	{"symlink climbing target", "Symlink", "../outside/secret.txt", []shape{asIs}, true},
}

// runOp runs op on path p, through fsguard with ctx when guarded, else
// through os. It returns a summary of what the call returned, with dir
// replaced by "T", and the error.
func runOp(ctx context.Context, guarded bool, op, base, p string) (string, error) {
	api := osAPI()
	if guarded {
		api = guardedAPI(ctx)
	}
	at := func(n string) string { return filepath.Join(base, n) }
	res, err := runAPIOp(api, op, p, at, (*os.File).Name)
	return normalize(res, base), err
}

// normalize replaces the tree's root (base's parent) with "T".
func normalize(s, base string) string {
	return strings.ReplaceAll(s, filepath.Dir(base), "T")
}

func errString(err error, base string) string {
	if err == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%T %s", err, normalize(err.Error(), base))
}

func isZero(summary string) bool {
	return summary == `<nil> "<nil>"` || summary == `[]uint8 "[]"` || summary == `[]string "[]"` || summary == `string ""`
}

// TestTwins runs every case in every mode against twin trees: one through
// os, one through fsguard. Benign calls, and every call in ModeOff and
// ModeMonitor, must behave exactly as os (results, errors, resulting
// tree); attacks are reported in monitor and protect, and refused in
// protect with nothing touched anywhere.
func TestTwins(t *testing.T) {
	for _, mode := range []rasp.Mode{rasp.ModeOff, rasp.ModeMonitor, rasp.ModeProtect} {
		for _, c := range opCases {
			for _, sh := range c.shapes {
				t.Run(fmt.Sprintf("%v/%s/%v", mode, c.name, sh), func(t *testing.T) {
					t.Parallel()
					osDir, gDir := newTree(t), newTree(t)
					osBase, gBase := filepath.Join(osDir, "base"), filepath.Join(gDir, "base")
					osIn := strings.ReplaceAll(c.input, "{OUT}", filepath.Join(osDir, "outside"))
					gIn := strings.ReplaceAll(c.input, "{OUT}", filepath.Join(gDir, "outside"))

					ctx, logs, _ := requestCtx(mode, query(gIn), query("harmless"))
					before := snapshot(t, gDir, true)
					wantRes, wantErr := runOp(context.Background(), false, c.op, osBase, sh.path(osBase, osIn))
					gotRes, gotErr := runOp(ctx, true, c.op, gBase, sh.path(gBase, gIn))
					evs := events(t, logs)

					if mode == rasp.ModeProtect && c.attack {
						switch c.op {
						case "Rename", "RenameFrom", "Symlink":
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
							t.Errorf("events = %v, want one blocked path_traversal", evs)
						}
						return
					}
					if gotRes != wantRes || errString(gotErr, gBase) != errString(wantErr, osBase) {
						t.Errorf("guarded = %s, %s\nos      = %s, %s", gotRes, errString(gotErr, gBase), wantRes, errString(wantErr, osBase))
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
					if wantEvents == 1 && (evs[0]["kind"] != rasp.KindPathTraversal || evs[0]["blocked"] != false || evs[0]["input_value"] != gIn) {
						t.Errorf("event = %v", evs[0])
					}
				})
			}
		}
	}
}

// TestBlindSpot: without request inputs the call runs unchecked and is
// counted.
func TestBlindSpot(t *testing.T) {
	dir := newTree(t)
	ctx, _, a := requestCtx(rasp.ModeProtect)
	b, err := fsguard.ReadFile(ctx, filepath.Join(dir, "base", "..", "outside", "secret.txt"))
	if err != nil || string(b) != "content of outside/secret.txt" {
		t.Fatalf("ReadFile without inputs = %q, %v", b, err)
	}
	st := a.Stats()
	if n := st.Sinks[rasp.SinkFS].NoContext; n != 1 {
		t.Errorf("NoContext = %d, want 1", n)
	}
	if len(st.BlindSpots) != 1 || !strings.Contains(st.BlindSpots[0].Site, "fsguard_test.go") {
		t.Errorf("blind spots = %+v, want this test's call site", st.BlindSpots)
	}
}

// TestHarmlessFactsCounted: a request whose inputs have none of the shapes
// a rule needs is decided by its facts, and the calls are still counted as
// checks.
func TestHarmlessFactsCounted(t *testing.T) {
	dir := newTree(t)
	ctx, _, a := requestCtx(rasp.ModeProtect, query("secret.txt"), query("en-US"))
	if _, err := fsguard.Stat(ctx, filepath.Join(dir, "outside", "secret.txt")); err != nil {
		t.Fatal(err)
	}
	if err := fsguard.Rename(ctx, filepath.Join(dir, "outside", "secret.txt"), filepath.Join(dir, "outside", "moved.txt")); err != nil {
		t.Fatal(err)
	}
	if s := a.Stats().Sinks[rasp.SinkFS]; s.Checks != 3 || s.Findings != 0 || s.NoContext != 0 {
		t.Errorf("stats = %+v, want 3 checks (Stat, and Rename's two names), no finding", s)
	}
}

// TestJoinClimbOnly: Join cleans an input made only of ".." elements
// away, so nothing of it is left in the path; the request is refused
// whatever the call opens, and Root refuses the climb too.
func TestJoinClimbOnly(t *testing.T) {
	dir := newTree(t)
	base := filepath.Join(dir, "base")
	for _, up := range []string{"..", "../", "a/../..", "../.."} {
		ctx, logs, _ := requestCtx(rasp.ModeProtect, query(up))
		ents, err := fsguard.ReadDir(ctx, filepath.Join(base, up))
		if !errors.Is(err, rasp.ErrBlocked) || ents != nil {
			t.Fatalf("ReadDir(Join(base, %q)) = %v, %v; want blocked", up, ents, err)
		}
		if !strings.Contains(logs.String(), `"rule":"climb"`) {
			t.Fatalf("event does not name the climb rule: %s", logs.String())
		}
		r, err := fsguard.OpenRoot(base)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.ReadDir(ctx, up); !errors.Is(err, rasp.ErrBlocked) {
			t.Fatalf("Root.ReadDir(%q) = %v, want blocked", up, err)
		}
		r.Close()
	}
}

func TestFaultTooLong(t *testing.T) {
	long := "/" + strings.Repeat("a/", 20000)
	ctx, logs, _ := requestCtx(rasp.ModeProtect, taint.Input{Source: taint.SourceQuery, Key: "f", Value: "../x"})
	_, err := fsguard.Stat(ctx, long)
	// The agent fails open by default: the call runs (and fails in the OS).
	if err == nil || fmt.Sprint(err) == "" {
		t.Fatalf("Stat(long) = %v", err)
	}
	evs := events(t, logs)
	if len(evs) != 1 || evs[0]["kind"] != rasp.KindInternalFault {
		t.Fatalf("events = %v, want one internal_fault", evs)
	}
}
