package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const handlerSrc = `package web

import (
	"net/http"
	"os"
)

func Download(w http.ResponseWriter, r *http.Request) {
	b, _ := os.ReadFile(r.FormValue("name"))
	w.Write(b)
}
`

// TestCommand builds raspvet and runs it both ways on a module of its own:
// standalone (exit status 3 on findings) and as go vet's tool (status 1),
// then with -fix.
func TestCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command and runs go vet")
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "raspvet")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	mod := filepath.Join(tmp, "mod")
	write := func(name, text string) {
		t.Helper()
		p := filepath.Join(mod, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/mod\n\ngo 1.25\n")
	write("web/web.go", handlerSrc)

	const want = "os.ReadFile is not guarded: use fsguard.ReadFile(ctx, ...)"
	tests := []struct {
		name   string
		args   []string
		status int
	}{
		{"standalone", []string{bin, "./..."}, 3},
		{"go vet", []string{"go", "vet", "-vettool=" + bin, "./..."}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(tt.args[0], tt.args[1:]...)
			cmd.Dir = mod
			cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != tt.status {
				t.Fatalf("%v: err %v, want exit status %d\n%s", tt.args, err, tt.status, out)
			}
			if !strings.Contains(string(out), "web.go:9:10: "+want) {
				t.Errorf("output lacks the finding %q:\n%s", want, out)
			}
		})
	}

	// -fix rewrites the call and the imports.
	cmd := exec.Command(bin, "-fix", "./...")
	cmd.Dir = mod
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("raspvet -fix: %v\n%s", err, out)
	}
	fixed, err := os.ReadFile(filepath.Join(mod, "web/web.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`fsguard.ReadFile(r.Context(), r.FormValue("name"))`, `"github.com/gorasp/rasp/fsguard"`} {
		if !strings.Contains(string(fixed), s) {
			t.Errorf("fixed file lacks %s:\n%s", s, fixed)
		}
	}
	if strings.Contains(string(fixed), `"os"`) {
		t.Errorf("fixed file still imports os:\n%s", fixed)
	}
}
