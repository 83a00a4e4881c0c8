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

func avatar(w http.ResponseWriter, r *http.Request) {
	load(r.Context(), r.FormValue("name"))
	base := "/srv/avatars"
	p := filepath.Join(base, r.FormValue("user"), "avatar.png")
	os.Open(p)                                   // want `os.Open is not guarded: use fsguard.Open\(ctx, ...\) with the request's context; the path joins request data to a base directory: open the base once with fsguard.OpenRoot`
	os.ReadFile(filepath.Join(base, "logo.png")) // want `os.ReadFile is not guarded: use fsguard.ReadFile\(ctx, ...\) with the request's context$`
}

func load(ctx context.Context, name string) {
	os.Stat(name) // want `os.Stat is not guarded`
}

// config is reached from no handler.
func config() {
	os.ReadFile("/etc/app.conf")
	os.MkdirAll(filepath.Join("a", "b"), 0o755)
	os.Remove(os.Args[1])
}
