package sqlguard

import (
	"fmt"
	"strings"
)

// Dialect selects the lexical rules of one SQL engine family. The low byte
// names the engine; higher bits pin lexing modes the guard cannot see from
// the statement (see [NoBackslashEscapes], [ANSIQuotes],
// [PostgresLegacyStrings]). The zero Dialect is invalid.
type Dialect int

// The dialects.
const (
	DialectSQLite   Dialect = 1
	DialectMySQL    Dialect = 2 // MySQL and MariaDB
	DialectPostgres Dialect = 3
)

// Lexing-mode pins, ORed into a Dialect.
const (
	// NoBackslashEscapes pins MySQL's NO_BACKSLASH_ESCAPES on. Without a
	// pin a MySQL occurrence is harmless only if harmless with and without it.
	NoBackslashEscapes Dialect = 1 << 8
	// BackslashEscapes pins MySQL's NO_BACKSLASH_ESCAPES off.
	BackslashEscapes Dialect = 1 << 9
	// ANSIQuotes pins MySQL's ANSI_QUOTES on ("x" is an identifier).
	ANSIQuotes Dialect = 1 << 10
	// NoANSIQuotes pins MySQL's ANSI_QUOTES off ("x" is a string).
	NoANSIQuotes Dialect = 1 << 11
	// PostgresLegacyStrings pins standard_conforming_strings = off
	// (backslash escapes in '...'). Without it PostgreSQL's default since
	// 9.1, on, is assumed.
	PostgresLegacyStrings Dialect = 1 << 12
)

const engineMask Dialect = 0xff

// Engine returns d without its mode pins.
func (d Dialect) Engine() Dialect { return d & engineMask }

// String returns "sqlite", "mysql" or "postgres", followed by the pins.
func (d Dialect) String() string {
	var b strings.Builder
	switch d.Engine() {
	case DialectSQLite:
		b.WriteString("sqlite")
	case DialectMySQL:
		b.WriteString("mysql")
	case DialectPostgres:
		b.WriteString("postgres")
	default:
		return fmt.Sprintf("Dialect(%d)", int(d))
	}
	for _, p := range []struct {
		f    Dialect
		name string
	}{
		{NoBackslashEscapes, "NoBackslashEscapes"}, {BackslashEscapes, "BackslashEscapes"},
		{ANSIQuotes, "ANSIQuotes"}, {NoANSIQuotes, "NoANSIQuotes"},
		{PostgresLegacyStrings, "PostgresLegacyStrings"},
	} {
		if d&p.f != 0 {
			b.WriteString("|")
			b.WriteString(p.name)
		}
	}
	return b.String()
}

// ParseDialect maps a driver or engine name to its plain dialect (no pins):
// "sqlite", "sqlite3", "mysql", "mariadb", "postgres", "postgresql", "pgx".
func ParseDialect(name string) (Dialect, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "sqlite", "sqlite3":
		return DialectSQLite, nil
	case "mysql", "mariadb":
		return DialectMySQL, nil
	case "postgres", "postgresql", "pgx", "pq":
		return DialectPostgres, nil
	}
	return 0, fmt.Errorf("sqlguard: unknown dialect %q (want sqlite, mysql, mariadb or postgres)", name)
}
