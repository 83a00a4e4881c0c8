// Package mysql is a stub of gorm's MySQL dialector.
package mysql

import (
	"database/sql"

	"gorm.io/gorm"
)

type Config struct {
	DriverName string
	DSN        string
	Conn       *sql.DB
}

func Open(dsn string) gorm.Dialector { return nil }

func New(config Config) gorm.Dialector { return nil }
