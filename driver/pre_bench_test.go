package driver

import (
	"context"
	"testing"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/sqlguard"
	"github.com/gorasp/rasp/taint"
	"github.com/rs/zerolog"
)

// preCtx is the request context of the driver's benchmarks (here and, as
// BenchCtx, in bench_test.go): the agent and 10 inputs, of which user42 is
// the one inlined by the "inlined" statements.
func preCtx(mode rasp.Mode) context.Context {
	a := rasp.New(rasp.WithMode(mode), rasp.WithLogger(zerolog.Nop()))
	return taint.NewContext(rasp.NewContext(context.Background(), a),
		taint.Input{Source: taint.SourceQuery, Key: "name", Value: "user42"},
		taint.Input{Source: taint.SourceQuery, Key: "page", Value: "3"},
		taint.Input{Source: taint.SourceQuery, Key: "sort", Value: "created_at"},
		taint.Input{Source: taint.SourceHeader, Key: "User-Agent", Value: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36"},
		taint.Input{Source: taint.SourceHeader, Key: "Accept", Value: "text/html,application/xhtml+xml"},
		taint.Input{Source: taint.SourceHeader, Key: "Accept-Language", Value: "en-GB,en;q=0.9"},
		taint.Input{Source: taint.SourceHeader, Key: "Referer", Value: "https://example.com/users?page=2"},
		taint.Input{Source: taint.SourceCookie, Key: "theme", Value: "dark"},
		taint.Input{Source: taint.SourcePath, Value: "profile"},
		taint.Input{Source: taint.SourceJSON, Key: "filter.role", Value: "editor"},
	)
}

var preStatements = []struct{ name, q string }{
	{"no-occurrence", "SELECT id, name, email FROM users WHERE id = ?"},
	{"inlined", "SELECT id, name, email FROM users WHERE name = 'user42'"},
}

// BenchmarkInterceptorPre measures the check the interceptor runs before
// the driver, without database/sql. After its first run the no-occurrence
// statement is one the memory knows; unremembered/ runs it with no memory,
// so that it is checked every time, as on its first run.
func BenchmarkInterceptorPre(b *testing.B) {
	i := &interceptor{dialect: sqlguard.DialectSQLite, memory: sqlguard.NewMemory(0)}
	for _, mode := range []rasp.Mode{rasp.ModeProtect, rasp.ModeOff} {
		ctx := preCtx(mode)
		for _, st := range preStatements {
			b.Run(mode.String()+"/"+st.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					i.pre(ctx, opQuery, st.q)
				}
			})
			if mode == rasp.ModeProtect {
				b.Run("unremembered/"+st.name, func(b *testing.B) {
					i := &interceptor{dialect: sqlguard.DialectSQLite}
					b.ReportAllocs()
					for b.Loop() {
						i.pre(ctx, opQuery, st.q)
					}
				})
				// sqlguard alone, for the interceptor's own share.
				in := taint.FromContext(ctx)
				b.Run("analyze-only/"+st.name, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						sqlguard.Analyze(sqlguard.DialectSQLite, st.q, in)
					}
				})
			}
		}
	}
}

func TestPreAllocs(t *testing.T) {
	tests := []struct {
		name   string
		mode   rasp.Mode
		q      string
		memory *sqlguard.Memory
	}{
		{"off", rasp.ModeOff, preStatements[1].q, sqlguard.NewMemory(0)},
		{"protect/no-occurrence", rasp.ModeProtect, preStatements[0].q, sqlguard.NewMemory(0)}, // known after the first run
		{"protect/unremembered", rasp.ModeProtect, preStatements[0].q, nil},                    // checked every time
	}
	for _, tt := range tests {
		i := &interceptor{dialect: sqlguard.DialectSQLite, memory: tt.memory}
		ctx := preCtx(tt.mode)
		if n := testing.AllocsPerRun(100, func() { i.pre(ctx, opQuery, tt.q) }); n != 0 {
			t.Errorf("%s: %v allocs per check, want 0", tt.name, n)
		}
	}
}
