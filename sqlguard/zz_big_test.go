package sqlguard

import (
	"math/rand/v2"
	"testing"
)

func TestBigSQLite(t *testing.T) {
	db := openSQLite(t)
	frags := []string{"1", "'a'", "','", ",", "--", "/*", "*/", "\n", " ", "'", `"x"`, "[x]", "`x`", "-", "x'41'", "'a''b'", "/* , */", "-- ,\n", `'\'`, "2", "||", "?1", "$a", "e", "1e", "0x1",
		"\r", "\t", "\f", "\v", "[", "]", "`", `"`, "x", "X", "(", ")", "?", ":a", "@a", "#a", "$a::b", "$a(x)", ".", "1.", ".5", "1e+2", "1_0", "->", "->>", "==", "!=", "<>", "!", "&", "~", "%", "\x00", "é", "::"}
	r := rand.New(rand.NewPCG(9, 9))
	acc := 0
	for i := 0; i < 200000; i++ {
		q := "SELECT 0"
		for j := r.IntN(6); j >= 0; j-- {
			q += frags[r.IntN(len(frags))]
		}
		want, ok := columns(lite, q)
		rows, err := db.Query(q)
		if err != nil {
			continue
		}
		cols, _ := rows.Columns()
		rows.Close()
		acc++
		if !ok || len(cols) != want {
			t.Errorf("%q: SQLite %d; scanner %d (lexes %v)", q, len(cols), want, ok)
		}
	}
	t.Log(acc)
}
