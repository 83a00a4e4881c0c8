package ssrfguard

import (
	"net"
	"net/netip"
	"strings"
)

// Option configures [Transport].
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	allowHosts    map[string]bool // lower-case names, no trailing dot
	allowPrefixes []netip.Prefix
	strict        bool
	resolver      *net.Resolver
}

func newConfig(opts ...Option) *config {
	c := &config{resolver: net.DefaultResolver}
	for _, o := range opts {
		if o != nil {
			o.apply(c)
		}
	}
	return c
}

// WithAllow lets request input choose the listed internal destinations:
// each entry is a host name ("wiki.internal", compared with the URL's host
// case-insensitively, without a trailing dot), an IP address
// ("10.0.0.5"), or a prefix ("10.1.0.0/16"); addresses and prefixes are
// compared with every address the name resolves to. A port on an entry
// ("wiki.internal:8080") is ignored: the entry allows every port. Empty
// entries are ignored. Each WithAllow adds to the list.
func WithAllow(hosts ...string) Option {
	return optionFunc(func(c *config) {
		for _, h := range hosts {
			h = strings.TrimSpace(h)
			if host, _, err := net.SplitHostPort(h); err == nil {
				h = host
			}
			if p, err := netip.ParsePrefix(h); err == nil {
				c.allowPrefixes = append(c.allowPrefixes, p.Masked())
				continue
			}
			if a, err := netip.ParseAddr(h); err == nil {
				a = a.WithZone("").Unmap()
				c.allowPrefixes = append(c.allowPrefixes, netip.PrefixFrom(a, a.BitLen()))
				continue
			}
			if h = normHost(h); h != "" {
				if c.allowHosts == nil {
					c.allowHosts = map[string]bool{}
				}
				c.allowHosts[h] = true
			}
		}
	})
}

// WithStrict makes every destination that request input chose a finding,
// public addresses included, unless [WithAllow] lists it: for endpoints
// that must never let a client pick where the server connects.
func WithStrict() Option {
	return optionFunc(func(c *config) { c.strict = true })
}

// WithResolver sets the resolver the guard resolves input-chosen host
// names with; the connection goes to the addresses it returned and was
// checked on. Without it, [net.DefaultResolver] is used. A nil resolver is
// ignored.
func WithResolver(r *net.Resolver) Option {
	return optionFunc(func(c *config) {
		if r != nil {
			c.resolver = r
		}
	})
}

// normHost lower-cases a host name and drops one trailing dot.
func normHost(h string) string {
	h = strings.ToLower(h)
	return strings.TrimSuffix(h, ".")
}

func (c *config) allowedHost(hostname string) bool {
	return c.allowHosts != nil && c.allowHosts[normHost(hostname)]
}

func (c *config) allowedAddr(a netip.Addr) bool {
	a = a.WithZone("").Unmap()
	for _, p := range c.allowPrefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
