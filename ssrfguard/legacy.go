//lint:file-ignore SA1019 a base transport may still set the deprecated Dial and DialTLS, which http.Transport honours; the guard must see those dials too

package ssrfguard

import (
	"context"
	"net"
	"net/http"
)

// baseDials returns the dial functions g would use, as context dialers
// (nil when g has none), and clears g's deprecated Dial and DialTLS so
// that only the guard's context dialers remain.
func baseDials(g *http.Transport) (dial, tlsDial dialFunc) {
	switch {
	case g.DialContext != nil:
		dial = g.DialContext
	case g.Dial != nil:
		legacy := g.Dial
		dial = func(_ context.Context, network, addr string) (net.Conn, error) { return legacy(network, addr) }
	}
	switch {
	case g.DialTLSContext != nil:
		tlsDial = g.DialTLSContext
	case g.DialTLS != nil:
		legacy := g.DialTLS
		tlsDial = func(_ context.Context, network, addr string) (net.Conn, error) { return legacy(network, addr) }
	}
	g.Dial, g.DialTLS = nil, nil
	return dial, tlsDial
}
