package ssrfguard

import (
	"net/netip"
	"strings"
)

// addrRange names the special-purpose block an address is in, for the
// event ("loopback", "private", "link-local", ...). The empty string means
// a globally reachable unicast address.
type addrRange string

const rangeGlobal addrRange = ""

type block struct {
	p    netip.Prefix
	name addrRange
}

// v4Blocks are the IPv4 blocks an input-chosen destination must not reach:
// every entry of the IANA IPv4 Special-Purpose Address Registry
// (https://www.iana.org/assignments/iana-ipv4-special-registry, RFC 6890)
// that is not globally reachable, plus multicast (RFC 5771) and the
// deprecated 6to4 relay anycast block (RFC 7526). The AS112 and AMT blocks
// are globally reachable and are not listed. Cloud metadata services
// answer at 169.254.169.254 (link-local) and, on Alibaba Cloud, at
// 100.100.100.200 (shared address space).
var v4Blocks = []block{
	{netip.MustParsePrefix("0.0.0.0/8"), "this-network"}, // RFC 791; 0.0.0.0 reaches the local host on Linux
	{netip.MustParsePrefix("10.0.0.0/8"), "private"},     // RFC 1918
	{netip.MustParsePrefix("100.64.0.0/10"), "shared"},   // RFC 6598, carrier-grade NAT
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},   // RFC 1122
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private"},
	{netip.MustParsePrefix("192.0.0.0/24"), "ietf-protocol"}, // RFC 6890, DS-Lite, NAT64 discovery
	{netip.MustParsePrefix("192.0.2.0/24"), "documentation"}, // RFC 5737
	{netip.MustParsePrefix("192.88.99.0/24"), "6to4-relay"},  // RFC 7526
	{netip.MustParsePrefix("192.168.0.0/16"), "private"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"}, // RFC 2544
	{netip.MustParsePrefix("198.51.100.0/24"), "documentation"},
	{netip.MustParsePrefix("203.0.113.0/24"), "documentation"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"}, // includes 255.255.255.255, limited broadcast
}

// v6Blocks are the IPv6 blocks inside global unicast (2000::/3) that an
// input-chosen destination must not reach, from the IANA IPv6
// Special-Purpose Address Registry
// (https://www.iana.org/assignments/iana-ipv6-special-registry). Every
// address outside 2000::/3 is refused as well (loopback, unspecified,
// ULA fc00::/7 where AWS's fd00:ec2::254 metadata lives, link-local
// fe80::/10, multicast ff00::/8, discard 100::/64, the deprecated
// IPv4-compatible and site-local forms), except the IPv4-mapped and NAT64
// forms, which are decided on the IPv4 address they carry.
var v6Blocks = []block{
	{netip.MustParsePrefix("2001::/23"), "ietf-protocol"}, // Teredo, benchmarking, ORCHID...
	{netip.MustParsePrefix("2001:db8::/32"), "documentation"},
	{netip.MustParsePrefix("2620:4f:8000::/48"), "as112"}, // RFC 7534
	{netip.MustParsePrefix("3fff::/20"), "documentation"}, // RFC 9637
}

var (
	v6GlobalUnicast = netip.MustParsePrefix("2000::/3")
	v6NAT64         = netip.MustParsePrefix("64:ff9b::/96") // RFC 6052, well-known prefix
	v6To4           = netip.MustParsePrefix("2002::/16")    // RFC 3056: the IPv4 address is bits 16-47
	v6ULA           = netip.MustParsePrefix("fc00::/7")
	v6LinkLocal     = netip.MustParsePrefix("fe80::/10")
	v6Multicast     = netip.MustParsePrefix("ff00::/8")
)

// classify returns the special-purpose block a is in, or rangeGlobal.
func classify(a netip.Addr) addrRange {
	a = a.WithZone("")
	if a.Is4In6() {
		a = a.Unmap()
	}
	if a.Is4() {
		for _, b := range v4Blocks {
			if b.p.Contains(a) {
				return b.name
			}
		}
		return rangeGlobal
	}
	if !a.Is6() {
		return "invalid"
	}
	switch {
	case a.IsLoopback():
		return "loopback"
	case a.IsUnspecified():
		return "unspecified"
	case v6NAT64.Contains(a):
		b := a.As16()
		return classify(netip.AddrFrom4([4]byte(b[12:16])))
	case v6To4.Contains(a):
		b := a.As16()
		if r := classify(netip.AddrFrom4([4]byte(b[2:6]))); r != rangeGlobal {
			return r
		}
		return rangeGlobal
	case v6ULA.Contains(a):
		return "private"
	case v6LinkLocal.Contains(a):
		return "link-local"
	case v6Multicast.Contains(a):
		return "multicast"
	case !v6GlobalUnicast.Contains(a):
		return "reserved"
	}
	for _, b := range v6Blocks {
		if b.p.Contains(a) {
			return b.name
		}
	}
	return rangeGlobal
}

// parseHostAddr returns the address a URL host name spells, if it spells
// one: an IPv6 literal (brackets already removed, zone allowed), or an
// IPv4 address in any form inet_aton(3) reads (see [parseIPv4]).
func parseHostAddr(host string) (netip.Addr, bool) {
	if strings.IndexByte(host, ':') >= 0 {
		// Only IPv6 literals hold a colon; netip's error would allocate
		// for every name, so names never get there.
		a, err := netip.ParseAddr(host)
		return a, err == nil
	}
	if v, ok := parseIPv4(host); ok {
		return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
	}
	return netip.Addr{}, false
}

// parseIPv4 reads s as inet_aton(3) does (glibc, the BSDs, and the WHATWG
// URL standard's IPv4 parser): one to four parts separated by '.', each
// decimal, octal with a leading "0", or hexadecimal after "0x" or "0X" (no
// digits after "0x" read as 0); the last part fills all the bytes that
// remain, so "127.1" is 127.0.0.1, "0x7f.1" too and "2130706433" too. One
// trailing '.' is accepted, as the URL standard does. Go's resolver does
// not read these forms and glibc's does, so the guard decides on them
// itself, never asking a resolver. Leading zeros are unbounded, as in
// inet_aton, so any length is read: the work is one pass over s.
func parseIPv4(s string) (uint32, bool) {
	if len(s) > 0 && s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	if s == "" {
		return 0, false
	}
	var parts [4]uint64
	n := 0
	for i := 0; ; {
		if n == 4 {
			return 0, false
		}
		v, j, ok := parseIPv4Part(s, i)
		if !ok {
			return 0, false
		}
		parts[n] = v
		n++
		if j == len(s) {
			break
		}
		if s[j] != '.' {
			return 0, false
		}
		i = j + 1
	}
	var v uint64
	for k := 0; k < n-1; k++ {
		if parts[k] > 0xff {
			return 0, false
		}
		v |= parts[k] << (8 * (3 - k))
	}
	last := parts[n-1]
	if last > 0xffffffff>>(8*(n-1)) {
		return 0, false
	}
	return uint32(v | last), true
}

// parseIPv4Part reads one number of an inet_aton address at s[i:] and
// returns it (saturated above 2^32) and the index after it.
func parseIPv4Part(s string, i int) (uint64, int, bool) {
	if i >= len(s) || s[i] < '0' || s[i] > '9' {
		return 0, i, false
	}
	base := uint64(10)
	if s[i] == '0' {
		base = 8
		i++
		if i < len(s) && (s[i] == 'x' || s[i] == 'X') {
			base = 16
			i++
		}
	}
	var v uint64
	for ; i < len(s); i++ {
		c := s[i]
		var d uint64
		switch {
		case '0' <= c && c <= '9':
			d = uint64(c - '0')
		case base == 16 && 'a' <= c && c <= 'f':
			d = uint64(c-'a') + 10
		case base == 16 && 'A' <= c && c <= 'F':
			d = uint64(c-'A') + 10
		default:
			return v, i, true
		}
		if d >= base {
			return 0, i, false
		}
		if v <= 1<<32 {
			v = v*base + d
		}
	}
	return v, i, true
}
