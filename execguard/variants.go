package execguard

import "strings"

// sameInVariants reports whether the POSIX and the Bash parsers of
// mvdan.cc/sh/v3 provably read script the same way, so that one parse
// stands for both. It is a byte scan for the constructs on which the two
// parsers differ; when none is present every branch of the parser that
// depends on the variant is either unreachable or takes the same way, and
// the two parses build the same tree or fail alike.
//
// The constructs, from the parser's lexer and grammar (v3.13.1, the version go.mod
// requires; TestSameInVariants and FuzzSameInVariants hold them to it):
//   - any '[', '{', '}' or ']', and any '(' but that of "$(" (the lexer
//     of both variants reads it as the start of a command substitution,
//     regToken and dqToken; not "$((" nor "$$("): arrays, (( )),
//     $(( )) indexing, extended globs, process substitution, ${...}
//     operators, {varname} redirects, [[ ]], function names, brace for
//     loops, a[i]=x assignments, a stray ]];
//   - the operators |&, ;& (and ;;&), &> (and &>>), <<<, and the quotes
//     $'...' and $"...";
//   - +=, which Bash reads as an appending assignment;
//   - the reserved words Bash adds (let, function, declare, local, export,
//     readonly, typeset, nameref, time, coproc, select) as a whole word;
//   - NUL bytes and backslashes, which the lexer may drop or join (a
//     NUL inside a word, a backslash-newline continuation), so that a
//     reserved word could be spelled with bytes between its letters.
//
// TestSameInVariants and FuzzSameInVariants check the claim against the
// parser: a script for which this reports true parses to the same tree in
// both variants.
func sameInVariants(script string) bool {
	// The parsers read invalid UTF-8 bytes as "x" (see validUTF8), which
	// can complete a reserved word ("e\x80port").
	script = validUTF8(script)
	for i := 0; i < len(script); i++ {
		b := script[i]
		if variantBytes[b] == 0 {
			continue
		}
		var next byte
		if i+1 < len(script) {
			next = script[i+1]
		}
		switch b {
		case '(':
			// "$(" starts a command substitution in both variants, whose
			// commands this scan reads like any others; "$((", "$$(" and
			// every other "(" do not.
			if i == 0 || script[i-1] != '$' || i >= 2 && script[i-2] == '$' || next == '(' {
				return false
			}
		case '[', '{', '}', ']', '\\', 0:
			return false
		case '|', ';':
			if next == '&' {
				return false
			}
		case '&':
			if next == '>' {
				return false
			}
		case '<':
			if next == '<' && i+2 < len(script) && script[i+2] == '<' {
				return false
			}
		case '$':
			if next == '\'' || next == '"' {
				return false
			}
		case '+':
			if next == '=' {
				return false
			}
		case 'c', 'd', 'e', 'f', 'l', 'n', 'r', 's', 't':
			// The first letter of a reserved word: compare the whole
			// word (the run of word bytes) when one starts here.
			if i > 0 && wordByte(script[i-1]) {
				break
			}
			j := i + 1
			for j < len(script) && wordByte(script[j]) {
				j++
			}
			if bashWord(script[i:j]) {
				return false
			}
		}
	}
	return true
}

// bashWord reports whether w is one of the words Bash reserves or parses as
// a declaration and POSIX sh reads as a plain command name.
func bashWord(w string) bool {
	switch w {
	case "let", "function", "declare", "local", "export", "readonly", "typeset",
		"nameref", "time", "coproc", "select":
		return true
	}
	return false
}

// wordByte reports whether b, next to a reserved word's letters, makes
// them part of a longer literal (so that the word is not reserved). Any
// other neighbour (a blank, an operator, a quote) counts as a boundary,
// which errs towards parsing twice.
func wordByte(b byte) bool { return wordBytes[b] }

var wordBytes = func() (t [256]bool) {
	for b := range 256 {
		t[b] = isNameByte(byte(b)) || b >= 0x80 || strings.IndexByte("-./:,@%+=^~", byte(b)) >= 0
	}
	return t
}()

// variantBytes marks the bytes sameInVariants looks at: the bytes of the
// constructs it excludes and the first letters of the reserved words.
var variantBytes = func() (t [256]uint8) {
	for _, b := range []byte("([{}]\\\x00|;&<$+cdeflnrst") {
		t[b] = 1
	}
	return t
}()
