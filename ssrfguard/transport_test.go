package ssrfguard_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/ssrfguard"
)

// checkBlocked fails the test unless err is the guard's refusal as an
// http.Client reports it.
func checkBlocked(t *testing.T, err error) {
	t.Helper()
	var ue *url.Error
	if !errors.As(err, &ue) || !errors.Is(err, rasp.ErrBlocked) {
		t.Fatalf("err = %v, want a *url.Error matching rasp.ErrBlocked", err)
	}
	var be *rasp.BlockedError
	if !errors.As(err, &be) || be.Event.Finding.Kind != rasp.KindSSRF || be.Event.Sink != rasp.SinkHTTP {
		t.Fatalf("err = %v, want a blocked %s event at sink %s", err, rasp.KindSSRF, rasp.SinkHTTP)
	}
}

func detail(ev rasp.Event, key string) string {
	for _, d := range ev.Details {
		if d.Key == key {
			return d.Value
		}
	}
	return ""
}

// TestRefusedBeforeDial covers destinations the guard refuses in
// RoundTrip from the URL alone: cloud metadata, private ranges and the
// numeric spellings of loopback. None may reach the dialer, and none may
// wait for a connect timeout.
func TestRefusedBeforeDial(t *testing.T) {
	internal := serve(t, listen(t, "127.0.0.1:0"), "secret")
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(internal.URL, "http://"))
	for _, u := range []string{
		"http://169.254.169.254/latest/meta-data/iam/security-credentials/",
		"http://[fd00:ec2::254]/latest/meta-data/",
		"http://100.100.100.200/latest/meta-data/",
		"http://10.0.0.1/",
		"http://192.168.1.1:8080/admin",
		"http://[fe80::1%25eth0]/",
		"http://0.0.0.0:" + port + "/",
		"http://0:" + port + "/",
		"http://127.0.0.1:" + port + "/",
		"http://2130706433:" + port + "/",
		"http://0x7f.1:" + port + "/",
		"http://0177.0.0.1:" + port + "/",
		"http://127.1:" + port + "/",
		"http://[::1]:" + port + "/",
		"http://[::ffff:127.0.0.1]:" + port + "/",
		"http://[64:ff9b::7f00:1]:" + port + "/",
	} {
		t.Run(u, func(t *testing.T) {
			f := newFence(t, nil)
			a, evs := newAgent(rasp.ModeProtect)
			client := &http.Client{Transport: ssrfguard.Transport(f.transport())}
			start := time.Now()
			_, _, err := get(reqCtx(a, u), client, u)
			checkBlocked(t, err)
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("refused after %v, not at once", d)
			}
			if d := f.Dials(); len(d) != 0 {
				t.Errorf("dialled %v", d)
			}
			if ev := evs.All(); len(ev) != 1 || !ev[0].Blocked || detail(ev[0], "component") != "url" {
				t.Errorf("events = %+v, want one blocked event, component url", ev)
			}
		})
	}
	if n := internal.hits.Load(); n != 0 {
		t.Errorf("internal server hit %d times", n)
	}
}

// TestInputComponents: the input chose the destination as a host, a
// host:port or a port concatenated by the application.
func TestInputComponents(t *testing.T) {
	internal := serve(t, listen(t, "127.0.0.1:0"), "secret")
	hostport := strings.TrimPrefix(internal.URL, "http://")
	_, port, _ := net.SplitHostPort(hostport)
	for _, c := range []struct{ input, url, comp string }{
		{"127.0.0.1", "http://127.0.0.1:" + port + "/avatar.png", "host"},
		{hostport, "http://" + hostport + "/avatar.png", "host"},
		{hostport + "#", "http://" + hostport + "#.cdn.test/avatar.png", "host"},
		{port, "http://127.0.0.1:" + port + "/", "port"},
	} {
		f := newFence(t, nil)
		a, evs := newAgent(rasp.ModeProtect)
		client := &http.Client{Transport: ssrfguard.Transport(f.transport())}
		_, _, err := get(reqCtx(a, c.input), client, c.url)
		checkBlocked(t, err)
		if ev := evs.All(); len(ev) != 1 || detail(ev[0], "component") != c.comp || detail(ev[0], "range") != "loopback" {
			t.Errorf("input %q: events %+v, want component %s, range loopback", c.input, ev, c.comp)
		}
	}
	if n := internal.hits.Load(); n != 0 {
		t.Errorf("internal server hit %d times", n)
	}
}

// TestAppChosenHost: input in the path or query of a host the application
// chose is the application's request, internal or not.
func TestAppChosenHost(t *testing.T) {
	internal := serve(t, listen(t, "127.0.0.1:0"), "ok")
	f := newFence(t, nil)
	a, evs := newAgent(rasp.ModeProtect)
	client := &http.Client{Transport: ssrfguard.Transport(f.transport())}
	for _, in := range []string{"169.254.169.254", "http://10.0.0.1/", "../../etc/passwd"} {
		body, _, err := get(reqCtx(a, in), client, internal.URL+"/lookup/"+url.PathEscape(in)+"?q="+url.QueryEscape(in))
		if err != nil || body != "ok" {
			t.Fatalf("input %q: %q, %v", in, body, err)
		}
	}
	if ev := evs.All(); len(ev) != 0 {
		t.Errorf("events %+v, want none", ev)
	}
}

// TestNames: names that resolve to internal addresses are refused after
// resolution, before the connect.
func TestNames(t *testing.T) {
	internal := serve(t, listen(t, "127.0.0.1:0"), "secret")
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(internal.URL, "http://"))
	dns := staticDNS(t, map[string]string{
		"internal.test": "127.0.0.1",
		"meta.test":     "169.254.169.254",
		"ula.test":      "fd00:ec2::254",
		"mapped.test":   "::ffff:127.0.0.1",
	})
	for _, name := range []string{"internal.test", "meta.test", "ula.test", "mapped.test", "INTERNAL.test."} {
		f := newFence(t, nil)
		a, evs := newAgent(rasp.ModeProtect)
		client := &http.Client{Transport: ssrfguard.Transport(f.transport(), ssrfguard.WithResolver(dns.Resolver()))}
		u := "http://" + name + ":" + port + "/"
		start := time.Now()
		_, _, err := get(reqCtx(a, u), client, u)
		checkBlocked(t, err)
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: refused after %v", name, d)
		}
		if d := f.Dials(); len(d) != 0 {
			t.Errorf("%s: dialled %v", name, d)
		}
		if ev := evs.All(); len(ev) != 1 || detail(ev[0], "address") == "" {
			t.Errorf("%s: events %+v, want one with the address", name, ev)
		}
	}
	if n := internal.hits.Load(); n != 0 {
		t.Errorf("internal server hit %d times", n)
	}
}

// TestRebinding: a name that answers an allowed address first and the
// internal one next never reaches the internal server: the connection
// goes to the address that was checked.
func TestRebinding(t *testing.T) {
	la, li := pair(t)
	allowed := serve(t, la, "allowed")
	internal := serve(t, li, "secret")
	_, port, _ := net.SplitHostPort(la.Addr().String())
	dns := newDNS(t, func(name string, n int) []netip.Addr {
		if name != "rebind.test" {
			return nil
		}
		if n == 1 {
			return []netip.Addr{netip.MustParseAddr("127.0.0.2")}
		}
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	})
	f := newFence(t, dns.Resolver())
	a, evs := newAgent(rasp.ModeProtect)
	client := &http.Client{Transport: ssrfguard.Transport(f.transport(),
		ssrfguard.WithResolver(dns.Resolver()), ssrfguard.WithAllow("127.0.0.2"))}
	u := "http://rebind.test:" + port + "/"
	for i := range 3 {
		body, _, err := get(reqCtx(a, u), client, u)
		if i == 0 && (err != nil || body != "allowed") {
			t.Fatalf("first request: %q, %v; want the allowed server", body, err)
		}
		if i > 0 {
			checkBlocked(t, err) // the name now answers 127.0.0.1
		}
	}
	if d := f.Dials(); len(d) != 1 || d[0] != la.Addr().String() {
		t.Errorf("dials %v, want only %s", d, la.Addr())
	}
	if allowed.hits.Load() != 1 || internal.hits.Load() != 0 {
		t.Errorf("hits: allowed %d, internal %d", allowed.hits.Load(), internal.hits.Load())
	}
	if n := dns.Queries("rebind.test"); n != 3 {
		t.Errorf("%d A questions, want one per request", n)
	}
	if ev := evs.All(); len(ev) != 2 {
		t.Errorf("%d events, want 2", len(ev))
	}
}

// TestKeepAliveReuse: a connection the application's own request left in
// the pool is not reused by an input-chosen request to the same host.
func TestKeepAliveReuse(t *testing.T) {
	internal := serve(t, listen(t, "127.0.0.1:0"), "ok")
	f := newFence(t, nil)
	a, _ := newAgent(rasp.ModeProtect)
	client := &http.Client{Transport: ssrfguard.Transport(f.transport())}
	for range 2 {
		if _, _, err := get(reqCtx(a, "hello"), client, internal.URL+"/"); err != nil {
			t.Fatal(err)
		}
	}
	if d := f.Dials(); len(d) != 1 {
		t.Fatalf("app requests dialled %v, want one pooled connection", d)
	}
	_, _, err := get(reqCtx(a, internal.URL), client, internal.URL+"/")
	checkBlocked(t, err)
	if n := internal.hits.Load(); n != 2 {
		t.Errorf("internal server hit %d times, want 2", n)
	}
}

// TestKeepAliveModeSwitch: an input-chosen request sent in monitor mode
// leaves no pooled connection that a later request, once the agent
// protects, could reuse without a check.
func TestKeepAliveModeSwitch(t *testing.T) {
	internal := serve(t, listen(t, "127.0.0.1:0"), "secret")
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(internal.URL, "http://"))
	dns := staticDNS(t, map[string]string{"internal.test": "127.0.0.1"})
	f := newFence(t, nil)
	a, evs := newAgent(rasp.ModeMonitor)
	client := &http.Client{Transport: ssrfguard.Transport(f.transport(), ssrfguard.WithResolver(dns.Resolver()))}
	u := "http://internal.test:" + port + "/"
	if body, _, err := get(reqCtx(a, u), client, u); err != nil || body != "secret" {
		t.Fatalf("monitor: %q, %v", body, err)
	}
	a.SetMode(rasp.ModeProtect)
	_, _, err := get(reqCtx(a, u), client, u)
	checkBlocked(t, err)
	if n := internal.hits.Load(); n != 1 {
		t.Errorf("internal server hit %d times, want 1", n)
	}
	if ev := evs.All(); len(ev) != 2 || ev[0].Blocked || !ev[1].Blocked {
		t.Errorf("events %+v, want one reported, one blocked", ev)
	}
}

// TestRedirects: each hop is checked; a hop reached from an input-chosen
// destination is input-chosen, and so is a hop whose Location the input
// wrote.
func TestRedirects(t *testing.T) {
	la, li := pair(t)
	internal := serve(t, li, "secret")
	secret := internal.URL + "/secret"
	mux := http.NewServeMux()
	mux.HandleFunc("/fixed", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, secret, http.StatusFound) })
	mux.HandleFunc("/open", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
	})
	redirector := &http.Server{Handler: mux}
	go redirector.Serve(la)
	t.Cleanup(func() { redirector.Close() })
	base := "http://" + la.Addr().String()

	cases := []struct {
		name, input, url string
		blocked          bool
	}{
		{"input-chosen allowed host redirects inside", base + "/fixed", base + "/fixed", true},
		{"app-chosen host redirects inside", "hello", base + "/fixed", false},
		{"app-chosen open redirect to input", secret, base + "/open?to=" + url.QueryEscape(secret), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFence(t, nil)
			a, evs := newAgent(rasp.ModeProtect)
			client := &http.Client{Transport: ssrfguard.Transport(f.transport(), ssrfguard.WithAllow("127.0.0.2"))}
			before := internal.hits.Load()
			body, _, err := get(reqCtx(a, c.input), client, c.url)
			if c.blocked {
				checkBlocked(t, err)
				if internal.hits.Load() != before {
					t.Error("the internal server was reached")
				}
				if ev := evs.All(); len(ev) != 1 {
					t.Errorf("events %+v", ev)
				}
				return
			}
			if err != nil || body != "secret" {
				t.Fatalf("%q, %v", body, err)
			}
		})
	}
}

// TestHTTP2: input-chosen requests to an allowed host keep HTTP/2, each
// on a connection of its own; internal ones are refused.
func TestHTTP2(t *testing.T) {
	la, li := pair(t)
	newTLS := func(l net.Listener, body string) *httptest.Server {
		s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(body + " " + r.Proto))
		}))
		s.Listener.Close()
		s.Listener = l
		s.EnableHTTP2 = true
		s.StartTLS()
		t.Cleanup(s.Close)
		return s
	}
	allowed := newTLS(la, "allowed")
	newTLS(li, "secret")
	_, port, _ := net.SplitHostPort(la.Addr().String())
	dns := staticDNS(t, map[string]string{"ok.test": "127.0.0.2", "internal.test": "127.0.0.1"})

	f := newFence(t, nil)
	base := f.transport()
	base.TLSClientConfig = allowed.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	base.TLSClientConfig.ServerName = "example.com" // in httptest's certificate
	a, _ := newAgent(rasp.ModeProtect)
	client := &http.Client{Transport: ssrfguard.Transport(base, ssrfguard.WithAllow("127.0.0.2"), ssrfguard.WithResolver(dns.Resolver()))}
	for i := range 2 {
		u := "https://ok.test:" + port + "/"
		body, resp, err := get(reqCtx(a, u), client, u)
		if err != nil || body != "allowed HTTP/2.0" || resp.ProtoMajor != 2 {
			t.Fatalf("request %d: %q, %v", i, body, err)
		}
	}
	if d := f.Dials(); len(d) != 2 {
		t.Errorf("dials %v, want one per input-chosen request", d)
	}
	u := "https://internal.test:" + port + "/"
	_, _, err := get(reqCtx(a, u), client, u)
	checkBlocked(t, err)
	// The application's own request to the internal server keeps HTTP/2.
	body, _, err := get(reqCtx(a, "hello"), client, "https://127.0.0.1:"+port+"/")
	if err != nil || body != "secret HTTP/2.0" {
		t.Fatalf("app request: %q, %v", body, err)
	}
}

// TestModes: monitor reports and sends, off neither checks nor reports.
func TestModes(t *testing.T) {
	internal := serve(t, listen(t, "127.0.0.1:0"), "secret")
	for _, c := range []struct {
		mode   rasp.Mode
		events int
	}{{rasp.ModeMonitor, 1}, {rasp.ModeOff, 0}} {
		f := newFence(t, nil)
		a, evs := newAgent(c.mode)
		client := &http.Client{Transport: ssrfguard.Transport(f.transport())}
		body, _, err := get(reqCtx(a, internal.URL), client, internal.URL+"/")
		if err != nil || body != "secret" {
			t.Fatalf("%v: %q, %v", c.mode, body, err)
		}
		ev := evs.All()
		if len(ev) != c.events || c.events == 1 && (ev[0].Blocked || ev[0].Finding.Kind != rasp.KindSSRF) {
			t.Errorf("%v: events %+v", c.mode, ev)
		}
	}
}

// TestStrict: every input-chosen destination is refused unless allowed,
// decided without resolving when nothing could be allowed by address.
func TestStrict(t *testing.T) {
	la, _ := pair(t)
	allowed := serve(t, la, "allowed")
	_, port, _ := net.SplitHostPort(la.Addr().String())
	dns := staticDNS(t, map[string]string{"allowed.test": "127.0.0.2", "public.test": "8.8.4.4"})

	f := newFence(t, dns.Resolver())
	a, _ := newAgent(rasp.ModeProtect)
	client := &http.Client{Transport: ssrfguard.Transport(f.transport(), ssrfguard.WithStrict(),
		ssrfguard.WithAllow("allowed.test"), ssrfguard.WithResolver(dns.Resolver()))}
	u := "http://allowed.test:" + port + "/"
	if body, _, err := get(reqCtx(a, u), client, u); err != nil || body != "allowed" {
		t.Fatalf("allowed host: %q, %v", body, err)
	}
	u = "http://public.test/"
	_, _, err := get(reqCtx(a, u), client, u)
	checkBlocked(t, err)
	if n := dns.Queries("public.test"); n != 0 {
		t.Errorf("strict mode resolved public.test %d times", n)
	}

	// Allowed by address: the name is resolved, and a public answer refused.
	client = &http.Client{Transport: ssrfguard.Transport(f.transport(), ssrfguard.WithStrict(),
		ssrfguard.WithAllow("127.0.0.0/30"), ssrfguard.WithResolver(dns.Resolver()))}
	_, _, err = get(reqCtx(a, u), client, u)
	checkBlocked(t, err)
	if allowed.hits.Load() != 1 {
		t.Errorf("allowed server hit %d times", allowed.hits.Load())
	}
	for _, d := range f.Dials() {
		if !strings.HasPrefix(d, "127.0.0.2:") {
			t.Errorf("dialled %s", d)
		}
	}
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestForeignBase: a base that is not an *http.Transport is guarded in
// RoundTrip.
func TestForeignBase(t *testing.T) {
	internal := serve(t, listen(t, "127.0.0.1:0"), "secret")
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(internal.URL, "http://"))
	dns := staticDNS(t, map[string]string{"internal.test": "127.0.0.1"})
	f := newFence(t, dns.Resolver())
	inner := f.transport()
	var sent int
	base := roundTripperFunc(func(r *http.Request) (*http.Response, error) { sent++; return inner.RoundTrip(r) })
	a, _ := newAgent(rasp.ModeProtect)
	client := &http.Client{Transport: ssrfguard.Transport(base, ssrfguard.WithResolver(dns.Resolver()))}
	for _, u := range []string{"http://internal.test:" + port + "/", "http://0x7f000001:" + port + "/"} {
		_, _, err := get(reqCtx(a, u), client, u)
		checkBlocked(t, err)
	}
	if body, _, err := get(reqCtx(a, "hello"), client, "http://internal.test:"+port+"/"); err != nil || body != "secret" {
		t.Fatalf("app request: %q, %v", body, err)
	}
	if sent != 1 || internal.hits.Load() != 1 {
		t.Errorf("base sent %d, internal hit %d; want 1, 1", sent, internal.hits.Load())
	}
}

// TestMiddleware: in protect mode the agent's middleware answers 403 for
// a handler whose fetch was refused.
func TestMiddleware(t *testing.T) {
	f := newFence(t, nil)
	a, evs := newAgent(rasp.ModeProtect)
	client := &http.Client{Transport: ssrfguard.Transport(f.transport())}
	h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _, err := get(r.Context(), client, r.URL.Query().Get("src"))
		if err != nil {
			http.Error(w, "fetch failed", http.StatusBadGateway)
			return
		}
		w.Write([]byte(body))
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/image?src="+url.QueryEscape("http://169.254.169.254/latest/meta-data/"), nil))
	if rec.Code != http.StatusForbidden {
		t.Errorf("status %d, want 403", rec.Code)
	}
	ev := evs.All()
	if len(ev) != 1 || ev[0].Finding.Input.Key != "src" || ev[0].Request.Path != "/image" || detail(ev[0], "range") != "link-local" {
		t.Errorf("events %+v", ev)
	}
}

// TestBaseDialTLS: a base with its own DialTLSContext dials the name; the
// guard checks the resolution before and the address reached after, so a
// rebinding name is caught on the connection before the request is
// written.
func TestBaseDialTLS(t *testing.T) {
	la, li := pair(t)
	var hits [2]atomic.Int64
	for i, l := range []net.Listener{la, li} {
		s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits[i].Add(1) }))
		s.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused connection ends its handshake early
		s.Listener.Close()
		s.Listener = l
		s.StartTLS()
		t.Cleanup(s.Close)
	}
	_, port, _ := net.SplitHostPort(la.Addr().String())
	dns := newDNS(t, func(name string, n int) []netip.Addr {
		switch {
		case name == "internal.test", name == "rebind.test" && n > 1:
			return []netip.Addr{netip.MustParseAddr("127.0.0.1")}
		case name == "ok.test", name == "rebind.test":
			return []netip.Addr{netip.MustParseAddr("127.0.0.2")}
		}
		return nil
	})
	f := newFence(t, dns.Resolver())
	var tlsDials int
	base := &http.Transport{DialTLSContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		tlsDials++
		c, err := f.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true})
		return tc, tc.HandshakeContext(ctx)
	}}
	a, _ := newAgent(rasp.ModeProtect)
	client := &http.Client{Transport: ssrfguard.Transport(base, ssrfguard.WithAllow("127.0.0.2"), ssrfguard.WithResolver(dns.Resolver()))}
	for _, c := range []struct {
		name    string
		blocked bool
		dials   int
	}{{"ok.test", false, 1}, {"internal.test", true, 1}, {"rebind.test", true, 2}} {
		u := "https://" + c.name + ":" + port + "/"
		_, _, err := get(reqCtx(a, u), client, u)
		if c.blocked {
			checkBlocked(t, err)
		} else if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if tlsDials != c.dials {
			t.Errorf("%s: %d TLS dials so far, want %d", c.name, tlsDials, c.dials)
		}
	}
	if hits[0].Load() != 1 || hits[1].Load() != 0 {
		t.Errorf("hits: allowed %d, internal %d", hits[0].Load(), hits[1].Load())
	}
}

type closeCounter struct {
	io.Reader
	closed atomic.Int32
}

func (c *closeCounter) Close() error { c.closed.Add(1); return nil }

// TestRefusedClosesBody: like any RoundTripper, the guard closes the
// request body of a request it refuses.
func TestRefusedClosesBody(t *testing.T) {
	f := newFence(t, nil)
	a, _ := newAgent(rasp.ModeProtect)
	u := "http://169.254.169.254/latest/api/token"
	body := &closeCounter{Reader: strings.NewReader("x")}
	req, _ := http.NewRequestWithContext(reqCtx(a, u), http.MethodPut, u, body)
	_, err := (&http.Client{Transport: ssrfguard.Transport(f.transport())}).Do(req)
	checkBlocked(t, err)
	if body.closed.Load() == 0 {
		t.Error("request body not closed")
	}
}

// TestAppServer: the whole flow over real loopback servers: a client asks
// the application to fetch a URL; the application's guarded client
// fetches the allowed one and is refused the internal one, and the client
// gets 403.
// imageApp is the application side of the app-server tests: a public image
// host (images.test, allowed) and an internal service (internal.test), both
// on loopback behind a resolver of the test's, and a guarded client.
func imageApp(t *testing.T) (client *http.Client, port string, internal *server) {
	la, li := pair(t)
	serve(t, la, "public image")
	internal = serve(t, li, "secret")
	_, port, _ = net.SplitHostPort(la.Addr().String())
	dns := staticDNS(t, map[string]string{"images.test": "127.0.0.2", "internal.test": "127.0.0.1"})
	f := newFence(t, nil)
	client = &http.Client{Transport: ssrfguard.Transport(f.transport(), ssrfguard.WithAllow("127.0.0.2"), ssrfguard.WithResolver(dns.Resolver()))}
	return client, port, internal
}

func TestAppServer(t *testing.T) {
	client, port, internal := imageApp(t)
	fetchApp(t, client, internal, func(s string) string { return s }, []fetchCase{
		{"http://images.test:" + port + "/cat.png", 200, "public image"},
		{"http://internal.test:" + port + "/", 403, ""},
		{"http://0x7f000001:" + port + "/", 403, ""},
	})
}

// TestAppServerTrimmed: a handler that trims the URL it is given before
// it fetches (url.Parse refuses a leading space): padding the URL with
// white space, Unicode spaces included, must not hide who chose it.
func TestAppServerTrimmed(t *testing.T) {
	client, port, internal := imageApp(t)
	fetchApp(t, client, internal, strings.TrimSpace, []fetchCase{
		{" http://images.test:" + port + "/cat.png\u00a0", 200, "public image"},
		{" http://internal.test:" + port + "/", 403, ""},
		{"\u00a0http://internal.test:" + port + "/\u3000", 403, ""},
		{"http://0x7f000001:" + port + "/\t", 403, ""},
	})
}

type fetchCase struct {
	target string
	status int
	body   string
}

// fetchApp serves, in protect mode behind the middleware, a handler that
// fetches prep(url) with client, asks it for each case's target and checks
// the answer, and that internal was never reached.
func fetchApp(t *testing.T, client *http.Client, internal *server, prep func(string) string, cases []fetchCase) {
	t.Helper()
	a, _ := newAgent(rasp.ModeProtect)
	app := httptest.NewServer(a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _, err := get(r.Context(), client, prep(r.FormValue("url")))
		if err != nil {
			http.Error(w, "fetch failed", http.StatusBadGateway)
			return
		}
		io.WriteString(w, body)
	})))
	defer app.Close()
	for _, c := range cases {
		resp, err := http.Get(app.URL + "/fetch?url=" + url.QueryEscape(c.target))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || c.body != "" && string(b) != c.body {
			t.Errorf("%q: %d %q, want %d", c.target, resp.StatusCode, b, c.status)
		}
	}
	if n := internal.hits.Load(); n != 0 {
		t.Errorf("internal server hit %d times", n)
	}
}

// TestAppServerNoContext: a handler that fetches without the request's
// context (client.Get, http.NewRequest) is checked through the goroutine
// scope: the internal server is never reached and the client gets 403.
func TestAppServerNoContext(t *testing.T) {
	client, port, internal := imageApp(t)
	a, evs := newAgent(rasp.ModeProtect)
	app := httptest.NewServer(a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resp, err := client.Get(r.FormValue("url"))
		if err != nil {
			http.Error(w, "fetch failed", http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		io.Copy(w, resp.Body)
	})))
	defer app.Close()
	for _, c := range []struct {
		target string
		status int
	}{
		{"http://images.test:" + port + "/cat.png", 200},
		{"http://internal.test:" + port + "/", 403},
	} {
		resp, err := http.Get(app.URL + "/fetch?url=" + url.QueryEscape(c.target))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("%s: %d, want %d", c.target, resp.StatusCode, c.status)
		}
	}
	if n := internal.hits.Load(); n != 0 {
		t.Errorf("internal server hit %d times", n)
	}
	if all := evs.All(); len(all) != 1 || !all[0].Blocked || all[0].Finding.Kind != rasp.KindSSRF || all[0].Request.Path != "/fetch" {
		t.Errorf("events = %+v, want one blocked ssrf event", all)
	}
	if s := a.Stats().Sinks[rasp.SinkHTTP]; s.Scoped == 0 {
		t.Errorf("stats %+v: no check counted as scoped", s)
	}
}

// TestConcurrent: one guarded client shared by concurrent requests, some
// the application's own, some input-chosen and refused (run with -race).
func TestConcurrent(t *testing.T) {
	internal := serve(t, listen(t, "127.0.0.1:0"), "ok")
	f := newFence(t, nil)
	a, _ := newAgent(rasp.ModeProtect)
	client := &http.Client{Transport: ssrfguard.Transport(f.transport())}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 8 {
		wg.Go(func() {
			for i := range 8 {
				if (g+i)%2 == 0 {
					if _, _, err := get(reqCtx(a, "hello"), client, internal.URL+"/"); err != nil {
						errs <- err
					}
					continue
				}
				if _, _, err := get(reqCtx(a, internal.URL), client, internal.URL+"/"); !errors.Is(err, rasp.ErrBlocked) {
					errs <- fmt.Errorf("input-chosen request: %v", err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := internal.hits.Load(); n != 32 {
		t.Errorf("internal server hit %d times, want 32", n)
	}
}
