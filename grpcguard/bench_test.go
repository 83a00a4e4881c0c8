package grpcguard_test

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorasp/rasp/grpcguard"

	"github.com/gorasp/rasp"
	"github.com/rs/zerolog"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// benchStruct is a 1 KiB Struct: 16 map entries of 56-byte strings, the
// costly shape for the walk (protobuf-go reflects over Go maps).
func benchStruct(b *testing.B) proto.Message {
	fields := map[string]any{}
	for i := range 16 {
		fields[fmt.Sprintf("f%02d", i)] = strings.Repeat(string(rune('a'+i)), 56)
	}
	req, err := structpb.NewStruct(fields)
	if err != nil {
		b.Fatal(err)
	}
	return req
}

// benchFields is a 1 KiB message of plain fields, as most generated
// messages are: a DescriptorProto with 13 nested fields of names, numbers
// and type names.
func benchFields(b *testing.B) proto.Message {
	m := &descriptorpb.DescriptorProto{Name: proto.String("Order")}
	for i := range 13 {
		m.Field = append(m.Field, &descriptorpb.FieldDescriptorProto{
			Name:     proto.String(fmt.Sprintf("line_item_%02d", i)),
			JsonName: proto.String(fmt.Sprintf("lineItem%02d", i)),
			Number:   proto.Int32(int32(i + 1)),
			TypeName: proto.String(".shop.orders.v1.LineItem" + strings.Repeat("x", 20)),
			Type:     descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum(),
		})
	}
	return m
}

// BenchmarkUnary times one unary call over loopback with a 1 KiB request,
// bare and through the interceptors; the ratio of the guarded to the bare
// time is the interceptor's overhead.
func BenchmarkUnary(b *testing.B) {
	for _, msg := range []struct {
		name string
		make func(*testing.B) proto.Message
	}{{"struct", benchStruct}, {"fields", benchFields}} {
		req := msg.make(b)
		if n := proto.Size(req); n < 1000 || n > 1100 {
			b.Fatalf("%s request is %d bytes, want about 1 KiB", msg.name, n)
		}
		b.Run(msg.name, func(b *testing.B) { benchUnary(b, msg.name, req) })
	}
}

func benchUnary(b *testing.B, kind string, req proto.Message) {
	for _, bc := range []struct {
		name  string
		agent *rasp.Agent
	}{
		{"bare", nil},
		{"off", rasp.New(rasp.WithMode(rasp.ModeOff), rasp.WithLogger(zerolog.Nop()))},
		{"monitor", rasp.New(rasp.WithMode(rasp.ModeMonitor), rasp.WithLogger(zerolog.Nop()))},
		{"protect", rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()))},
	} {
		b.Run(bc.name, func(b *testing.B) {
			conn := serve(b, bc.agent, &accounts{})
			var out wrapperspb.StringValue
			ctx := metadata.AppendToOutgoingContext(b.Context(), "x-type", kind)
			call := func() {
				if err := conn.Invoke(ctx, sizeMethod, req, &out); err != nil {
					b.Fatal(err)
				}
			}
			call() // connect before timing
			b.ReportAllocs()
			for b.Loop() {
				call()
			}
		})
	}
}

// BenchmarkInterceptor times the unary interceptor alone (protect mode)
// around a handler that does nothing, with the same 1 KiB requests and
// what grpc-go puts in a call's context: the peer and the metadata a
// grpc-go client sends.
func BenchmarkInterceptor(b *testing.B) {
	b.Run("struct", func(b *testing.B) { benchInterceptor(b, benchStruct(b)) })
	b.Run("fields", func(b *testing.B) { benchInterceptor(b, benchFields(b)) })
}

func benchInterceptor(b *testing.B, req proto.Message) {
	ic := grpcguard.UnaryServerInterceptor(grpcguard.WithAgent(rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()))))
	info := &grpc.UnaryServerInfo{FullMethod: sizeMethod}
	h := func(context.Context, any) (any, error) { return nil, nil }
	ctx := peer.NewContext(b.Context(), &peer.Peer{Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 50123}})
	ctx = metadata.NewIncomingContext(ctx, metadata.Pairs(":authority", "127.0.0.1:50051",
		"content-type", "application/grpc", "user-agent", "grpc-go/1.85.0", "x-type", "fields"))
	b.ReportAllocs()
	c0, cpuOK := cpuTime()
	n := 0
	for b.Loop() {
		if _, err := ic(ctx, req, info, h); err != nil {
			b.Fatal(err)
		}
		n++
	}
	if c1, ok := cpuTime(); cpuOK && ok && n > 0 {
		b.ReportMetric(float64(c1-c0)/float64(n), "cpu-ns/op")
	}
}

// BenchmarkUnaryRatio alternates calls to a bare server and to a guarded
// one (protect mode) in the same loop, so that the load of a shared
// machine weighs on both alike, and reports guarded/bare time as x-bare
// (of the sums) and x-bare-median (the median of each pair's ratio). Where
// the process's CPU time can be read, it also reports guarded/bare CPU
// time (client and server, with the garbage collector's work wherever it
// falls) as x-bare-cpu and x-bare-cpu-median: a machine shared with other
// work inflates wall times, waits for a CPU included, far more.
func BenchmarkUnaryRatio(b *testing.B) {
	for _, msg := range []struct {
		name string
		make func(*testing.B) proto.Message
	}{{"struct", benchStruct}, {"fields", benchFields}} {
		b.Run(msg.name, func(b *testing.B) {
			req := msg.make(b)
			bare := serve(b, nil, &accounts{})
			guarded := serve(b, rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop())), &accounts{})
			ctx := metadata.AppendToOutgoingContext(b.Context(), "x-type", msg.name)
			var out wrapperspb.StringValue
			cpuOK := true
			call := func(c *grpc.ClientConn) (wall, cpu time.Duration) {
				c0, ok0 := cpuTime()
				t0 := time.Now()
				if err := c.Invoke(ctx, sizeMethod, req, &out); err != nil {
					b.Fatal(err)
				}
				wall = time.Since(t0)
				c1, ok1 := cpuTime()
				cpuOK = cpuOK && ok0 && ok1
				return wall, c1 - c0
			}
			call(bare)
			call(guarded)
			var tb, tg, cb, cg time.Duration
			var ratios, cpuRatios []float64
			n := 0
			for b.Loop() {
				var b1, g1, bc, gc time.Duration
				if n%2 == 0 { // who goes first alternates
					b1, bc = call(bare)
					g1, gc = call(guarded)
				} else {
					g1, gc = call(guarded)
					b1, bc = call(bare)
				}
				tb, tg, cb, cg = tb+b1, tg+g1, cb+bc, cg+gc
				ratios = append(ratios, float64(g1)/float64(b1))
				if bc > 0 {
					cpuRatios = append(cpuRatios, float64(gc)/float64(bc))
				}
				n++
			}
			b.ReportMetric(float64(tg)/float64(tb), "x-bare")
			// The median of the pairs' ratios: a call that waited for a
			// CPU for milliseconds weighs on the sums, not on it.
			slices.Sort(ratios)
			if len(ratios) > 0 {
				b.ReportMetric(ratios[len(ratios)/2], "x-bare-median")
			}
			if cpuOK && cb > 0 {
				b.ReportMetric(float64(cg)/float64(cb), "x-bare-cpu")
				slices.Sort(cpuRatios)
				if len(cpuRatios) > 0 {
					b.ReportMetric(cpuRatios[len(cpuRatios)/2], "x-bare-cpu-median")
				}
			}
		})
	}
}
