package fsguard_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/fsguard"
	"github.com/gorasp/rasp/taint"
	"github.com/rs/zerolog"
)

func ExampleCheckPath() {
	base := "/srv/app/files"
	for _, name := range []string{"report.pdf", "sub/../notes.txt", "a..b.txt", "../../etc/passwd", "/etc/passwd"} {
		inputs := []taint.Input{{Source: taint.SourceQuery, Key: "name", Value: name}}
		joined := filepath.Join(base, name)
		_, bad := fsguard.CheckPath(joined, inputs)
		_, badRaw := fsguard.CheckPath(name, inputs)
		fmt.Printf("%-18s Join: %-5v as is: %v\n", name, bad, badRaw)
	}
	// Output:
	// report.pdf         Join: false as is: false
	// sub/../notes.txt   Join: false as is: false
	// a..b.txt           Join: false as is: false
	// ../../etc/passwd   Join: true  as is: true
	// /etc/passwd        Join: false as is: true
}

func ExampleReadFile() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	base := filepath.Join(dir, "files")
	_ = os.Mkdir(base, 0o755)
	_ = os.WriteFile(filepath.Join(base, "report.txt"), []byte("quarterly"), 0o644)

	// The middleware of package rasp builds this context for each request.
	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.New(io.Discard)))
	for _, name := range []string{"report.txt", "../../etc/passwd"} {
		ctx := taint.NewContext(rasp.NewContext(context.Background(), a),
			taint.Input{Source: taint.SourceQuery, Key: "name", Value: name})
		b, err := fsguard.ReadFile(ctx, filepath.Join(base, name))
		fmt.Printf("%s: %q blocked=%v\n", name, b, errors.Is(err, rasp.ErrBlocked))
	}
	// Output:
	// report.txt: "quarterly" blocked=false
	// ../../etc/passwd: "" blocked=true
}

func ExampleOpenRoot() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	_ = os.Mkdir(filepath.Join(dir, "files"), 0o755)
	_ = os.Mkdir(filepath.Join(dir, "private"), 0o755)
	_ = os.WriteFile(filepath.Join(dir, "private", "key"), []byte("secret"), 0o600)
	// A link inside the tree that points outside it: no ".." in the name.
	_ = os.Symlink("../private", filepath.Join(dir, "files", "shared"))

	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.New(io.Discard)))
	ctx := taint.NewContext(rasp.NewContext(context.Background(), a),
		taint.Input{Source: taint.SourceQuery, Key: "name", Value: "shared/key"})

	root, err := fsguard.OpenRoot(filepath.Join(dir, "files"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer root.Close()
	b, err := root.ReadFile(ctx, "shared/key")
	fmt.Printf("%q blocked=%v findings=%d\n", b, errors.Is(err, rasp.ErrBlocked), a.Stats().Sinks[rasp.SinkFS].Findings)
	// Output:
	// "" blocked=true findings=1
}

// Example_serveFiles serves files a request names from one directory through
// a [fsguard.Root], the way to serve user-chosen files: os.Root confines
// every name, symbolic links included, and the request check reports the
// attempt. The middleware answers 403 for a refused call.
func Example_serveFiles() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	_ = os.Mkdir(filepath.Join(dir, "files"), 0o755)
	_ = os.WriteFile(filepath.Join(dir, "files", "report.txt"), []byte("quarterly"), 0o644)
	_ = os.WriteFile(filepath.Join(dir, "secret.env"), []byte("KEY=1"), 0o600)
	_ = os.Symlink("..", filepath.Join(dir, "files", "up"))

	root, err := fsguard.OpenRoot(filepath.Join(dir, "files"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer root.Close()

	agent := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.New(io.Discard)))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /files", func(w http.ResponseWriter, r *http.Request) {
		b, err := root.ReadFile(r.Context(), r.FormValue("name"))
		if err != nil {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		w.Write(b)
	})
	srv := httptest.NewServer(agent.Middleware(mux))
	defer srv.Close()

	for _, name := range []string{"report.txt", "missing.txt", "../secret.env", "up/secret.env"} {
		resp, err := http.Get(srv.URL + "/files?name=" + url.QueryEscape(name))
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Printf("%-14s %d %q\n", name, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	// Output:
	// report.txt     200 "quarterly"
	// missing.txt    404 "not found"
	// ../secret.env  403 "Forbidden"
	// up/secret.env  403 "Forbidden"
}
