package ssrfguard

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"testing"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/taint"
	"github.com/rs/zerolog"
)

func protectCtx() (context.Context, *rasp.Agent) {
	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()))
	return rasp.NewContext(context.Background(), a), a
}

// TestControl: the guard's own dialer refuses an address in
// ControlContext, the last moment before the connect, for input-chosen
// requests only. Nothing is dialled: control is called directly.
func TestControl(t *testing.T) {
	tr := Transport(nil, WithAllow("127.0.0.2")).(*transport)
	ctx, a := protectCtx()
	st := &state{agent: a, in: taint.Input{Source: taint.SourceQuery, Key: "u", Value: "x.test"}, comp: compHost, hostname: "x.test"}
	sctx := context.WithValue(ctx, stateKey{}, st)
	for addr, blocked := range map[string]bool{
		"169.254.169.254:80": true,
		"[fd00:ec2::254]:80": true,
		"127.0.0.1:80":       true,
		"127.0.0.2:80":       false, // allowed
		"8.8.4.4:443":        false,
	} {
		err := tr.control(sctx, "tcp4", addr, nil)
		if got := errors.Is(err, rasp.ErrBlocked); got != blocked {
			t.Errorf("control(%s) = %v, want blocked %v", addr, err, blocked)
		}
	}
	if err := tr.control(ctx, "tcp4", "127.0.0.1:80", nil); err != nil {
		t.Errorf("control without an input-chosen request = %v", err)
	}
}

// TestNilBase: a nil base is a clone of http.DefaultTransport, never the
// shared one, and input-chosen requests get the guard's own dialer.
func TestNilBase(t *testing.T) {
	tr := Transport(nil).(*transport)
	ht, ok := tr.base.(*http.Transport)
	if !ok || ht == http.DefaultTransport {
		t.Fatalf("base = %T %p, want a clone of http.DefaultTransport", tr.base, tr.base)
	}
	if tr.guarded == nil || !tr.guarded.DisableKeepAlives || ht.DisableKeepAlives {
		t.Fatalf("guarded clone missing or pooled")
	}
}

// TestPublicNotAFinding: a globally reachable address an input chose is
// not a finding, except in strict mode.
func TestPublicNotAFinding(t *testing.T) {
	ctx, a := protectCtx()
	for _, strict := range []bool{false, true} {
		var opts []Option
		if strict {
			opts = append(opts, WithStrict())
		}
		tr := Transport(nil, opts...).(*transport)
		st := &state{agent: a, comp: compHost}
		err := tr.check(ctx, st, netip.MustParseAddr("8.8.4.4"))
		if errors.Is(err, rasp.ErrBlocked) != strict {
			t.Errorf("strict %v: check(8.8.4.4) = %v", strict, err)
		}
	}
}

// BenchmarkDecide is the guard's own work on a request whose host no input
// chose: what it adds to every guarded request, without the network.
func BenchmarkDecide(b *testing.B) {
	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()))
	ctx := rasp.NewContext(taint.NewContext(context.Background(),
		taint.Input{Source: taint.SourceQuery, Key: "id", Value: "42"},
		taint.Input{Source: taint.SourceQuery, Key: "q", Value: "red shoes"},
		taint.Input{Source: taint.SourceHeader, Key: "Host", Value: "shop.test"},
		taint.Input{Source: taint.SourceHeader, Key: "User-Agent", Value: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"},
		taint.Input{Source: taint.SourceHeader, Key: "Accept", Value: "text/html,application/xhtml+xml"},
	), a)
	tr := Transport(nil).(*transport)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:8080/items?id=42", nil)
	b.ReportAllocs()
	for b.Loop() {
		if st, err := tr.decide(req); st != nil || err != nil {
			b.Fatal(st, err)
		}
	}
}

func TestDecideAllocs(t *testing.T) {
	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()))
	ctx := rasp.NewContext(taint.NewContext(context.Background(),
		taint.Input{Source: taint.SourceQuery, Key: "q", Value: "red shoes"}), a)
	tr := Transport(nil).(*transport)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://api.internal/items?q=red+shoes", nil)
	if n := testing.AllocsPerRun(100, func() { tr.decide(req) }); n != 0 {
		t.Errorf("decide allocates %v times on a request no input chose", n)
	}
	off := rasp.NewContext(ctx, rasp.New(rasp.WithMode(rasp.ModeOff), rasp.WithLogger(zerolog.Nop())))
	req = req.WithContext(off)
	if n := testing.AllocsPerRun(100, func() { tr.decide(req) }); n != 0 {
		t.Errorf("decide allocates %v times in ModeOff", n)
	}
}

func TestWithAllow(t *testing.T) {
	c := newConfig(WithAllow("Wiki.Internal.", "grafana.internal:3000", " 10.1.0.0/16 ", "fd00::5", "[fd00::6]:443", ""), WithAllow("::ffff:192.168.1.9"))
	for _, h := range []string{"wiki.internal", "WIKI.internal.", "grafana.internal"} {
		if !c.allowedHost(h) {
			t.Errorf("host %q not allowed", h)
		}
	}
	if c.allowedHost("other.internal") || c.allowedHost("") {
		t.Error("unlisted host allowed")
	}
	for a, want := range map[string]bool{
		"10.1.200.3": true, "10.2.0.1": false, "fd00::5": true, "fd00::6": true, "fd00::7": false,
		"192.168.1.9": true, "::ffff:10.1.0.1": true, "127.0.0.1": false,
	} {
		if got := c.allowedAddr(netip.MustParseAddr(a)); got != want {
			t.Errorf("allowedAddr(%s) = %v, want %v", a, got, want)
		}
	}
}
