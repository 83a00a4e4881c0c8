package grpcguard_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/driver"
	"github.com/gorasp/rasp/grpcguard"
	"github.com/gorasp/rasp/taint"
	"github.com/mattn/go-sqlite3"
	"github.com/rs/zerolog"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// The test service, described by hand so that no generated code is needed:
// /shop.Accounts/Lookup (unary: a Struct in, a StringValue out),
// /shop.Accounts/Rename (client and server streaming StringValues) and
// /shop.Accounts/Inputs (unary: the call's inputs, one per line) and
// /shop.Accounts/Size (unary: any message in, its size out; benchmarks) and
// /shop.Accounts/Trace (streaming: each message answered with the inputs so far).
const (
	lookupMethod = "/shop.Accounts/Lookup"
	renameMethod = "/shop.Accounts/Rename"
	inputsMethod = "/shop.Accounts/Inputs"
	sizeMethod   = "/shop.Accounts/Size"
	traceMethod  = "/shop.Accounts/Trace"
)

func TestMain(m *testing.M) {
	driver.Register("sqlite3-grpcguard", &sqlite3.SQLiteDriver{})
	// Setup queries run outside any call: keep their blind-spot reports
	// off the test output.
	rasp.SetDefault(rasp.New(rasp.WithLogger(zerolog.Nop())))
	os.Exit(m.Run())
}

var dbSeq atomic.Int64

// accounts is the server: a SQLite table of three accounts that its
// handlers query by splicing request text into SQL, as vulnerable code does.
type accounts struct {
	db *sql.DB
}

func newDB(t *testing.T) *sql.DB {
	t.Helper()
	dsn := fmt.Sprintf("file:grpcguard%d?mode=memory&cache=shared", dbSeq.Add(1))
	db, err := sql.Open("sqlite3-grpcguard", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, q := range []string{
		`CREATE TABLE accounts (owner TEXT, plan TEXT)`,
		`INSERT INTO accounts VALUES ('ines', 'gold'), ('omar', 'free'), ('zoe', 'team')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

func (s *accounts) count(t *testing.T) int {
	t.Helper()
	var n int
	if err := s.db.QueryRow(`SELECT count(*) FROM accounts`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// lookup answers the plan of the account named by the "owner" field. The
// metadata key "x-errors" picks what it does with a query error: "wrap"
// returns it in its own Internal status, "drop" ignores it and answers
// success; "x-noctx" makes it query without the call's context.
func (s *accounts) lookup(ctx context.Context, req *structpb.Struct) (*wrapperspb.StringValue, error) {
	owner := req.GetFields()["owner"].GetStringValue()
	md, _ := metadata.FromIncomingContext(ctx)
	if v := md.Get("x-tenant"); len(v) > 0 {
		owner += v[0]
	}
	qctx := ctx
	if len(md.Get("x-noctx")) > 0 {
		qctx = context.Background()
	}
	// UPDATE rather than SELECT so that an injected OR changes data the
	// test can count.
	_, err := s.db.ExecContext(qctx, `UPDATE accounts SET plan = plan WHERE owner = '`+owner+`'`)
	if err == nil {
		var plan string
		err = s.db.QueryRowContext(qctx, `SELECT plan FROM accounts WHERE owner = '`+owner+`'`).Scan(&plan)
		if err == nil {
			return wrapperspb.String(plan), nil
		}
	}
	switch e := md.Get("x-errors"); {
	case len(e) > 0 && e[0] == "wrap":
		return nil, status.Error(codes.Internal, "lookup failed: "+err.Error())
	case len(e) > 0 && e[0] == "drop":
		return wrapperspb.String("none"), nil
	}
	return nil, err
}

// rename receives owners and deletes each, answering the rows it removed;
// with the metadata key "x-noctx" it queries without the stream's context.
func (s *accounts) rename(stream grpc.ServerStream) error {
	md, _ := metadata.FromIncomingContext(stream.Context())
	noctx := len(md.Get("x-noctx")) > 0
	for {
		var in wrapperspb.StringValue
		if err := stream.RecvMsg(&in); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		qctx := stream.Context()
		if noctx {
			qctx = context.Background()
		}
		res, err := s.db.ExecContext(qctx, `DELETE FROM accounts WHERE owner = '`+in.GetValue()+`'`)
		if err != nil {
			return status.Error(codes.Unavailable, "try later") // hides the block
		}
		n, _ := res.RowsAffected()
		if err := stream.SendMsg(wrapperspb.String(fmt.Sprint(n))); err != nil {
			return err
		}
	}
}

// sizeHandler decodes whichever message the client sent (the benchmarks
// send a Struct or a DescriptorProto) as the type named in the metadata,
// and answers its encoded size.
func sizeHandler(srv any, ctx context.Context, dec func(any) error, ic grpc.UnaryServerInterceptor) (any, error) {
	var in proto.Message = new(structpb.Struct)
	if md, _ := metadata.FromIncomingContext(ctx); slices.Contains(md.Get("x-type"), "fields") {
		in = new(descriptorpb.DescriptorProto)
	}
	if err := dec(in); err != nil {
		return nil, err
	}
	h := func(_ context.Context, req any) (any, error) {
		return wrapperspb.String(fmt.Sprint(proto.Size(req.(proto.Message)))), nil
	}
	if ic == nil {
		return h(ctx, in)
	}
	return ic(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: sizeMethod}, h)
}

func inputsOf(ctx context.Context) *wrapperspb.StringValue {
	var b strings.Builder
	for _, in := range taint.FromContext(ctx) {
		fmt.Fprintf(&b, "%s %s=%s\n", in.Source, in.Key, in.Value)
	}
	return wrapperspb.String(b.String())
}

func (s *accounts) desc() *grpc.ServiceDesc {
	return &grpc.ServiceDesc{
		ServiceName: "shop.Accounts",
		HandlerType: (*any)(nil),
		Methods: []grpc.MethodDesc{
			{MethodName: "Lookup", Handler: unary(lookupMethod, s.lookup)},
			{MethodName: "Size", Handler: sizeHandler},
			{MethodName: "Inputs", Handler: unary(inputsMethod, func(ctx context.Context, _ *structpb.Struct) (*wrapperspb.StringValue, error) {
				return inputsOf(ctx), nil
			})},
		},
		Streams: []grpc.StreamDesc{{
			StreamName:    "Rename",
			Handler:       func(_ any, st grpc.ServerStream) error { return s.rename(st) },
			ClientStreams: true,
			ServerStreams: true,
		}, {
			StreamName: "Trace",
			// Answers each message with the inputs the stream's context
			// carries after receiving it.
			Handler: func(_ any, st grpc.ServerStream) error {
				for {
					var in wrapperspb.StringValue
					if err := st.RecvMsg(&in); err != nil {
						if errors.Is(err, io.EOF) {
							return nil
						}
						return err
					}
					if err := st.SendMsg(inputsOf(st.Context())); err != nil {
						return err
					}
				}
			},
			ClientStreams: true,
			ServerStreams: true,
		}},
	}
}

// unary is what protoc-gen-go-grpc generates for a unary method.
func unary(method string, h func(context.Context, *structpb.Struct) (*wrapperspb.StringValue, error)) func(any, context.Context, func(any) error, grpc.UnaryServerInterceptor) (any, error) {
	return func(srv any, ctx context.Context, dec func(any) error, ic grpc.UnaryServerInterceptor) (any, error) {
		in := new(structpb.Struct)
		if err := dec(in); err != nil {
			return nil, err
		}
		if ic == nil {
			return h(ctx, in)
		}
		info := &grpc.UnaryServerInfo{Server: srv, FullMethod: method}
		return ic(ctx, in, info, func(ctx context.Context, req any) (any, error) {
			return h(ctx, req.(*structpb.Struct))
		})
	}
}

type events struct {
	mu  sync.Mutex
	evs []rasp.Event
}

func (e *events) hook(_ context.Context, ev rasp.Event) {
	e.mu.Lock()
	e.evs = append(e.evs, ev)
	e.mu.Unlock()
}

func (e *events) all() []rasp.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]rasp.Event(nil), e.evs...)
}

// serve starts a gRPC server on 127.0.0.1 with both interceptors, or none
// when a is nil, and returns a client connection to it.
func serve(t testing.TB, a *rasp.Agent, s *accounts) *grpc.ClientConn {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var opts []grpc.ServerOption
	if a != nil {
		opts = append(opts,
			grpc.UnaryInterceptor(grpcguard.UnaryServerInterceptor(grpcguard.WithAgent(a))),
			grpc.StreamInterceptor(grpcguard.StreamServerInterceptor(grpcguard.WithAgent(a))))
	}
	srv := grpc.NewServer(opts...)
	srv.RegisterService(s.desc(), s)
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func setup(t *testing.T, mode rasp.Mode, opts ...rasp.Option) (*accounts, *grpc.ClientConn, *events) {
	t.Helper()
	evs := &events{}
	opts = append([]rasp.Option{rasp.WithMode(mode), rasp.WithLogger(zerolog.Nop()), rasp.WithHook(evs.hook), rasp.WithSyncHooks()}, opts...)
	s := &accounts{db: newDB(t)}
	return s, serve(t, rasp.New(opts...), s), evs
}

func lookupReq(t *testing.T, owner string) *structpb.Struct {
	t.Helper()
	m, err := structpb.NewStruct(map[string]any{"owner": owner})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestUnaryAttackDenied(t *testing.T) {
	const attack = "nobody' OR owner <> '"
	for _, tc := range []struct {
		name string
		md   []string
	}{
		{"returned", nil},
		{"wrapped in the handler's status", []string{"x-errors", "wrap"}},
		{"dropped by the handler", []string{"x-errors", "drop"}},
		{"queried without the call's context", []string{"x-noctx", "1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, conn, evs := setup(t, rasp.ModeProtect)
			ctx := metadata.AppendToOutgoingContext(t.Context(), tc.md...)
			var out wrapperspb.StringValue
			err := conn.Invoke(ctx, lookupMethod, lookupReq(t, attack), &out)
			if st, _ := status.FromError(err); st.Code() != codes.PermissionDenied || st.Message() != grpcguard.BlockedMessage {
				t.Fatalf("Lookup(%q) = %q, %v; want PermissionDenied %q", attack, out.GetValue(), err, grpcguard.BlockedMessage)
			}
			if n := s.count(t); n != 3 {
				t.Fatalf("%d accounts left, want 3", n)
			}
			ev := evs.all()
			if len(ev) == 0 || !ev[0].Blocked || ev[0].Request.Route != lookupMethod || ev[0].Late {
				t.Fatalf("events = %+v; want a blocked event on route %s, not late", ev, lookupMethod)
			}
			if in := ev[0].Finding.Input; in.Source != taint.SourceMessage || in.Key != "fields.owner.string_value" {
				t.Errorf("finding input = %+v; want the message field fields.owner.string_value", in)
			}
		})
	}
}

func TestUnaryBenignServed(t *testing.T) {
	s, conn, evs := setup(t, rasp.ModeProtect)
	var out wrapperspb.StringValue
	if err := conn.Invoke(t.Context(), lookupMethod, lookupReq(t, "nobody OR 1=1"), &out); status.Code(err) != codes.Unknown {
		t.Fatalf("Lookup(text inside the literal) = %v; want the handler's no-rows error", err)
	}
	if err := conn.Invoke(t.Context(), lookupMethod, lookupReq(t, "omar"), &out); err != nil || out.GetValue() != "free" {
		t.Fatalf("Lookup(omar) = %q, %v; want free", out.GetValue(), err)
	}
	if n := s.count(t); n != 3 {
		t.Fatalf("%d accounts, want 3", n)
	}
	if ev := evs.all(); len(ev) != 0 {
		t.Fatalf("events for benign calls: %+v", ev)
	}
}

func TestUnaryMetadataInput(t *testing.T) {
	s, conn, evs := setup(t, rasp.ModeProtect)
	ctx := metadata.AppendToOutgoingContext(t.Context(), "x-tenant", "' OR '1'='1")
	var out wrapperspb.StringValue
	err := conn.Invoke(ctx, lookupMethod, lookupReq(t, "ines"), &out)
	if status.Code(err) != codes.PermissionDenied {
		t.Fatalf("Lookup with injected metadata = %q, %v; want PermissionDenied", out.GetValue(), err)
	}
	if n := s.count(t); n != 3 {
		t.Fatalf("%d accounts left, want 3", n)
	}
	if ev := evs.all(); len(ev) == 0 || ev[0].Finding.Input.Source != taint.SourceMetadata || ev[0].Finding.Input.Key != "x-tenant" {
		t.Fatalf("events = %+v; want a finding on metadata x-tenant", ev)
	}
}

func TestUnaryMonitorServes(t *testing.T) {
	_, conn, evs := setup(t, rasp.ModeMonitor)
	var out wrapperspb.StringValue
	if err := conn.Invoke(t.Context(), lookupMethod, lookupReq(t, "zoe' OR '1'='1"), &out); err != nil {
		t.Fatalf("monitor mode: %v", err)
	}
	if ev := evs.all(); len(ev) == 0 || ev[0].Blocked || ev[0].Request.Route != lookupMethod || ev[0].Request.Method != "gRPC" {
		t.Fatalf("events = %+v; want an unblocked event on %s", ev, lookupMethod)
	}
}

func TestStreamAttackDenied(t *testing.T) {
	t.Run("stream context", func(t *testing.T) { testStreamAttack(t, t.Context()) })
	t.Run("no context", func(t *testing.T) {
		testStreamAttack(t, metadata.AppendToOutgoingContext(t.Context(), "x-noctx", "1"))
	})
}

func testStreamAttack(t *testing.T, ctx context.Context) {
	s, conn, evs := setup(t, rasp.ModeProtect)
	st, err := conn.NewStream(ctx, &grpc.StreamDesc{ClientStreams: true, ServerStreams: true}, renameMethod)
	if err != nil {
		t.Fatal(err)
	}
	var out wrapperspb.StringValue
	if err := st.SendMsg(wrapperspb.String("omar")); err != nil {
		t.Fatal(err)
	}
	if err := st.RecvMsg(&out); err != nil || out.GetValue() != "1" {
		t.Fatalf("first message: %q, %v; want 1 row deleted", out.GetValue(), err)
	}
	if err := st.SendMsg(wrapperspb.String("x' OR '1'='1")); err != nil {
		t.Fatal(err)
	}
	err = st.RecvMsg(&out)
	if s, _ := status.FromError(err); s.Code() != codes.PermissionDenied || s.Message() != grpcguard.BlockedMessage {
		t.Fatalf("after the attack: %v; want PermissionDenied (the handler's Unavailable replaced)", err)
	}
	if n := s.count(t); n != 2 {
		t.Fatalf("%d accounts left, want 2 (omar deleted, the rest intact)", n)
	}
	ev := evs.all()
	if len(ev) == 0 || !ev[0].Blocked || !ev[0].Late || ev[0].Request.Route != renameMethod {
		t.Fatalf("events = %+v; want a blocked event on %s, late (a message was sent)", ev, renameMethod)
	}
	if in := ev[0].Finding.Input; in.Source != taint.SourceMessage || in.Key != "value" {
		t.Errorf("finding input = %+v; want message field value", in)
	}
}

func TestParallelCallsKeepTheirInputs(t *testing.T) {
	_, conn, _ := setup(t, rasp.ModeMonitor)
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Go(func() {
			own := fmt.Sprintf("caller-%02d", i)
			var out wrapperspb.StringValue
			ctx := metadata.AppendToOutgoingContext(t.Context(), "x-who", own)
			if err := conn.Invoke(ctx, inputsMethod, lookupReq(t, own), &out); err != nil {
				t.Error(err)
				return
			}
			got := out.GetValue()
			if !strings.Contains(got, "message fields.owner.string_value="+own+"\n") || !strings.Contains(got, "metadata x-who="+own+"\n") {
				t.Errorf("call %s: inputs\n%s\nlack its own values", own, got)
			}
			if n := strings.Count(got, "caller-"); n != 2 {
				t.Errorf("call %s: inputs\n%s\nhold %d caller values, want its own 2", own, got, n)
			}
		})
	}
	wg.Wait()
}

func TestParallelStreamsKeepTheirInputs(t *testing.T) {
	_, conn, _ := setup(t, rasp.ModeMonitor)
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			st, err := conn.NewStream(t.Context(), &grpc.StreamDesc{ClientStreams: true, ServerStreams: true}, traceMethod)
			if err != nil {
				t.Error(err)
				return
			}
			var out wrapperspb.StringValue
			for j := range 2 {
				if err := st.SendMsg(wrapperspb.String(fmt.Sprintf("stream-%02d-msg-%d", i, j))); err != nil {
					t.Error(err)
					return
				}
				if err := st.RecvMsg(&out); err != nil {
					t.Error(err)
					return
				}
			}
			st.CloseSend()
			got := out.GetValue()
			for j := range 2 {
				if want := fmt.Sprintf("message value=stream-%02d-msg-%d\n", i, j); !strings.Contains(got, want) {
					t.Errorf("stream %d: inputs\n%s\nlack %q", i, got, want)
				}
			}
			if n := strings.Count(got, "stream-"); n != 2 {
				t.Errorf("stream %d: inputs\n%s\nhold %d stream values, want its own 2", i, got, n)
			}
		})
	}
	wg.Wait()
}
