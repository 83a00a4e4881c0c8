package driver

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/gorasp/rasp/sqlguard"
	"github.com/ngrok/sqlmw"
)

// Register makes the wrapped driver available to [sql.Open] under name:
// it is sql.Register(name, Wrap(d, opts...)), and panics like
// [sql.Register] when name is already taken or d is nil. Events name a
// driver whose dialect is detected as its package registers itself
// (sqlite3, mysql, pgx, postgres), any other by name. Pick Register when
// the application opens its database with sql.Open or an ORM that takes
// a driver name.
func Register(name string, d driver.Driver, opts ...Option) {
	if d == nil {
		panic("rasp/driver: Register driver is nil")
	}
	sql.Register(name, Wrap(d, append(opts, withName(name))...))
}

// withName names the driver in events when its package is not one rasp
// knows; Register sets it.
func withName(name string) Option {
	return optionFunc(func(c *config) { c.name = name })
}

// Wrap returns d with every statement checked before it reaches d; see the
// package documentation for what is checked and the [Option] list. Pick
// Wrap to register under a name of your own choice with [sql.Register], or
// to hand a driver.Driver to a library that takes one.
//
// When the SQL dialect cannot be told from d's type and no [WithDialect]
// is given, or d is nil, the returned driver fails every Open and
// OpenConnector (so [sql.Open] too) with an error naming the cause.
func Wrap(d driver.Driver, opts ...Option) driver.Driver {
	if d == nil {
		return errDriver{errors.New("rasp/driver: Wrap called with a nil driver")}
	}
	intr, err := newInterceptor(newConfig(opts...), d)
	if err != nil {
		return errDriver{err}
	}
	return sqlmw.Driver(d, intr)
}

// newInterceptor builds the interceptor for the driver values (the
// connector first, then its driver), detecting the dialect from them.
func newInterceptor(cfg config, vals ...any) (*interceptor, error) {
	engine := cfg.engine
	if engine == 0 {
		engine = detect(vals...)
	}
	if engine == 0 {
		return nil, fmt.Errorf("rasp/driver: cannot tell the SQL dialect of driver %s: pass driver.WithDialect(sqlguard.DialectSQLite, DialectMySQL or DialectPostgres)", typeName(vals...))
	}
	d := engine | cfg.pins
	name := knownName(vals...)
	if name == "" {
		name = cfg.name
	}
	if name == "" {
		name = typeName(vals...)
	}
	return &interceptor{
		agent:       cfg.agent,
		dialect:     d,
		dialectName: d.String(),
		driverName:  name,
		analyze:     cfg.analyze,
		memory:      sqlguard.NewMemory(0),
	}, nil
}

// knownDrivers maps the import paths of drivers rasp recognises to their
// dialect and to the name people know them by, the one each registers
// with database/sql. Matching is by reflect package path, so this package
// imports none of them.
var knownDrivers = []struct {
	path    string
	dialect sqlguard.Dialect
	name    string
}{
	{"github.com/mattn/go-sqlite3", sqlguard.DialectSQLite, "sqlite3"},
	{"modernc.org/sqlite", sqlguard.DialectSQLite, "sqlite"},
	{"github.com/go-sql-driver/mysql", sqlguard.DialectMySQL, "mysql"},
	{"github.com/jackc/pgx/v5/stdlib", sqlguard.DialectPostgres, "pgx"},
	{"github.com/jackc/pgx/v4/stdlib", sqlguard.DialectPostgres, "pgx"},
	{"github.com/lib/pq", sqlguard.DialectPostgres, "postgres"},
}

// known returns the entry of the first value whose type comes from a
// known driver package, or -1.
func known(vals ...any) int {
	for _, v := range vals {
		p := pkgPath(v)
		if p == "" {
			continue
		}
		for i, k := range knownDrivers {
			if p == k.path || strings.HasPrefix(p, k.path+"/") {
				return i
			}
		}
	}
	return -1
}

// detect returns the dialect of the first value whose type comes from a
// known driver package, or 0.
func detect(vals ...any) sqlguard.Dialect {
	if i := known(vals...); i >= 0 {
		return knownDrivers[i].dialect
	}
	return 0
}

// knownName returns the name the first value's driver package registers
// with database/sql ("sqlite3", "mysql", "pgx", "postgres"), or "" for a
// driver rasp does not recognise.
func knownName(vals ...any) string {
	if i := known(vals...); i >= 0 {
		return knownDrivers[i].name
	}
	return ""
}

func pkgPath(v any) string {
	if v == nil {
		return ""
	}
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.PkgPath()
}

// typeName returns the type of the last non-nil value (the driver, after
// its connector), such as "*sqlite3.SQLiteDriver".
func typeName(vals ...any) string {
	for j := len(vals) - 1; j >= 0; j-- {
		if vals[j] != nil {
			return reflect.TypeOf(vals[j]).String()
		}
	}
	return "<nil>"
}

// errDriver is what Wrap returns when it cannot guard: every open fails.
type errDriver struct{ err error }

var (
	_ driver.Driver        = errDriver{}
	_ driver.DriverContext = errDriver{}
)

func (d errDriver) Open(string) (driver.Conn, error) { return nil, d.err }

func (d errDriver) OpenConnector(string) (driver.Connector, error) { return nil, d.err }

// errConnector is what WrapConnector returns when it cannot guard.
type errConnector struct {
	err error
	drv driver.Driver
}

var _ driver.Connector = errConnector{}

func (c errConnector) Connect(context.Context) (driver.Conn, error) { return nil, c.err }

func (c errConnector) Driver() driver.Driver {
	if c.drv != nil {
		return c.drv
	}
	return errDriver{c.err}
}
