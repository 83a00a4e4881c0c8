package execguard_test

import (
	"context"
	"os/exec"
	"testing"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/execguard"
	"github.com/gorasp/rasp/taint"
	"github.com/rs/zerolog"
)

// benchScript is a 100-byte script built from five request values.
const benchScript = `convert 'holiday photo.png' -resize 640x480 "out_alice_42.png" && echo done >> /var/log/convert.log`

var benchInputs = []taint.Input{
	{Source: taint.SourceQuery, Key: "file", Value: "holiday photo.png"},
	{Source: taint.SourceQuery, Key: "size", Value: "640x480"},
	{Source: taint.SourceQuery, Key: "user", Value: "alice"},
	{Source: taint.SourceQuery, Key: "id", Value: "42"},
	{Source: taint.SourceQuery, Key: "lang", Value: "fr-FR"},
}

var absentInputs = []taint.Input{
	{Source: taint.SourceQuery, Key: "file", Value: "report.pdf"},
	{Source: taint.SourceQuery, Key: "size", Value: "1024x768"},
	{Source: taint.SourceQuery, Key: "user", Value: "bob"},
	{Source: taint.SourceQuery, Key: "id", Value: "7777"},
	{Source: taint.SourceQuery, Key: "lang", Value: "de-DE"},
}

// browserInputs are absentInputs with the headers and cookie of a
// browser's request, names and values, as internal/collect gathers them.
var browserInputs = func() []taint.Input {
	in := append([]taint.Input(nil), absentInputs...)
	for _, h := range [][2]string{
		{"Host", "shop.example.com"},
		{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"},
		{"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
		{"Accept-Language", "en-US,en;q=0.5"},
		{"Accept-Encoding", "gzip, deflate, br, zstd"},
		{"Referer", "https://shop.example.com/account"},
		{"Upgrade-Insecure-Requests", "1"},
	} {
		in = append(in, taint.Input{Source: taint.SourceHeader, Value: h[0], IsKey: true},
			taint.Input{Source: taint.SourceHeader, Key: h[0], Value: h[1]})
	}
	return append(in, taint.Input{Source: taint.SourceCookie, Value: "session", IsKey: true},
		taint.Input{Source: taint.SourceCookie, Key: "session", Value: "3f9a1c0b7e2d4a6f"})
}()

func BenchmarkCheckShell(b *testing.B) {
	b.Run("occurring", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			execguard.CheckShell(benchScript, benchInputs)
		}
	})
	// Benign values in a script with a command substitution in double
	// quotes, a plain command there, which the shortcut models: no parse.
	// (Before it did, this was the parsed case: both variants parsed.)
	b.Run("parsed", func(b *testing.B) {
		script := `convert 'holiday photo.png' -resize 640x480 "out_alice_42.png" && echo "$(date) done" >> /var/log/convert.log`
		b.ReportAllocs()
		for b.Loop() {
			execguard.CheckShell(script, benchInputs)
		}
	})
	// A substitution holding quotes, which the shortcut leaves to the
	// parser: the script is parsed (once: the variants agree on it), and
	// the argv rules run for the commands the values occur in.
	b.Run("parsed-full", func(b *testing.B) {
		script := `convert 'holiday photo.png' -resize 640x480 "out_alice_42.png" && echo "$(date +'%F') done" >> /var/log/convert.log`
		b.ReportAllocs()
		for b.Loop() {
			execguard.CheckShell(script, benchInputs)
		}
	})
	// A value that names the program of a command: a finding of the
	// parsed script's argv rules.
	b.Run("parsed-program", func(b *testing.B) {
		in := append(benchInputs[:4:4], taint.Input{Source: taint.SourceQuery, Key: "cmd", Value: "convert"})
		b.ReportAllocs()
		for b.Loop() {
			execguard.CheckShell(benchScript, in)
		}
	})
	b.Run("attack", func(b *testing.B) {
		script := "ping -c 1 example.com; cat /etc/passwd"
		in := []taint.Input{{Source: taint.SourceQuery, Key: "host", Value: "example.com; cat /etc/passwd"}}
		b.ReportAllocs()
		for b.Loop() {
			execguard.CheckShell(script, in)
		}
	})
	b.Run("absent", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			execguard.CheckShell(benchScript, absentInputs)
		}
	})
	// The same values with what a browser's request also carries: header
	// names and values and a cookie, each an input.
	b.Run("absent-many", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			execguard.CheckShell(benchScript, browserInputs)
		}
	})
	// Absent values whose last bytes all occur in the script: the worst
	// case of the search, one full substring search per value.
	b.Run("absent-shared-bytes", func(b *testing.B) {
		in := []taint.Input{
			{Source: taint.SourceQuery, Key: "file", Value: "holiday photo.jpg"},
			{Source: taint.SourceQuery, Key: "size", Value: "640x400"},
			{Source: taint.SourceQuery, Key: "user", Value: "alicia"},
			{Source: taint.SourceQuery, Key: "out", Value: "out_bob"},
			{Source: taint.SourceQuery, Key: "log", Value: "convert.logs"},
		}
		b.ReportAllocs()
		for b.Loop() {
			execguard.CheckShell(benchScript, in)
		}
	})
}

func BenchmarkCheckArgv(b *testing.B) {
	argv := []string{"convert", "holiday photo.png", "-resize", "640x480", "out_alice_42.png"}
	b.Run("occurring", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			execguard.CheckArgv(argv, benchInputs)
		}
	})
	b.Run("absent", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			execguard.CheckArgv(argv, absentInputs)
		}
	})
}

// BenchmarkCommand sets the check beside what it guards: building and
// running `true`.
func BenchmarkCommand(b *testing.B) {
	if _, err := exec.LookPath("true"); err != nil {
		b.Skip("true not installed")
	}
	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()))
	ctx := taint.NewContext(rasp.NewContext(context.Background(), a), benchInputs...)
	b.Run("exec.Command/build", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = exec.Command("true", "holiday photo.png")
		}
	})
	b.Run("execguard.CommandContext/build", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = execguard.CommandContext(ctx, "true", "holiday photo.png")
		}
	})
	b.Run("exec.Command/run", func(b *testing.B) {
		for b.Loop() {
			if err := exec.Command("true", "holiday photo.png").Run(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("execguard.CommandContext/run", func(b *testing.B) {
		for b.Loop() {
			if err := execguard.CommandContext(ctx, "true", "holiday photo.png").Run(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkGuarded is what a user's call pays when no input occurs: the
// guarded entry points on a request context with ten inputs (the absent
// values and a browser's headers), for sh -c with the benchmark's script.
func BenchmarkGuarded(b *testing.B) {
	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()))
	ctx := taint.NewContext(rasp.NewContext(context.Background(), a), browserInputs[:10]...)
	cmd := exec.Command("sh", "-c", benchScript)
	b.Run("Check/sh-c-absent", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := execguard.Check(ctx, cmd); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("CheckShell/absent-10", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			execguard.CheckShell(benchScript, browserInputs[:10])
		}
	})
	b.Run("exec.CommandContext/sh-c", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = exec.CommandContext(ctx, "sh", "-c", benchScript)
		}
	})
	b.Run("execguard.CommandContext/sh-c-absent", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if cmd := execguard.CommandContext(ctx, "sh", "-c", benchScript); cmd.Err != nil {
				b.Fatal(cmd.Err)
			}
		}
	})
}
