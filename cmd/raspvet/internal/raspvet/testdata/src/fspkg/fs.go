package fspkg

import (
	"context"
	"io/ioutil"
	"net/http"
	"os"
	"path/filepath"

	"github.com/gorasp/rasp/fsguard"
)

func download(w http.ResponseWriter, r *http.Request) {
	name := filepath.Join("files", r.PathValue("name"))
	data, _ := os.ReadFile(name) // want `os.ReadFile is not guarded: use fsguard.ReadFile\(ctx, ...\)`
	w.Write(data)
	f, _ := os.Open(name) // want `os.Open is not guarded`
	f.Close()
	os.WriteFile(name, data, 0o600)     // want `os.WriteFile is not guarded`
	os.Rename(name, name+".old")        // want `os.Rename is not guarded`
	os.MkdirAll("cache", 0o755)         // want `os.MkdirAll is not guarded`
	ioutil.ReadFile(name)               // want `ioutil.ReadFile is not guarded`
	os.Getenv(name)                     // not a path call
	fsguard.Open(r.Context(), name)     // guarded
	fsguard.ReadFile(r.Context(), name) // guarded
}

func load(ctx context.Context, name string) {
	os.Stat(name) // want `os.Stat is not guarded`
}

func config() {
	os.ReadFile("/etc/app.conf")
	os.MkdirAll(filepath.Join("a", "b"), 0o755) // want `os.MkdirAll is not guarded`
	os.Remove(os.Args[1])                       // want `os.Remove is not guarded`
}
