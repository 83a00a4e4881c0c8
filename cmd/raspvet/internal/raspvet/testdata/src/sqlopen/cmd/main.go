package main // want package:`wrappedDrivers\(late,local,local-by-hand,wrapped,wrapped-by-hand\)` `sql.Open with driver "sqlite3" \(sqlopen sqlopen.go:33\), which no driver.Register call in this program registers`

import (
	"github.com/gorasp/rasp/driver"

	"sqlopen"
	"sqlopen/reg"
)

func main() {
	driver.Register("late", reg.Fake{})
	sqlopen.Open("late")
}
