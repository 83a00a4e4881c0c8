package execpkg

import (
	"context"
	"net/http"
	"os/exec"
)

func handler(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("name")
	exec.Command("ls", name).Run()                     // want `exec.Command runs a command the exec guard never sees: use execguard.CommandContext`
	exec.Command("date").Run()                         // want `exec.Command runs`
	exec.CommandContext(r.Context(), "ls", name).Run() // want `exec.CommandContext runs`
	go func() {
		exec.Command("ls", name).Run() // want `exec.Command runs`
	}()
}

type server struct{}

func (server) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	exec.Command("ls", req.FormValue("dir")).Run() // want `exec.Command runs`
}

func blankRequest(w http.ResponseWriter, _ *http.Request) {
	exec.Command("date").Run() // want `exec.Command runs`
}

func shadowed(w http.ResponseWriter, r *http.Request) {
	{
		r := 1
		_ = r
		exec.Command("date").Run() // want `exec.Command runs`
	}
}

func list(w http.ResponseWriter, r *http.Request) {
	withContext(r.Context(), r.FormValue("dir"))
	withoutContext(r.FormValue("dir"))
}

// withContext and withoutContext are helpers a handler uses.
func withContext(ctx context.Context, dir string) {
	exec.Command("ls", dir).Run() // want `exec.Command runs`
}

func withoutContext(dir string) {
	exec.Command("ls", dir).Run() // want `exec.Command runs`
	exec.Command("ls", "-l").Run()
	args := []string{"-l"}
	exec.Command("ls", args...).Run() // want `exec.Command runs`
	const tool = "git"
	exec.Command(tool, "status").Run()
	cmd := "git"
	exec.Command(cmd, "status").Run()
}

// startup is reached from no handler: it is reported only with -everything.
func startup(dir string) {
	exec.Command("ls", dir).Run()
}
