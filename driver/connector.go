package driver

import (
	"context"
	"database/sql/driver"
	"errors"

	"github.com/ngrok/sqlmw"
)

// WrapConnector returns c with every statement checked before it reaches
// the connections c makes; see [Wrap] for the options. Pick it for
// [sql.OpenDB], with a connector built in code (pgx's stdlib.GetConnector,
// mysql.NewConnector, pq.NewConnector).
//
// When the dialect cannot be told from c's type or its driver's and no
// [WithDialect] is given, or c is nil, every Connect fails with an error
// naming the cause.
//
// The returned connector's Driver is the wrapped form of c.Driver(): its
// Open opens through c.Driver() with every statement checked.
func WrapConnector(c driver.Connector, opts ...Option) driver.Connector {
	if c == nil {
		return errConnector{err: errors.New("rasp/driver: WrapConnector called with a nil connector")}
	}
	drv := c.Driver()
	intr, err := newInterceptor(newConfig(opts...), c, drv)
	if err != nil {
		return errConnector{err: err, drv: drv}
	}
	// sqlmw builds its connector only from a DriverContext; hand it one
	// whose OpenConnector answers c.
	wd := sqlmw.Driver(connectorDriver{c: c}, intr)
	wc, err := wd.(driver.DriverContext).OpenConnector("")
	if err != nil {
		return errConnector{err: err, drv: drv}
	}
	return wc
}

// connectorDriver adapts a connector to the driver sqlmw wraps.
type connectorDriver struct {
	c driver.Connector
}

var (
	_ driver.Driver        = connectorDriver{}
	_ driver.DriverContext = connectorDriver{}
)

var errNoDriver = errors.New("rasp/driver: the wrapped connector has no driver to open by name")

// Open opens name with the connector's own driver.
func (d connectorDriver) Open(name string) (driver.Conn, error) {
	drv := d.c.Driver()
	if drv == nil {
		return nil, errNoDriver
	}
	return drv.Open(name)
}

// OpenConnector returns the wrapped connector for the empty name, and
// otherwise asks the connector's driver.
func (d connectorDriver) OpenConnector(name string) (driver.Connector, error) {
	if name == "" {
		return d.c, nil
	}
	if dc, ok := d.c.Driver().(driver.DriverContext); ok {
		return dc.OpenConnector(name)
	}
	return dsnConnector{name: name, d: d}, nil
}

// dsnConnector opens a name with a legacy driver, as database/sql does.
type dsnConnector struct {
	name string
	d    connectorDriver
}

var _ driver.Connector = dsnConnector{}

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.d.Open(c.name) }

func (c dsnConnector) Driver() driver.Driver { return c.d }
