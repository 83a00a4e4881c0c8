package grpcguard

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/binarylog/grpc_binarylog_v1"
	"google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/apipb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/typepb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// randFill populates a random subset of m's fields, nested to depth, with
// values that probe presence: zeros, negative zero, NaN, extreme numbers,
// empty and quoting strings, one member of each oneof, map entries.
func randFill(r *rand.Rand, m protoreflect.Message, depth int) {
	fields := m.Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if r.IntN(3) == 0 {
			continue
		}
		if od := fd.ContainingOneof(); od != nil && !od.IsSynthetic() && m.WhichOneof(od) != nil {
			continue
		}
		switch {
		case fd.IsMap():
			if fd.MapValue().Message() != nil && depth <= 0 {
				continue
			}
			mp := m.Mutable(fd).Map()
			for range r.IntN(4) {
				k := randScalar(r, fd.MapKey()).MapKey()
				if fd.MapValue().Message() != nil {
					randFill(r, mp.Mutable(k).Message(), depth-1)
				} else {
					mp.Set(k, randScalar(r, fd.MapValue()))
				}
			}
		case fd.IsList():
			if fd.Message() != nil && depth <= 0 {
				continue
			}
			l := m.Mutable(fd).List()
			for range r.IntN(4) {
				if fd.Message() != nil {
					randFill(r, l.AppendMutable().Message(), depth-1)
				} else {
					l.Append(randScalar(r, fd))
				}
			}
		case fd.Message() != nil:
			if depth > 0 {
				randFill(r, m.Mutable(fd).Message(), depth-1)
			}
		default:
			m.Set(fd, randScalar(r, fd))
		}
	}
}

var randTexts = []string{"", "ines", "x' OR '1'='1", "a%27b", "  padded ", "\xff\xfe", strings.Repeat("long", 40)}

func randScalar(r *rand.Rand, fd protoreflect.FieldDescriptor) protoreflect.Value {
	floats := []float64{0, math.Copysign(0, -1), 1.5, -2.25e300, math.NaN(), math.Inf(-1), 3.4028234663852886e+38}
	ints := []int64{0, -1, 1, math.MaxInt32, math.MinInt32, math.MaxInt64, math.MinInt64, 42}
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(r.IntN(2) == 0)
	case protoreflect.EnumKind:
		return protoreflect.ValueOfEnum(protoreflect.EnumNumber(r.IntN(3)))
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32(int32(ints[r.IntN(len(ints))]))
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return protoreflect.ValueOfInt64(ints[r.IntN(len(ints))])
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(uint32(ints[r.IntN(len(ints))]))
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(uint64(ints[r.IntN(len(ints))]))
	case protoreflect.FloatKind:
		return protoreflect.ValueOfFloat32(float32(floats[r.IntN(len(floats))]))
	case protoreflect.DoubleKind:
		return protoreflect.ValueOfFloat64(floats[r.IntN(len(floats))])
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(randTexts[r.IntN(len(randTexts))])
	case protoreflect.BytesKind:
		switch r.IntN(3) {
		case 0:
			return protoreflect.ValueOfBytes(nil)
		case 1:
			return protoreflect.ValueOfBytes([]byte{})
		}
		return protoreflect.ValueOfBytes([]byte(randTexts[r.IntN(len(randTexts))]))
	}
	panic(fd.Kind())
}

// planSamples are generated types of every shape plans meet: proto2
// presence (descriptorpb), proto3 scalars (wrappers, typepb, apipb),
// oneofs (reflection, binary log, Value), maps (ErrorInfo, Struct),
// nested and repeated messages, packed numbers (SourceCodeInfo).
var planSamples = []proto.Message{
	&descriptorpb.FileDescriptorSet{}, &descriptorpb.DescriptorProto{}, &descriptorpb.UninterpretedOption{},
	&descriptorpb.SourceCodeInfo{}, &descriptorpb.FieldOptions{},
	&wrapperspb.DoubleValue{}, &wrapperspb.FloatValue{}, &wrapperspb.Int64Value{}, &wrapperspb.UInt64Value{},
	&wrapperspb.Int32Value{}, &wrapperspb.UInt32Value{}, &wrapperspb.BytesValue{}, &wrapperspb.StringValue{},
	&typepb.Type{}, &apipb.Api{}, &anypb.Any{},
	&grpc_reflection_v1.ServerReflectionRequest{}, &grpc_reflection_v1.ServerReflectionResponse{},
	&grpc_binarylog_v1.GrpcLogEntry{}, &errdetails.ErrorInfo{}, &errdetails.BadRequest{},
	&structpb.Struct{}, &structpb.Value{}, &kinds{},
}

// The plan walk collects exactly what the protoreflect walk does: the
// same inputs in the same order and the same partial marks, under input
// caps, past MaxDepth, with nil list elements and with the path trees
// full.
func TestPlanWalkMatchesReflection(t *testing.T) {
	// Random messages make more paths than the trees keep: the tests
	// after this one start from empty trees.
	t.Cleanup(func() { roots.Store(nil); nodes.Store(0) })
	r := rand.New(rand.NewPCG(3, 4))
	deep := &descriptorpb.DescriptorProto{Name: proto.String("d0")}
	for d, cur := 1, deep; d <= MaxDepth+2; d++ {
		next := &descriptorpb.DescriptorProto{Name: proto.String(fmt.Sprint("d", d)), ReservedName: []string{"r"}}
		cur.NestedType = append(cur.NestedType, nil, next)
		cur = next
	}
	// Chains whose last message is at the deepest depth walked, with or
	// without a nil list element one level deeper, and one a level
	// shorter.
	chain := func(levels int, nilKid bool) *kinds {
		top := &kinds{S: "k0"}
		for d, cur := 1, top; d < levels; d++ {
			cur.Kid = &kinds{S: fmt.Sprint("k", d), Fl: 0.1}
			cur = cur.Kid
			if d == levels-1 && nilKid {
				cur.Kids = []*kinds{nil}
			}
		}
		return top
	}
	edges := []any{chain(MaxDepth, true), chain(MaxDepth, false), chain(MaxDepth-1, true)}
	for i := range 900 {
		if i == 600 { // the rest with the path trees full
			n0 := nodes.Swap(maxNodes)
			defer nodes.Store(n0)
		}
		sample := planSamples[i%len(planSamples)]
		m := sample.ProtoReflect().New()
		randFill(r, m, 3)
		msgs := []any{m.Interface()}
		if d, ok := m.Interface().(*descriptorpb.DescriptorProto); ok && i%3 == 0 {
			d.Field = append(d.Field, nil) // a nil element of a list of messages
			d.NestedType = append(d.NestedType, deep)
		}
		if i%5 == 0 {
			msgs = append(msgs, edges[i/5%len(edges)])
		}
		for _, cap := range []int{0, 1, 2, 5, 13, 40} {
			got, gotPartial := walkInputs(cap, true, msgs)
			want, wantPartial := walkInputs(cap, false, msgs)
			if !slices.Equal(got, want) || gotPartial != wantPartial {
				t.Fatalf("message %d (%T), cap %d: plan walk\n%s\npartial %d; protoreflect walk\n%s\npartial %d",
					i, sample, cap, strings.Join(got, "\n"), gotPartial, strings.Join(want, "\n"), wantPartial)
			}
		}
		if i%7 == 0 {
			// The same message as a dynamic message, ranged by protoreflect
			// in an order of its own (dynamicpb ranges a Go map): the same
			// inputs as the generated one.
			dm := dynamicpb.NewMessage(m.Descriptor())
			b, err := proto.MarshalOptions{AllowPartial: true}.Marshal(m.Interface())
			if err == nil {
				err = proto.UnmarshalOptions{AllowPartial: true}.Unmarshal(b, dm)
			}
			if err != nil {
				continue // a proto3 string of invalid UTF-8: not a message a client can send
			}
			got, _ := walkInputs(0, true, []any{dm})
			want, _ := walkInputs(0, true, msgs[:1])
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("message %d (%T): dynamic message\n%s\ngenerated\n%s", i, sample, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		}
	}
}

// Plans are made for the generated types of the open struct API and for
// none else: a dynamic message, and the well-known types walk.known
// walks, are ranged as before.
func TestPlanOf(t *testing.T) {
	for _, m := range planSamples {
		p := planOf(reflect.TypeOf(m))
		_, isKnown := m.(*structpb.Struct)
		_, isValue := m.(*structpb.Value)
		if (p == nil) != (isKnown || isValue) {
			t.Errorf("plan of %T = %v", m, p)
		}
	}
	if p := planOf(reflect.TypeOf(dynamicpb.NewMessage((&anypb.Any{}).ProtoReflect().Descriptor()))); p != nil {
		t.Errorf("a dynamic message has a plan")
	}
	// The steps of DescriptorProto: one per field that may hold inputs
	// (not a bool or an enum), in Range's order.
	m := (&descriptorpb.DescriptorProto{}).ProtoReflect()
	fields := m.Descriptor().Fields()
	for i := range fields.Len() {
		populate(m, fields.Get(i))
	}
	var want []protoreflect.FieldNumber
	m.Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
		if !neverInput(fd) {
			want = append(want, fd.Number())
		}
		return true
	})
	var got []protoreflect.FieldNumber
	for _, st := range planOf(reflect.TypeOf(m.Interface())).steps {
		got = append(got, st.fd.Number())
	}
	if !slices.Equal(got, want) {
		t.Errorf("steps %v, Range order %v", got, want)
	}
}
