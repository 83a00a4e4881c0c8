// Package example is the input of ExampleAnalyzer.
package example

import (
	"context"
	"net/http"
	"os"
	"os/exec"
)

// HandleBackup backs up the directory the request names.
func HandleBackup(w http.ResponseWriter, r *http.Request) {
	Backup(r.Context(), r.FormValue("dir"))
}

func Backup(ctx context.Context, dir string) error {
	return exec.Command("tar", "czf", "/var/backups/site.tgz", dir).Run() // want `exec.Command runs`
}

func Config() ([]byte, error) {
	return os.ReadFile("/etc/site.conf") // constant path: nothing to report
}

func Load(name string) ([]byte, error) {
	//raspvet:ignore name comes from the operator's command line
	return os.ReadFile(name)
}
