package main

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// cdnHost is the address of the image host the demo lets users fetch
// from (ssrfguard.WithAllow): a second loopback address, so the tour can
// run it next to the internal service on 127.0.0.1 and tell the two apart.
const cdnHost = "127.0.0.2"

// fence is the dialer under the demo's outgoing HTTP client. It connects
// to loopback IP addresses only and refuses everything else, names
// included (it never resolves one), so no request of any mode, guarded or
// not, leaves the machine: in off mode the metadata address of the tour is
// refused here, and the refusal is counted as the attack's evidence.
type fence struct {
	mu      sync.Mutex
	refused map[string]int // dial address -> refusals
}

// fenceError is the error of a refused dial.
type fenceError struct{ addr string }

func (e *fenceError) Error() string {
	return "dial refused by the demo's loopback fence: " + e.addr
}

func (f *fence) refuse(addr string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.refused == nil {
		f.refused = map[string]int{}
	}
	f.refused[addr]++
	return &fenceError{addr}
}

// refusals returns how many dials to addr the fence refused.
func (f *fence) refusals(addr string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refused[addr]
}

// dial is an http.Transport DialContext.
func (f *fence) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, f.refuse(addr)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.Unmap().IsLoopback() {
		return nil, f.refuse(addr)
	}
	d := net.Dialer{Timeout: 2 * time.Second}
	return d.DialContext(ctx, network, addr)
}

// transport is the base transport of the demo's client: no proxy (a proxy
// from the environment would carry requests off the machine), every
// connection through the fence.
func (f *fence) transport() *http.Transport {
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           f.dial,
		MaxIdleConns:          8,
		IdleConnTimeout:       30 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: 5 * time.Second,
	}
}

// resolver is the resolver the guard resolves input-chosen names with: it
// answers from /etc/hosts only, because its DNS dials are refused too.
func (f *fence) resolver() *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(_ context.Context, _, addr string) (net.Conn, error) {
		return nil, f.refuse(addr)
	}}
}
