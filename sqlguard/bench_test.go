package sqlguard

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/gorasp/rasp/taint"
)

func BenchmarkCheck(b *testing.B) {
	q200 := strings.Repeat("SELECT id, name FROM users WHERE id = ? ", 5)[:200]
	five := fiveInputs()
	for _, d := range []Dialect{lite, my, pg} {
		b.Run(d.String()+"/no-occurrence-5x200B", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Check(d, q200, five)
			}
		})
		lit := "SELECT id, name, email FROM users WHERE name = 'hello world' AND active = 1 ORDER BY id LIMIT 10"
		b.Run(d.String()+"/in-literal", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Check(d, lit, five)
			}
		})
		// The same shape in text built anew (4,096 statements in turn,
		// more than are remembered): the statement is tokenized at every
		// check.
		var fresh []string
		for i := range 4096 {
			fresh = append(fresh, fmt.Sprintf("SELECT id, name, email FROM users WHERE name = 'hello world %04d' AND active = 1 ORDER BY id LIMIT 10", i))
		}
		b.Run(d.String()+"/in-literal-new-text", func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				Check(d, fresh[i%len(fresh)], five)
				i++
			}
		})
		flagged := "SELECT id, name FROM users WHERE " + strings.Repeat("a = 1 AND ", 90) + "id = 1 OR 1=1"
		in := []taint.Input{{Value: "1 OR 1=1"}}
		b.Run(d.String()+"/flagged-1KB-classify", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				f, ok := Check(d, flagged, in)
				if !ok {
					b.Fatal("not flagged")
				}
				Classify(d, flagged, f.Start, f.End)
			}
		})
	}
	// Bulk statements with many inputs, each in its own literal: 256 KiB
	// with 250 inputs and 1 MiB with 1,000. Linear cost shows as a 4x
	// ratio between the two, not 16x. With 10,000 inputs, exactly that
	// many: the values of the first rows (all 10,000 in 1 MiB, about
	// 4,700 in 256 KiB), then inputs that occur nowhere up to the count, a
	// request with many keys and values the statement does not use.
	for _, size := range []struct {
		name   string
		bytes  int
		inputs int
	}{{"256KiB-250-inputs", 1 << 18, 250}, {"1MiB-1000-inputs", 1 << 20, 1000}, {"256KiB-10000-inputs", 1 << 18, 10000}, {"1MiB-10000-inputs", 1 << 20, 10000}} {
		var sb strings.Builder
		var many []taint.Input
		sb.WriteString("INSERT INTO t (v) VALUES ")
		for i := 0; sb.Len() < size.bytes; i++ {
			v := "value-" + strconv.Itoa(i) + strings.Repeat("x", 40)
			if i < size.inputs {
				many = append(many, taint.Input{Source: taint.SourceJSON, Key: "v", Value: v})
			}
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("('" + v + "')")
		}
		for k := 1; len(many) < size.inputs && size.inputs > 1000; k++ {
			many = append(many, taint.Input{Source: taint.SourceJSON, Key: "k", Value: "other-" + strconv.Itoa(k) + "-key"})
		}
		if size.inputs > 1000 && len(many) != size.inputs {
			b.Fatalf("%d inputs, want %d", len(many), size.inputs)
		}
		big := sb.String()
		for _, d := range []Dialect{lite, my, pg} {
			b.Run(d.String()+"/"+size.name, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(big)))
				for b.Loop() {
					if r := Analyze(d, big, many); r.Injection || r.Incomplete {
						b.Fatalf("%+v", r.Finding)
					}
				}
			})
		}
	}
}

func BenchmarkScan(b *testing.B) {
	q := "SELECT id, name FROM users WHERE " + strings.Repeat("a = 1 AND ", 90) + "id = 'x' OR b = \"y\""
	for _, d := range []Dialect{lite, my, pg} {
		b.Run(d.String()+"/1KB", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(q)))
			var s Scanner
			for b.Loop() {
				s.Init(q, d)
				for {
					if _, tok, _ := s.Scan(); tok == EOF {
						break
					}
				}
			}
		})
	}
}

// BenchmarkCheckRandomInputs is one full check (the request's matcher
// built, one pass, every occurrence judged) of exactly 10,000 random
// inputs of 8 to 24 bytes against a 1 MiB bulk INSERT: the inputs and the
// statement of taint's BenchmarkMatcher, so the two give the matcher's
// share.
func BenchmarkCheckRandomInputs(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	ins := make([]taint.Input, 10000)
	for i := range ins {
		v := make([]byte, 8+r.IntN(17))
		for k := range v {
			v[k] = "abcdefghijklmnopqrstuvwxyz_ ,'()=0123456789"[r.IntN(43)]
		}
		ins[i] = taint.Input{Value: string(v)}
	}
	var sb strings.Builder
	sb.WriteString("INSERT INTO items (name, note) VALUES ")
	for sb.Len() < 1<<20 {
		fmt.Fprintf(&sb, "('item_%d', 'note %d for row'),", r.IntN(1e6), r.IntN(1e6))
	}
	stmt := sb.String()
	for _, d := range []Dialect{lite, my, pg} {
		b.Run(d.String()+"/1MiB-10000-inputs", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(stmt)))
			for b.Loop() {
				Analyze(d, stmt, ins)
			}
		})
	}
}

// requestInputs are the inputs of a typical GET: ten query parameters and
// ten headers, their names as keys where a client chooses them, 35 short
// texts in all, some of them equal.
func requestInputs() []taint.Input {
	var ins []taint.Input
	params := [][2]string{
		{"tag", "gardening"}, {"page", "3"}, {"per_page", "25"}, {"sort", "created"}, {"order", "desc"},
		{"lang", "en"}, {"format", "json"}, {"since", "2024-05-01"}, {"view", "compact"}, {"ref", "newsletter"},
	}
	for _, p := range params {
		ins = append(ins,
			taint.Input{Source: taint.SourceQuery, Key: "", Value: p[0], IsKey: true},
			taint.Input{Source: taint.SourceQuery, Key: p[0], Value: p[1]})
	}
	headers := [][2]string{
		{"Accept", "text/html"}, {"Accept-Language", "en-GB,en;q=0.8"}, {"User-Agent", "curl/8.5.0"},
		{"X-Request-Id", "7f3a9c1e"}, {"X-Client", "web"}, {"X-Tenant", "25"}, {"Referer", "https://ex.test/"},
		{"X-Trace", "on"}, {"X-Debug", "0"}, {"X-Custom", "a custom value"},
	}
	for i, h := range headers {
		ins = append(ins, taint.Input{Source: taint.SourceHeader, Key: h[0], Value: h[1]})
		if i < 5 {
			ins = append(ins, taint.Input{Source: taint.SourceHeader, Key: "", Value: h[0], IsKey: true})
		}
	}
	return ins
}

// BenchmarkCheckRequest is the check a request's guarded query costs: the
// inputs of a GET with ten query parameters and ten headers (35 texts of 1
// to 17 bytes, see requestInputs) against a 51-byte statement holding one
// of them in a string literal, through the request's shared matcher.
func BenchmarkCheckRequest(b *testing.B) {
	ins := requestInputs()
	stmt := "SELECT id, title FROM posts WHERE tag = 'gardening'"
	for _, d := range []Dialect{lite, my, pg} {
		b.Run(d.String()+"/35-inputs-in-literal", func(b *testing.B) {
			m := taint.NewMatcher(ins)
			b.ReportAllocs()
			for b.Loop() {
				if r := AnalyzeMatcher(d, stmt, m); r.Injection || !r.Occurs {
					b.Fatalf("%+v", r)
				}
			}
		})
	}
}
