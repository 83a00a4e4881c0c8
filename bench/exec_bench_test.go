package bench

import (
	"os/exec"
	"testing"

	"github.com/gorasp/rasp/execguard"
)

// BenchmarkExec starts `true` by argv and through `sh -c`, with request
// input in the argument, unguarded, through execguard, and after
// libddwaf's cmdi_detector or shi_detector on the same command. Process
// start dominates: this shows the check is noise beside it.
func BenchmarkExec(b *testing.B) {
	in := query("hello")
	ctx := requestCtx(benchAgent(), in...)
	cases := []struct {
		name  string
		argv  []string
		addrs map[string]any
	}{
		{"via=argv", []string{"true", "hello"}, ExecAddrs([]string{"true", "hello"})},
		{"via=sh", []string{"sh", "-c", "true hello"}, ShellAddrs("true hello")},
	}
	for _, c := range cases {
		run := func(b *testing.B, mk func() *exec.Cmd, pre func() error) {
			b.ReportAllocs()
			for b.Loop() {
				if pre != nil {
					if err := pre(); err != nil {
						b.Fatal(err)
					}
				}
				if err := mk().Run(); err != nil {
					b.Fatal(err)
				}
			}
		}
		plain := func() *exec.Cmd { return exec.CommandContext(ctx, c.argv[0], c.argv[1:]...) }
		b.Run(c.name+"/"+guardNone, func(b *testing.B) { run(b, plain, nil) })
		b.Run(c.name+"/"+guardRasp, func(b *testing.B) {
			run(b, func() *exec.Cmd { return execguard.CommandContext(ctx, c.argv[0], c.argv[1:]...) }, nil)
		})
		b.Run(c.name+"/"+guardLibddwaf, func(b *testing.B) {
			r := peerRequest(b, in)
			run(b, plain, func() error { return peerGuard(r, c.addrs) })
		})
	}
}
