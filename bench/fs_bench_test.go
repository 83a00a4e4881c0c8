package bench

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gorasp/rasp/fsguard"
	"github.com/gorasp/rasp/taint"
)

// BenchmarkFS is os.Stat and os.ReadFile on a warm 4 KiB file whose name
// the request chose, unguarded, through fsguard, and after libddwaf's
// lfi_detector on the same path.
func BenchmarkFS(b *testing.B) {
	dir := b.TempDir()
	name := filepath.Join(dir, "report-42.txt")
	if err := os.WriteFile(name, make([]byte, 4096), 0o600); err != nil {
		b.Fatal(err)
	}
	in := append(query("report-42.txt"),
		taint.Input{Source: taint.SourceHeader, Key: "Accept-Language", Value: "en-GB"},
		taint.Input{Source: taint.SourceQuery, Key: "page", Value: "2"},
		taint.Input{Source: taint.SourceCookie, Key: "theme", Value: "dark"},
		taint.Input{Source: taint.SourceHeader, Key: "User-Agent", Value: "Mozilla/5.0"})
	ctx := requestCtx(benchAgent(), in...)
	ops := []struct {
		name    string
		plain   func() error
		guarded func() error
	}{
		{"op=stat",
			func() error { _, err := os.Stat(name); return err },
			func() error { _, err := fsguard.Stat(ctx, name); return err }},
		{"op=readfile",
			func() error { _, err := os.ReadFile(name); return err },
			func() error { _, err := fsguard.ReadFile(ctx, name); return err }},
	}
	for _, op := range ops {
		run := func(b *testing.B, f func() error) {
			b.ReportAllocs()
			for b.Loop() {
				if err := f(); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.Run(op.name+"/"+guardNone, func(b *testing.B) { run(b, op.plain) })
		b.Run(op.name+"/"+guardRasp, func(b *testing.B) { run(b, op.guarded) })
		b.Run(op.name+"/"+guardLibddwaf, func(b *testing.B) {
			r := peerRequest(b, in)
			addrs := PathAddrs(name)
			run(b, func() error {
				if err := peerGuard(r, addrs); err != nil {
					return err
				}
				return op.plain()
			})
		})
	}
}
