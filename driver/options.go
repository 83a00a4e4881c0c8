package driver

import (
	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/sqlguard"
	"github.com/gorasp/rasp/taint"
)

// Option configures a wrapped driver; see [Wrap]. Options apply in order
// and the last one wins.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	agent   *rasp.Agent                                                   // nil: the context's agent, else rasp.Default()
	engine  sqlguard.Dialect                                              // explicit engine; 0: detect from the driver type
	pins    sqlguard.Dialect                                              // lexing-mode pins ORed onto the engine
	name    string                                                        // driver name for events
	analyze func(sqlguard.Dialect, string, []taint.Input) sqlguard.Result // nil: sqlguard; replaced in tests
}

func newConfig(opts ...Option) config {
	var c config
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	return c
}

// WithAgent sets the agent used when a call's context carries none. Without
// it such calls use [rasp.Default]. A nil agent keeps the default.
func WithAgent(a *rasp.Agent) Option {
	return optionFunc(func(c *config) {
		if a != nil {
			c.agent = a
		}
	})
}

// WithDialect sets the SQL dialect statements are lexed with. Its engine
// ([sqlguard.DialectSQLite], [sqlguard.DialectMySQL],
// [sqlguard.DialectPostgres]) replaces the one detected from the wrapped
// driver's type; its lexing-mode pins ([sqlguard.NoBackslashEscapes],
// [sqlguard.ANSIQuotes], [sqlguard.PostgresLegacyStrings], ...) are added
// to it. A Dialect holding pins only keeps the detected engine, so
//
//	driver.Wrap(&mysql.MySQLDriver{}, driver.WithDialect(sqlguard.NoBackslashEscapes))
//
// pins the server's NO_BACKSLASH_ESCAPES mode without naming the engine.
//
// The engine is detected for github.com/mattn/go-sqlite3,
// github.com/go-sql-driver/mysql, github.com/jackc/pgx's stdlib and
// github.com/lib/pq (and modernc.org/sqlite). For any other driver
// WithDialect is required: without it every Open and Connect fails with an
// error that names this option.
func WithDialect(d sqlguard.Dialect) Option {
	return optionFunc(func(c *config) {
		if e := d.Engine(); e != 0 {
			c.engine = e
		}
		c.pins |= d &^ d.Engine()
	})
}
