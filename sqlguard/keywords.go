package sqlguard

// keywords are the words that carry grammar rather than name data: the
// reserved words that the three engines share or that one of them reserves
// for clauses, set operations, predicates and operators (SQL:2016 reserved
// words, MySQL 8.0 / MariaDB 10.11 reserved words, PostgreSQL 15 reserved
// and type-function words, SQLite keywords). Data-like words that are also
// common column names (DATE, TIME, NAME, KEY, VALUE, USER, YEAR, LEVEL,
// STATUS, POSITION) are left out: a lone occurrence of one is a value, and
// the niladic functions among them are caught by the value-slot rule.
var keywords = map[string]struct{}{}

func init() {
	for _, w := range []string{
		"ADD", "ALL", "ALTER", "ANALYZE", "AND", "ANY", "ARRAY", "AS", "ASC", "ATTACH",
		"BEGIN", "BETWEEN", "BINARY", "BOTH", "BY", "CALL", "CASCADE", "CASE", "CAST", "CHECK",
		"COLLATE", "COLUMN", "COMMIT", "CONSTRAINT", "CONVERT", "CREATE", "CROSS", "CURRENT",
		"CURRENT_CATALOG", "CURRENT_DATE", "CURRENT_ROLE", "CURRENT_SCHEMA", "CURRENT_TIME",
		"CURRENT_TIMESTAMP", "CURRENT_USER", "DATABASE", "DATABASES", "DECLARE", "DEFAULT",
		"DELETE", "DESC", "DESCRIBE", "DETACH", "DISTINCT", "DISTINCTROW", "DIV", "DO", "DROP",
		"EACH", "ELSE", "ELSEIF", "END", "ESCAPE", "EXCEPT", "EXECUTE", "EXISTS",
		"EXPLAIN", "FALSE", "FETCH", "FOR", "FOREIGN", "FROM", "FULL", "GLOB", "GRANT", "GROUP",
		"HANDLER", "HAVING", "HIGH_PRIORITY", "IF", "IGNORE", "ILIKE", "IN", "INDEX", "INNER",
		"INSERT", "INTERSECT", "INTERVAL", "INTO", "IS", "ISNULL", "ITERATE", "JOIN", "KILL",
		"LATERAL", "LEADING", "LEAVE", "LEFT", "LIKE", "LIMIT", "LOAD", "LOCALTIME",
		"LOCALTIMESTAMP", "LOCK", "LOOP", "MATCH", "MINUS", "MOD", "NATURAL", "NOT", "NOTNULL",
		"NULL", "OFFSET", "ON", "OR", "ORDER", "OUTER", "OUTFILE", "DUMPFILE", "OVER",
		"OVERLAPS", "PRAGMA", "PREPARE", "PRIMARY", "PROCEDURE", "RAISE", "READ", "RECURSIVE",
		"REFERENCES", "REGEXP", "REINDEX", "RELEASE", "RENAME", "REPEAT", "REPLACE", "RESIGNAL",
		"RETURN", "RETURNING", "REVOKE", "RIGHT", "RLIKE", "ROLLBACK", "ROW", "ROWS",
		"SAVEPOINT", "SCHEMA", "SELECT", "SESSION_USER", "SET", "SHOW", "SIGNAL", "SIMILAR",
		"SOME", "SOUNDS", "SQL_CALC_FOUND_ROWS", "STRAIGHT_JOIN", "SYSTEM_USER", "TABLE", "THEN",
		"TO", "TRAILING", "TRIGGER", "TRUE", "TRUNCATE", "UNION", "UNIQUE", "UNLOCK",
		"UPDATE", "USE", "USING", "VACUUM", "VALUES", "VARIADIC", "VIEW", "WHEN",
		"WHERE", "WHILE", "WINDOW", "WITH", "WRITE", "XOR",
	} {
		keywords[w] = struct{}{}
	}
}

// upper copies the ASCII upper case of s into buf and returns it, or
// returns false if s does not fit (no keyword is that long).
func upper(buf *[32]byte, s string) ([]byte, bool) {
	if len(s) > len(buf) {
		return nil, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		buf[i] = c
	}
	return buf[:len(s)], true
}

// isKeyword reports whether the identifier lit is a keyword.
func isKeyword(lit string) bool {
	var buf [32]byte
	u, ok := upper(&buf, lit)
	if !ok {
		return false
	}
	_, ok = keywords[string(u)]
	return ok
}

// wordIs reports whether lit equals the upper-case word w, ignoring ASCII
// case.
func wordIs(lit, w string) bool {
	if len(lit) != len(w) {
		return false
	}
	for i := 0; i < len(lit); i++ {
		c := lit[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != w[i] {
			return false
		}
	}
	return true
}

// niladic reports whether lit is a function the engine calls without
// parentheses that names the session's user, role or schema (checked on
// PostgreSQL 15 and MariaDB 10.11: bare USER, SESSION_USER and
// CURRENT_SCHEMA are column names in MariaDB, and SQLite has no such
// function at all; SQL:2016 6.4 <general value specification>, PostgreSQL
// 15 "Session Information Functions"). SYSTEM_USER is PostgreSQL 16's.
func niladic(engine Dialect, lit string) bool {
	var words []string
	switch engine {
	case DialectPostgres:
		words = []string{"CURRENT_USER", "SESSION_USER", "USER", "CURRENT_ROLE", "SYSTEM_USER", "CURRENT_SCHEMA", "CURRENT_CATALOG"}
	case DialectMySQL:
		words = []string{"CURRENT_USER", "CURRENT_ROLE"}
	}
	for _, w := range words {
		if wordIs(lit, w) {
			return true
		}
	}
	return false
}

// notColumn lists, per engine, the keywords of [keywords] that cannot
// name a column unquoted: SELECT w FROM (SELECT 1 AS w) s WHERE w = w
// fails for them, measured on SQLite 3 (go-sqlite3's), PostgreSQL 15 and
// MariaDB 10.11. Every other word an input supplies in a value slot is a
// column reference to the engine (TRUNCATE and HANDLER are keywords, yet
// columns in all three), unless it is a literal or a value function
// ([valueWord]).
var notColumn = map[Dialect]map[string]struct{}{
	DialectSQLite: wordSet(
		"ADD", "ALL", "ALTER", "AND", "AS", "BETWEEN", "CASE", "CAST", "CHECK", "COLLATE", "COMMIT",
		"CONSTRAINT", "CREATE", "DEFAULT", "DELETE", "DISTINCT", "DROP", "ELSE", "ESCAPE", "EXCEPT",
		"EXISTS", "FOREIGN", "FROM", "GROUP", "HAVING", "IN", "INDEX", "INSERT", "INTERSECT", "INTO", "IS",
		"ISNULL", "JOIN", "LIMIT", "NOT", "NOTNULL", "NULL", "ON", "OR", "ORDER", "PRIMARY", "RAISE",
		"REFERENCES", "RETURNING", "SELECT", "SET", "TABLE", "THEN", "TO", "UNION", "UNIQUE", "UPDATE",
		"USING", "VALUES", "WHEN", "WHERE",
	),
	DialectPostgres: wordSet(
		"ALL", "ANALYZE", "AND", "ANY", "ARRAY", "AS", "ASC", "BINARY", "BOTH", "CASE", "CAST", "CHECK",
		"COLLATE", "COLUMN", "CONSTRAINT", "CREATE", "CROSS", "DEFAULT", "DESC", "DISTINCT", "DO", "ELSE",
		"END", "EXCEPT", "FETCH", "FOR", "FOREIGN", "FROM", "FULL", "GRANT", "GROUP", "HAVING", "ILIKE",
		"IN", "INNER", "INTERSECT", "INTO", "IS", "ISNULL", "JOIN", "LATERAL", "LEADING", "LEFT", "LIKE",
		"LIMIT", "NATURAL", "NOT", "NOTNULL", "OFFSET", "ON", "OR", "ORDER", "OUTER", "OVERLAPS", "PRIMARY",
		"REFERENCES", "RETURNING", "RIGHT", "SELECT", "SIMILAR", "SOME", "TABLE", "THEN", "TO", "TRAILING",
		"UNION", "UNIQUE", "USING", "VARIADIC", "WHEN", "WHERE", "WINDOW", "WITH",
	),
	DialectMySQL: wordSet(
		"ADD", "ALL", "ALTER", "ANALYZE", "AND", "AS", "ASC", "BETWEEN", "BINARY", "BOTH", "BY", "CALL",
		"CASCADE", "CASE", "CHECK", "COLLATE", "COLUMN", "CONSTRAINT", "CONVERT", "CREATE", "CROSS",
		"CURRENT_DATE", "CURRENT_ROLE", "CURRENT_TIME", "CURRENT_TIMESTAMP", "CURRENT_USER", "DATABASES",
		"DECLARE", "DEFAULT", "DELETE", "DESC", "DESCRIBE", "DISTINCT", "DISTINCTROW", "DIV", "DROP",
		"EACH", "ELSE", "ELSEIF", "EXCEPT", "EXISTS", "EXPLAIN", "FALSE", "FETCH", "FOR", "FOREIGN", "FROM",
		"GRANT", "GROUP", "HAVING", "HIGH_PRIORITY", "IF", "IGNORE", "IN", "INDEX", "INNER", "INSERT",
		"INTERSECT", "INTERVAL", "INTO", "IS", "ITERATE", "JOIN", "KILL", "LEADING", "LEAVE", "LEFT",
		"LIKE", "LIMIT", "LOAD", "LOCALTIME", "LOCALTIMESTAMP", "LOCK", "LOOP", "MATCH", "MOD", "NATURAL",
		"NOT", "NULL", "OFFSET", "ON", "OR", "ORDER", "OUTER", "OUTFILE", "OVER", "PRIMARY", "PROCEDURE",
		"READ", "RECURSIVE", "REFERENCES", "REGEXP", "RELEASE", "RENAME", "REPEAT", "REPLACE", "RESIGNAL",
		"RETURN", "RETURNING", "REVOKE", "RIGHT", "RLIKE", "ROWS", "SELECT", "SET", "SHOW", "SIGNAL",
		"SQL_CALC_FOUND_ROWS", "STRAIGHT_JOIN", "TABLE", "THEN", "TO", "TRAILING", "TRIGGER", "TRUE",
		"UNION", "UNIQUE", "UNLOCK", "UPDATE", "USE", "USING", "VALUES", "WHEN", "WHERE", "WHILE", "WITH",
		"WRITE", "XOR",
	),
}

func wordSet(ws ...string) map[string]struct{} {
	m := make(map[string]struct{}, len(ws))
	for _, w := range ws {
		m[w] = struct{}{}
	}
	return m
}

// valueWord reports whether lit, bare, stands for a value rather than a
// column in the engine: a literal, a date-time function called without
// parentheses, or a niladic session function.
func valueWord(engine Dialect, lit string) bool {
	for _, w := range [...]string{"NULL", "TRUE", "FALSE", "CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP", "LOCALTIME", "LOCALTIMESTAMP"} {
		if wordIs(lit, w) {
			return true
		}
	}
	return niladic(engine, lit)
}

// columnWord reports whether the bare identifier lit names a column in the
// engine.
func columnWord(engine Dialect, lit string) bool {
	if valueWord(engine, lit) {
		return false
	}
	var buf [32]byte
	u, ok := upper(&buf, lit)
	if !ok {
		return true // longer than any keyword
	}
	_, reserved := notColumn[engine][string(u)]
	return !reserved
}
