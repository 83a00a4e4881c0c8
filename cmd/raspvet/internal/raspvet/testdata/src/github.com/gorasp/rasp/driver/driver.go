// Package driver is a stub of the guard with the same API.
package driver

import (
	"database/sql"
	"database/sql/driver"
)

type Option interface{ apply() }

func Register(name string, d driver.Driver, opts ...Option) { sql.Register(name, Wrap(d, opts...)) }

func Wrap(d driver.Driver, opts ...Option) driver.Driver { return d }

func WrapConnector(c driver.Connector, opts ...Option) driver.Connector { return c }
