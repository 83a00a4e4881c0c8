package gormopen

import (
	"database/sql"

	"gorm.io/driver/mysql"
	"gorm.io/gorm"
)

func open(dsn string, db *sql.DB) {
	gorm.Open(mysql.Open(dsn), &gorm.Config{}) // want `gorm.Open\(mysql.Open\(...\)\) opens a \*sql.DB with the raw driver, which bypasses the SQL guard: open it with a driver registered through driver.Register and pass it to mysql.New as Conn`
	gorm.Open(mysql.New(mysql.Config{Conn: db}), &gorm.Config{})
	gorm.Open(mysql.New(mysql.Config{DriverName: "mysql-rasp", DSN: dsn}), &gorm.Config{})
}
