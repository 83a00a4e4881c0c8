package integration

import (
	"context"
	"sync"
	"testing"

	"github.com/gorasp/rasp"
	"github.com/rs/zerolog"
)

// TestDriverEventNamesTheCall runs injected statements with arguments in
// monitor mode: go-sql-driver/mysql answers such an Exec or Query with
// ErrSkip and database/sql prepares it, yet the one event names what the
// application called, with the driver's path as a detail.
func TestDriverEventNamesTheCall(t *testing.T) {
	eachBackend(t, func(t *testing.T, b *backend) {
		var mu sync.Mutex
		var evs []rasp.Event
		a := rasp.New(rasp.WithMode(rasp.ModeMonitor), rasp.WithLogger(zerolog.Nop()), rasp.WithSyncHooks(),
			rasp.WithHook(func(_ context.Context, ev rasp.Event) { mu.Lock(); evs = append(evs, ev); mu.Unlock() }))
		in := "x' OR '1'='1"
		for _, tc := range []struct {
			op  string
			run func() error
		}{
			{"exec", func() error {
				_, err := b.wrapped.ExecContext(reqCtx(a, "q", in), b.rebind("UPDATE users SET score = ? WHERE name = '"+in+"'"), 1)
				return err
			}},
			{"query", func() error {
				rows, err := b.wrapped.QueryContext(reqCtx(a, "q", in), b.rebind("SELECT id FROM users WHERE score > ? AND name = '"+in+"'"), 1)
				if err == nil {
					rows.Close()
				}
				return err
			}},
		} {
			mu.Lock()
			evs = nil
			mu.Unlock()
			if err := tc.run(); err != nil {
				t.Fatalf("%s: %v", tc.op, err)
			}
			mu.Lock()
			got := evs
			mu.Unlock()
			if len(got) != 1 {
				t.Fatalf("%s: %d events, want 1", tc.op, len(got))
			}
			path := ""
			for _, d := range got[0].Details {
				if d.Key == "driver_path" {
					path = d.Value
				}
			}
			t.Logf("%s: operation %q, driver_path %q", tc.op, got[0].Operation, path)
			if got[0].Operation != tc.op {
				t.Errorf("operation %q, want %q (what the application called)", got[0].Operation, tc.op)
			}
			if b.name == "mysql" && path != "prepare" {
				t.Errorf("driver_path %q, want prepare: go-sql-driver/mysql prepares calls with arguments", path)
			}
		}
	})
}
