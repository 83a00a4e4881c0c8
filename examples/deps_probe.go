package examples

import (
	_ "github.com/gorasp/rasp"
	_ "github.com/mattn/go-sqlite3"
)
