package bench

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/driver"
	"github.com/gorasp/rasp/sqlguard"
	"github.com/gorasp/rasp/taint"
	"github.com/mattn/go-sqlite3"
	"github.com/rs/zerolog"
)

// The guard column of every overhead benchmark: the unguarded call, the
// call through rasp, and the call preceded by libddwaf's RASP check on the
// same request, as a tracer runs it.
const (
	guardNone     = "guard=none"
	guardRasp     = "guard=rasp"
	guardLibddwaf = "guard=libddwaf"
)

var errPeerBlocked = errors.New("libddwaf: blocked")

// benchAgent is a protect-mode agent whose events are encoded and thrown
// away, so a blocked call pays for its event as it would in production.
func benchAgent() *rasp.Agent {
	return rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.New(io.Discard)))
}

// requestCtx returns a context carrying a and inputs, as the middleware
// leaves it for the handler.
func requestCtx(a *rasp.Agent, inputs ...taint.Input) context.Context {
	return rasp.NewContext(taint.NewContext(context.Background(), inputs...), a)
}

func peer(tb testing.TB) *Peer {
	tb.Helper()
	p, err := SharedPeer()
	if err != nil {
		tb.Fatalf("libddwaf unavailable: %v", err)
	}
	return p
}

// peerRequest opens a libddwaf request context with inputs, closed when
// the benchmark ends.
func peerRequest(tb testing.TB, inputs []taint.Input) *PeerRequest {
	tb.Helper()
	r, err := peer(tb).NewRequest(inputs)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(r.Close)
	return r
}

// peerGuard runs libddwaf on addrs and refuses the call on a RASP match.
func peerGuard(r *PeerRequest, addrs map[string]any) error {
	hit, _, err := r.Run(addrs)
	if err != nil {
		return err
	}
	if hit {
		return errPeerBlocked
	}
	return nil
}

var registerOnce sync.Once

const raspSQLite = "sqlite3-rasp-bench"

// openDBs opens the same SQLite file twice: through go-sqlite3 directly
// and through rasp's wrapped driver. One connection each, so every call
// measures one statement on a warm connection.
func openDBs(tb testing.TB) (plain, guarded *sql.DB) {
	tb.Helper()
	registerOnce.Do(func() {
		// Calls carry their own agent in the context; this one serves
		// calls without one.
		driver.Register(raspSQLite, &sqlite3.SQLiteDriver{}, driver.WithAgent(benchAgent()))
	})
	dsn := "file:" + filepath.Join(tb.TempDir(), "bench.db") + "?_journal_mode=MEMORY&_synchronous=OFF"
	var err error
	if plain, err = sql.Open("sqlite3", dsn); err != nil {
		tb.Fatal(err)
	}
	if guarded, err = sql.Open(raspSQLite, dsn); err != nil {
		tb.Fatal(err)
	}
	for _, db := range []*sql.DB{plain, guarded} {
		db.SetMaxOpenConns(1)
		tb.Cleanup(func() { db.Close() })
	}
	setup := []string{
		"CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, active INTEGER NOT NULL)",
		"CREATE INDEX users_name ON users(name)",
		"CREATE TABLE log (id INTEGER PRIMARY KEY, who TEXT, what TEXT, n INTEGER)",
	}
	for _, s := range setup {
		if _, err := plain.Exec(s); err != nil {
			tb.Fatal(err)
		}
	}
	tx, err := plain.Begin()
	if err != nil {
		tb.Fatal(err)
	}
	for i := range 1000 {
		if _, err := tx.Exec("INSERT INTO users (id, name, active) VALUES (?, ?, 1)", i, fmt.Sprintf("user%d", i)); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
	return plain, guarded
}

// pointQueries are the SQLite point-query cases: a statement with its
// bound arguments, the request input, and whether rasp must block it.
var pointQueries = []struct {
	name    string
	query   string
	args    []any
	input   string
	blocked bool
}{
	{"case=param", "SELECT name FROM users WHERE id = ?", []any{42}, "42", false},
	{"case=inline", "SELECT name FROM users WHERE name = 'user42' AND active = 1", nil, "user42", false},
	{"case=attack", "SELECT name FROM users WHERE name = '' OR '1'='1' AND active = 1", nil, "' OR '1'='1", true},
}

// BenchmarkSQLiteQuery is a point query on a warm connection, unguarded
// and guarded, with the request input bound, inlined as a benign literal,
// or breaking out of its literal (blocked before it reaches SQLite by rasp
// and, when it matches, by libddwaf).
func BenchmarkSQLiteQuery(b *testing.B) {
	plain, guarded := openDBs(b)
	for _, q := range pointQueries {
		in := query(q.input)
		ctx := requestCtx(benchAgent(), in...)
		run := func(b *testing.B, db *sql.DB, pre func() error) {
			b.ReportAllocs()
			var name string
			for b.Loop() {
				if pre != nil {
					if err := pre(); err != nil {
						continue
					}
				}
				err := db.QueryRowContext(ctx, q.query, q.args...).Scan(&name)
				if err != nil && !errors.Is(err, rasp.ErrBlocked) {
					b.Fatal(err)
				}
			}
		}
		b.Run(q.name+"/"+guardNone, func(b *testing.B) { run(b, plain, nil) })
		b.Run(q.name+"/"+guardRasp, func(b *testing.B) { run(b, guarded, nil) })
		b.Run(q.name+"/"+guardLibddwaf, func(b *testing.B) {
			r := peerRequest(b, in)
			addrs := SQLAddrs("sqlite", q.query)
			run(b, plain, func() error { return peerGuard(r, addrs) })
		})
	}
}

// insertStatement is a 20-row INSERT with the request input inlined as a
// literal in each row.
func insertStatement(input string) string {
	var sb strings.Builder
	sb.WriteString("INSERT INTO log (who, what, n) VALUES ")
	for i := range 20 {
		if i > 0 {
			sb.WriteString(", ")
		}
		fmt.Fprintf(&sb, "('%s', 'viewed page %d', %d)", input, i, i)
	}
	return sb.String()
}

// BenchmarkSQLiteInsert executes a multi-row INSERT holding a benign input
// in every row.
func BenchmarkSQLiteInsert(b *testing.B) {
	plain, guarded := openDBs(b)
	in := query("alice")
	stmt := insertStatement("alice")
	ctx := requestCtx(benchAgent(), in...)
	run := func(b *testing.B, db *sql.DB, pre func() error) {
		b.ReportAllocs()
		for b.Loop() {
			if pre != nil {
				if err := pre(); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := db.ExecContext(ctx, stmt); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run(guardNone, func(b *testing.B) { run(b, plain, nil) })
	b.Run(guardRasp, func(b *testing.B) { run(b, guarded, nil) })
	b.Run(guardLibddwaf, func(b *testing.B) {
		r := peerRequest(b, in)
		addrs := SQLAddrs("sqlite", stmt)
		run(b, plain, func() error { return peerGuard(r, addrs) })
	})
}

// checkStatements returns a short, a long (about 4 KiB) and a huge (about
// 256 KiB) statement, each holding the benign input "user42" once as a
// string literal, in the dialect's own syntax.
func checkStatements(d string) []struct{ name, stmt string } {
	ident := `"users"`
	if d == "mysql" {
		ident = "`users`"
	}
	short := "SELECT id, name FROM " + ident + " WHERE name = 'user42' AND active = 1"
	grow := func(n int) string {
		var sb strings.Builder
		sb.WriteString("SELECT id, name FROM " + ident + " WHERE name = 'user42'")
		for i := 0; sb.Len() < n; i++ {
			fmt.Fprintf(&sb, " OR (id = %d AND name <> 'n%d' AND active = 1) -- c%d\n", i, i, i)
		}
		return sb.String()
	}
	return []struct{ name, stmt string }{{"len=short", short}, {"len=long", grow(4 << 10)}, {"len=huge", grow(256 << 10)}}
}

// BenchmarkCheck is the pure SQL check alone, per dialect and statement
// size, beside libddwaf's sqli_detector on the same statement and input.
func BenchmarkCheck(b *testing.B) {
	in := append(query("user42"), taint.Input{Source: taint.SourceHeader, Key: "User-Agent", Value: "Mozilla/5.0"},
		taint.Input{Source: taint.SourceCookie, Key: "theme", Value: "dark"})
	for _, d := range Dialects {
		for _, s := range checkStatements(d) {
			name := "dialect=" + d + "/" + s.name
			b.Run(name+"/"+guardRasp, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(s.stmt)))
				dd := Dialect(d)
				for b.Loop() {
					if _, hit := sqlguard.Check(dd, s.stmt, in); hit {
						b.Fatal("benign statement flagged")
					}
				}
			})
			b.Run(name+"/"+guardLibddwaf, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(s.stmt)))
				r := peerRequest(b, in)
				addrs := SQLAddrs(d, s.stmt)
				for b.Loop() {
					if err := peerGuard(r, addrs); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
