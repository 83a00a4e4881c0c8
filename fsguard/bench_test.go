package fsguard_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/fsguard"
	"github.com/gorasp/rasp/taint"
)

func benchInputs() []taint.Input {
	return []taint.Input{
		{Source: taint.SourceQuery, Key: "file", Value: "2024.pdf"},
		{Source: taint.SourceQuery, Key: "dir", Value: "reports"},
		{Source: taint.SourceHeader, Key: "User-Agent", Value: "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0"},
		{Source: taint.SourceHeader, Key: "Accept", Value: "text/html,application/xhtml+xml,*/*;q=0.8"},
		{Source: taint.SourceCookie, Key: "lang", Value: "en-US"},
	}
}

// BenchmarkCheckPath: five inputs none of which could traverse (the common
// case), then one that climbs.
func BenchmarkCheckPath(b *testing.B) {
	p := filepath.Join("/srv/data", "reports", "2024.pdf")
	b.Run("harmless5", func(b *testing.B) {
		inputs := benchInputs()
		b.ReportAllocs()
		for b.Loop() {
			fsguard.CheckPath(p, inputs)
		}
	})
	b.Run("traversal", func(b *testing.B) {
		inputs := append(benchInputs(), taint.Input{Source: taint.SourceQuery, Key: "f", Value: "../../etc/passwd"})
		p := filepath.Join("/srv/data", "../../etc/passwd")
		b.ReportAllocs()
		for b.Loop() {
			fsguard.CheckPath(p, inputs)
		}
	})
}

// BenchmarkStat compares os.Stat with the guarded Stat on a warm file, in
// each mode, with five harmless request inputs.
func BenchmarkStat(b *testing.B) {
	name := filepath.Join(b.TempDir(), "warm.txt")
	if err := os.WriteFile(name, []byte("warm"), 0o644); err != nil {
		b.Fatal(err)
	}
	if _, err := os.Stat(name); err != nil {
		b.Fatal(err)
	}
	b.Run("os", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := os.Stat(name); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, mode := range []rasp.Mode{rasp.ModeOff, rasp.ModeMonitor, rasp.ModeProtect} {
		ctx, _, _ := requestCtx(mode, benchInputs()...)
		b.Run("fsguard/"+mode.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := fsguard.Stat(ctx, name); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	// One input begins like an absolute path (?next=/home): the request's
	// facts no longer decide, and every call runs the check.
	ctx, _, _ := requestCtx(rasp.ModeProtect, append(benchInputs()[:4], taint.Input{Source: taint.SourceQuery, Key: "next", Value: "/home"})...)
	b.Run("fsguard/protect/checked", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := fsguard.Stat(ctx, name); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRootStat compares os.Root.Stat with the guarded Root.Stat.
func BenchmarkRootStat(b *testing.B) {
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "warm.txt"), []byte("warm"), 0o644); err != nil {
		b.Fatal(err)
	}
	osr, err := os.OpenRoot(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer osr.Close()
	r, err := fsguard.OpenRoot(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	b.Run("os", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := osr.Stat("warm.txt"); err != nil {
				b.Fatal(err)
			}
		}
	})
	ctx, _, _ := requestCtx(rasp.ModeProtect, benchInputs()...)
	b.Run("fsguard/protect", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := r.Stat(ctx, "warm.txt"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
