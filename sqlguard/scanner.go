package sqlguard

import (
	"math"
	"slices"
	"strings"
)

// Token is the lexical class of a piece of a statement.
type Token int

// The tokens. Every byte of a statement belongs to exactly one token.
const (
	// ILLEGAL is a byte no rule accepts, or an unterminated string,
	// quoted identifier or comment (then it runs to the end of the source).
	ILLEGAL Token = iota
	// EOF is returned once the source is exhausted.
	EOF
	// SPACE is a run of white space.
	SPACE
	// COMMENT is a line comment (-- or MySQL #) or a block comment,
	// delimiters included. PostgreSQL block comments nest. For SQLite, a
	// NUL byte and everything after it is one COMMENT: SQLite never reads
	// past a NUL.
	COMMENT
	// EXECOPEN opens a MySQL/MariaDB executable comment: /*!, /*!50000,
	// /*M!, /*M!100000. Its content is scanned as code.
	EXECOPEN
	// EXECCLOSE is the */ that closes an executable comment.
	EXECCLOSE
	// STRING is a character string literal, prefix and quotes included:
	// '..', MySQL "..", N'..', PostgreSQL E'..', U&'..' and $tag$..$tag$.
	STRING
	// BLOB is a binary or bit string literal: X'..', B'..'.
	BLOB
	// QIDENT is a quoted identifier: "..", `..`, SQLite [..], U&"..".
	QIDENT
	// IDENT is an unquoted identifier or keyword.
	IDENT
	// NUMBER is a numeric literal (sign excluded).
	NUMBER
	// PARAM is a placeholder or variable: ?, ?NNN, :name, @name, $name, $1,
	// MySQL @var and @@var.
	PARAM
	// OP is an operator, a dot or a cast.
	OP
	// LPAREN is (.
	LPAREN
	// RPAREN is ).
	RPAREN
	// COMMA is ,.
	COMMA
	// SEMI is the statement separator ;.
	SEMI
)

var tokenNames = [...]string{
	ILLEGAL: "ILLEGAL", EOF: "EOF", SPACE: "SPACE", COMMENT: "COMMENT",
	EXECOPEN: "EXECOPEN", EXECCLOSE: "EXECCLOSE", STRING: "STRING", BLOB: "BLOB",
	QIDENT: "QIDENT", IDENT: "IDENT", NUMBER: "NUMBER", PARAM: "PARAM", OP: "OP",
	LPAREN: "LPAREN", RPAREN: "RPAREN", COMMA: "COMMA", SEMI: "SEMI",
}

// String returns the token's name, such as "STRING".
func (t Token) String() string {
	if t >= 0 && int(t) < len(tokenNames) {
		return tokenNames[t]
	}
	return "Token(?)"
}

// lexMode is the set of lexical rules one scan uses: an engine plus the
// session modes that change where literals end.
type lexMode struct {
	engine    Dialect
	backslash bool // backslash escapes in '..' (and MySQL "..")
	ansi      bool // MySQL ANSI_QUOTES: ".." is an identifier
}

// defaultMode is the lexMode of d with unpinned modes at the engines'
// defaults (MariaDB: backslash escapes on, ANSI_QUOTES off; PostgreSQL:
// standard_conforming_strings on).
func defaultMode(d Dialect) lexMode {
	m := lexMode{engine: d.Engine()}
	switch m.engine {
	case DialectMySQL:
		m.backslash = d&NoBackslashEscapes == 0
		m.ansi = d&ANSIQuotes != 0
	case DialectPostgres:
		m.backslash = d&PostgresLegacyStrings != 0
	}
	return m
}

// token is one scanned token with what the decision needs to know about
// its delimiters.
type token struct {
	pos, end    int32
	open, close int32 // delimiter lengths of STRING, BLOB, QIDENT, COMMENT; close is 0 if unterminated
	kind        uint8 // the Token, in a byte: see tok
	esc         bool  // the body has backslash escapes
	bad         bool  // unterminated literal or comment (makes the statement not lex)
}

// tok returns t's Token. A token keeps it in a byte, which makes it 20
// bytes, not 32: a 1 MiB bulk statement has some 100,000 of them.
func (t *token) tok() Token { return Token(t.kind) }

// A Scanner tokenizes a SQL statement with the lexical rules of one
// [Dialect]. It never fails: a byte no rule accepts becomes an ILLEGAL token
// and scanning goes on. The zero Scanner is ready after [Scanner.Init].
// A Scanner is not safe for concurrent use.
type Scanner struct {
	// immutable state
	full string // the statement
	src  string // the part the engine reads: full, or for SQLite up to a NUL
	mode lexMode

	// scanning state
	off    int
	start  int  // offset of the token being scanned
	inExec bool // inside a MySQL executable comment

	// public state

	// ErrorCount is the number of unterminated literals and comments seen.
	ErrorCount int
}

// Init prepares s to scan src with the rules of d and resets all state, so
// a Scanner can be reused. For MySQL without pins it assumes MariaDB's
// defaults: backslash escapes on, ANSI_QUOTES off.
func (s *Scanner) Init(src string, d Dialect) {
	s.initMode(src, defaultMode(d))
}

func (s *Scanner) initMode(src string, m lexMode) {
	s.full = src
	s.src = src
	if m.engine == DialectSQLite {
		// SQLite reads a statement as a C string: a NUL ends it, and
		// whatever follows is never seen (sqlite3_prepare_v2).
		if i := strings.IndexByte(src, 0); i >= 0 {
			s.src = src[:i]
		}
	}
	s.mode = m
	s.off = 0
	s.inExec = false
	s.ErrorCount = 0
}

// Scan returns the next token: its byte offset in src, its class and its
// text. lit is always the exact substring src[pos:pos+len(lit)], delimiters
// and prefixes included (no copy, no decoding), so the tokens tile src. At
// the end Scan returns (len(src), EOF, "") forever.
func (s *Scanner) Scan() (pos int, tok Token, lit string) {
	// The span is the scanner's own offsets, ints: a token's are int32,
	// enough for what a check tokenizes but not for any text.
	var t token
	start := s.off
	s.next(&t)
	if t.tok() == EOF {
		return len(s.full), EOF, ""
	}
	return start, t.tok(), s.full[start:s.off]
}

// Character classes, one table lookup per byte.
const (
	clSpace = 1 << iota
	clDigit
	clIdentStart
	clIdentChar
)

var charClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		switch {
		case b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f' || b == '\v':
			t[c] = clSpace
		case b >= '0' && b <= '9':
			t[c] = clDigit | clIdentChar
		case b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b == '_' || b >= 0x80:
			t[c] = clIdentStart | clIdentChar
		case b == '$':
			t[c] = clIdentChar
		}
	}
	return t
}()

func isSpace(c byte) bool      { return charClass[c]&clSpace != 0 }
func isDigit(c byte) bool      { return charClass[c]&clDigit != 0 }
func isIdentStart(c byte) bool { return charClass[c]&clIdentStart != 0 }
func isIdentChar(c byte) bool  { return charClass[c]&clIdentChar != 0 }

func isHex(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// pgOpChar reports the characters PostgreSQL's lexer joins into one
// operator (scan.l, "self" and "op_chars").
func pgOpChar(c byte) bool {
	switch c {
	case '+', '-', '*', '/', '<', '>', '=', '~', '!', '@', '#', '%', '^', '&', '|', '`', '?':
		return true
	}
	return false
}

func (s *Scanner) peek(i int) byte {
	if s.off+i < len(s.src) {
		return s.src[s.off+i]
	}
	return 0
}

func (s *Scanner) next(t *token) {
	*t = token{pos: int32(s.off)}
	s.start = s.off
	if s.off >= len(s.src) {
		if s.off < len(s.full) {
			// the unseen tail after a NUL (SQLite): a comment to the end
			t.kind, t.end, t.open = uint8(COMMENT), int32(len(s.full)), 1
			s.off = len(s.full)
			return
		}
		t.pos, t.end, t.kind = int32(len(s.full)), int32(len(s.full)), uint8(EOF)
		return
	}
	c := s.src[s.off]
	my := s.mode.engine == DialectMySQL
	pg := s.mode.engine == DialectPostgres
	lite := s.mode.engine == DialectSQLite
	switch {
	case isSpace(c):
		src, i := s.src, s.off+1
		for i < len(src) && charClass[src[i]]&clSpace != 0 {
			i++
		}
		s.off = i
		t.kind = uint8(SPACE)
	case isIdentStart(c):
		s.identOrPrefixed(t)
	case c == '-' && s.peek(1) == '-' && (!my || s.off+2 >= len(s.src) || s.src[s.off+2] <= ' ' || s.src[s.off+2] == 0x7f):
		s.lineComment(t, 2)
	case c == '#' && my:
		s.lineComment(t, 1)
	case c == '/' && s.peek(1) == '*':
		if my {
			if n := s.execOpener(); n > 0 {
				s.off += n
				s.inExec = true
				t.kind = uint8(EXECOPEN)
				break
			}
		}
		s.blockComment(t)
	case c == '*' && s.peek(1) == '/' && s.inExec:
		s.off += 2
		s.inExec = false
		t.kind = uint8(EXECCLOSE)
	case c == '\'':
		s.quoted(t, STRING, 0, '\'', s.mode.backslash)
	case c == '"':
		if my && !s.mode.ansi {
			s.quoted(t, STRING, 0, '"', s.mode.backslash)
		} else {
			s.quoted(t, QIDENT, 0, '"', false)
		}
	case c == '`' && !pg:
		s.quoted(t, QIDENT, 0, '`', false)
	case c == '[' && lite:
		s.bracket(t)
	case isDigit(c) || c == '.' && isDigit(s.peek(1)):
		s.number(t)
	case c == '$':
		s.dollar(t)
	case c == '?':
		s.off++
		if lite {
			for s.off < len(s.src) && isDigit(s.src[s.off]) {
				s.off++
			}
			t.kind = uint8(PARAM)
		} else if pg {
			s.pgOp(t)
		} else {
			t.kind = uint8(PARAM)
		}
	case (c == ':' || c == '@' || c == '#') && lite:
		s.off++
		n := s.off
		for s.off < len(s.src) && (isIdentChar(s.src[s.off]) || s.src[s.off] == ':' && s.peek(1) == ':' && s.advance(1)) {
			s.off++
		}
		if s.off == n {
			t.kind = uint8(ILLEGAL)
		} else {
			t.kind = uint8(PARAM)
		}
	case c == '@' && my:
		s.off++
		if s.peek(0) == '@' {
			s.off++
		}
		for s.off < len(s.src) && (isIdentChar(s.src[s.off]) || s.src[s.off] == '.') {
			s.off++
		}
		t.kind = uint8(PARAM)
	case c == '(':
		s.off++
		t.kind = uint8(LPAREN)
	case c == ')':
		s.off++
		t.kind = uint8(RPAREN)
	case c == ',':
		s.off++
		t.kind = uint8(COMMA)
	case c == ';':
		s.off++
		t.kind = uint8(SEMI)
	case pg && pgOpChar(c):
		s.pgOp(t)
	default:
		s.op(t)
	}
	t.end = int32(s.off)
	if t.bad {
		s.ErrorCount++
	}
}

// advance moves the offset by n and reports true, for use inside loop
// conditions.
func (s *Scanner) advance(n int) bool {
	s.off += n
	return true
}

func (s *Scanner) lineComment(t *token, open int) {
	t.kind = uint8(COMMENT)
	t.open = int32(open)
	s.off += open
	for s.off < len(s.src) {
		c := s.src[s.off]
		if c == '\n' || c == '\r' && s.mode.engine == DialectPostgres {
			// SQLite (tokenize.c) and MySQL end a line comment at \n
			// only, PostgreSQL (scan.l, non_newline) at \n or \r.
			s.off++
			t.close = 1
			return
		}
		s.off++
	}
	// A line comment may end the statement: it is complete.
}

// execOpener returns the length of a MySQL/MariaDB executable comment
// opener at s.off (/*! or /*M! plus up to 6 version digits), or 0.
func (s *Scanner) execOpener() int {
	n := 2
	if s.peek(n) == 'M' && s.peek(n+1) == '!' {
		n += 2
	} else if s.peek(n) == '!' {
		n++
	} else {
		return 0
	}
	for i := 0; i < 6 && isDigit(s.peek(n)); i++ {
		n++
	}
	return n
}

func (s *Scanner) blockComment(t *token) {
	t.kind = uint8(COMMENT)
	t.open = 2
	s.off += 2
	depth := 1
	nest := s.mode.engine == DialectPostgres
	for s.off < len(s.src) {
		c := s.src[s.off]
		if c == '*' && s.peek(1) == '/' {
			s.off += 2
			depth--
			if depth == 0 {
				t.close = 2
				return
			}
			continue
		}
		if nest && c == '/' && s.peek(1) == '*' {
			s.off += 2
			depth++
			continue
		}
		s.off++
	}
	// SQLite accepts a block comment left open at the end of input
	// (tokenize.c); the other engines reject it.
	if s.mode.engine != DialectSQLite {
		t.kind = uint8(ILLEGAL)
		t.bad = true
	}
}

// quoted scans a literal or quoted identifier whose opening quote q is at
// s.off+prefix. With esc a backslash escapes the next byte.
func (s *Scanner) quoted(t *token, tok Token, prefix int, q byte, esc bool) {
	t.kind = uint8(tok)
	t.open = int32(prefix + 1)
	t.esc = esc
	// Jump from quote to quote; where backslashes escape, from backslash
	// to backslash before the next quote. Each byte is searched once: qi
	// is the next quote at or after i, found again only once i passes it.
	src, i, qi := s.src, s.off+prefix+1, -1
	for i < len(src) {
		if qi < i {
			k := strings.IndexByte(src[i:], q)
			if k < 0 {
				break
			}
			qi = i + k
		}
		if esc {
			if b := strings.IndexByte(src[i:qi], '\\'); b >= 0 {
				i += b + 2
				continue
			}
		}
		i = qi
		// A doubled quote stands for itself, except in hex and bit
		// literals, which end at the first quote (MySQL, SQLite
		// tokenize.c, PostgreSQL scan.l xb/xh).
		if i+1 < len(src) && src[i+1] == q && tok != BLOB {
			i += 2
			continue
		}
		s.off = i + 1
		t.close = 1
		return
	}
	s.off = len(s.src)
	t.kind = uint8(ILLEGAL)
	t.bad = true
}

func (s *Scanner) bracket(t *token) {
	t.kind = uint8(QIDENT)
	t.open = 1
	s.off++
	for s.off < len(s.src) {
		if s.src[s.off] == ']' {
			s.off++
			t.close = 1
			return
		}
		s.off++
	}
	t.kind = uint8(ILLEGAL)
	t.bad = true
}

func (s *Scanner) digits(hex bool) {
	for s.off < len(s.src) {
		c := s.src[s.off]
		if isDigit(c) || hex && isHex(c) || c == '_' && s.mode.engine != DialectMySQL && s.off+1 < len(s.src) && (isDigit(s.src[s.off+1]) || hex && isHex(s.src[s.off+1])) {
			s.off++
			continue
		}
		return
	}
}

func (s *Scanner) number(t *token) {
	t.kind = uint8(NUMBER)
	start := s.off
	if s.src[s.off] == '0' && (s.peek(1) == 'x' || s.peek(1) == 'X') && isHex(s.peek(2)) {
		// PostgreSQL 16 reads 0x1F as one integer, PostgreSQL 15 rejects
		// it as trailing junk: neither lets it add grammar.
		s.off += 2
		s.digits(true)
	} else if s.src[s.off] == '0' && s.mode.engine == DialectPostgres && (s.peek(1) == 'o' || s.peek(1) == 'O' || s.peek(1) == 'b' || s.peek(1) == 'B') && isDigit(s.peek(2)) {
		s.off += 2
		s.digits(false)
	} else if s.src[s.off] == '0' && s.peek(1) == 'b' && (s.peek(2) == '0' || s.peek(2) == '1') && s.mode.engine == DialectMySQL {
		s.off += 2
		for s.off < len(s.src) && (s.src[s.off] == '0' || s.src[s.off] == '1') {
			s.off++
		}
	} else {
		s.digits(false)
		if s.peek(0) == '.' {
			s.off++
			s.digits(false)
		}
		if c := s.peek(0); c == 'e' || c == 'E' {
			n := 1
			if d := s.peek(1); d == '+' || d == '-' {
				n = 2
			}
			if isDigit(s.peek(n)) {
				s.off += n
				s.digits(false)
			}
		}
	}
	if s.off < len(s.src) && isIdentChar(s.src[s.off]) {
		switch s.mode.engine {
		case DialectMySQL:
			// MySQL identifiers may begin with digits (1abc, 0xZZ, 1e).
			if !hasDot(s.src[start:s.off]) {
				for s.off < len(s.src) && isIdentChar(s.src[s.off]) {
					s.off++
				}
				t.kind = uint8(IDENT)
			}
		case DialectSQLite:
			// tokenize.c: a number followed by identifier characters is
			// one illegal token.
			for s.off < len(s.src) && isIdentChar(s.src[s.off]) {
				s.off++
			}
			t.kind = uint8(ILLEGAL)
		}
	}
}

func hasDot(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			return true
		}
	}
	return false
}

func (s *Scanner) identOrPrefixed(t *token) {
	c := s.src[s.off]
	c1 := s.peek(1)
	switch s.mode.engine {
	case DialectMySQL:
		switch {
		case (c == 'x' || c == 'X' || c == 'b' || c == 'B') && c1 == '\'':
			s.quoted(t, BLOB, 1, '\'', false)
			return
		case (c == 'n' || c == 'N') && c1 == '\'':
			s.quoted(t, STRING, 1, '\'', s.mode.backslash)
			return
		}
	case DialectSQLite:
		if (c == 'x' || c == 'X') && c1 == '\'' {
			s.quoted(t, BLOB, 1, '\'', false)
			return
		}
	case DialectPostgres:
		switch {
		case (c == 'x' || c == 'X' || c == 'b' || c == 'B') && c1 == '\'':
			s.quoted(t, BLOB, 1, '\'', false)
			return
		case (c == 'e' || c == 'E') && c1 == '\'':
			s.quoted(t, STRING, 1, '\'', true)
			return
		case (c == 'n' || c == 'N') && c1 == '\'':
			s.quoted(t, STRING, 1, '\'', s.mode.backslash)
			return
		case (c == 'u' || c == 'U') && c1 == '&' && s.peek(2) == '\'':
			s.quoted(t, STRING, 2, '\'', false)
			return
		case (c == 'u' || c == 'U') && c1 == '&' && s.peek(2) == '"':
			s.quoted(t, QIDENT, 2, '"', false)
			return
		}
	}
	t.kind = uint8(IDENT)
	src, i := s.src, s.off+1
	for i < len(src) && charClass[src[i]]&clIdentChar != 0 {
		i++
	}
	s.off = i
}

// dollar scans what begins with $: a PostgreSQL dollar-quoted string or
// $1 parameter, a SQLite $name parameter, or a MySQL identifier.
func (s *Scanner) dollar(t *token) {
	switch s.mode.engine {
	case DialectPostgres:
		if isDigit(s.peek(1)) {
			s.off++
			for s.off < len(s.src) && isDigit(s.src[s.off]) {
				s.off++
			}
			t.kind = uint8(PARAM)
			return
		}
		// $tag$: the tag is an identifier without $ (scan.l dolqdelim).
		n := 1
		if isIdentStart(s.peek(1)) {
			n = 2
			for isIdentStart(s.peek(n)) || isDigit(s.peek(n)) {
				n++
			}
		}
		if s.peek(n) != '$' {
			s.pgOp(t) // a lone $ is not valid; keep going
			t.kind = uint8(ILLEGAL)
			if s.off == s.start {
				s.off++
			}
			return
		}
		n++
		delim := s.src[s.off : s.off+n]
		t.kind = uint8(STRING)
		t.open = int32(n)
		s.off += n
		for i := s.off; i+n <= len(s.src); i++ {
			if s.src[i] == '$' && s.src[i:i+n] == delim {
				s.off = i + n
				t.close = int32(n)
				return
			}
		}
		s.off = len(s.src)
		t.kind = uint8(ILLEGAL)
		t.bad = true
	case DialectSQLite:
		s.off++
		n := s.off
		for s.off < len(s.src) {
			c := s.src[s.off]
			if isIdentChar(c) {
				s.off++
			} else if c == ':' && s.peek(1) == ':' {
				s.off += 2
			} else if c == '(' && s.off > n {
				// TCL-style $name(suffix) (tokenize.c): up to ) with no
				// white space.
				j := s.off + 1
				for j < len(s.src) && s.src[j] != ')' && !isSpace(s.src[j]) {
					j++
				}
				if j < len(s.src) && s.src[j] == ')' {
					s.off = j + 1
				}
				break
			} else {
				break
			}
		}
		if s.off == n {
			t.kind = uint8(ILLEGAL)
		} else {
			t.kind = uint8(PARAM)
		}
	default:
		s.off++
		for s.off < len(s.src) && isIdentChar(s.src[s.off]) {
			s.off++
		}
		t.kind = uint8(IDENT)
	}
}

// pgOp scans a PostgreSQL operator: a run of operator characters that
// stops before -- or /* (scan.l "operator").
func (s *Scanner) pgOp(t *token) {
	t.kind = uint8(OP)
	if s.off >= len(s.src) || !pgOpChar(s.src[s.off]) {
		return
	}
	s.off++
	for s.off < len(s.src) && pgOpChar(s.src[s.off]) {
		c := s.src[s.off]
		if c == '-' && s.peek(1) == '-' || c == '/' && s.peek(1) == '*' {
			break
		}
		s.off++
	}
}

// op scans a MySQL or SQLite operator, longest match first.
func (s *Scanner) op(t *token) {
	t.kind = uint8(OP)
	c := s.src[s.off]
	c1, c2 := s.peek(1), s.peek(2)
	my := s.mode.engine == DialectMySQL
	n := 1
	switch c {
	case '<':
		switch {
		case c1 == '=' && c2 == '>' && my:
			n = 3
		case c1 == '=' || c1 == '>' || c1 == '<':
			n = 2
		}
	case '>':
		if c1 == '=' || c1 == '>' {
			n = 2
		}
	case '-':
		switch {
		case c1 == '>' && c2 == '>':
			n = 3
		case c1 == '>':
			n = 2
		}
	case '!':
		if c1 == '=' {
			n = 2
		} else if !my {
			t.kind = uint8(ILLEGAL) // SQLite has no unary !
		}
	case '=':
		if c1 == '=' && !my {
			n = 2
		}
	case '|':
		if c1 == '|' {
			n = 2
		}
	case '&':
		if c1 == '&' && my {
			n = 2
		}
	case ':':
		if c1 == '=' && my || c1 == ':' && s.mode.engine == DialectPostgres {
			n = 2
		}
	case '+', '*', '/', '%', '~', '.', '^', '[', ']', '{', '}':
	default:
		t.kind = uint8(ILLEGAL)
	}
	s.off += n
}

// tokenize appends the tokens of src under m to buf and reports whether
// the statement lexes and balances (no unterminated literal, comment or
// executable comment, and balanced parentheses).
func tokenize(buf []token, src string, m lexMode) ([]token, bool) {
	if len(src) > math.MaxInt32 {
		// token offsets are int32; no check tokenizes a statement that
		// long (MaxWork ends it first)
		return buf, false
	}
	var s Scanner
	s.initMode(src, m)
	depth := 0
	ok := true
	for {
		if len(buf) == cap(buf) {
			// double: append's growth of 1.25x for large slices would
			// copy a long statement's tokens several times over
			buf = slices.Grow(buf, max(len(buf), 16))
		}
		buf = buf[:len(buf)+1]
		t := &buf[len(buf)-1]
		// White space, plain identifiers and commas, most of a statement's
		// tokens, are scanned here without a call, exactly as next scans
		// them: its first two cases, where an identifier's first byte is
		// a prefix only before a quote or an ampersand (x'..', U&'..').
		if off, src := s.off, s.src; off < len(src) {
			c := src[off]
			switch cl := charClass[c]; {
			case cl&clSpace != 0:
				i := off + 1
				for i < len(src) && charClass[src[i]]&clSpace != 0 {
					i++
				}
				*t = token{pos: int32(off), end: int32(i), kind: uint8(SPACE)}
				s.off = i
				continue
			case cl&clIdentStart != 0 && (off+1 == len(src) || src[off+1] != '\'' && src[off+1] != '&'):
				i := off + 1
				for i < len(src) && charClass[src[i]]&clIdentChar != 0 {
					i++
				}
				*t = token{pos: int32(off), end: int32(i), kind: uint8(IDENT)}
				s.off = i
				continue
			case c == ',':
				*t = token{pos: int32(off), end: int32(off + 1), kind: uint8(COMMA)}
				s.off = off + 1
				continue
			}
		}
		s.next(t) // sets every field
		if t.tok() == EOF {
			buf = buf[:len(buf)-1]
			break
		}
		switch {
		case t.bad:
			ok = false
		case t.tok() == LPAREN:
			depth++
		case t.tok() == RPAREN:
			depth--
			if depth < 0 {
				ok = false
			}
		}
	}
	if depth != 0 || s.inExec {
		ok = false
	}
	return buf, ok
}
