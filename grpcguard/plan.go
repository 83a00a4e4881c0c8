package grpcguard

import (
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/runtime/protoimpl"
	"google.golang.org/protobuf/types/known/structpb"
)

// A plan walks the messages of one generated Go type by their Go fields,
// as [protoreflect.Message.Range] would report them: the same populated
// fields, in the same order, with the same values. protobuf-go ranges a
// generated message through accessors built per field (its own reflection
// over the struct, a converter per value, a protoreflect.Message per
// nested message); a plan reads the fields the common shapes take
// (scalars, lists of scalars, nested messages and lists of them) directly,
// and asks protoreflect, with Has and Get as Range does, for the others
// (maps, oneofs, any field whose Go type it does not expect).
//
// The order of the steps is the order Range reports the fields in, read
// from Range itself on a message with every field populated (protobuf-go
// ranges declaration order with one pair swapped at random per binary), so
// that the inputs a cap keeps are those of the reflection walk.
type plan struct {
	steps []planStep
}

type planKind uint8

const (
	stepSkip     planKind = iota // bool and enum fields: never an input
	stepScalar                   // a string, bytes or number field
	stepList                     // a list of strings, bytes or numbers
	stepMessage                  // a nested message (*M)
	stepMessages                 // a list of messages ([]*M)
	stepReflect                  // through protoreflect: Has, then Get
	stepOneof                    // through protoreflect: WhichOneof, then Get
)

type planStep struct {
	kind planKind
	fd   protoreflect.FieldDescriptor
	od   protoreflect.OneofDescriptor // stepOneof
	// field is the index of the Go struct field; nullable: the field has
	// presence and a Go type that shows it (a pointer or a slice), so it
	// is populated when not nil, as protobuf-go decides.
	field    int
	nullable bool
}

// maxPlans bounds the plans kept (one per generated type a call
// received, and the types nested in them); past it, messages of new types
// are ranged by protoreflect.
const maxPlans = 512

var (
	plansMu sync.Mutex                             // serializes adding plans
	plans   atomic.Pointer[map[reflect.Type]*plan] // copied on write; nil: no plan for the type
)

// planOf returns the plan of the Go type t of a message, nil when its
// messages are ranged by protoreflect.
func planOf(t reflect.Type) *plan {
	if m := plans.Load(); m != nil {
		if p, ok := (*m)[t]; ok {
			return p
		}
	}
	plansMu.Lock()
	defer plansMu.Unlock()
	old := plans.Load()
	if old != nil {
		if p, ok := (*old)[t]; ok {
			return p
		}
		if len(*old) >= maxPlans {
			return nil
		}
	}
	p := makePlan(t)
	m := make(map[reflect.Type]*plan, 1)
	if old != nil {
		m = make(map[reflect.Type]*plan, len(*old)+1)
		for k, v := range *old {
			m[k] = v
		}
	}
	m[t] = p
	plans.Store(&m)
	return p
}

// knownTypes are walked by [walker.known].
var knownTypes = map[reflect.Type]bool{
	reflect.TypeFor[*structpb.Struct]():    true,
	reflect.TypeFor[*structpb.Value]():     true,
	reflect.TypeFor[*structpb.ListValue](): true,
}

var messageStateType = reflect.TypeFor[protoimpl.MessageState]()

// makePlan makes the plan of t, or returns nil when t is not a message
// type protoc-gen-go generated with the open struct API (a dynamic
// message, an older or hand-written implementation, the opaque API, lazy
// or weak fields): those are ranged by protoreflect.
func makePlan(t reflect.Type) (p *plan) {
	defer func() {
		if recover() != nil {
			p = nil // a type the probe cannot populate: ranged by protoreflect
		}
	}()
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct || knownTypes[t] {
		return nil
	}
	st := t.Elem()
	byNumber := map[protoreflect.FieldNumber]int{}
	generated := false
	for i := range st.NumField() {
		f := st.Field(i)
		switch {
		case f.Name == "state" && f.Type == messageStateType:
			generated = true
		case f.Name == "lazyFields", f.Name == "XXX_lazyUnmarshalInfo", f.Name == "XXX_presence",
			strings.HasPrefix(f.Name, "XXX_weak"):
			return nil
		}
		// The field's number, as protobuf-go finds it: the first part of
		// the protobuf tag made of digits only.
		for s := range strings.SplitSeq(f.Tag.Get("protobuf"), ",") {
			if s != "" && strings.Trim(s, "0123456789") == "" {
				if n, err := strconv.ParseUint(s, 10, 32); err == nil {
					byNumber[protoreflect.FieldNumber(n)] = i
				}
				break
			}
		}
	}
	if !generated {
		return nil
	}
	pm, ok := reflect.New(st).Interface().(proto.Message)
	if !ok {
		return nil
	}
	m := pm.ProtoReflect()
	md := m.Descriptor()
	fields, oneofs := md.Fields(), 0
	for i := range fields.Len() {
		fd := fields.Get(i)
		if od := fd.ContainingOneof(); od != nil && !od.IsSynthetic() {
			if od.Fields().Get(0) == fd {
				populate(m, fd)
				oneofs++
			}
			continue
		}
		populate(m, fd)
	}
	p = &plan{}
	seen := map[protoreflect.FullName]bool{}
	m.Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
		if od := fd.ContainingOneof(); od != nil && !od.IsSynthetic() {
			seen[od.FullName()] = true
			p.steps = append(p.steps, planStep{kind: stepOneof, od: od})
			return true
		}
		seen[fd.FullName()] = true
		i, ok := byNumber[fd.Number()]
		p.steps = append(p.steps, fieldStep(fd, i, ok, st))
		return true
	})
	if len(p.steps) != fields.Len()-countOneofFields(md)+oneofs || len(seen) != len(p.steps) {
		return nil // Range did not report each field and oneof once
	}
	return p
}

func countOneofFields(md protoreflect.MessageDescriptor) int {
	n := 0
	for i := range md.Oneofs().Len() {
		if od := md.Oneofs().Get(i); !od.IsSynthetic() {
			n += od.Fields().Len()
		}
	}
	return n
}

// fieldStep is the step of the field fd, whose Go struct field is st's
// field i (ok false: none).
func fieldStep(fd protoreflect.FieldDescriptor, i int, ok bool, st reflect.Type) planStep {
	s := planStep{kind: stepReflect, fd: fd, field: i}
	if fd.IsMap() || !ok {
		return s
	}
	k := fd.Kind()
	if k == protoreflect.BoolKind || k == protoreflect.EnumKind {
		s.kind = stepSkip
		return s
	}
	sf := st.Field(i)
	if !sf.IsExported() {
		return s
	}
	ft := sf.Type
	isMessage := k == protoreflect.MessageKind || k == protoreflect.GroupKind
	switch {
	case fd.IsList():
		if ft.Kind() != reflect.Slice {
			return s
		}
		switch {
		case isMessage && isMessagePointer(ft.Elem()):
			s.kind = stepMessages
		case !isMessage && scalarGoType(k, ft.Elem()):
			s.kind = stepList
		}
	case isMessage:
		if isMessagePointer(ft) {
			s.kind = stepMessage
		}
	default:
		// As protobuf-go's scalar fields: presence shows as a pointer
		// (or a nil slice, for bytes); a field whose Go type cannot show
		// it is populated when not zero.
		nullable := fd.HasPresence() && (ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice)
		base := ft
		if nullable && ft.Kind() == reflect.Pointer {
			base = ft.Elem()
		}
		if scalarGoType(k, base) {
			s.kind, s.nullable = stepScalar, nullable
		}
	}
	return s
}

var protoMessageType = reflect.TypeFor[proto.Message]()

func isMessagePointer(t reflect.Type) bool {
	return t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct && t.Implements(protoMessageType)
}

// scalarGoType reports whether t is the Go type protoc-gen-go gives a
// field of kind k (string, bytes or a number).
func scalarGoType(k protoreflect.Kind, t reflect.Type) bool {
	switch k {
	case protoreflect.StringKind:
		return t.Kind() == reflect.String
	case protoreflect.BytesKind:
		return t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return t.Kind() == reflect.Int32
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return t.Kind() == reflect.Int64
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return t.Kind() == reflect.Uint32
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return t.Kind() == reflect.Uint64
	case protoreflect.FloatKind:
		return t.Kind() == reflect.Float32
	case protoreflect.DoubleKind:
		return t.Kind() == reflect.Float64
	}
	return false
}

// populate sets fd in m to a value Range reports (not zero), for the probe
// of makePlan.
func populate(m protoreflect.Message, fd protoreflect.FieldDescriptor) {
	switch {
	case fd.IsMap():
		mp := m.Mutable(fd).Map()
		k := probeValue(fd.MapKey()).MapKey()
		if fd.MapValue().Message() != nil {
			mp.Mutable(k)
		} else {
			mp.Set(k, probeValue(fd.MapValue()))
		}
	case fd.IsList():
		l := m.Mutable(fd).List()
		if fd.Message() != nil {
			l.AppendMutable()
		} else {
			l.Append(probeValue(fd))
		}
	case fd.Message() != nil:
		m.Mutable(fd)
	default:
		m.Set(fd, probeValue(fd))
	}
}

func probeValue(fd protoreflect.FieldDescriptor) protoreflect.Value {
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(true)
	case protoreflect.EnumKind:
		return protoreflect.ValueOfEnum(1)
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32(1)
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return protoreflect.ValueOfInt64(1)
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(1)
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(1)
	case protoreflect.FloatKind:
		return protoreflect.ValueOfFloat32(1)
	case protoreflect.DoubleKind:
		return protoreflect.ValueOfFloat64(1)
	case protoreflect.StringKind:
		return protoreflect.ValueOfString("x")
	case protoreflect.BytesKind:
		return protoreflect.ValueOfBytes([]byte("x"))
	}
	panic("grpcguard: no probe value for " + fd.Kind().String())
}

// goMessage walks the message rv points to (a *M of a generated type),
// whose path's node is n, as message walks its protoreflect view.
func (w *walker) goMessage(rv reflect.Value, depth int, n *pathNode) {
	p := planOf(rv.Type())
	if p == nil {
		w.message(rv.Interface().(proto.Message).ProtoReflect(), depth, n)
		return
	}
	if depth >= MaxDepth {
		w.call.MarkPartial()
		return
	}
	if rv.IsNil() {
		return // as an invalid message
	}
	w.planned(p, rv, depth, n)
}

// planned is message for a type with a plan: the populated fields of the
// message rv points to, in Range's order, each as field takes it. Range
// stops at the first field whose callback returns false (w.stop set): the
// walk stops before the next step, as no step sets w.stop but a field's.
func (w *walker) planned(p *plan, rv reflect.Value, depth int, n *pathNode) {
	outerDepth, outerNode := w.depth, w.node
	w.depth, w.node = depth, n
	defer func() { w.depth, w.node = outerDepth, outerNode }()
	s := rv.Elem()
	var pr protoreflect.Message // for the steps through protoreflect
	for i := range p.steps {
		if w.stop {
			return
		}
		st := &p.steps[i]
		switch st.kind {
		case stepSkip:
		case stepScalar:
			f := s.Field(st.field)
			if st.nullable {
				if f.IsNil() {
					continue
				}
				if f.Kind() == reflect.Pointer {
					f = f.Elem()
				}
			} else if !nonZero(f) {
				continue
			}
			w.value(st.fd, scalarValue(st.fd, f), depth, n.fieldOf(st.fd))
		case stepList:
			f := s.Field(st.field)
			if f.Len() == 0 {
				continue
			}
			fn := n.fieldOf(st.fd)
			for j := 0; j < f.Len() && !w.stop; j++ {
				w.value(st.fd, scalarValue(st.fd, f.Index(j)), depth, fn.item(j))
			}
		case stepMessage:
			f := s.Field(st.field)
			if f.IsNil() {
				continue
			}
			w.goMessage(f, depth+1, n.fieldOf(st.fd))
		case stepMessages:
			f := s.Field(st.field)
			if f.Len() == 0 {
				continue
			}
			fn := n.fieldOf(st.fd)
			for j := 0; j < f.Len() && !w.stop; j++ {
				w.goMessage(f.Index(j), depth+1, fn.item(j))
			}
		case stepReflect:
			if pr == nil {
				pr = rv.Interface().(proto.Message).ProtoReflect()
			}
			if pr.Has(st.fd) {
				w.field(st.fd, pr.Get(st.fd))
			}
		case stepOneof:
			if pr == nil {
				pr = rv.Interface().(proto.Message).ProtoReflect()
			}
			if fd := pr.WhichOneof(st.od); fd != nil {
				w.field(fd, pr.Get(fd))
			}
		}
	}
}

// nonZero is protobuf-go's presence of a scalar field without presence: a
// value other than zero (a float's negative zero counts).
func nonZero(f reflect.Value) bool {
	switch f.Kind() {
	case reflect.Int32, reflect.Int64:
		return f.Int() != 0
	case reflect.Uint32, reflect.Uint64:
		return f.Uint() != 0
	case reflect.Float32, reflect.Float64:
		v := f.Float()
		return v != 0 || math.Signbit(v)
	case reflect.String, reflect.Slice:
		return f.Len() > 0
	}
	return false
}

// scalarValue is the protoreflect value of the Go value f of a field of
// fd's kind, which value formats.
func scalarValue(fd protoreflect.FieldDescriptor, f reflect.Value) protoreflect.Value {
	switch fd.Kind() {
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(f.String())
	case protoreflect.BytesKind:
		return protoreflect.ValueOfBytes(f.Bytes())
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		return protoreflect.ValueOfFloat64(f.Float())
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(f.Uint())
	}
	return protoreflect.ValueOfInt64(f.Int())
}
