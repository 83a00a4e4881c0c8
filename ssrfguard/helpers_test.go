package ssrfguard_test

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/taint"
	"github.com/rs/zerolog"
)

// fence is the base transport's dialer in every test: it connects only
// to loopback addresses and fails the test on any other, so no test can
// send a packet off the machine whatever the guard does. Names, which only
// the application's own requests bring, are resolved with the test's
// resolver.
type fence struct {
	t        *testing.T
	resolver *net.Resolver

	mu    sync.Mutex
	dials []string
}

func newFence(t *testing.T, r *net.Resolver) *fence { return &fence{t: t, resolver: r} }

func (f *fence) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		if f.resolver == nil {
			f.t.Errorf("fence: name %q reached the base dialer", host)
			return nil, errors.New("fence: name")
		}
		ips, err := f.resolver.LookupNetIP(ctx, "ip4", host)
		if err != nil || len(ips) == 0 {
			return nil, errors.New("fence: cannot resolve " + host)
		}
		ip = ips[0]
	}
	if !ip.Unmap().IsLoopback() {
		f.t.Errorf("fence: dial to %s, which is not a loopback address", addr)
		return nil, errors.New("fence: not loopback")
	}
	f.mu.Lock()
	f.dials = append(f.dials, net.JoinHostPort(ip.String(), port))
	f.mu.Unlock()
	var d net.Dialer
	return d.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
}

func (f *fence) Dials() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.dials...)
}

// transport returns a fresh base transport dialling through f.
func (f *fence) transport() *http.Transport {
	return &http.Transport{DialContext: f.DialContext, ForceAttemptHTTP2: true}
}

// dnsServer is a DNS responder on 127.0.0.1 for A and AAAA questions
// (RFC 1035, section 4): answer returns the addresses for the nth A
// question (from 1) about a name, nil for NXDOMAIN.
type dnsServer struct {
	pc     net.PacketConn
	answer func(name string, n int) []netip.Addr

	mu      sync.Mutex
	queries map[string]int // A questions per name
}

func newDNS(t *testing.T, answer func(name string, n int) []netip.Addr) *dnsServer {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &dnsServer{pc: pc, answer: answer, queries: map[string]int{}}
	t.Cleanup(func() { pc.Close() })
	go s.serve()
	return s
}

// staticDNS answers every question about a name with the same addresses.
func staticDNS(t *testing.T, names map[string]string) *dnsServer {
	return newDNS(t, func(name string, _ int) []netip.Addr {
		if a, ok := names[name]; ok {
			return []netip.Addr{netip.MustParseAddr(a)}
		}
		return nil
	})
}

func (s *dnsServer) Queries(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queries[name]
}

// Resolver returns a pure-Go resolver that asks only s.
func (s *dnsServer) Resolver() *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", s.pc.LocalAddr().String())
	}}
}

func (s *dnsServer) serve() {
	buf := make([]byte, 1500)
	for {
		n, from, err := s.pc.ReadFrom(buf)
		if err != nil {
			return
		}
		if resp := s.respond(buf[:n]); resp != nil {
			s.pc.WriteTo(resp, from)
		}
	}
}

func (s *dnsServer) respond(q []byte) []byte {
	if len(q) < 12 || binary.BigEndian.Uint16(q[4:]) != 1 {
		return nil
	}
	// The question: labels up to the root, then type and class.
	i := 12
	var labels []string
	for i < len(q) && q[i] != 0 {
		l := int(q[i])
		if l&0xc0 != 0 || i+1+l > len(q) {
			return nil
		}
		labels = append(labels, string(q[i+1:i+1+l]))
		i += 1 + l
	}
	if i+5 > len(q) {
		return nil
	}
	question := q[12 : i+5]
	qtype := binary.BigEndian.Uint16(q[i+1:])
	name := strings.ToLower(strings.Join(labels, "."))

	var addrs []netip.Addr
	known := true
	if qtype == 1 || qtype == 28 {
		nth := 0
		if qtype == 1 {
			s.mu.Lock()
			s.queries[name]++
			nth = s.queries[name]
			s.mu.Unlock()
		} else {
			s.mu.Lock()
			nth = max(s.queries[name], 1)
			s.mu.Unlock()
		}
		addrs = s.answer(name, nth)
		known = addrs != nil
	}
	var rrs [][]byte
	for _, a := range addrs {
		if a.Is4() != (qtype == 1) {
			continue
		}
		rr := []byte{0xc0, 12, byte(qtype >> 8), byte(qtype), 0, 1, 0, 0, 0, 0}
		rr = binary.BigEndian.AppendUint16(rr, uint16(a.BitLen()/8))
		rr = append(rr, a.AsSlice()...)
		rrs = append(rrs, rr)
	}
	resp := make([]byte, 12, 512)
	copy(resp, q[:2])
	flags := uint16(0x8400) | binary.BigEndian.Uint16(q[2:])&0x0100 | 0x0080 // QR, AA, RD copied, RA
	if !known {
		flags |= 3 // NXDOMAIN
	}
	binary.BigEndian.PutUint16(resp[2:], flags)
	binary.BigEndian.PutUint16(resp[4:], 1)
	binary.BigEndian.PutUint16(resp[6:], uint16(len(rrs)))
	resp = append(resp, question...)
	for _, rr := range rrs {
		resp = append(resp, rr...)
	}
	return resp
}

// server is an HTTP server on a loopback address that counts its hits.
type server struct {
	*http.Server
	URL  string
	hits atomic.Int64
}

// listen returns a listener on addr ("127.0.0.1:0", "127.0.0.2:port").
func listen(t *testing.T, addr string) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	return l
}

// pair returns listeners on 127.0.0.2 and 127.0.0.1 with the same port:
// an allowed server and the internal one a name must not reach.
func pair(t *testing.T) (allowed, internal net.Listener) {
	t.Helper()
	for range 10 {
		a := listen(t, "127.0.0.2:0")
		_, port, _ := net.SplitHostPort(a.Addr().String())
		if b, err := net.Listen("tcp", "127.0.0.1:"+port); err == nil {
			return a, b
		}
		a.Close()
	}
	t.Skip("no port free on both 127.0.0.1 and 127.0.0.2")
	return nil, nil
}

// serve serves body over HTTP/1.1 on l until the test ends.
func serve(t *testing.T, l net.Listener, body string) *server {
	t.Helper()
	s := &server{}
	s.Server = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		io.WriteString(w, body)
	})}
	s.URL = "http://" + l.Addr().String()
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return s
}

// events collects an agent's events.
type events struct {
	mu sync.Mutex
	ev []rasp.Event
}

func (e *events) hook(_ context.Context, ev rasp.Event) {
	e.mu.Lock()
	e.ev = append(e.ev, ev)
	e.mu.Unlock()
}

func (e *events) All() []rasp.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]rasp.Event(nil), e.ev...)
}

func newAgent(mode rasp.Mode) (*rasp.Agent, *events) {
	e := &events{}
	return rasp.New(rasp.WithMode(mode), rasp.WithLogger(zerolog.Nop()), rasp.WithHook(e.hook), rasp.WithSyncHooks()), e
}

// reqCtx is a request context carrying a and one query input.
func reqCtx(a *rasp.Agent, value string) context.Context {
	ctx := taint.NewContext(context.Background(), taint.Input{Source: taint.SourceQuery, Key: "url", Value: value})
	return rasp.NewContext(ctx, a)
}

// get sends a GET for u with ctx through client and returns the body.
func get(ctx context.Context, client *http.Client, u string) (string, *http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return "", nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), resp, err
}
