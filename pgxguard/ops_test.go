package pgxguard_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/guard"
	"github.com/gorasp/rasp/pgxguard"
	"github.com/gorasp/rasp/taint"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/multitracer"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"
)

// selectBuilt and updateBuilt are the application's vulnerable
// statements: the request value v is pasted into a literal, with one bound
// argument so that every exec mode takes its own path.
func selectBuilt(v string) string {
	return "SELECT id FROM items WHERE name = '" + v + "' AND id > $1"
}

func updateBuilt(v string) string {
	return "UPDATE items SET note = 'seen' WHERE name = '" + v + "' AND id > $1"
}

// tautology is an attack value that runs (in monitor mode) and carries a
// token by which the server log tells whether it arrived.
func tautology(token string) string { return "zz' OR '" + token + "'='" + token }

// operation is one pgx call path that sends a statement built from v.
type operation struct {
	name, op string // op: the event's operation
	run      func(ctx context.Context, pool *pgxpool.Pool, v string) error
}

func drain(rows pgx.Rows, err error) error {
	if err != nil {
		return err
	}
	for rows.Next() {
	}
	rows.Close()
	return rows.Err()
}

var operations = []operation{
	{"Query", "query", func(ctx context.Context, p *pgxpool.Pool, v string) error {
		return drain(p.Query(ctx, selectBuilt(v), 0))
	}},
	{"QueryRow", "query", func(ctx context.Context, p *pgxpool.Pool, v string) error {
		var id int
		return p.QueryRow(ctx, selectBuilt(v), 0).Scan(&id)
	}},
	{"QueryNamedArgs", "query", func(ctx context.Context, p *pgxpool.Pool, v string) error {
		// pgx.NamedArgs rewrites @min into $1 after the tracer saw the text.
		return drain(p.Query(ctx, "SELECT id FROM items WHERE name = '"+v+"' AND id > @min", pgx.NamedArgs{"min": 0}))
	}},
	{"QuerySimpleProtocolArg", "query", func(ctx context.Context, p *pgxpool.Pool, v string) error {
		// An exec mode as the first argument overrides the pool's.
		return drain(p.Query(ctx, selectBuilt(v), pgx.QueryExecModeSimpleProtocol, 0))
	}},
	{"Exec", "exec", func(ctx context.Context, p *pgxpool.Pool, v string) error {
		_, err := p.Exec(ctx, updateBuilt(v), 0)
		return err
	}},
	{"ExecNoArgs", "exec", func(ctx context.Context, p *pgxpool.Pool, v string) error {
		_, err := p.Exec(ctx, "UPDATE items SET note = 'seen' WHERE name = '"+v+"'")
		return err
	}},
	{"SendBatch", "batch", func(ctx context.Context, p *pgxpool.Pool, v string) error {
		b := &pgx.Batch{}
		b.Queue("SELECT id FROM items WHERE id = $1", 1)
		b.Queue(selectBuilt(v), 0)
		br := p.SendBatch(ctx, b)
		_, err := br.Exec()
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		return err
	}},
	{"Prepare", "prepare", func(ctx context.Context, p *pgxpool.Pool, v string) error {
		c, err := p.Acquire(ctx)
		if err != nil {
			return err
		}
		defer c.Release()
		name := unique("p_")
		if _, err := c.Conn().Prepare(ctx, name, selectBuilt(v)); err != nil {
			return err
		}
		return drain(c.Query(ctx, name, 0))
	}},
	{"Tx", "query", func(ctx context.Context, p *pgxpool.Pool, v string) error {
		tx, err := p.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		qerr := drain(tx.Query(ctx, selectBuilt(v), 0))
		// A refused statement sent nothing: the transaction goes on.
		var n int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM items").Scan(&n); err != nil {
			return fmt.Errorf("transaction unusable after the call: %w", err)
		}
		if err := tx.Commit(ctx); err != nil {
			return err
		}
		return qerr
	}},
}

// TestRefusedStatementsNeverReachServer runs every operation in every exec
// mode against a server of its own that logs every statement: the
// statement refused in protect mode is absent from the log, and the same
// statement in monitor mode (the control) is present.
func TestRefusedStatementsNeverReachServer(t *testing.T) {
	srv := startLogServer(t)
	dsn := schemaDSN(t, srv.dsn)
	protect := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()))
	monitor := rasp.New(rasp.WithMode(rasp.ModeMonitor), rasp.WithLogger(zerolog.Nop()))
	var refused, controls []string
	for _, mode := range execModes {
		pool := newPool(t, dsn, pgxguard.NewTracer(), mode, 1)
		for _, o := range operations {
			name := mode.String() + "/" + o.name
			tokA, tokB := unique("blocked"), unique("control")
			err := o.run(request(protect, tautology(tokA)), pool, tautology(tokA))
			var be *rasp.BlockedError
			if !errors.Is(err, rasp.ErrBlocked) || !errors.As(err, &be) {
				t.Fatalf("%s: protect: err = %v, want a *rasp.BlockedError", name, err)
			}
			if be.Event.Operation != o.op {
				t.Errorf("%s: event operation %q, want %q", name, be.Event.Operation, o.op)
			}
			if err := o.run(request(monitor, tautology(tokB)), pool, tautology(tokB)); err != nil {
				t.Fatalf("%s: monitor: %v", name, err)
			}
			refused = append(refused, name+" "+tokA)
			controls = append(controls, tokB)
		}
		// The one connection survived every refusal and serves on.
		var n int
		if err := pool.QueryRow(request(protect, "apple"), "SELECT count(*) FROM items WHERE name = $1", "apple").Scan(&n); err != nil || n != 1 {
			t.Fatalf("%v: benign query after refusals: n=%d err=%v", mode, n, err)
		}
		if got := pool.Stat().NewConnsCount(); got != 1 {
			t.Fatalf("%v: the pool opened %d connections, want 1: a refusal broke one", mode, got)
		}
	}
	for _, tok := range controls {
		srv.arrived(t, tok)
	}
	for _, r := range refused {
		name, tok, _ := strings.Cut(r, " ")
		if srv.contains(t, tok) {
			t.Errorf("%s: the refused statement reached the server", name)
		}
	}
	if st := protect.Stats().Sinks[rasp.SinkSQL]; st.Blocks != uint64(len(refused)) {
		t.Errorf("blocks = %d, want one per refused call (%d)", st.Blocks, len(refused))
	}
	if st := monitor.Stats().Sinks[rasp.SinkSQL]; st.Findings != uint64(len(controls)) {
		t.Errorf("monitor findings = %d, want one per call (%d): a cache-miss prepare was decided twice", st.Findings, len(controls))
	}
}

func TestDropAttackLeavesTableIntact(t *testing.T) {
	dsn := schemaDSN(t, serviceDSN(t))
	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()))
	for _, mode := range execModes {
		pool := newPool(t, dsn, pgxguard.NewTracer(), mode, 1)
		v := "x'; DROP TABLE items; --"
		// No argument: pgx sends Exec by the simple protocol, which runs
		// stacked statements.
		_, err := pool.Exec(request(a, v), "UPDATE items SET note = 'n' WHERE name = '"+v+"'")
		if !errors.Is(err, rasp.ErrBlocked) {
			t.Fatalf("%v: err = %v, want blocked", mode, err)
		}
		var n int
		if err := pool.QueryRow(request(a, "plum"), "SELECT count(*) FROM items").Scan(&n); err != nil || n != 3 {
			t.Fatalf("%v: items has %d rows (err %v), want 3", mode, n, err)
		}
	}
}

func TestBenignValuesWork(t *testing.T) {
	dsn := schemaDSN(t, serviceDSN(t))
	a, logs := newAgent(t, rasp.ModeProtect)
	for _, mode := range execModes {
		pool := newPool(t, dsn, pgxguard.NewTracer(), mode, 2)
		// Values an application quotes itself, bound, or batched: none is
		// a finding, and each returns its row.
		for _, v := range []string{"pear", "O'Brien", "plum -- ripe", "1; 2"} {
			ctx := request(a, v)
			var id int
			err := pool.QueryRow(ctx, "SELECT id FROM items WHERE name = $1 OR id = 2 ORDER BY id LIMIT 1", v).Scan(&id)
			if err != nil || id != 2 {
				t.Fatalf("%v %q: bound: id=%d err=%v", mode, v, id, err)
			}
			quoted := strings.ReplaceAll(v, "'", "''")
			if err := drain(pool.Query(ctx, "SELECT id FROM items WHERE name = '"+quoted+"' AND id > $1", 0)); err != nil {
				t.Fatalf("%v %q: quoted literal: %v", mode, v, err)
			}
			b := &pgx.Batch{}
			b.Queue("UPDATE items SET note = $1 WHERE id = 3", v)
			b.Queue("SELECT note FROM items WHERE id = $1", 3)
			if err := pool.SendBatch(ctx, b).Close(); err != nil {
				t.Fatalf("%v %q: batch: %v", mode, v, err)
			}
			n, err := pool.CopyFrom(ctx, pgx.Identifier{"items"}, []string{"id", "name"},
				pgx.CopyFromRows([][]any{{int32(100), v}}))
			if err != nil || n != 1 {
				t.Fatalf("%v %q: CopyFrom: n=%d err=%v", mode, v, n, err)
			}
			if _, err := pool.Exec(ctx, "DELETE FROM items WHERE id = $1", 100); err != nil {
				t.Fatal(err)
			}
		}
	}
	if logs.String() != "" {
		t.Fatalf("benign calls wrote events: %s", logs)
	}
}

// Eight goroutines share one pool and one agent; each round every
// goroutine attacks with its own value, runs another goroutine's attack
// text (harmless for it: that value is not its input) and a bound query.
// Every decision must be made with the inputs of the goroutine's own
// request.
func TestConcurrentRequestsNeverMixInputs(t *testing.T) {
	dsn := schemaDSN(t, serviceDSN(t))
	const workers, rounds = 8, 30
	var mu sync.Mutex
	var mixed []string
	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()),
		rasp.WithHook(func(ctx context.Context, ev rasp.Event) {
			in := taint.FromContext(ctx)
			if len(in) != 1 || ev.Finding.Input.Value != in[0].Value || !strings.Contains(ev.Finding.Target, in[0].Value) {
				mu.Lock()
				mixed = append(mixed, fmt.Sprintf("event input %q target %q in a request with %v", ev.Finding.Input.Value, ev.Finding.Target, in))
				mu.Unlock()
			}
		}), rasp.WithSyncHooks())
	pool := newPool(t, dsn, pgxguard.NewTracer(), pgx.QueryExecModeCacheStatement, 4)
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	for w := range workers {
		wg.Go(func() {
			for r := range rounds {
				mine := tautology(fmt.Sprintf("w%dr%d", w, r))
				other := tautology(fmt.Sprintf("w%dr%d", (w+1)%workers, r))
				ctx := request(a, mine)
				if err := drain(pool.Query(ctx, selectBuilt(mine), 0)); !errors.Is(err, rasp.ErrBlocked) {
					errs <- fmt.Errorf("worker %d round %d: own attack: %v", w, r, err)
					return
				}
				if err := drain(pool.Query(ctx, selectBuilt(other), 0)); err != nil {
					errs <- fmt.Errorf("worker %d round %d: other's text refused: %v", w, r, err)
					return
				}
				var n int
				if err := pool.QueryRow(ctx, "SELECT count(*) FROM items WHERE name <> $1", mine).Scan(&n); err != nil || n != 3 {
					errs <- fmt.Errorf("worker %d round %d: bound: n=%d err=%v", w, r, n, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, m := range mixed {
		t.Error(m)
	}
	if got := a.Stats().Sinks[rasp.SinkSQL].Blocks; got != workers*rounds {
		t.Errorf("blocks = %d, want %d", got, workers*rounds)
	}
}

func TestBlindSpotsOnServer(t *testing.T) {
	dsn := schemaDSN(t, serviceDSN(t))
	a, logs := newAgent(t, rasp.ModeProtect)
	pool := newPool(t, dsn, pgxguard.NewTracer(pgxguard.WithAgent(a)), pgx.QueryExecModeCacheStatement, 1)
	ctx := context.Background() // start-up code, a job: no request
	if err := drain(pool.Query(ctx, selectBuilt("apple"), 0)); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, updateBuilt("apple"), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"items"}, []string{"id", "name"}, pgx.CopyFromRows([][]any{{int32(50), "fig"}})); err != nil {
		t.Fatal(err)
	}
	b := &pgx.Batch{}
	b.Queue(selectBuilt("pear"), 0)
	if err := pool.SendBatch(ctx, b).Close(); err != nil {
		t.Fatal(err)
	}
	// pgx's own BEGIN and COMMIT are not the application's statements.
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Prepare(ctx, "in_tx", updateBuilt("plum")); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	st := a.Stats()
	// One per call, though a cache miss also prepares (Query, Exec, CopyFrom).
	if got := st.Sinks[rasp.SinkSQL].NoContext; got != 5 {
		t.Fatalf("no_context = %d, want 5", got)
	}
	for _, s := range st.BlindSpots {
		if !strings.Contains(s.Site, "ops_test.go:") {
			t.Errorf("blind-spot site %q is not the application's (ops_test.go)", s.Site)
		}
	}
	var ops []string
	for _, ev := range logs.Events(t) {
		ops = append(ops, fmt.Sprint(ev["operation"]))
	}
	if got := strings.Join(ops, ","); got != "query,exec,copy,batch,prepare" {
		t.Errorf("blind-spot warnings name operations %s, want query,exec,copy,batch,prepare", got)
	}
	if len(st.BlindSpots) != 5 {
		t.Errorf("%d blind-spot sites, want 5: %+v", len(st.BlindSpots), st.BlindSpots)
	}
}

// A request value equal to words pgx writes into BEGIN is no reason to
// refuse the transaction (pgx closes the connection when BEGIN fails).
func TestTransactionControlIsPgxs(t *testing.T) {
	dsn := schemaDSN(t, serviceDSN(t))
	a, logs := newAgent(t, rasp.ModeProtect)
	pool := newPool(t, dsn, pgxguard.NewTracer(), pgx.QueryExecModeCacheStatement, 1)
	ctx := request(a, "read committed")
	tx, err := pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		t.Fatalf("BeginTx refused: %v", err)
	}
	nested, err := tx.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := nested.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if logs.String() != "" {
		t.Fatalf("events for pgx's own statements: %s", logs)
	}
	// The application's own statement with the same words is checked.
	_, err = pool.Exec(ctx, "SET TRANSACTION ISOLATION LEVEL read committed")
	if !errors.Is(err, rasp.ErrBlocked) {
		t.Fatalf("application statement: err = %v, want blocked", err)
	}
}

// A statement text cached by a call it was harmless for (no input of that
// request in it) is refused for a request whose input built it, twice in a
// row (the second time pgx first tries to deallocate the statement the
// first refusal invalidated), and the connection serves on.
func TestRefusalOfCachedStatement(t *testing.T) {
	dsn := schemaDSN(t, serviceDSN(t))
	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()))
	pool := newPool(t, dsn, pgxguard.NewTracer(), pgx.QueryExecModeCacheStatement, 1)
	v := tautology(unique("c"))
	if err := drain(pool.Query(request(a, "unrelated"), selectBuilt(v), 0)); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := drain(pool.Query(request(a, v), selectBuilt(v), 0)); !errors.Is(err, rasp.ErrBlocked) {
			t.Fatalf("refusal %d: err = %v, want blocked", i, err)
		}
	}
	for i := range 2 {
		if err := drain(pool.Query(request(a, "unrelated"), selectBuilt(v), 0)); err != nil {
			t.Fatalf("benign call %d after refusals: %v", i, err)
		}
	}
	if got := pool.Stat().NewConnsCount(); got != 1 {
		t.Fatalf("pool opened %d connections, want 1", got)
	}
}

// connectTraced opens a single pgx.Conn to dsn with the tracer, closed
// when the test ends.
func connectTraced(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Tracer = pgxguard.NewTracer()
	conn, err := pgx.ConnectConfig(quiet, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(quiet) })
	return conn
}

// The tracer on a single pgx.Conn, without a pool.
func TestConnWithoutPool(t *testing.T) {
	dsn := schemaDSN(t, serviceDSN(t))
	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()))
	conn := connectTraced(t, dsn)
	v := tautology(unique("k"))
	var id int
	if err := conn.QueryRow(request(a, v), selectBuilt(v), 0).Scan(&id); !errors.Is(err, rasp.ErrBlocked) {
		t.Fatalf("err = %v, want blocked", err)
	}
	if err := conn.QueryRow(request(a, "pear"), "SELECT id FROM items WHERE name = $1", "pear").Scan(&id); err != nil || id != 2 {
		t.Fatalf("benign query on the same conn: id=%d err=%v", id, err)
	}
	if conn.IsClosed() {
		t.Fatal("the refusal closed the connection")
	}
}

// pgx answers a Prepare of a name already prepared with the same text
// from its cache, before it looks at the context: the Prepare succeeds
// though refused, and the executions of that name in the same request are
// refused instead. Another request executes the name as before.
func TestRefusedPrepareOfCachedName(t *testing.T) {
	dsn := schemaDSN(t, serviceDSN(t))
	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()))
	pool := newPool(t, dsn, multitracer.New(pgxguard.NewTracer(), &recorder{}), pgx.QueryExecModeCacheStatement, 1)
	v := tautology(unique("n"))
	c, err := pool.Acquire(quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release()
	benign := request(a, "unrelated")
	if _, err := c.Conn().Prepare(benign, "named", selectBuilt(v)); err != nil {
		t.Fatal(err)
	}
	attacker := request(a, v)
	_, err = c.Conn().Prepare(attacker, "named", selectBuilt(v))
	if errors.Is(err, rasp.ErrBlocked) {
		t.Skip("pgx now refuses a cached Prepare itself; simplify TracePrepareEnd and the package doc")
	}
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := drain(c.Query(attacker, "named", 0)); !errors.Is(err, rasp.ErrBlocked) {
			t.Fatalf("execution %d by name in the refused request: err = %v, want blocked", i, err)
		}
	}
	b := &pgx.Batch{}
	b.Queue("named", 0)
	if err := c.SendBatch(attacker, b).Close(); !errors.Is(err, rasp.ErrBlocked) {
		t.Fatalf("batch of the name in the refused request: err = %v, want blocked", err)
	}
	if got := a.Stats().Sinks[rasp.SinkSQL].Blocks; got != 1 {
		t.Fatalf("blocks = %d, want 1: the executions carry the Prepare's refusal", got)
	}
	if err := drain(c.Query(benign, "named", 0)); err != nil {
		t.Fatalf("another request executing the name: %v", err)
	}
	if err := drain(c.Query(attacker, "named", 0)); err != nil {
		t.Fatalf("after a call of another request the refusal is forgotten, yet: %v", err)
	}
}

// TestHandlerWithoutContext: a handler behind the middleware that calls
// pgx with context.Background() is checked through the goroutine scope:
// the attack gets 403 and the table keeps its rows; a benign value is
// served.
func TestHandlerWithoutContext(t *testing.T) {
	dsn := schemaDSN(t, serviceDSN(t))
	a, _ := newAgent(t, rasp.ModeProtect)
	pool := newPool(t, dsn, pgxguard.NewTracer(), pgx.QueryExecModeCacheStatement, 2)
	srv := httptest.NewServer(a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := pool.Exec(context.Background(), "UPDATE items SET note = 'seen' WHERE name = '"+r.FormValue("name")+"'")
		if err != nil {
			http.Error(w, "update failed", http.StatusInternalServerError)
			return
		}
		io.WriteString(w, "ok")
	})))
	defer srv.Close()
	for _, c := range []struct {
		name string
		want int
	}{
		{"pear", http.StatusOK},
		{"x' OR '1'='1", http.StatusForbidden},
	} {
		resp, err := http.Get(srv.URL + "/?name=" + url.QueryEscape(c.name))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("name=%q: %d, want %d", c.name, resp.StatusCode, c.want)
		}
	}
	var n int
	if err := pool.QueryRow(quiet, "SELECT count(*) FROM items WHERE note = 'seen'").Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d rows updated (err %v), want only the benign one", n, err)
	}
	if s := a.Stats().Sinks[rasp.SinkSQL]; s.Scoped == 0 {
		t.Errorf("no check counted as scoped: %+v", s)
	}
}

// In a request inspected only in part, protect mode refuses the
// application's statements but never pgx's own (BEGIN, SAVEPOINT,
// ROLLBACK, COMMIT), however deep the tracer sits below pgx: composed
// tracers put more frames between the hook and the application than the
// first, shallow look at the stack covers.
func TestPartialRequestSparesPgxStatements(t *testing.T) {
	dsn := schemaDSN(t, serviceDSN(t))
	for _, depth := range []int{0, 1, 8} {
		t.Run(fmt.Sprintf("composed=%d", depth), func(t *testing.T) {
			var tracer pgx.QueryTracer = pgxguard.NewTracer()
			for range depth {
				tracer = multitracer.New(tracer)
			}
			a, _ := newAgent(t, rasp.ModeProtect)
			pool := newPool(t, dsn, tracer, pgx.QueryExecModeCacheStatement, 1)
			call := guard.StartCall(context.Background(), a, rasp.Request{Method: "gRPC", Path: "/t/T"})
			call.Add(taint.SourceMessage, "name", "pear")
			call.MarkPartial()
			ctx := call.Context()
			tx, err := pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
			if err != nil {
				t.Fatalf("BeginTx refused: %v", err)
			}
			nested, err := tx.Begin(ctx)
			if err != nil {
				t.Fatalf("savepoint refused: %v", err)
			}
			var name string
			err = nested.QueryRow(ctx, "SELECT name FROM items WHERE id = $1", 2).Scan(&name)
			if !errors.Is(err, rasp.ErrBlocked) {
				t.Fatalf("application statement of a partial request: err = %v, want blocked", err)
			}
			if err := nested.Rollback(ctx); err != nil {
				t.Fatalf("rollback to savepoint refused: %v", err)
			}
			if err := tx.Commit(ctx); err != nil {
				t.Fatalf("commit refused: %v", err)
			}
			call.End()
			if err := pool.QueryRow(quiet, "SELECT name FROM items WHERE id = 2").Scan(&name); err != nil || name != "pear" {
				t.Fatalf("pool after the refusal: %q, %v", name, err)
			}
		})
	}
}
