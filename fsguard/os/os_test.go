package os_test

import (
	"errors"
	"go/types"
	"io/fs"
	"net/http"
	"net/http/httptest"
	stdos "os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/fsguard/os"
	"github.com/rs/zerolog"
	"golang.org/x/tools/go/packages"
)

// TestSameAPIAsOS: every exported name of os exists here with the same
// type, so swapping the import path builds unchanged.
func TestSameAPIAsOS(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the os package from source")
	}
	pkgs, err := packages.Load(&packages.Config{Mode: packages.NeedTypes | packages.NeedName},
		"os", "github.com/gorasp/rasp/fsguard/os")
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) != 2 || pkgs[0].Types == nil || pkgs[1].Types == nil {
		t.Fatalf("loaded %v", pkgs)
	}
	std, ours := pkgs[0].Types, pkgs[1].Types
	if std.Path() != "os" {
		std, ours = ours, std
	}
	for _, name := range std.Scope().Names() {
		want := std.Scope().Lookup(name)
		if !want.Exported() {
			continue
		}
		got := ours.Scope().Lookup(name)
		if got == nil {
			t.Errorf("os.%s is missing", name)
			continue
		}
		if !types.Identical(got.Type(), want.Type()) {
			t.Errorf("%s: type %v, os has %v", name, got.Type(), want.Type())
		}
		if _, isConst := want.(*types.Const); isConst {
			if c, ok := got.(*types.Const); !ok || c.Val().String() != want.(*types.Const).Val().String() {
				t.Errorf("%s: not the constant %v", name, want.(*types.Const).Val())
			}
		}
	}
}

func tree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := stdos.MkdirAll(filepath.Join(dir, "public"), 0o700); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"public/a.txt": "public a", "secret.txt": "secret"} {
		if err := stdos.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestGuardedInHandler: a handler calling this package's ReadFile with a
// path a request chose is refused in protect mode (403), and a benign
// request reads the file as os does.
func TestGuardedInHandler(t *testing.T) {
	dir := tree(t)
	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()))
	h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := os.ReadFile(filepath.Join(dir, "public", r.URL.Query().Get("f")))
		if err != nil {
			if errors.Is(err, rasp.ErrBlocked) {
				var pe *fs.PathError
				if !errors.As(err, &pe) {
					t.Errorf("refusal %T is not a *fs.PathError", err)
				}
			}
			http.Error(w, "no", http.StatusNotFound)
			return
		}
		_, _ = w.Write(b)
	}))
	for _, tc := range []struct {
		f    string
		code int
		body string
	}{
		{"a.txt", 200, "public a"},
		{"../secret.txt", 403, ""},
		{"missing.txt", 404, "no\n"},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/?f="+tc.f, nil))
		if rec.Code != tc.code || (tc.body != "" && rec.Body.String() != tc.body) {
			t.Errorf("f=%s: %d %q, want %d %q", tc.f, rec.Code, rec.Body.String(), tc.code, tc.body)
		}
	}
	if st := a.Stats().Sinks[rasp.SinkFS]; st.Scoped != 3 || st.Blocks != 1 || st.NoContext != 0 {
		t.Errorf("stats %+v, want 3 scoped checks, 1 block, no blind spot", st)
	}
}

// TestUnguardedOutsideRequest: outside a request the calls are os's, and
// blind spots of the default agent.
func TestUnguardedOutsideRequest(t *testing.T) {
	dir := tree(t)
	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()))
	rasp.SetDefault(a)
	name := filepath.Join(dir, "public", "..", "secret.txt")
	b, err := os.ReadFile(name)
	want, wantErr := stdos.ReadFile(name)
	if string(b) != string(want) || (err == nil) != (wantErr == nil) {
		t.Fatalf("ReadFile = %q, %v; os: %q, %v", b, err, want, wantErr)
	}
	if _, err := os.Stat(filepath.Join(dir, "nope")); !os.IsNotExist(err) {
		t.Fatalf("Stat of a missing file = %v", err)
	}
	st := a.Stats()
	if st.Sinks[rasp.SinkFS].NoContext != 2 || len(st.BlindSpots) != 2 {
		t.Fatalf("stats %+v, want 2 blind spots at 2 sites", st)
	}
	for _, s := range st.BlindSpots {
		if !strings.Contains(s.Site, "os_test.go:") {
			t.Errorf("call site %q is not this test's line", s.Site)
		}
	}
}
