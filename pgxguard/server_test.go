package pgxguard_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorasp/rasp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"
)

// serviceDSN returns RASP_PG_DSN, or skips the test (fails it under
// RASP_REQUIRE_SERVICES=1) when it is unset, as the integration module does.
func serviceDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("RASP_PG_DSN")
	if dsn == "" {
		if os.Getenv("RASP_REQUIRE_SERVICES") == "1" {
			t.Fatal("RASP_PG_DSN not set and RASP_REQUIRE_SERVICES=1: start servers with scripts/services.sh")
		}
		t.Skip("RASP_PG_DSN not set: start servers with scripts/services.sh")
	}
	return dsn
}

func unique(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// quiet is the context of setup statements: a ModeOff agent, so setup
// writes no blind-spot warnings.
var quiet = rasp.NewContext(context.Background(), rasp.New(rasp.WithMode(rasp.ModeOff), rasp.WithLogger(zerolog.Nop())))

// schemaDSN creates a schema of its own for the test on the server of
// base, with the table items (three rows), dropped when the test ends, and
// returns a DSN whose search_path is that schema.
func schemaDSN(t testing.TB, base string) string {
	t.Helper()
	admin, err := pgx.Connect(quiet, base)
	if err != nil {
		t.Fatal(err)
	}
	schema := unique("pgxguard_")
	for _, s := range []string{
		"CREATE SCHEMA " + schema,
		"CREATE TABLE " + schema + ".items (id int PRIMARY KEY, name text NOT NULL, note text NOT NULL DEFAULT '')",
		"INSERT INTO " + schema + ".items (id, name) VALUES (1, 'apple'), (2, 'pear'), (3, 'plum')",
	} {
		if _, err := admin.Exec(quiet, s); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		admin.Exec(quiet, "DROP SCHEMA "+schema+" CASCADE")
		admin.Close(quiet)
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// newPool opens a pool on dsn with the tracer, the exec mode and at most
// maxConns connections.
func newPool(t testing.TB, dsn string, tracer pgx.QueryTracer, mode pgx.QueryExecMode, maxConns int32) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.Tracer = tracer
	cfg.ConnConfig.DefaultQueryExecMode = mode
	cfg.MaxConns = maxConns
	pool, err := pgxpool.NewWithConfig(quiet, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

var execModes = []pgx.QueryExecMode{
	pgx.QueryExecModeCacheStatement,
	pgx.QueryExecModeCacheDescribe,
	pgx.QueryExecModeDescribeExec,
	pgx.QueryExecModeExec,
	pgx.QueryExecModeSimpleProtocol,
}

// logServer is a PostgreSQL server of the test's own, started with
// log_statement = all on a free loopback port, so a test can tell from
// its log which statements arrived. It is stopped when the test ends.
type logServer struct {
	dsn string
	log string
}

func startLogServer(t *testing.T) *logServer {
	t.Helper()
	serviceDSN(t) // same skip rule as every server test
	bin := os.Getenv("RASP_PG_BIN")
	if bin == "" {
		m, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
		if len(m) > 0 {
			bin = m[len(m)-1]
		}
	}
	if _, err := os.Stat(filepath.Join(bin, "initdb")); err != nil {
		if os.Getenv("RASP_REQUIRE_SERVICES") == "1" {
			t.Fatalf("PostgreSQL binaries not found (%q): apt-get install postgresql", bin)
		}
		t.Skipf("PostgreSQL binaries not found (%q)", bin)
	}
	dir, err := os.MkdirTemp("", "pgxguard-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	// initdb and postgres refuse to run as root: run them as postgres.
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skip("running as root and no postgres user to run the server as")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	run := func(name string, args ...string) {
		t.Helper()
		cmd := exec.Command(filepath.Join(bin, name), args...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, out)
		}
	}
	data := filepath.Join(dir, "data")
	logFile := filepath.Join(dir, "pg.log")
	port := freePort(t)
	run("initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync")
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c log_statement=all -c fsync=off", port, dir)
	run("pg_ctl", "-D", data, "-o", opts, "-l", logFile, "-w", "start")
	t.Cleanup(func() { run("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop") })
	return &logServer{
		dsn: fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port),
		log: logFile,
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// contains reports whether the server log holds s.
func (s *logServer) contains(t *testing.T, sub string) bool {
	t.Helper()
	f, err := os.Open(s.log)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if strings.Contains(sc.Text(), sub) {
			return true
		}
	}
	return false
}

// arrived waits until the log holds sub (the server writes it as it
// executes), and fails the test after a while.
func (s *logServer) arrived(t *testing.T, sub string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if s.contains(t, sub) {
			return
		}
	}
	t.Fatalf("statement with %q never reached the server log", sub)
}
