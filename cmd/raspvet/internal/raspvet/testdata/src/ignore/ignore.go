package ignore

import (
	"net/http"
	"os"
	"os/exec"
)

func handler(w http.ResponseWriter, r *http.Request) {
	dir := r.FormValue("dir")

	//raspvet:ignore dir is checked against an allow-list by the router
	exec.Command("ls", dir).Run()

	exec.Command("ls", dir).Run() //raspvet:ignore same-line form

	// want +1 `raspvet:ignore needs a reason`
	//raspvet:ignore
	exec.Command("ls", dir).Run() // want `exec.Command runs`

	//raspvet:ignored is not the directive
	exec.Command("ls", dir).Run() // want `exec.Command runs`

	//raspvet:ignore only the next line is silenced

	os.ReadFile(dir) // want `os.ReadFile is not guarded`
}
