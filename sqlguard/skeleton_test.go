package sqlguard

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// skeletonCases are injections as a guard finds them: the statement, and
// the input whose span is masked.
var skeletonCases = []struct {
	d          Dialect
	stmt, span string
}{
	{DialectMySQL, "SELECT * FROM users WHERE name = 'x' OR 'a'='a' AND pass = 'p'", "x' OR 'a'='a"},
	{DialectMySQL, "SELECT id FROM users WHERE login = '' OR ''='' LIMIT 1", "' OR ''='"},
	{DialectMySQL, "SELECT id FROM users WHERE pass = 'hunter2' -- ' AND active = 1", "hunter2' -- "},
	{DialectMySQL, "SELECT id FROM users WHERE pass = 'admin' # '", "admin' # "},
	{DialectMySQL, "SELECT id FROM t WHERE id = 1 UNION SELECT password FROM users", "1 UNION SELECT password FROM users"},
	{DialectMySQL, "SELECT id FROM t WHERE id = 1/*!50000 UNION*/ SELECT 2", "1/*!50000 UNION*/ SELECT 2"},
	{DialectMySQL, "SELECT id FROM t WHERE token = 's3cr\\'et' OR 1=1 -- '", "s3cr\\'et' OR 1=1 -- "},
	{DialectPostgres, "SELECT id FROM t WHERE pw = 'x' OR $q$a$q$ = $q$a$q$ --'", "x' OR $q$a$q$ = $q$a$q$ --"},
	{DialectPostgres, "SELECT id FROM t WHERE pw = 'x'; DROP TABLE users; --'", "x'; DROP TABLE users; --"},
	{DialectPostgres, "SELECT id FROM t WHERE pw = E'\\x41' OR pg_sleep(5) IS NULL --'", "\\x41' OR pg_sleep(5) IS NULL --"},
	{DialectSQLite, "SELECT id FROM t WHERE pw = 'Pässwörd' OR x'41' = x'41' --'", "Pässwörd' OR x'41' = x'41' --"},
	{DialectSQLite, "SELECT id FROM t WHERE author = 'jane' ORDER BY name", "jane"},
	{DialectSQLite, "SELECT id FROM t ORDER BY (CASE WHEN (SELECT substr(pw,1,1) FROM users)='a' THEN id ELSE name END)", "(CASE WHEN (SELECT substr(pw,1,1) FROM users)='a' THEN id ELSE name END)"},
}

// syntaxWord are the words of skeletonCases that are delimiters: a blob
// prefix, a dollar-quote tag, an executable comment's version.
var syntaxWord = map[string]bool{"x": true, "q": true, "50000": true}

func TestSkeletonGolden(t *testing.T) {
	var b strings.Builder
	b.WriteString("# dialect | input span | skeleton (go test ./sqlguard -run TestSkeletonGolden -update)\n")
	for _, tc := range skeletonCases {
		i := strings.Index(tc.stmt, tc.span)
		if i < 0 {
			t.Fatalf("%q not in %q", tc.span, tc.stmt)
		}
		sk := Skeleton(tc.d, tc.stmt, i, i+len(tc.span))
		fmt.Fprintf(&b, "%v | %q | %q\n", tc.d, tc.span, sk)
		// What the golden file shows: the data of the input is gone.
		for _, w := range strings.FieldsFunc(tc.span, func(r rune) bool { return r < 0x80 && !isWordByte(byte(r)) }) {
			if !isKeyword(w) && strings.Contains(sk, w) && !syntaxWord[w] {
				t.Errorf("%q: %q survives in %q", tc.span, w, sk)
			}
		}
	}
	path := filepath.Join("testdata", "skeleton.golden")
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("skeletons differ from %s (rerun with -update after checking):\n%s", path, b.String())
	}
}

func TestSkeletonSpan(t *testing.T) {
	for _, tc := range []struct {
		src        string
		start, end int
		want       string
	}{
		{"'x' OR 'a'='a'", 1, 13, "*' OR '*'='*"},
		{"x' OR 'a'='a", 0, 12, "x' * '*'='*"}, // alone, x' opens a blob literal
		{"abc", -5, 99, "*"},
		{"abc", 2, 1, ""},
		{"", 0, 0, ""},
		{"SELECT 'a", 0, 9, "SELECT '*"},
	} {
		if got := Skeleton(DialectSQLite, tc.src, tc.start, tc.end); got != tc.want {
			t.Errorf("Skeleton(%q, %d, %d) = %q, want %q", tc.src, tc.start, tc.end, got, tc.want)
		}
	}
}

func FuzzSkeleton(f *testing.F) {
	for _, tc := range skeletonCases {
		f.Add(tc.stmt, strings.Index(tc.stmt, tc.span), len(tc.span))
	}
	f.Fuzz(func(t *testing.T, src string, start, n int) {
		for _, d := range []Dialect{DialectMySQL, DialectPostgres, DialectSQLite} {
			sk := Skeleton(d, src, start, start+n)
			if len(sk) > len(src) {
				t.Fatalf("skeleton %q longer than %q", sk, src)
			}
		}
	})
}
