package ssrfguard

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/guard"
	"github.com/gorasp/rasp/taint"
)

// Transport returns a RoundTripper that sends each request through base,
// after deciding whether request input chose its destination and, if it
// did, whether that destination is internal (see the package
// documentation). A nil base means a clone of [http.DefaultTransport].
//
// When base is an [*http.Transport], requests whose destination input
// chose go through a clone of it with keep-alives off, whose dialer
// resolves the host with the guard's resolver, checks every address, and
// connects only to the addresses it checked; all other requests go through
// base itself, unchanged. For any other RoundTripper, the guard resolves
// and checks in RoundTrip, and base resolves again (see the package
// documentation's threat model).
//
// A refused request returns an error that matches [rasp.ErrBlocked];
// [http.Client] wraps it in a [*url.Error].
func Transport(base http.RoundTripper, opts ...Option) http.RoundTripper {
	t := &transport{cfg: newConfig(opts...)}
	if base == nil {
		if dt, ok := http.DefaultTransport.(*http.Transport); ok {
			ht := dt.Clone()
			t.base = ht
			t.guarded = t.guardedClone(ht, true)
			return t
		}
		base = http.DefaultTransport
	}
	t.base = base
	if ht, ok := base.(*http.Transport); ok {
		t.guarded = t.guardedClone(ht, false)
	}
	return t
}

type transport struct {
	cfg     *config
	base    http.RoundTripper
	guarded *http.Transport // nil when base is not an *http.Transport
}

type dialFunc = func(ctx context.Context, network, addr string) (net.Conn, error)

// guardedClone returns the transport input-chosen requests go through: a
// clone of ht without keep-alives, since a pooled connection is reused
// without any dial and so without any check, and with a checking dialer.
// With own set, the dialer is the guard's net.Dialer (the settings of
// [http.DefaultTransport]), which also checks each address in
// ControlContext just before the connect.
func (t *transport) guardedClone(ht *http.Transport, own bool) *http.Transport {
	g := ht.Clone()
	g.DisableKeepAlives = true
	dial, tlsDial := baseDials(g)
	if own || dial == nil {
		d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, ControlContext: t.control}
		dial = d.DialContext
	}
	g.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		return t.dial(ctx, dial, network, addr)
	}
	if tlsDial != nil {
		g.DialTLSContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			return t.dialTLS(ctx, tlsDial, network, addr)
		}
	}
	return g
}

// requestInputs returns the request inputs the guard decides with. It is
// the one place that knows where they come from.
func requestInputs(ctx context.Context) []taint.Input { return taint.FromContext(ctx) }

// requestContext is the context of the incoming request an outgoing one
// belongs to: ctx when it carries the request's inputs, else the request
// bound to the calling goroutine (see [rasp.RequestContext]). Events and
// blocks go through it; the outgoing request keeps its own context.
func requestContext(ctx context.Context) context.Context {
	return rasp.RequestContext(ctx, rasp.SinkHTTP)
}

// op is the Operation of every event of this sink.
const op = "request"

// maxHops bounds the redirect chain walked back to find an input-chosen
// hop, so the work per request stays constant. http.Client stops after 10
// redirects by default; with a CheckRedirect that allows more, a hop more
// than 32 redirects after the input-chosen one is decided as the
// application's own request.
const maxHops = 32

// state is one input-chosen request as the dialer sees it, through the
// dial context, which keeps the request context's values.
type state struct {
	agent    *rasp.Agent
	in       taint.Input
	comp     string
	hostname string
	target   string          // the URL, password redacted
	proxied  bool            // the connection goes to the transport's proxy, which resolves the host itself
	rctx     context.Context // the incoming request's context: events and blocks go through it

	reported atomic.Bool // a finding was reported (monitor: once per request)
}

type stateKey struct{}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	st, err := t.decide(req)
	if err != nil {
		if req.Body != nil {
			req.Body.Close() // a RoundTripper closes the body, errors included
		}
		return nil, err
	}
	if st == nil || st.proxied || t.guarded == nil {
		return t.base.RoundTrip(req)
	}
	resp, err := t.guarded.RoundTrip(req.WithContext(context.WithValue(req.Context(), stateKey{}, st)))
	if resp != nil {
		resp.Request = req // as base would have set it
	}
	return resp, err
}

// decide returns the state of an input-chosen request (nil for any other)
// and the agent's refusal, when it could decide before any dial: the host
// spells an address, strict mode has no address to allow, the request goes
// through a proxy, or base is not an *http.Transport.
func (t *transport) decide(req *http.Request) (st *state, err error) {
	ctx := requestContext(req.Context())
	a := rasp.FromContext(ctx)
	if a.ModeFor(rasp.SinkHTTP) == rasp.ModeOff || req.URL == nil {
		return nil, nil
	}
	inputs := requestInputs(ctx)
	if len(inputs) == 0 {
		return nil, nil
	}
	defer guard.Recover(ctx, a, rasp.SinkHTTP, op, &err)
	sp := guard.Begin(a, rasp.SinkHTTP)
	in, comp, ok := chosen(req, inputs)
	sp.End()
	hostname := req.URL.Hostname()
	if !ok || t.cfg.allowedHost(hostname) {
		return nil, nil
	}
	st = &state{agent: a, in: in, comp: comp, hostname: hostname, target: req.URL.Redacted(), rctx: ctx}
	if addr, ok := parseHostAddr(hostname); ok {
		if err := t.check(ctx, st, addr); err != nil {
			return nil, err
		}
	} else if t.cfg.strict && len(t.cfg.allowPrefixes) == 0 {
		if err := t.report(ctx, st, netip.Addr{}, rangeGlobal); err != nil {
			return nil, err
		}
	}
	if t.guarded != nil && t.guarded.Proxy != nil {
		if pu, perr := t.guarded.Proxy(req); perr == nil && pu != nil {
			st.proxied = true
		}
	}
	if st.proxied || t.guarded == nil {
		// Nothing here sees the address base will connect to: check what
		// the guard's resolver says now.
		addrs, rerr := t.resolve(ctx, "tcp", hostname)
		if rerr != nil {
			return st, nil // base reports its own resolution error
		}
		for _, addr := range addrs {
			if err := t.check(ctx, st, addr); err != nil {
				return nil, err
			}
		}
	}
	return st, nil
}

// chosen applies [chooser] to req's URL and then to every earlier hop of
// the redirect chain the client followed: a destination reached through a
// redirect from an input-chosen one is input-chosen too.
func chosen(req *http.Request, inputs []taint.Input) (taint.Input, string, bool) {
	if in, comp, ok := chooser(req.URL, inputs); ok {
		return in, comp, true
	}
	r := req.Response
	for hops := 0; r != nil && r.Request != nil && hops < maxHops; hops++ {
		if in, _, ok := chooser(r.Request.URL, inputs); ok {
			return in, compRedirect, true
		}
		r = r.Request.Response
	}
	return taint.Input{}, "", false
}

// check decides on one address an input-chosen request would connect to.
func (t *transport) check(ctx context.Context, st *state, addr netip.Addr) error {
	if t.cfg.allowedAddr(addr) {
		return nil
	}
	r := classify(addr)
	if r == rangeGlobal && !t.cfg.strict {
		return nil
	}
	return t.report(ctx, st, addr, r)
}

// report reports the finding of st at addr (invalid for a strict-mode
// refusal decided before resolution) and returns the agent's refusal. In
// monitor mode a request is reported once, whatever the number of
// addresses tried.
func (t *transport) report(ctx context.Context, st *state, addr netip.Addr, r addrRange) error {
	if st.reported.Swap(true) && st.agent.ModeFor(rasp.SinkHTTP) != rasp.ModeProtect {
		return nil
	}
	f := rasp.Finding{Kind: rasp.KindSSRF, Input: st.in, Target: st.target, Start: -1, End: -1}
	if i := strings.Index(st.target, st.in.Value); i >= 0 {
		f.Start, f.End = i, i+len(st.in.Value)
	}
	details := []rasp.Detail{{Key: "component", Value: st.comp}, {Key: "host", Value: st.hostname}}
	if addr.IsValid() {
		details = append(details, rasp.Detail{Key: "address", Value: addr.String()})
	}
	switch {
	case r != rangeGlobal:
		f.Reason = "input chose an outgoing request's destination, which is a " + string(r) + " address"
		details = append(details, rasp.Detail{Key: "range", Value: string(r)})
	default:
		f.Reason = "input chose an outgoing request's destination (strict)"
		details = append(details, rasp.Detail{Key: "rule", Value: "strict"})
	}
	if st.rctx != nil {
		ctx = st.rctx
	}
	return guard.DecideWith(ctx, st.agent, rasp.SinkHTTP, op, f, details...)
}

// resolve returns the addresses host stands for: the one it spells, else
// what the guard's resolver returns, restricted to network's family.
func (t *transport) resolve(ctx context.Context, network, host string) ([]netip.Addr, error) {
	if a, ok := parseHostAddr(host); ok {
		return []netip.Addr{a}, nil
	}
	ip := "ip"
	switch network {
	case "tcp4":
		ip = "ip4"
	case "tcp6":
		ip = "ip6"
	}
	return t.cfg.resolver.LookupNetIP(ctx, ip, host)
}

// dial is the guarded clone's DialContext. For an input-chosen request it
// resolves addr's host once, checks every address, and connects to those
// addresses only, so a name that answers differently the second time
// (DNS rebinding) never reaches an address that was not checked.
func (t *transport) dial(ctx context.Context, next dialFunc, network, addr string) (conn net.Conn, err error) {
	st, _ := ctx.Value(stateKey{}).(*state)
	if st == nil || st.proxied {
		return next(ctx, network, addr)
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	addrs, err := t.resolveChecked(ctx, st, network, host)
	if err != nil {
		return nil, err
	}
	var first error
	for _, a := range addrs {
		c, err := next(ctx, network, net.JoinHostPort(a.String(), port))
		if err == nil {
			return c, nil
		}
		if first == nil {
			first = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	if first == nil {
		first = &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
	}
	return nil, first
}

// resolveChecked resolves host and checks every address it stands for.
func (t *transport) resolveChecked(ctx context.Context, st *state, network, host string) (addrs []netip.Addr, err error) {
	defer guard.Recover(ctx, st.agent, rasp.SinkHTTP, op, &err)
	addrs, err = t.resolve(ctx, network, host)
	if err != nil {
		return nil, err
	}
	for _, a := range addrs {
		if err := t.check(ctx, st, a); err != nil {
			return nil, err
		}
	}
	return addrs, nil
}

// dialTLS is the guarded clone's DialTLSContext when base has its own: it
// must dial the name (the TLS server name comes from it), so it checks
// what the guard resolves, then the address the connection reached, and
// closes it before any byte of the request is written if that one is
// refused.
func (t *transport) dialTLS(ctx context.Context, next dialFunc, network, addr string) (net.Conn, error) {
	st, _ := ctx.Value(stateKey{}).(*state)
	if st == nil || st.proxied {
		return next(ctx, network, addr)
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if _, err := t.resolveChecked(ctx, st, network, host); err != nil {
		return nil, err
	}
	c, err := next(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	if ap, perr := netip.ParseAddrPort(c.RemoteAddr().String()); perr == nil {
		if err := t.checkRecover(ctx, st, ap.Addr()); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

func (t *transport) checkRecover(ctx context.Context, st *state, a netip.Addr) (err error) {
	defer guard.Recover(ctx, st.agent, rasp.SinkHTTP, op, &err)
	return t.check(ctx, st, a)
}

// control is the guard's own dialer's ControlContext: the last check, on
// the address about to be connected.
func (t *transport) control(ctx context.Context, _, address string, _ syscall.RawConn) error {
	st, _ := ctx.Value(stateKey{}).(*state)
	if st == nil || st.proxied {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return errors.New("ssrfguard: unexpected dial address " + address)
	}
	return t.checkRecover(ctx, st, ap.Addr())
}
