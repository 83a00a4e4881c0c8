package integration

import (
	_ "github.com/go-sql-driver/mysql"
	_ "github.com/gorasp/rasp"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/lib/pq"
	_ "github.com/mattn/go-sqlite3"
	_ "github.com/pingcap/tidb/pkg/parser"
	_ "gorm.io/driver/postgres"
	_ "gorm.io/driver/sqlite"
	_ "gorm.io/driver/mysql"
	_ "gorm.io/gorm"
)
