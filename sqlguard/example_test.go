package sqlguard_test

import (
	"fmt"

	"github.com/gorasp/rasp/sqlguard"
	"github.com/gorasp/rasp/taint"
)

func ExampleCheck() {
	in := func(v string) []taint.Input { return []taint.Input{{Source: taint.SourceQuery, Key: "name", Value: v}} }
	for _, c := range []struct{ query, input string }{
		{"SELECT * FROM users WHERE name = 'alice'", "alice"},
		{"SELECT * FROM users WHERE name = 'x' OR 'a'='a'", "x' OR 'a'='a"},
		{"SELECT * FROM users ORDER BY name DESC, id", "name DESC, id"},
		{"SELECT * FROM users WHERE id = 1 OR 1=1", "1 OR 1=1"},
	} {
		f, bad := sqlguard.Check(sqlguard.DialectMySQL, c.query, in(c.input))
		if bad {
			fmt.Printf("%-14q injection at [%d,%d): %s\n", c.input, f.Start, f.End, f.Reason)
		} else {
			fmt.Printf("%-14q ok\n", c.input)
		}
	}
	// Output:
	// "alice"        ok
	// "x' OR 'a'='a" injection at [34,46): input closes a string literal and adds OR
	// "name DESC, id" ok
	// "1 OR 1=1"     injection at [31,39): input spans several tokens and adds OR
}

func ExampleClassify() {
	q := "UPDATE users SET bio = '', admin = 1 WHERE id = 7"
	kind, clause := sqlguard.Classify(sqlguard.DialectMySQL, q, 24, 36)
	fmt.Println(kind, clause)
	// Output: update set
}

func ExampleScanner_Scan() {
	var s sqlguard.Scanner
	s.Init("SELECT $1, E'it\\'s' -- note", sqlguard.DialectPostgres)
	for {
		pos, tok, lit := s.Scan()
		if tok == sqlguard.EOF {
			break
		}
		if tok != sqlguard.SPACE {
			fmt.Printf("%2d %-7s %q\n", pos, tok, lit)
		}
	}
	// Output:
	//  0 IDENT   "SELECT"
	//  7 PARAM   "$1"
	//  9 COMMA   ","
	// 11 STRING  "E'it\\'s'"
	// 20 COMMENT "-- note"
}

func ExampleMemory() {
	mem := sqlguard.NewMemory(0)
	const q = "SELECT COUNT(*) FROM posts WHERE tag = ?"
	judge := func(v string) {
		in := []taint.Input{{Source: taint.SourceQuery, Key: "tag", Value: v}}
		r := sqlguard.Analyze(sqlguard.DialectPostgres, q, in)
		switch {
		case !r.Occurs:
			mem.Remember(q) // ran with inputs present and none in it
			fmt.Printf("%-10q clean, remembered\n", v)
		case r.Injection && mem.Known(q):
			fmt.Printf("%-10q the application's own text\n", v)
		case r.Injection:
			fmt.Printf("%-10q finding: %s\n", v, r.Finding.Reason)
		}
	}
	judge("COUNT(*)") // first run: judged
	judge("golang")
	judge("COUNT(*)")
	// Output:
	// "COUNT(*)" finding: input spans several tokens and adds COUNT
	// "golang"   clean, remembered
	// "COUNT(*)" the application's own text
}
