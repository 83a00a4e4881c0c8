package bench

import (
	_ "github.com/DataDog/go-libddwaf/v4"
	_ "github.com/gorasp/rasp"
	_ "github.com/mattn/go-sqlite3"
	_ "github.com/ngrok/sqlmw"
)
