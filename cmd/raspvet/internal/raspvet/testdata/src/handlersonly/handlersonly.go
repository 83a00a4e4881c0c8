package handlersonly

import (
	"database/sql"
	"net/http"
	"os"
	"os/exec"
)

func handler(w http.ResponseWriter, r *http.Request) {
	os.ReadFile(r.FormValue("f")) // want `os.ReadFile is not guarded`
}

func tool(db *sql.DB, dir string) { // want tool:`queryParams\(\[1\]\)`
	exec.Command("ls", dir).Run()
	os.ReadFile(dir)
	db.Exec("DROP TABLE " + dir)
	sql.Open("sqlite3", "") // want `sql.Open with driver "sqlite3"`
}
