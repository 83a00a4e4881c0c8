// Package reg registers drivers for package sqlopen, which imports it.
package reg

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"

	"github.com/gorasp/rasp/driver"
)

// Fake is a database/sql driver that opens nothing.
type Fake struct{}

func (Fake) Open(string) (sqldriver.Conn, error) { return nil, errors.New("fake") }

// Connector is a connector that connects nowhere.
type Connector struct{}

func (Connector) Connect(context.Context) (sqldriver.Conn, error) { return nil, errors.New("fake") }
func (Connector) Driver() sqldriver.Driver                        { return Fake{} }

const Wrapped = "wrapped"

func init() {
	driver.Register(Wrapped, Fake{})
	sql.Register("wrapped-by-hand", driver.Wrap(Fake{}))
	sql.Register("raw", Fake{})
}
