package ssrfguard

import (
	"net/netip"
	"strings"
	"testing"
)

func TestClassify(t *testing.T) {
	cases := []struct {
		addr string
		want addrRange
	}{
		{"8.8.4.4", rangeGlobal},
		{"1.1.1.1", rangeGlobal},
		{"192.31.196.1", rangeGlobal}, // AS112, globally reachable
		{"2606:4700:4700::1111", rangeGlobal},
		{"64:ff9b::808:404", rangeGlobal}, // NAT64 of a public address
		{"2002:808:404::1", rangeGlobal},  // 6to4 of a public address
		{"::ffff:8.8.4.4", rangeGlobal},

		{"127.0.0.1", "loopback"},
		{"127.255.0.9", "loopback"},
		{"::1", "loopback"},
		{"::ffff:127.0.0.1", "loopback"},
		{"64:ff9b::7f00:1", "loopback"},
		{"2002:7f00:1::", "loopback"},
		{"169.254.169.254", "link-local"},
		{"fe80::1%eth0", "link-local"},
		{"fd00:ec2::254", "private"},
		{"100.100.100.200", "shared"},
		{"10.1.2.3", "private"},
		{"172.31.255.255", "private"},
		{"192.168.0.1", "private"},
		{"0.0.0.0", "this-network"},
		{"::", "unspecified"},
		{"224.0.0.1", "multicast"},
		{"ff02::1", "multicast"},
		{"255.255.255.255", "reserved"},
		{"192.0.0.170", "ietf-protocol"},
		{"2001::1", "ietf-protocol"}, // Teredo
		{"2001:db8::1", "documentation"},
		{"198.18.0.1", "benchmarking"},
		{"::127.0.0.1", "reserved"}, // deprecated IPv4-compatible
		{"fec0::1", "reserved"},     // deprecated site-local
		{"100::1", "reserved"},      // discard-only
	}
	for _, c := range cases {
		if got := classify(netip.MustParseAddr(c.addr)); got != c.want {
			t.Errorf("classify(%s) = %q, want %q", c.addr, got, c.want)
		}
	}
}

func TestParseHostAddr(t *testing.T) {
	cases := []struct {
		host string
		want string // "" when the host spells no address
	}{
		{"127.0.0.1", "127.0.0.1"},
		{"2130706433", "127.0.0.1"},
		{"0x7f.1", "127.0.0.1"},
		{"0X7F.0.0.1", "127.0.0.1"},
		{"0177.0.0.1", "127.0.0.1"},
		{"017700000001", "127.0.0.1"},
		{"127.1", "127.0.0.1"},
		{"127.0.1", "127.0.0.1"},
		{"0xa9fea9fe", "169.254.169.254"},
		{"169.254.43518", "169.254.169.254"},
		{"0251.0376.0251.0376", "169.254.169.254"},
		{"0", "0.0.0.0"},
		{"0x", "0.0.0.0"},
		{"127.0.0.1.", "127.0.0.1"},
		{"4294967295", "255.255.255.255"},
		{strings.Repeat("0", 300) + "177.0.0.1", "127.0.0.1"},
		{"::1", "::1"},
		{"fe80::1%eth0", "fe80::1%eth0"},

		{"4294967296", ""},
		{"256.0.0.1", ""},
		{"1.2.3.4.5", ""},
		{"1..2", ""},
		{".1", ""},
		{"08", ""},
		{"0x1g", ""},
		{"1.2.3.256", ""},
		{"1.65536.1", ""},
		{"127.0.0.1..", ""},
		{"example.test", ""},
		{"", ""},
		{"0b101", ""},
		{"1_0", ""},
		{"+1", ""},
	}
	for _, c := range cases {
		a, ok := parseHostAddr(c.host)
		got := ""
		if ok {
			got = a.String()
		}
		if got != c.want {
			t.Errorf("parseHostAddr(%q) = %q, want %q", c.host, got, c.want)
		}
	}
}
