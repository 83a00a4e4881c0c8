package grpcguard

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/taint"
	"github.com/rs/zerolog"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

func newAgent(opts ...rasp.Option) *rasp.Agent {
	return rasp.New(append([]rasp.Option{rasp.WithLogger(zerolog.Nop())}, opts...)...)
}

// inputs collects msgs into one call and returns its inputs as
// "source key=value" lines.
func inputs(t *testing.T, a *rasp.Agent, ctx context.Context, msgs ...any) []string {
	t.Helper()
	call := start(ctx, a, "/t.S/M")
	defer call.End()
	for _, m := range msgs {
		collectMessage(call, m)
	}
	var out []string
	for _, in := range taint.FromContext(call.Context()) {
		out = append(out, fmt.Sprintf("%s %s=%s", in.Source, in.Key, in.Value))
	}
	return out
}

func TestCollectMessageFields(t *testing.T) {
	st, err := structpb.NewStruct(map[string]any{
		"name": "ines",
		"tags": []any{"a", 2.5},
		"sub":  map[string]any{"id": 7.0, "ok": true},
	})
	if err != nil {
		t.Fatal(err)
	}
	fd := &descriptorpb.FieldDescriptorProto{
		Name:   proto.String("owner"),
		Number: proto.Int32(-3),
		Label:  descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum(), // enum: not an input
	}
	got := inputs(t, newAgent(), context.Background(), st,
		wrapperspb.Bytes([]byte("b\xff'--")), wrapperspb.UInt64(18446744073709551615),
		wrapperspb.Float(0.1), fd)
	want := []string{
		"message fields=name",
		"message fields.name.string_value=ines",
		"message fields=sub",
		"message fields.sub.struct_value.fields=id",
		"message fields.sub.struct_value.fields.id.number_value=7",
		"message fields.sub.struct_value.fields=ok",
		"message fields=tags",
		"message fields.tags.list_value.values.0.string_value=a",
		"message fields.tags.list_value.values.1.number_value=2.5",
		"message value=b\xff'--",
		"message value=18446744073709551615",
		"message value=0.1",
		"message name=owner",
		"message number=-3",
	}
	if !slices.Equal(got, want) {
		t.Errorf("inputs:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestCollectMetadata(t *testing.T) {
	md := metadata.Pairs(
		":authority", "svc.local", "user-agent", "grpc-go/1.85.0", "content-type", "application/grpc",
		"x-trace-bin", "\x00\x01", "x-user", "ines", "x-user", "omar")
	got := inputs(t, newAgent(), metadata.NewIncomingContext(context.Background(), md))
	want := []string{
		"metadata :authority=svc.local",
		"metadata user-agent=grpc-go/1.85.0",
		"metadata x-user=ines",
		"metadata x-user=omar",
	}
	if !slices.Equal(got, want) {
		t.Errorf("inputs:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// nested returns a Value with n levels of structs.
func nested(n int, leaf string) *structpb.Value {
	v := structpb.NewStringValue(leaf)
	for range n {
		v = structpb.NewStructValue(&structpb.Struct{Fields: map[string]*structpb.Value{"k": v}})
	}
	return v
}

func TestCollectCapsMarkPartial(t *testing.T) {
	t.Run("depth", func(t *testing.T) {
		a := newAgent()
		got := inputs(t, a, context.Background(), nested(MaxDepth, "deep"))
		if slices.ContainsFunc(got, func(s string) bool { return strings.HasSuffix(s, "=deep") }) {
			t.Errorf("a leaf past MaxDepth was collected")
		}
		if p := a.Stats().PartialRequests; p != 1 {
			t.Errorf("PartialRequests = %d, want 1", p)
		}
		a = newAgent()
		got = inputs(t, a, context.Background(), nested(MaxDepth/2-1, "shallow"))
		if !slices.ContainsFunc(got, func(s string) bool { return strings.HasSuffix(s, "=shallow") }) {
			t.Errorf("a leaf within MaxDepth was not collected: %q", got)
		}
		if p := a.Stats().PartialRequests; p != 0 {
			t.Errorf("PartialRequests = %d, want 0", p)
		}
	})
	t.Run("inputs", func(t *testing.T) {
		a := newAgent(rasp.WithInputLimits(3, 0))
		l, _ := structpb.NewList([]any{"a", "b", "c", "d", "e"})
		got := inputs(t, a, context.Background(), l, wrapperspb.String("second message"))
		if len(got) != 3 || a.Stats().PartialRequests != 1 {
			t.Errorf("inputs %q, partial %d; want the first 3 and partial", got, a.Stats().PartialRequests)
		}
	})
	t.Run("not a proto message", func(t *testing.T) {
		a := newAgent()
		if got := inputs(t, a, context.Background(), "raw"); len(got) != 0 || a.Stats().PartialRequests != 1 {
			t.Errorf("inputs %q, partial %d; want none and partial", got, a.Stats().PartialRequests)
		}
	})
}

func TestCollectOffCollectsNothing(t *testing.T) {
	ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs("x-user", "ines"))
	if got := inputs(t, newAgent(rasp.WithMode(rasp.ModeOff)), ctx, wrapperspb.String("x")); len(got) != 0 {
		t.Errorf("ModeOff collected %q", got)
	}
}

func FuzzCollectMessage(f *testing.F) {
	for _, v := range []*structpb.Value{nested(3, "x' OR 1=1"), nested(MaxDepth+1, "y")} {
		b, _ := proto.Marshal(v)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var v structpb.Value
		if proto.Unmarshal(b, &v) != nil {
			return
		}
		a := newAgent(rasp.WithInputLimits(64, 0))
		if got := inputs(t, a, context.Background(), &v); len(got) > 64 {
			t.Fatalf("%d inputs past the cap of 64", len(got))
		}
	})
}

// Interned paths are the paths asked for, found without the lock once
// published, and the table stops growing at maxInterned.
func TestInternTable(t *testing.T) {
	var tab internTable
	for round := range 10 {
		for i := range 100 {
			p := fmt.Sprintf("items.%d.id", i)
			if got := tab.intern([]byte(p)); got != p {
				t.Fatalf("round %d: intern(%q) = %q", round, p, got)
			}
		}
	}
	if m := tab.snap.Load(); m == nil || len(*m) != 100 {
		t.Fatalf("snapshot after ten rounds of the same paths: %v", m)
	}
	if n := testing.AllocsPerRun(100, func() { tab.intern([]byte("items.7.id")) }); n != 0 {
		t.Errorf("a published path costs %v allocations", n)
	}
	for i := range 2 * maxInterned {
		tab.intern([]byte(fmt.Sprintf("k.%d", i)))
	}
	if len(tab.all) != maxInterned {
		t.Errorf("table holds %d paths, want the cap %d", len(tab.all), maxInterned)
	}
}

// randValue is a random Value of at most depth levels, with what reflection
// treats specially: nil entries and items, typed nil and empty oneof
// wrappers, empty strings, escapes that add decoded variants.
func randValue(r *rand.Rand, depth int) *structpb.Value {
	leaves := []string{"", "ines", "a%27b", "x' OR 1=1", "+", "é"}
	n := 8
	if depth <= 0 {
		n = 5
	}
	switch r.IntN(n) {
	case 0:
		return nil
	case 1:
		return &structpb.Value{}
	case 2:
		return structpb.NewStringValue(leaves[r.IntN(len(leaves))])
	case 3:
		return structpb.NewNumberValue([]float64{0, -1.5, 1e21, math.NaN(), math.Inf(1), 7}[r.IntN(6)])
	case 4:
		return []*structpb.Value{structpb.NewBoolValue(true), structpb.NewNullValue(),
			{Kind: (*structpb.Value_StringValue)(nil)}, {Kind: &structpb.Value_StructValue{}},
			{Kind: &structpb.Value_ListValue{}}, {Kind: (*structpb.Value_ListValue)(nil)}}[r.IntN(6)]
	case 5, 6:
		s := &structpb.Struct{Fields: map[string]*structpb.Value{}}
		for range r.IntN(5) {
			s.Fields[leaves[r.IntN(len(leaves))]+strconv.Itoa(r.IntN(3))] = randValue(r, depth-1)
		}
		return structpb.NewStructValue(s)
	default:
		l := &structpb.ListValue{}
		for range r.IntN(4) {
			l.Values = append(l.Values, randValue(r, depth-1))
		}
		return structpb.NewListValue(l)
	}
}

// The Go-field walk of Struct, Value and ListValue collects exactly what
// the protoreflect walk does: the same inputs in the same order, the same
// partial marks, under input caps and past MaxDepth.
func TestWellKnownWalkMatchesReflection(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	walk := func(cap int, wellKnown bool, msgs []any) ([]string, uint64) {
		a := newAgent(rasp.WithInputLimits(cap, 0))
		call := start(context.Background(), a, "/t.S/M")
		defer call.End()
		for _, m := range msgs {
			collect(call, m, wellKnown)
		}
		var out []string
		for _, in := range taint.FromContext(call.Context()) {
			out = append(out, fmt.Sprintf("%s %s=%q", in.Source, in.Key, in.Value))
		}
		return out, a.Stats().PartialRequests
	}
	deep := nested(MaxDepth, "deep")
	deep.GetStructValue().Fields["a"] = structpb.NewStringValue("shallow")
	for i := range 400 {
		v := randValue(r, 5)
		msgs := []any{v}
		switch k := v.GetKind().(type) { // Get*Value panic on typed nil wrappers
		case *structpb.Value_StructValue:
			if k != nil {
				msgs = append(msgs, k.StructValue)
			}
		case *structpb.Value_ListValue:
			if k != nil {
				msgs = append(msgs, k.ListValue)
			}
		}
		if i%10 == 0 {
			msgs = append(msgs, deep, nested(MaxDepth-1, "edge"))
		}
		for _, cap := range []int{0, 1, 2, 5, 13} {
			got, gotPartial := walk(cap, true, msgs)
			want, wantPartial := walk(cap, false, msgs)
			if !slices.Equal(got, want) || gotPartial != wantPartial {
				t.Fatalf("message %d, cap %d: Go-field walk\n%s\npartial %d; protoreflect walk\n%s\npartial %d",
					i, cap, strings.Join(got, "\n"), gotPartial, strings.Join(want, "\n"), wantPartial)
			}
		}
	}
}
