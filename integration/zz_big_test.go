package integration

import (
	"testing"

	"github.com/gorasp/rasp/sqlguard"
)

func TestBigEngines(t *testing.T) {
	my := sgConn(t, sgOpen(t, "mysql", sgDSN(t, "RASP_MYSQL_DSN")))
	pgc := sgConn(t, sgOpen(t, "pgx", sgDSN(t, "RASP_PG_DSN")))
	mfr := []string{"1", "'a'", "','", ",", "-- ", "--", "-- ,\n", "#", "# ,\n", "/*", "*/", "/*! ,1 */", "/*!50000 ,2 */",
		"/*M! ,3 */", "/*M!100000 ,4*/", "/* , */", "\n", " ", "'", `"`, `","`, `"x"`, `\`, `'\''`, `'\\'`, "`a`", "`,`", "x'41'",
		"_utf8mb4'a'", "N'n'", "-", "1e", "@a", "@@version", "'a''b'", `"a""b"`, "\r", "--\r,", "--\x01,", "#\r,", "/*T! ,5 */", "/*+ ,6 */",
		"/*!", "/*M!", "0x1", "0b1", "1e1", "1.e1", ".1", "$a", "a$", "`", "-- \t,", "--\t,", "--\f,", "\x01", "/**/", "/*!*/", "*/,", "N", "X", "B", "b'1'"}
	mfr = append(mfr, "\x00", "\\'", "\\\"", "''", `""`)
	for i, m := range []struct {
		mode string
		d    sqlguard.Dialect
	}{
		{"", sqlguard.DialectMySQL | sqlguard.BackslashEscapes | sqlguard.NoANSIQuotes},
		{"NO_BACKSLASH_ESCAPES", sqlguard.DialectMySQL | sqlguard.NoBackslashEscapes | sqlguard.NoANSIQuotes},
		{"ANSI_QUOTES", sqlguard.DialectMySQL | sqlguard.BackslashEscapes | sqlguard.ANSIQuotes},
		{"NO_BACKSLASH_ESCAPES,ANSI_QUOTES", sqlguard.DialectMySQL | sqlguard.NoBackslashEscapes | sqlguard.ANSIQuotes},
	} {
		mustExec(t, my, "SET SESSION sql_mode = '"+m.mode+"'")
		fuzzColumns(t, my, m.d, mfr, uint64(77+i), 40000)
	}
	pfr := []string{"1", "'a'", "','", ",", "--", "/*", "*/", "/* /* , */ , */", "\n", " ", "'", `"x"`,
		`E'\''`, `E'\\'`, `'\'`, "$$,$$", "$a$,$a$", "$a$", "U&'d'", "-", "::text", "||", "e", "x'1'", "b'1'", "'a''b'", "-- ,\n",
		"\r", "--\r,", "$1", "$", "$$", "e'", "E", "U&", "u&\"x\"", "\"", "/**/", "/*/", "+-", "#", "@", "?", "0x1", "1_0", "0o7", "1.e1", ".1", "\f", "\v", "a$b", "$a$$a$"}
	fuzzColumns(t, pgc, sqlguard.DialectPostgres, pfr, 78, 30000)
}
