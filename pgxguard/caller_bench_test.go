package pgxguard_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/gorasp/rasp/pgxguard"
	"github.com/jackc/pgx/v5"
)

// BenchmarkInternalCheck times, within a pgx call on the server of
// RASP_PG_DSN, the clean path's look at the stack (walk=shallow,
// isInternal) and the whole walk it replaced (walk=whole, callerOf), with
// the call made at the application's depth (a handler's is some 24 frames
// below net/http's server, routers and middleware). Compare with
//
//	go test -run='^$' -bench=InternalCheck -count=6 ./ > x.txt
//	benchstat -col /walk x.txt
func BenchmarkInternalCheck(b *testing.B) {
	dsn := os.Getenv("RASP_PG_DSN")
	if dsn == "" {
		b.Skip("RASP_PG_DSN not set: start servers with scripts/services.sh")
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		b.Fatal(err)
	}
	h := &timingHook{}
	cfg.Tracer = h
	conn, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(context.Background())
	for _, depth := range []int{0, 24} {
		for _, w := range []struct {
			name  string
			check func() bool
		}{{"whole", pgxguard.WholeWalkInternal}, {"shallow", pgxguard.IsInternal}} {
			b.Run(fmt.Sprintf("depth=%d/walk=%s", depth, w.name), func(b *testing.B) {
				h.b, h.check = b, w.check
				deep(depth, func() {
					var one int
					if err := conn.QueryRow(context.Background(), "SELECT 1").Scan(&one); err != nil {
						b.Fatal(err)
					}
				})
			})
		}
	}
}

// timingHook runs check in a b.Loop from within its next TraceQueryStart.
type timingHook struct {
	b     *testing.B
	check func() bool
}

func (h *timingHook) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	if h.b == nil {
		return ctx
	}
	b, check := h.b, h.check
	h.b = nil
	b.ReportAllocs()
	for b.Loop() {
		check()
	}
	return ctx
}

func (h *timingHook) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
