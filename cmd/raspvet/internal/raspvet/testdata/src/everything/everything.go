package everything

import (
	"database/sql"
	"net/http"
	"os"
	"os/exec"
)

func handler(w http.ResponseWriter, r *http.Request) {
	os.ReadFile(r.FormValue("f")) // want `^os.ReadFile is not guarded`
}

// tool is reached from no handler: -everything reports its calls whose
// target is not constant, in their own class.
func tool(db *sql.DB, dir string) { // want tool:`queryParams\(\[1\]\)`
	exec.Command("ls", dir).Run() // want `^outside handlers: exec.Command runs`
	os.ReadFile(dir)              // want `^outside handlers: os.ReadFile is not guarded`
	db.Exec("DROP TABLE " + dir)  // want `^outside handlers: \(\*sql.DB\).Exec has no context`
	exec.Command("date").Run()
	os.ReadFile("/etc/hosts")
	const q = "SELECT 1"
	db.Exec(q)
}
