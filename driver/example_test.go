package driver_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/gorasp/rasp"
	raspdriver "github.com/gorasp/rasp/driver"
	"github.com/gorasp/rasp/sqlguard"
	"github.com/gorasp/rasp/taint"
	"github.com/rs/zerolog"
)

func ExampleRegister() {
	// printDriver (example_driver_test.go) prints each statement that
	// reaches it. Its dialect cannot be detected, so it is named.
	raspdriver.Register("print-rasp", printDriver{}, raspdriver.WithDialect(sqlguard.DialectSQLite))
	db, err := sql.Open("print-rasp", "")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()

	agent := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()))
	// In a server, agent.Middleware builds this context for each request.
	ctx := taint.NewContext(rasp.NewContext(context.Background(), agent),
		taint.Input{Source: taint.SourceQuery, Key: "name", Value: "alice"})

	_, err = db.ExecContext(ctx, "DELETE FROM sessions WHERE user = 'alice'")
	fmt.Println("benign:", err)

	ctx = taint.NewContext(rasp.NewContext(context.Background(), agent),
		taint.Input{Source: taint.SourceQuery, Key: "name", Value: "x' OR '1'='1"})
	_, err = db.ExecContext(ctx, "DELETE FROM sessions WHERE user = 'x' OR '1'='1'")
	fmt.Println("attack blocked:", errors.Is(err, rasp.ErrBlocked))

	_, err = db.ExecContext(ctx, "DELETE FROM sessions WHERE user = ?", "x' OR '1'='1")
	fmt.Println("bound argument:", err)
	// Output:
	// ran: DELETE FROM sessions WHERE user = 'alice'
	// benign: <nil>
	// attack blocked: true
	// ran: DELETE FROM sessions WHERE user = ?
	// bound argument: <nil>
}

func ExampleWrap() {
	// Wrap returns the guarded driver for sql.Register under a name of
	// one's own choosing.
	sql.Register("print-wrapped", raspdriver.Wrap(printDriver{}, raspdriver.WithDialect(sqlguard.DialectPostgres)))
	db, err := sql.Open("print-wrapped", "")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	// A call without the request context runs unchecked and is counted as
	// a blind spot.
	agent := rasp.New(rasp.WithLogger(zerolog.Nop()))
	_, err = db.ExecContext(rasp.NewContext(context.Background(), agent), "VACUUM")
	fmt.Println(err, agent.Stats().Sinks[rasp.SinkSQL].NoContext)
	// Output:
	// ran: VACUUM
	// <nil> 1
}

func ExampleWithDialect() {
	// A driver the package does not recognise must name its dialect.
	sql.Register("print-nodialect", raspdriver.Wrap(printDriver{}))
	_, err := sql.Open("print-nodialect", "")
	fmt.Println(err != nil)
	// Output:
	// true
}

// ExampleWrapConnector wraps a connector built in code (pgx's
// stdlib.GetConnector, mysql.NewConnector, pq.NewConnector) for
// sql.OpenDB. Here the connector opens printDriver.
func ExampleWrapConnector() {
	agent := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()))
	db := sql.OpenDB(raspdriver.WrapConnector(printConnector{},
		raspdriver.WithAgent(agent), raspdriver.WithDialect(sqlguard.DialectMySQL)))
	defer db.Close()

	ctx := taint.NewContext(rasp.NewContext(context.Background(), agent),
		taint.Input{Source: taint.SourceQuery, Key: "id", Value: "7 OR 1=1"})
	_, err := db.ExecContext(ctx, "UPDATE carts SET paid = 1 WHERE id = 7 OR 1=1")
	fmt.Println("attack blocked:", errors.Is(err, rasp.ErrBlocked))
	_, err = db.ExecContext(ctx, "UPDATE carts SET paid = 1 WHERE id = ?", "7 OR 1=1")
	fmt.Println("bound argument:", err)
	// Output:
	// attack blocked: true
	// ran: UPDATE carts SET paid = 1 WHERE id = ?
	// bound argument: <nil>
}
