// Package grpcguard brings gRPC servers under rasp: interceptors that
// collect the untrusted inputs of each call, as [rasp.Agent.Middleware]
// does for HTTP requests, so that the guards the handler calls (package
// driver, execguard, fsguard) check against them.
//
// The default: register both interceptors with the agent the rest of the
// program uses,
//
//	a := rasp.New(rasp.WithMode(rasp.ModeProtect))
//	srv := grpc.NewServer(
//		grpc.UnaryInterceptor(grpcguard.UnaryServerInterceptor(grpcguard.WithAgent(a))),
//		grpc.StreamInterceptor(grpcguard.StreamServerInterceptor(grpcguard.WithAgent(a))),
//	)
//
// and pass the handler's context (or the stream's Context()) to the guards.
// Without [WithAgent] the interceptors use [rasp.Default], looked up for
// every call.
//
// # Inputs
//
// Of the request message (each message of a client stream, as the handler
// receives it): every string, bytes and number field, nested, repeated and
// in maps (map keys too), keyed by the field path ("user.name",
// "items.0.id", "labels.env"), with source [taint.SourceMessage]. Bytes are
// taken as text whatever they hold, because a handler may convert them
// with string(b). Numbers are formatted as strconv formats them.
// Of the incoming metadata, with source [taint.SourceMetadata]: every value
// of every key, :authority and user-agent included (the client writes
// them), except keys ending in "-bin" (binary by the gRPC protocol) and
// content-type (grpc-go refuses a call whose content-type names no
// registered codec, so its value is not the client's free choice).
//
// # Threat model
//
// The guards catch what they catch for HTTP requests (see package rasp),
// with the inputs above. grpcguard does not protect against:
//   - enum and bool fields, extensions and unknown fields: they are not
//     inputs;
//   - messages that are not protocol buffers (a custom codec): the call is
//     marked partial and only its metadata is checked;
//   - what lies past the caps: the agent's [rasp.WithInputLimits] for the
//     whole call (a stream's messages share them) and [MaxDepth] levels of
//     nesting; the call is then marked partial, and a client can pad a
//     message to reach the caps;
//   - work the handler hands to other goroutines without the context (see
//     "Goroutine scope" in package rasp).
//
// # Modes
//
// In [rasp.ModeProtect], once a sink of the call is blocked the call ends
// with codes.PermissionDenied and the message [BlockedMessage], whatever
// the handler returns: an error it wrapped in its own status, or nil. A
// stream refuses to send or receive further messages once blocked; a block
// after the stream's first message went out is reported late. In
// [rasp.ModeMonitor] calls are only reported; in [rasp.ModeOff] nothing is
// collected.
//
// # Concurrency
//
// The interceptors are safe for concurrent calls; the inputs of one call
// are never visible to another. The handler's goroutine is bound to its
// call while it runs (see [guard.StartCall]).
package grpcguard

import (
	"bytes"
	"context"
	"net"
	"slices"
	"strings"
	"sync/atomic"
	"unsafe"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/guard"
	"github.com/gorasp/rasp/taint"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
)

// BlockedMessage is the status message of a call ended by a block. It is
// fixed, so that it tells the client nothing about what was detected.
const BlockedMessage = "rasp: blocked"

var errBlocked = status.Error(codes.PermissionDenied, BlockedMessage)

// Option configures the interceptors.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	agent *rasp.Agent
}

func newConfig(opts []Option) *config {
	c := &config{}
	for _, o := range opts {
		if o != nil {
			o.apply(c)
		}
	}
	return c
}

func (c *config) agentFor() *rasp.Agent {
	if c.agent != nil {
		return c.agent
	}
	return rasp.Default()
}

// WithAgent makes the interceptors report to a. A nil a keeps the default,
// [rasp.Default] looked up for every call.
func WithAgent(a *rasp.Agent) Option {
	return optionFunc(func(c *config) { c.agent = a })
}

// UnaryServerInterceptor returns an interceptor that collects the inputs
// of each unary call (its metadata and request message), serves the
// handler with a context that carries them, and turns a call blocked in
// the handler into codes.PermissionDenied.
func UnaryServerInterceptor(opts ...Option) grpc.UnaryServerInterceptor {
	cfg := newConfig(opts)
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		call := start(ctx, cfg.agentFor(), info.FullMethod)
		defer call.End()
		collectMessage(call, req)
		resp, err := handler(call.Context(), req)
		if call.Blocked() {
			return nil, errBlocked
		}
		return resp, err
	}
}

// StreamServerInterceptor returns an interceptor that collects the inputs
// of each streaming call: its metadata at the start, and each message as
// the handler receives it. The stream's Context carries the inputs
// received so far.
func StreamServerInterceptor(opts ...Option) grpc.StreamServerInterceptor {
	cfg := newConfig(opts)
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		call := start(ss.Context(), cfg.agentFor(), info.FullMethod)
		defer call.End()
		w := &stream{ServerStream: ss, call: call}
		ctx := call.Context()
		w.ctx.Store(&ctx)
		err := handler(srv, w)
		if call.Blocked() {
			return errBlocked
		}
		return err
	}
}

// start begins the call and collects its metadata.
func start(ctx context.Context, a *rasp.Agent, method string) guard.Call {
	req := rasp.Request{Method: "gRPC", Path: method, Route: method}
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
		req.RemoteAddr = addrString(p.Addr)
	}
	call := guard.StartCall(ctx, a, req)
	collectMetadata(call, ctx)
	return call
}

// stream is the server stream the handler gets: it collects each message
// it receives and refuses to move messages once the call is blocked.
// grpc-go lets one goroutine receive while another sends, so the context
// is swapped atomically.
type stream struct {
	grpc.ServerStream
	call guard.Call
	ctx  atomic.Pointer[context.Context]
}

func (s *stream) Context() context.Context { return *s.ctx.Load() }

func (s *stream) RecvMsg(m any) error {
	if s.call.Blocked() {
		return errBlocked
	}
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	collectMessage(s.call, m)
	ctx := s.call.Context()
	s.ctx.Store(&ctx)
	return nil
}

func (s *stream) SendMsg(m any) error {
	if !s.call.Sent() {
		return errBlocked
	}
	return s.ServerStream.SendMsg(m)
}

// collectMetadata adds the incoming metadata values (see "Inputs" in the
// package documentation for the keys left out).
func collectMetadata(call guard.Call, ctx context.Context) {
	md, ok := incoming(ctx)
	if !ok {
		return
	}
	var arr [16]string // a call's metadata rarely has more keys
	keys := arr[:0]
	for k := range md {
		if k == "content-type" || isBinKey(k) {
			continue
		}
		keys = append(keys, k)
	}
	slices.Sort(keys) // deterministic order when the cap cuts
	for _, k := range keys {
		for _, v := range md[k] {
			if !call.Add(taint.SourceMetadata, k, v) {
				return
			}
		}
	}
}

func isBinKey(k string) bool {
	return len(k) >= 4 && k[len(k)-4:] == "-bin"
}

// incoming returns the incoming metadata of ctx, as
// metadata.FromIncomingContext does, without copying it when it can: the
// map grpc-go stored is read in place (never written) when its keys are
// already in lower case, the form FromIncomingContext would give them.
func incoming(ctx context.Context) (metadata.MD, bool) {
	if incomingKey == nil {
		return metadata.FromIncomingContext(ctx)
	}
	md, ok := ctx.Value(incomingKey).(metadata.MD)
	if !ok {
		return nil, false
	}
	for k := range md {
		if strings.ToLower(k) != k {
			// FromIncomingContext lowers it, merging keys that differ
			// only in case: leave that to it.
			return metadata.FromIncomingContext(ctx)
		}
	}
	return md, true
}

// incomingKey is the context key grpc-go keeps incoming metadata under,
// found once by asking metadata.FromIncomingContext of a context that
// records the key it is asked for; nil (and the metadata is copied) unless
// that key gives the very map metadata.NewIncomingContext stored.
var incomingKey = findIncomingKey()

type keySpy struct {
	context.Context
	keys []any
}

func (s *keySpy) Value(key any) any {
	s.keys = append(s.keys, key)
	return nil
}

func findIncomingKey() any {
	spy := &keySpy{Context: context.Background()}
	if _, ok := metadata.FromIncomingContext(spy); ok || len(spy.keys) != 1 {
		return nil
	}
	key := spy.keys[0]
	md := metadata.MD{"k": {"v"}}
	got, ok := metadata.NewIncomingContext(context.Background(), md).Value(key).(metadata.MD)
	if !ok || len(got) != 1 || len(got["k"]) != 1 || &got["k"][0] != &md["k"][0] {
		return nil
	}
	return key
}

// addrString is a.String(), remembered for the TCP addresses of recent
// connections (grpc-go gives every call of a connection its peer's
// address), so that a call formats its peer's address only when the
// remembered one differs from it in IP, port or zone, whose String it is.
func addrString(a net.Addr) string {
	t, ok := a.(*net.TCPAddr)
	if !ok || t == nil {
		return a.String()
	}
	slot := &addrCache[uintptr(unsafe.Pointer(t))>>4%uintptr(len(addrCache))]
	if e := slot.Load(); e != nil && e.port == t.Port && e.zone == t.Zone && e.ip.Equal(t.IP) {
		return e.s
	}
	e := &addrEntry{ip: bytes.Clone(t.IP), port: t.Port, zone: t.Zone, s: t.String()}
	slot.Store(e)
	return e.s
}

// addrCache holds the last address formatted in each slot, chosen by the
// address's pointer: a bounded memory, holding no connection.
var addrCache [64]atomic.Pointer[addrEntry]

type addrEntry struct {
	ip   net.IP
	port int
	zone string
	s    string
}
