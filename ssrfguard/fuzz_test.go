package ssrfguard

import (
	"math/big"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/gorasp/rasp/taint"
)

// refIPv4 is a second reading of the inet_aton forms, written from the
// manual page rather than from parseIPv4: split on '.', classify each part
// by its prefix, convert it with math/big, and pack.
func refIPv4(s string) (uint32, bool) {
	s = strings.TrimSuffix(s, ".")
	parts := strings.Split(s, ".")
	if s == "" || len(parts) > 4 {
		return 0, false
	}
	vals := make([]*big.Int, len(parts))
	for i, p := range parts {
		digits, base := p, 10
		switch {
		case strings.HasPrefix(p, "0x") || strings.HasPrefix(p, "0X"):
			digits, base = p[2:], 16
		case strings.HasPrefix(p, "0"):
			digits, base = p[1:], 8
		}
		if p == "" {
			return 0, false
		}
		v := new(big.Int)
		if digits != "" {
			allowed := map[int]string{8: "01234567", 10: "0123456789", 16: "0123456789abcdefABCDEF"}[base]
			for _, c := range digits {
				if !strings.ContainsRune(allowed, c) {
					return 0, false
				}
			}
			if _, ok := v.SetString(digits, base); !ok {
				return 0, false
			}
		}
		vals[i] = v
	}
	limit := new(big.Int).Lsh(big.NewInt(1), uint(32-8*(len(parts)-1)))
	var out uint64
	for i, v := range vals {
		if i < len(vals)-1 {
			if v.Cmp(big.NewInt(256)) >= 0 {
				return 0, false
			}
			out |= v.Uint64() << (8 * (3 - i))
			continue
		}
		if v.Cmp(limit) >= 0 {
			return 0, false
		}
		out |= v.Uint64()
	}
	return uint32(out), true
}

func FuzzParseIPv4(f *testing.F) {
	for _, s := range []string{
		"127.0.0.1", "2130706433", "0x7f.1", "0177.0.0.1", "127.1", "0x", "0", "08",
		"4294967296", "1.2.3.4.5", "1..2", "0xffffffff", "255.255.255.255.", "0x0000000000000001",
		"00000000000000000000000000000000000000012", "1.0x", "1.2.0377", "9.9.9.9.",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseIPv4(s)
		want, wok := refIPv4(s)
		if ok != wok || ok && got != want {
			t.Fatalf("parseIPv4(%q) = %#x, %v; reference %#x, %v", s, got, ok, want, wok)
		}
		// Every dotted-decimal address netip reads is read the same way.
		if a, err := netip.ParseAddr(s); err == nil && a.Is4() {
			b := a.As4()
			if v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]); !ok || got != v {
				t.Fatalf("parseIPv4(%q) = %#x, %v; netip reads %s", s, got, ok, a)
			}
		}
	})
}

// FuzzChooser checks that the rule never panics, and that a choice it
// reports is visible in the input: the input holds the host name (or its
// percent-decoded form does), or is labels of it, or is the port, the
// userinfo or the scheme.
func FuzzChooser(f *testing.F) {
	for _, s := range [][2]string{
		{"http://169.254.169.254/latest/meta-data/", "169.254.169.254"},
		{"http://app.test@evil.test/", "app.test@evil.test"},
		{"http://acme.svc.internal/api", "acme"},
		{"http://api.internal:8443/", "8443"},
		{"http://bob:pw@api.internal/", "pw"},
		{"http://api.internal/items?q=127.0.0.1", "127.0.0.1"},
		{"http://[fd00:ec2::254]/", "//[fd00:ec2::254]"},
		{"http://127.0.0.1/", "%31%32%37.0.0.1"},
		{"gopher://x.test/", "gopher"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, raw, v string) {
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		in := taint.Input{Source: taint.SourceQuery, Key: "k", Value: v}
		got, comp, ok := chooser(u, []taint.Input{in})
		if !ok {
			return
		}
		if got != in {
			t.Fatalf("chooser returned %+v", got)
		}
		fold := strings.ToLower
		host := fold(strings.TrimSuffix(u.Hostname(), "."))
		// The input as sent or trimmed of white space (applications trim
		// URLs) holds what it chose.
		holds := func(ok func(v string) bool) bool { return ok(v) || ok(strings.TrimSpace(v)) }
		switch comp {
		case compURL, compHost:
			if !holds(func(v string) bool {
				dec := v
				if d, err := url.PathUnescape(v); err == nil {
					dec = d
				}
				return strings.Contains(fold(v), host) || strings.Contains(fold(dec), host) || strings.Contains(host, fold(v))
			}) {
				t.Fatalf("input %q chose host %q through %s, but does not hold it", v, u.Host, comp)
			}
		case compPort:
			if !holds(func(v string) bool { return v == u.Port() }) {
				t.Fatalf("input %q is not the port of %q", v, raw)
			}
		case compUserinfo:
			if u.User == nil || !holds(func(v string) bool { return strings.Contains(u.User.String(), v) || strings.Contains(raw, v) }) {
				t.Fatalf("input %q is not in the userinfo of %q", v, raw)
			}
		case compScheme:
			if !holds(func(v string) bool { return strings.EqualFold(v, u.Scheme) }) {
				t.Fatalf("input %q is not the scheme of %q", v, raw)
			}
		default:
			t.Fatalf("component %q", comp)
		}
	})
}
