package background

import (
	"context"
	"database/sql"
	"net/http"
	"os/exec"
	"time"
)

func handler(db *sql.DB) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second) // want `context.Background\(\) in an HTTP handler hides the request's inputs from the guards`
		defer cancel()
		db.QueryRowContext(ctx, "SELECT 1")
		db.ExecContext(context.TODO(), "SELECT 1")                              // want `context.TODO\(\) in an HTTP handler`
		exec.CommandContext(context.Background(), "ls", r.FormValue("d")).Run() // want `exec.CommandContext runs` `context.Background\(\) in an HTTP handler`
		go func() {
			work(context.WithoutCancel(r.Context()))
		}()
	})
}

func work(ctx context.Context) {}

func main() {
	work(context.Background())
}
