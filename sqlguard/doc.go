// Package sqlguard decides whether request input changed the syntax of a SQL
// statement, with the exact lexical rules of SQLite, MySQL/MariaDB and
// PostgreSQL.
//
// For most uses, call [Check] with the statement about to run, its
// [Dialect] and the request's inputs (taint.FromContext); the driver package
// does this for every statement, with [AnalyzeMatcher] (one search for every
// input of the request) and a [Memory] of the application's own statements.
// [Analyze] also reports when the check stopped early, and [Classify] names
// the statement kind and clause of a flagged span for the event.
//
// # The rule
//
// An input is checked at every verbatim occurrence in the statement (of its
// value, and of its value trimmed of white space, since applications often
// trim): all of them, found in one pass of a [taint.Matcher] when inputs or
// statement are large. [MaxWork] bounds all the work of a check, the search
// included; a check that reaches it is an injection (what was not judged is
// not cleared), so a payload repeated a million times in another field
// cannot push the real occurrence past a cap. The statement is lexed
// with the dialect's rules by a hand-written [Scanner]; the decision looks at
// the tokens the occurrence covers. Tokens the occurrence covers only in part
// at its edges (the statement's own text continues them) are partial; white
// space is ignored and commas are punctuation. In this order:
//
//  1. Harmless shapes. The occurrence lies inside the body of one string,
//     blob or quoted identifier (or comment) without covering its
//     delimiters; or it is exactly a list: literals (signed numbers
//     included) or possibly qualified identifiers with an optional ASC or
//     DESC, separated by commas ("1, 2, 3", "title DESC, id", "-1").
//  2. Injection (security wins). The occurrence covers part of a delimited
//     token including its delimiter or prefix and touches another token (it
//     breaks out of a literal or quoted identifier; a lone literal touched at
//     one delimiter in a statement that lexes is still one literal: the
//     input '%' escaped into LIKE '%...%'), a comment opener or closer
//     (MySQL executable comments /*! and /*M! included), or a statement
//     separator; or it wholly covers two or more tokens of which one is a keyword, operator,
//     function name or parenthesis. A statement that does not lex or balance
//     (unterminated literal or comment, unbalanced parentheses) with the
//     input in it, but does with that occurrence replaced by a plain literal,
//     is an injection attempt (probing with a lone '). An input made only of
//     quote, comment, punctuation and space characters is judged by this
//     balance test, and is otherwise an injection only when it touches two
//     or more tokens one of which is a comment, a separator or a literal's
//     delimiter ("'--", "';", "'/'"): a lone ' or -- that merely equals the
//     template's own is no finding.
//  3. Roles. An occurrence that is one name, or a list of names and
//     literals, adds no grammar but can still rewire the statement, so it is
//     judged by the role of the slot it fills:
//     - A column reference (a bare word the engine does not reserve,
//     "quoted", `backticked`, [bracketed], qualified, or a name completing
//     the statement's own qualifier t.)
//     whose counterpart is a column reference too is an injection: the
//     other side of a comparison (=, <>, <, LIKE, IS...), the tested
//     expression of IN (...) or BETWEEN, a member of that IN list or a
//     bound of that BETWEEN. Column compared with column is how a filter
//     becomes a tautology (WHERE stock = stock, state IN ('open', state)).
//     A column that meets a literal, a parameter or an expression (WHERE
//     title = ?, stock = stock - 1) is no finding: users send column-like
//     words all the time. A SET list assigns rather than compares, and an
//     input that supplies only a qualifier (the table of t.id) names a
//     table where one belongs.
//     - The body of a double-quoted identifier counts as a column
//     reference where the engine may read it as a string (SQLite's
//     fallback, MySQL without ANSI_QUOTES) only when the statement names
//     that identifier elsewhere: WHERE email = "email" is a column
//     compared with itself, WHERE email = "dana" a string.
//     - A list in a FROM, JOIN, UPDATE or INTO table slot ("posts,
//     accounts") is an injection: it adds a cross join. Lists stay
//     harmless in ORDER BY, GROUP BY, select lists and IN (...).
//     - A niladic session function standing where a value is expected, as
//     each engine defines it (checked on the servers): in PostgreSQL
//     CURRENT_USER, SESSION_USER, USER, CURRENT_ROLE, CURRENT_SCHEMA,
//     CURRENT_CATALOG and SYSTEM_USER (16); in MySQL and MariaDB
//     CURRENT_USER and CURRENT_ROLE (bare USER and SESSION_USER are
//     column names there); in SQLite none.
//     - PostgreSQL dollar-quoted bodies of DO and of CREATE FUNCTION or
//     CREATE PROCEDURE ... AS are code: an occurrence inside one is judged
//     again with the body lexed as a statement (nested bodies up to four
//     deep), so breaking out of a string within the body is caught.
//  4. Harmless otherwise: at most one whole token plus partial tokens at the
//     edges ("IS N", "1 li", " VALUES ", a "?1" header that equals a SQLite
//     placeholder, a JSON key "stock" in SET stock = stock - ?).
//
// Between the rules: two or more whole tokens none of which is a reserved
// word, operator or parenthesis, and that are not a list ("hello world",
// "GLOBAL max_connections", "1 2"), are an injection. Most such texts are
// syntax errors or add an alias, but non-reserved keywords carry grammar in
// places (SET GLOBAL x, AT TIME ZONE): security wins. The residual cost is a
// multi-word input that coincides with the statement's own text outside a
// literal (a search for "time zone" in a statement that says AT TIME ZONE).
// Dots join names and commas are punctuation: ".user_id", "t.col" and
// "a, b" add nothing.
//
// Keywords are the reserved words of the three engines, minus words that are
// also common column names (see keywords.go); whether a bare word an input
// supplies can name a column is the engine's own answer, measured per
// engine. The decision never looks for attack patterns.
//
// # Dialects
//
// SQLite: quote doubling and no backslash escapes, "id", [id] and `id`
// identifiers, X'..' blobs, ?, ?NNN, :name, @name, #name and $name
// parameters, -- comments without a following space, and a block comment
// left open at the end, which SQLite accepts (so "1/*" truncates).
//
// MySQL and MariaDB: backslash escapes, ".." strings, # comments, -- only
// when followed by white space or a control character, executable comments
// /*! */, /*!50000 */ and MariaDB's /*M! */, whose content is scanned as code
// whatever the version number (the engine skips content gated above its
// version, so this can only flag more; TiDB's /*T! is a plain comment, as in
// MariaDB), and backtick identifiers. NO_BACKSLASH_ESCAPES and ANSI_QUOTES are set per
// server or session and invisible here, so an occurrence is harmless only if
// it is harmless under all four combinations, unless the [Dialect] pins them
// ([NoBackslashEscapes], [BackslashEscapes], [ANSIQuotes], [NoANSIQuotes]).
// Combinations that cannot lex differently (no backslash, or no double quote
// in the statement) are skipped.
//
// PostgreSQL: standard_conforming_strings on (the default since 9.1; pin the
// legacy mode with [PostgresLegacyStrings]), E'..' with backslash escapes,
// U&'..' and U&"..", $tag$..$tag$ dollar quoting, nested /* /* */ */
// comments, :: casts and $1 parameters. The integer forms of PostgreSQL 16
// (0x1F, 0o17, 0b101, 1_000) are lexed as one number: PostgreSQL 15 rejects
// them as trailing junk, so neither reading lets them add grammar.
//
// The TiDB parser (github.com/pingcap/tidb/pkg/parser) is the grammar
// reference for MySQL: the tests check the scanner and the role rules
// against its AST. At run time this package does not link it. A program
// that imports github.com/gorasp/rasp/sqlguard/tidb has [Classify] name
// the kind of short MySQL statements from TiDB's parse (see
// [SetMySQLStatementKinder]); without it the kind comes from the scanner,
// and detection is the same.
//
// # Threat model
//
// Caught: any input that, at a verbatim occurrence, breaks out of a literal
// or quoted identifier, opens or closes a comment, adds a statement, adds
// grammar (keywords, operators, function calls, subqueries) to a value slot,
// leaves the statement unterminated, supplies a column reference compared
// with a column reference, adds a table to a FROM list, breaks out inside a
// PostgreSQL code body, or stands for a session function in a value slot.
//
// Not caught, by design or by limit:
//   - Inputs the application transformed before building the statement
//     (decoded, case-folded, split, concatenated): only verbatim occurrences
//     (and the trimmed text) are seen. The middleware adds URL-decoded
//     variants.
//   - Coincidence: an input whose text equals the statement's own code
//     ("ORDER BY", "COUNT(*)", "1)") is flagged by [Check], because the
//     statement is then indistinguishable from one the input built. The
//     driver clears such a finding when the exact statement already ran in
//     this process with request inputs present and none in it (see
//     [Memory]); the first execution of a statement is still judged.
//   - A column compared with a column the statement does not name, through
//     the double-quote fallback of SQLite or MySQL (WHERE a = "b", with b a
//     column the statement never mentions): the schema is invisible here.
//   - A lone token chosen by the input where a value or name is expected: an
//     input "password" in ORDER BY password, or @@version as a value. One
//     whole token cannot change the grammar, but it can choose what is read.
//   - Second-order injection: text stored earlier and read back from the
//     database is not a request input.
//   - A check that reaches [MaxWork] is reported as an injection (refused
//     in ModeProtect), with the reason saying so; only an internal error
//     (a recovered panic) leaves Incomplete alone, and then the agent's
//     fail-open or fail-closed setting applies.
//   - A MySQL input that ends in a backslash placed just before a quote is
//     an injection under backslash escapes; applications that escape for
//     NO_BACKSLASH_ESCAPES should pin it, or benign inputs ending in a
//     backslash are flagged.
//
// # Modes
//
// This package does not read modes: it returns verdicts. The caller (the
// driver package, through rasp.Agent) decides: ModeOff skips the check,
// ModeMonitor reports findings, ModeProtect also refuses the statement.
//
// # Concurrency
//
// [Check], [Analyze], [AnalyzeMatcher] and [Classify] are pure and safe for
// concurrent use, and so is a [Memory].
// They keep scratch buffers and TiDB parsers in sync.Pools. A [Scanner] is
// not safe for concurrent use.
//
// # Memory
//
// Besides the pools, the checks keep one fixed table per process: the sets
// of bytes (and a 128-byte summary of the pairs of adjacent bytes) of up to
// 512 statements of at most 2 KiB, each remembered with a private copy of
// its text once it has been checked twice in a row in its slot (about
// 1.1 MiB at most, 1.7 MiB with the tokens below). Applications run the same constant statements
// again and again, and for such a statement a check in which no input
// occurs costs a comparison with the copy (found by the address of the
// caller's text, else by a hash of it) and a few lookups per input instead
// of a scan of the statement per input. Once an input occurrence in a
// remembered statement is judged, its tokens under that check's lexing
// mode are kept too, when there are at most 64 (1.25 KiB, so at most
// 640 KiB in all): a constant statement whose literal equals an input ("active" in
// status = 'active') is not tokenized again. A remembered set or token
// list is used only for a statement equal to its copy (and tokens only
// under the mode they were made with), so the verdicts are those of a
// scan; text built anew for every request is never copied.
package sqlguard
