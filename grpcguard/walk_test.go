package grpcguard

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/taint"
	"github.com/rs/zerolog"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
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

// The path tree finds a saved path again without allocating, cuts paths
// at maxPath as the walk always did, keeps long map keys out, and stops
// growing at maxNodes, after which paths are made as they come.
func TestPathTree(t *testing.T) {
	n0 := nodes.Load()
	t.Cleanup(func() { nodes.Store(n0) }) // the test's tree goes with it
	root := &pathNode{saved: true}
	items := root.field(1, "items")
	for round := range 3 {
		for j := range 100 {
			want := fmt.Sprintf("items.%d.id", j)
			if got := items.item(j).field(0, "id"); got.path != want || !got.saved {
				t.Fatalf("round %d: item %d id = %q (saved %v), want %q", round, j, got.path, got.saved, want)
			}
		}
	}
	if got := root.field(1, "items").item(7).field(0, "id"); got != items.item(7).field(0, "id") {
		t.Errorf("a saved path is not found again")
	}
	if got, want := nodes.Load()-n0, int64(1+100+100); got != want {
		t.Errorf("the tree holds %d nodes, want %d", got, want)
	}
	if n := testing.AllocsPerRun(100, func() {
		root.field(1, "items").item(7).field(0, "id")
		root.field(2, "labels").key("env")
	}); n != 0 {
		t.Errorf("a saved path costs %v allocations", n)
	}
	if got := root.field(1, "other"); got.path != "other" || got.saved {
		t.Errorf("a field in another field's slot: %q (saved %v), want a path made for the use", got.path, got.saved)
	}
	// Two schemas under one message name: a node asked for both a field
	// and a list item in one slot still answers each its own path.
	x := root.field(6, "x")
	if a, i := x.field(0, "a"), x.item(0); a.path != "x.a" || i.path != "x.0" || x.field(0, "a") != a {
		t.Errorf("field and item in one slot: %q and %q", a.path, i.path)
	}
	long := strings.Repeat("k", maxPath+1)
	if got := root.field(3, "m").key(long); got.path != "m."+long[:maxPath-2] || got.saved {
		t.Errorf("long key: path %q, saved %v", got.path, got.saved)
	}
	deep := root
	for range maxPath {
		deep = deep.field(0, "ab")
	}
	if len(deep.path) != maxPath || !strings.HasPrefix(deep.path, "ab.ab.") {
		t.Errorf("deep path %q: want %d bytes", deep.path, maxPath)
	}
	m := root.field(4, "big")
	for i := range 2 * maxNodeKeys {
		m.key(strconv.Itoa(i))
	}
	if k := m.keys.Load(); k == nil || len(*k) != maxNodeKeys {
		t.Errorf("a map's node keeps %v keys, want %d", k, maxNodeKeys)
	}
	l := root.field(5, "list")
	for j := range 2 * maxNodes {
		if got, want := l.item(j).path, "list."+strconv.Itoa(j); got != want {
			t.Fatalf("item %d: %q", j, got)
		}
	}
	if nodes.Load() != maxNodes {
		t.Errorf("the trees hold %d nodes, want the cap %d", nodes.Load(), maxNodes)
	}
	if got := l.item(2 * maxNodes); got.saved || got.path != "list."+strconv.Itoa(2*maxNodes) {
		t.Errorf("past the cap: %q, saved %v", got.path, got.saved)
	}
	if got := l.item(2*maxNodes).field(0, "id"); got.saved || got.path != "list."+strconv.Itoa(2*maxNodes)+".id" {
		t.Errorf("under a node past the cap: %q, saved %v", got.path, got.saved)
	}
}

// fieldOf finds by a field's full name the node field finds by its index
// and name: the same node for the same field, a field of another message
// of the same name in the same slot shares it, one of another name in the
// same slot gets its own path.
func TestPathTreeFieldOf(t *testing.T) {
	n0 := nodes.Load()
	t.Cleanup(func() { nodes.Store(n0) })
	root := &pathNode{saved: true}
	field := func(m proto.Message, name protoreflect.Name) protoreflect.FieldDescriptor {
		fd := m.ProtoReflect().Descriptor().Fields().ByName(name)
		if fd == nil {
			t.Fatalf("no field %s", name)
		}
		return fd
	}
	file, msg, fld := &descriptorpb.FileDescriptorProto{}, &descriptorpb.DescriptorProto{}, &descriptorpb.FieldDescriptorProto{}
	pkg := field(file, "package")
	other := field(msg, "field")
	if pkg.Index() != 1 || other.Index() != 1 || field(msg, "name").Index() != 0 || field(fld, "name").Index() != 0 {
		t.Fatal("descriptor.proto's field order changed: pick other fields")
	}
	p := root.fieldOf(pkg)
	if p.path != "package" || !p.saved || root.fieldOf(pkg) != p || root.field(1, "package") != p {
		t.Fatalf("package: %q (saved %v), not found again", p.path, p.saved)
	}
	if got := root.fieldOf(other); got.path != "field" || got.saved {
		t.Errorf("another name in the slot: %q (saved %v)", got.path, got.saved)
	}
	name := root.fieldOf(field(msg, "name"))
	if got := root.fieldOf(field(fld, "name")); got != name || got.path != "name" {
		t.Errorf("the same name in another message: %q, not the same node", got.path)
	}
	opts := field(file, "options")
	byName := root.field(opts.Index(), "options")
	if got := root.fieldOf(opts); got != byName || got.path != "options" {
		t.Errorf("a node field made: fieldOf finds %q, not it", got.path)
	}
	if n := testing.AllocsPerRun(100, func() { root.fieldOf(pkg) }); n != 0 {
		t.Errorf("a saved field costs %v allocations", n)
	}
}

// Walks that add to the same nodes at once each get the paths they ask for
// (run with -race).
func TestPathTreeConcurrent(t *testing.T) {
	n0 := nodes.Load()
	t.Cleanup(func() { nodes.Store(n0) }) // the test's tree goes with it
	root := &pathNode{saved: true}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for j := range 300 {
				j := (j + 77*g) % 300
				if got, want := root.field(0, "l").item(j).field(1, "id").path, fmt.Sprintf("l.%d.id", j); got != want {
					t.Errorf("item %d: %q, want %q", j, got, want)
				}
				if got, want := root.field(2, "m").key(strconv.Itoa(j%80)).path, "m."+strconv.Itoa(j%80); got != want {
					t.Errorf("key %d: %q, want %q", j%80, got, want)
				}
			}
		})
	}
	wg.Wait()
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

// walkInputs collects msgs in one call of an agent whose input cap is cap,
// with the Go-field walks (wellKnown) or by protoreflect alone, and returns
// the inputs, one line each, and the partial requests the agent counted.
func walkInputs(cap int, wellKnown bool, msgs []any) ([]string, uint64) {
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

// The Go-field walk of Struct, Value and ListValue collects exactly what
// the protoreflect walk does: the same inputs in the same order, the same
// partial marks, under input caps and past MaxDepth.
func TestWellKnownWalkMatchesReflection(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	deep := nested(MaxDepth, "deep")
	deep.GetStructValue().Fields["a"] = structpb.NewStringValue("shallow")
	for i := range 600 {
		if i == 400 { // the rest with the path trees full
			n0 := nodes.Swap(maxNodes)
			defer nodes.Store(n0)
		}
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
			got, gotPartial := walkInputs(cap, true, msgs)
			want, wantPartial := walkInputs(cap, false, msgs)
			if !slices.Equal(got, want) || gotPartial != wantPartial {
				t.Fatalf("message %d, cap %d: Go-field walk\n%s\npartial %d; protoreflect walk\n%s\npartial %d",
					i, cap, strings.Join(got, "\n"), gotPartial, strings.Join(want, "\n"), wantPartial)
			}
		}
	}
}

// incoming reads the metadata map grpc-go stored, in place, and answers
// what metadata.FromIncomingContext answers: for a context without
// metadata, and for a map whose keys are not all lower case (built
// without the metadata helpers), where FromIncomingContext lowers them.
func TestIncomingMetadata(t *testing.T) {
	if incomingKey == nil {
		t.Fatal("the key of incoming metadata was not found: every call copies its metadata")
	}
	if md, ok := incoming(context.Background()); ok || md != nil {
		t.Errorf("incoming of a context without metadata = %v, %v", md, ok)
	}
	for _, md := range []metadata.MD{
		metadata.Pairs("x-user", "ines", "x-user", "omar", ":authority", "svc"),
		{"X-User": {"ines"}, "x-tenant": {"t1"}},
		{"x-user": {"a"}, "X-USER": {"b"}},
		{},
	} {
		ctx := metadata.NewIncomingContext(context.Background(), md)
		got, ok := incoming(ctx)
		want, _ := metadata.FromIncomingContext(ctx)
		if !ok || len(got) != len(want) {
			t.Fatalf("incoming(%v) = %v, %v; want %v", md, got, ok, want)
		}
		for k, v := range want {
			if len(md) == len(want) && !slices.Equal(got[k], v) {
				t.Errorf("incoming(%v)[%q] = %q, want %q", md, k, got[k], v)
			}
		}
	}
	md := metadata.Pairs("x-user", "ines")
	got, _ := incoming(metadata.NewIncomingContext(context.Background(), md))
	if &got["x-user"][0] != &md["x-user"][0] {
		t.Error("lower-case metadata was copied")
	}
}

// addrString answers what String answers, for an address remembered and
// then changed in place (IP, port, zone), for addresses of other types,
// and for many connections sharing the cache's slots.
func TestAddrString(t *testing.T) {
	a := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 50123}
	check := func(addr net.Addr) {
		t.Helper()
		if got, want := addrString(addr), addr.String(); got != want {
			t.Fatalf("addrString(%#v) = %q, want %q", addr, got, want)
		}
	}
	check(a)
	check(a)
	a.Port = 50124
	check(a)
	a.IP = net.ParseIP("fe80::1")
	check(a)
	a.Zone = "eth0"
	check(a)
	a.IP = nil
	check(a)
	check(&net.UnixAddr{Name: "/tmp/s", Net: "unix"})
	var addrs []*net.TCPAddr
	for i := range 300 {
		addrs = append(addrs, &net.TCPAddr{IP: net.IPv4(10, 0, byte(i>>8), byte(i)), Port: 1000 + i})
	}
	for range 2 {
		for _, a := range addrs {
			check(a)
		}
	}
}
