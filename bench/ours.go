package bench

import (
	"github.com/gorasp/rasp/execguard"
	"github.com/gorasp/rasp/fsguard"
	"github.com/gorasp/rasp/sqlguard"
	"github.com/gorasp/rasp/taint"
)

// Ours returns rasp's pure checks: [sqlguard.Check] in the dialect named
// by libddwaf's db type, [execguard.CheckShell], [execguard.CheckArgv] and
// [fsguard.CheckPath].
func Ours() Checker {
	return Checker{
		SQL: func(d, stmt string, in []taint.Input) bool {
			_, hit := sqlguard.Check(Dialect(d), stmt, in)
			return hit
		},
		Shell: func(script string, in []taint.Input) bool {
			_, hit := execguard.CheckShell(script, in)
			return hit
		},
		Argv: func(argv []string, in []taint.Input) bool {
			_, hit := execguard.CheckArgv(argv, in)
			return hit
		},
		Path: func(p string, in []taint.Input) bool {
			_, hit := fsguard.CheckPath(p, in)
			return hit
		},
	}
}

// Dialect maps libddwaf's db type to a [sqlguard.Dialect] without pins:
// the checker then accepts an occurrence only if it is harmless in every
// lexing mode of the engine.
func Dialect(system string) sqlguard.Dialect {
	switch system {
	case "mysql":
		return sqlguard.DialectMySQL
	case "postgresql":
		return sqlguard.DialectPostgres
	}
	return sqlguard.DialectSQLite
}
