package ssrfguard

import (
	"net/url"
	"strings"

	"github.com/gorasp/rasp/taint"
)

// Components of a URL an input can choose the destination through, for
// the event's "component" detail.
const (
	compURL      = "url"      // the input is the URL, or begins it with scheme and host
	compHost     = "host"     // the input is the host, host:port, or labels of the host name
	compPort     = "port"     // the input is the port
	compUserinfo = "userinfo" // the input is the user name, password or whole userinfo
	compScheme   = "scheme"   // the input is the scheme
	compRedirect = "redirect" // an earlier hop of the redirect chain was input-chosen
)

// chooser returns the first input that chose u's destination, and the
// component it chose it through. See the package documentation for the
// rule. Inputs that only occur in the path, query or fragment never
// match. It allocates only when an input holds a percent escape.
func chooser(u *url.URL, inputs []taint.Input) (taint.Input, string, bool) {
	if u == nil || u.Host == "" {
		return taint.Input{}, "", false
	}
	hostname, port := u.Hostname(), u.Port()
	_, hostIsAddr := parseHostAddr(hostname)
	var user, pw, userinfo string
	if u.User != nil {
		user, userinfo = u.User.Username(), u.User.String()
		pw, _ = u.User.Password()
	}
	for _, in := range inputs {
		// Each value as sent and, with white space at either end, as
		// strings.TrimSpace leaves it: url.Parse refuses a URL with a
		// leading space, so applications trim what they are given.
		v, trimmed := in.Value, false
		for v != "" {
			if c, ok := choseAuthority(v, u.Host, hostname); ok {
				return in, c, true
			}
			if !hostIsAddr && choseLabels(v, hostname) {
				return in, compHost, true
			}
			if v == port {
				return in, compPort, true
			}
			if u.User != nil && (v == user || v == pw || v == userinfo) {
				return in, compUserinfo, true
			}
			if strings.EqualFold(v, u.Scheme) {
				return in, compScheme, true
			}
			if trimmed || !taint.Padded(v) {
				break
			}
			v, trimmed = taint.Trimmed(v), true
		}
	}
	return taint.Input{}, "", false
}

// choseAuthority reports whether v, read the way string concatenation
// puts it in front of a path ("http://" + v + "/x", or v + "/x"), names
// the URL's host: after an optional "scheme://" or "//", up to the first
// '/', '?', '#' or '\', after the last '@', it equals host or hostname.
// It returns [compURL] when v carries the scheme too.
func choseAuthority(v, host, hostname string) (string, bool) {
	comp := compHost
	if i := strings.Index(v, "//"); i >= 0 && isScheme(v[:i]) {
		v = v[i+2:]
		comp = compURL
	}
	if i := strings.IndexAny(v, "/?#\\"); i >= 0 {
		v = v[:i]
	}
	if i := strings.LastIndexByte(v, '@'); i >= 0 {
		v = v[i+1:]
	}
	if v == "" {
		return "", false
	}
	if strings.IndexByte(v, '%') >= 0 {
		if u, err := url.PathUnescape(v); err == nil {
			v = u
		}
	}
	if sameHost(v, host) || sameHost(v, hostname) {
		return comp, true
	}
	return "", false
}

// isScheme reports whether s is empty (a "//host" reference) or a URL
// scheme followed by ':' (RFC 3986, section 3.1).
func isScheme(s string) bool {
	if s == "" {
		return true
	}
	if s[len(s)-1] != ':' {
		return false
	}
	s = s[:len(s)-1]
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !isAlpha(c) && !('0' <= c && c <= '9') && c != '+' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

func isAlpha(c byte) bool { return 'A' <= c&^0x20 && c&^0x20 <= 'Z' }

// sameHost compares host names as DNS does: case-insensitively, with a
// trailing dot meaning the same name.
func sameHost(a, b string) bool {
	return strings.EqualFold(strings.TrimSuffix(a, "."), strings.TrimSuffix(b, "."))
}

// choseLabels reports whether v is a run of whole labels of hostname
// that either begins it (tenant + ".svc.internal") or has a dot of its own
// (the app's prefix + a domain name from input). A single label inside or
// at the end of the name ("internal" of "db.internal") is a common word,
// not a choice of destination.
func choseLabels(v, hostname string) bool {
	if len(v) > len(hostname) || v[0] == '.' || v[len(v)-1] == '.' {
		return false
	}
	dotted := strings.IndexByte(v, '.') >= 0
	for off := 0; off+len(v) <= len(hostname); {
		i := indexFold(hostname[off:], v)
		if i < 0 {
			return false
		}
		i += off
		end := i + len(v)
		if (i == 0 || hostname[i-1] == '.' && dotted) && (end == len(hostname) || hostname[end] == '.') {
			return true
		}
		off = i + 1
	}
	return false
}

// indexFold is strings.Index, ASCII case-insensitive, without allocating.
func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}
