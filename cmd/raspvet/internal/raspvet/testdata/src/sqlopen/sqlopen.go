package sqlopen // want package:`openedDrivers\(late@sqlopen sqlopen.go:32,sqlite3@sqlopen sqlopen.go:33\)` package:`wrappedDrivers\(local,local-by-hand,wrapped,wrapped-by-hand\)`

import (
	"context"
	"database/sql"

	"github.com/gorasp/rasp/driver"
	"github.com/jmoiron/sqlx"

	"sqlopen/reg"
)

const local = "local"

func init() {
	wrapped := driver.Wrap(reg.Fake{})
	sql.Register("local-by-hand", wrapped)
	driver.Register(local, reg.Fake{})
}

var shared = driver.WrapConnector(reg.Connector{})

// Open opens the databases of the test.
func Open(name string) {
	sql.Open(reg.Wrapped, "")       // registered by the imported package
	sql.Open("wrapped-by-hand", "") // sql.Register of driver.Wrap in the imported package
	sql.Open("local", "")           // registered here
	sql.Open("local-by-hand", "")   // driver.Wrap through a variable
	sql.Open("raw", "")             // want `sql.Open with driver "raw", which is not registered through driver.Register`
	// Names no imported package registers are decided by the main package
	// (sqlopen/cmd), which sees every registration of the program.
	sql.Open("late", "")
	sql.Open("sqlite3", "file::memory:")
	sqlx.Connect("raw", "") // want `sqlx.Connect with driver "raw", which is not registered through driver.Register`
	sqlx.ConnectContext(context.Background(), "wrapped", "")
	sql.Open(name, "") // a name known only at run time is not reported

	sql.OpenDB(driver.WrapConnector(reg.Connector{}))
	c := driver.WrapConnector(reg.Connector{})
	sql.OpenDB(c)
	sql.OpenDB(shared)
	sql.OpenDB(reg.Connector{}) // want `sql.OpenDB with a connector not wrapped by driver.WrapConnector`
	var raw reg.Connector
	sql.OpenDB(raw) // want `sql.OpenDB with a connector not wrapped`
	mixed := driver.WrapConnector(reg.Connector{})
	if name == "" {
		mixed = reg.Connector{}
	}
	sql.OpenDB(mixed) // want `sql.OpenDB with a connector not wrapped`
}
