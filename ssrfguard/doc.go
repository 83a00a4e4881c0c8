// Package ssrfguard guards outgoing HTTP requests against server-side
// request forgery: a request input that makes the server connect to an
// internal address.
//
// For most uses, give the application's [http.Client] the guard's
// transport and send each request with the incoming request's context:
//
//	client := &http.Client{Transport: ssrfguard.Transport(nil)}
//	req, _ := http.NewRequestWithContext(r.Context(), "GET", imageURL, nil)
//	resp, err := client.Do(req)
//
// Requests whose destination no input chose go through the base
// transport unchanged. A refused request returns an error matching
// [rasp.ErrBlocked], wrapped by the client in a [*url.Error], before any
// connection is made; test it with errors.Is(err, rasp.ErrBlocked).
//
// # Threat model
//
// A request input chose the destination when it occurs in the URL's
// scheme, userinfo, host or port, or is the whole URL, or when the request
// is a redirect the client followed from a destination an input chose
// (each hop is checked again). Concretely, with the values of the inputs
// the middleware collected, each as sent and as strings.TrimSpace leaves
// it (url.Parse refuses a leading space, so applications trim URLs), an
// input chose the destination when:
//
//   - read as the start of a URL ("http://" + v + "/x", or v + "/x"), after
//     an optional "scheme://" or "//", up to the first '/', '?', '#' or
//     '\', after the last '@', it is the URL's host or host:port
//     ("169.254.169.254", "evil.test:8080/x", "http://127.1#", "a@b.test");
//   - it is a run of whole labels of a host name that begins the name
//     ("tenant" of "tenant.svc.internal") or has a dot of its own;
//   - it is the port, the user name, the password, the userinfo or the
//     scheme.
//
// Input only in the path, query or fragment of a host the application
// chose never is: http://api.internal/items?q=anything is the
// application's request.
//
// An input-chosen destination is a finding when the connection would go to
// an address of the IANA special-purpose registries that is not globally
// reachable: loopback, private (RFC 1918, fc00::/7), shared (100.64.0.0/10),
// link-local (169.254.0.0/16, fe80::/10), unspecified, multicast,
// documentation, benchmarking, reserved, and every IPv6 address outside
// 2000::/3. Cloud metadata services live at 169.254.169.254,
// fd00:ec2::254 and 100.100.100.200. IPv4-mapped, NAT64 (64:ff9b::/96) and
// 6to4 addresses are decided on the IPv4 address they carry. The tables
// are written here with [net/netip] from the registries
// (code.dny.dev/ssrf generates the same tables, but its Guardian also
// restricts ports and networks and reports no range to name in an event:
// a module for about twenty prefixes was not worth its place in the root
// module). [WithAllow] lists the internal hosts the application lets users
// reach; [WithStrict] makes every input-chosen destination a finding.
//
// The decision is on the addresses the connection goes to, after
// resolution, so names that resolve to internal addresses count, and so
// does DNS rebinding: the guard resolves an input-chosen host once, with
// [WithResolver]'s resolver, checks every address, and its dialer connects
// to those addresses only, through base's own DialContext when it has
// one (with a nil base, the guard's net.Dialer checks each address once
// more in ControlContext, just before the connect). Hosts that spell an address are read by the
// guard itself, never by a resolver: IPv6 literals with or without a
// zone, and every IPv4 form inet_aton(3) reads ("2130706433", "0x7f.1",
// "0177.0.0.1", "127.1"), which Go's resolver rejects and glibc's accepts.
// A destination refused on its spelling, or in strict mode when no
// address is allowed, is refused in RoundTrip, so a metadata address that
// never answers fails at once, not after a dial timeout. A name is refused
// after its resolution, before the connect.
//
// An input-chosen request goes through a clone of the base transport with
// keep-alives off, because a pooled connection to the same host would be
// reused without any dial and so without any check (after a switch from
// monitor to protect, say). Such requests pay for a new connection each;
// all others keep base's pool.
//
// What the guard does not see:
//
//   - A base RoundTripper that is not an [*http.Transport] (a tracing
//     wrapper, say): the guard resolves and checks in RoundTrip, then the
//     base resolves again, and a rebinding name can answer differently.
//     Wrap the tracing transport around the guard, not the other way round.
//   - A request through the transport's proxy: the proxy resolves the host.
//     The guard checks what its own resolver says, in RoundTrip.
//   - A base with its own DialTLSContext dials the name: the guard checks
//     its resolution first and the address reached after, closing the
//     connection before the request is written.
//   - Destinations derived from inputs (decoded, looked up in a table) and
//     requests sent without the request's context off the handler's
//     goroutine (a background job). On the handler's goroutine a request
//     without it is checked against the request bound there
//     ([rasp.RequestContext]).
//   - Input that only selects a path on an internal host the application
//     chose, and what the destination server does with the request.
//   - An input whose value happens to be the host the application chose
//     cannot be told from one that chose it. The Host header is an input
//     too: an application that calls itself at the host:port the client
//     sent in Host is reported.
//
// # Modes
//
// The mode comes from the request's agent ([rasp.FromContext]) for sink
// [rasp.SinkHTTP]; see [rasp.Mode] for the default. In [rasp.ModeOff]
// every request goes to the base transport after one context lookup and
// one atomic load. In [rasp.ModeMonitor] a finding is reported once per
// request and the request is sent. In [rasp.ModeProtect] it is refused
// before any connection, and the agent's middleware answers 403 as for
// the other sinks. Findings are events of kind [rasp.KindSSRF], with the
// details component (url, host, port, userinfo, scheme or redirect), host,
// address, and range (or rule=strict).
//
// # Concurrency
//
// The transport is safe for concurrent use, as [http.Transport] is. It
// keeps no state between requests other than the base transport's pool.
package ssrfguard
