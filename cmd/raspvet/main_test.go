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

// buildCommand builds raspvet into a temporary directory.
func buildCommand(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "raspvet")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// writeFiles writes files (name -> text) under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestVendoredOldModule runs raspvet with no flags on a module whose go.mod
// predates default vendoring (go 1.13): its packages must load from the
// vendor directory, with no module look-up (GOPROXY=off).
func TestVendoredOldModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	bin := buildCommand(t)
	mod := t.TempDir()
	writeFiles(t, mod, map[string]string{
		"go.mod":                        "module example.com/old\n\ngo 1.13\n\nrequire example.com/dep v1.0.0\n",
		"vendor/modules.txt":            "# example.com/dep v1.0.0\nexample.com/dep\n",
		"vendor/example.com/dep/dep.go": "package dep\n\n// Dir is where files are served from.\nconst Dir = \"files\"\n",
		"web/web.go":                    strings.Replace(handlerSrc, `"os"`, "\"os\"\n\n\t\"example.com/dep\"", 1) + "\nvar _ = dep.Dir\n",
	})
	cmd := exec.Command(bin, "./...")
	cmd.Dir = mod
	cmd.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off", "GOPROXY=off")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 {
		t.Fatalf("raspvet: err %v, want exit status 3\n%s", err, out)
	}
	if !strings.Contains(string(out), "os.ReadFile is not guarded") {
		t.Errorf("output lacks the finding:\n%s", out)
	}
}

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
