package grpcguard

import (
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

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
	stepScalar   planKind = iota // a string, bytes or number field
	stepList                     // a list of strings, bytes or numbers
	stepMessage                  // a nested message (*M)
	stepMessages                 // a list of messages ([]*M)
	stepReflect                  // through protoreflect: Has, then Get
	stepOneof                    // through protoreflect: WhichOneof, then Get
)

// A scalarClass is the Go type of a scalar field's values: how a step
// reads them and formats them, as value formats the protoreflect value.
type scalarClass uint8

const (
	classString scalarClass = iota
	classBytes
	classInt32
	classInt64
	classUint32
	classUint64
	classFloat32
	classFloat64
)

// A planStep is one field (or oneof) of a plan. Bool and enum fields,
// never inputs, have no step.
type planStep struct {
	kind  planKind
	class scalarClass
	// nullable: the field has presence and a Go type that shows it (a
	// pointer, then ptr is set, or a slice), so it is populated when not
	// nil, as protobuf-go decides.
	nullable, ptr bool
	field         int     // of the Go struct
	offset        uintptr // of the Go struct field, for scalars
	// The field's index, name and full name, for its path's node.
	index int
	name  protoreflect.Name
	full  protoreflect.FullName
	fd    protoreflect.FieldDescriptor
	od    protoreflect.OneofDescriptor // stepOneof
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
	plans.Store(withEntry(old, t, p))
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
	// Bool and enum fields add nothing: their steps go.
	p.steps = slices.DeleteFunc(p.steps, func(s planStep) bool {
		return s.kind != stepReflect && s.fd != nil && neverInput(s.fd)
	})
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
	s := planStep{kind: stepReflect, fd: fd, field: i, index: fd.Index(), name: fd.Name(), full: fd.FullName()}
	if fd.IsMap() || !ok {
		return s
	}
	if neverInput(fd) {
		s.kind = stepScalar // dropped from the plan
		return s
	}
	k := fd.Kind()
	sf := st.Field(i)
	if !sf.IsExported() {
		return s
	}
	ft := sf.Type
	s.offset = sf.Offset
	isMessage := k == protoreflect.MessageKind || k == protoreflect.GroupKind
	switch {
	case fd.IsList():
		if ft.Kind() != reflect.Slice {
			return s
		}
		switch c, ok := classOf(k, ft.Elem()); {
		case isMessage && isMessagePointer(ft.Elem()):
			s.kind = stepMessages
		case !isMessage && ok:
			s.kind, s.class = stepList, c
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
		if c, ok := classOf(k, base); ok {
			s.kind, s.class, s.nullable, s.ptr = stepScalar, c, nullable, base != ft
		}
	}
	return s
}

// neverInput reports whether the values of fd, bool or enum, are never
// inputs (value adds none).
func neverInput(fd protoreflect.FieldDescriptor) bool {
	return fd.Kind() == protoreflect.BoolKind || fd.Kind() == protoreflect.EnumKind
}

var protoMessageType = reflect.TypeFor[proto.Message]()

func isMessagePointer(t reflect.Type) bool {
	return t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct && t.Implements(protoMessageType)
}

// classOf returns the class of the values of a field of kind k (string,
// bytes or a number) whose Go type is t, and false when t is not the type
// protoc-gen-go gives it.
func classOf(k protoreflect.Kind, t reflect.Type) (scalarClass, bool) {
	switch k {
	case protoreflect.StringKind:
		return classString, t.Kind() == reflect.String
	case protoreflect.BytesKind:
		return classBytes, t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return classInt32, t.Kind() == reflect.Int32
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return classInt64, t.Kind() == reflect.Int64
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return classUint32, t.Kind() == reflect.Uint32
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return classUint64, t.Kind() == reflect.Uint64
	case protoreflect.FloatKind:
		return classFloat32, t.Kind() == reflect.Float32
	case protoreflect.DoubleKind:
		return classFloat64, t.Kind() == reflect.Float64
	}
	return 0, false
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
	base := rv.UnsafePointer()  // not nil: goMessage checked
	var s reflect.Value         // *rv, for the message steps
	var pr protoreflect.Message // for the steps through protoreflect
	for i := range p.steps {
		if w.stop {
			return
		}
		st := &p.steps[i]
		switch st.kind {
		case stepScalar:
			if v, ok := st.scalar(unsafe.Add(base, st.offset)); ok {
				w.add(n.fieldNamed(st.index, st.name, st.full), v)
			}
		case stepList:
			w.list(st, unsafe.Add(base, st.offset), n)
		case stepMessage, stepMessages:
			if !s.IsValid() {
				s = rv.Elem()
			}
			f := s.Field(st.field)
			if st.kind == stepMessage {
				if !f.IsNil() {
					w.goMessage(f, depth+1, n.fieldNamed(st.index, st.name, st.full))
				}
				continue
			}
			if f.Len() == 0 {
				continue
			}
			fn := n.fieldNamed(st.index, st.name, st.full)
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

// scalar reads the scalar field at p: its text, as value formats it, and
// whether it is populated, as protobuf-go decides (not nil for a field
// with presence; else not zero, a float's negative zero counting).
func (st *planStep) scalar(p unsafe.Pointer) (string, bool) {
	if st.ptr {
		p = *(*unsafe.Pointer)(p)
		if p == nil {
			return "", false
		}
	}
	set := st.ptr // a pointer not nil; else a value not zero
	switch st.class {
	case classString:
		v := *(*string)(p)
		return v, set || v != ""
	case classBytes:
		v := *(*[]byte)(p)
		if st.nullable && v == nil || !st.nullable && len(v) == 0 {
			return "", false
		}
		return string(v), true
	case classInt32:
		if v := *(*int32)(p); set || v != 0 {
			return strconv.FormatInt(int64(v), 10), true
		}
	case classInt64:
		if v := *(*int64)(p); set || v != 0 {
			return strconv.FormatInt(v, 10), true
		}
	case classUint32:
		if v := *(*uint32)(p); set || v != 0 {
			return strconv.FormatUint(uint64(v), 10), true
		}
	case classUint64:
		if v := *(*uint64)(p); set || v != 0 {
			return strconv.FormatUint(v, 10), true
		}
	case classFloat32:
		if v := float64(*(*float32)(p)); set || v != 0 || math.Signbit(v) {
			return strconv.FormatFloat(v, 'g', -1, 32), true
		}
	case classFloat64:
		if v := *(*float64)(p); set || v != 0 || math.Signbit(v) {
			return strconv.FormatFloat(v, 'g', -1, 64), true
		}
	}
	return "", false
}

// list adds the items of the list field at p (populated when not empty),
// as field adds a list's.
func (w *walker) list(st *planStep, p unsafe.Pointer, n *pathNode) {
	switch st.class {
	case classString:
		listOf(w, st, n, *(*[]string)(p), func(v string) string { return v })
	case classBytes:
		listOf(w, st, n, *(*[][]byte)(p), func(v []byte) string { return string(v) })
	case classInt32:
		listOf(w, st, n, *(*[]int32)(p), func(v int32) string { return strconv.FormatInt(int64(v), 10) })
	case classInt64:
		listOf(w, st, n, *(*[]int64)(p), func(v int64) string { return strconv.FormatInt(v, 10) })
	case classUint32:
		listOf(w, st, n, *(*[]uint32)(p), func(v uint32) string { return strconv.FormatUint(uint64(v), 10) })
	case classUint64:
		listOf(w, st, n, *(*[]uint64)(p), func(v uint64) string { return strconv.FormatUint(v, 10) })
	case classFloat32:
		listOf(w, st, n, *(*[]float32)(p), func(v float32) string { return strconv.FormatFloat(float64(v), 'g', -1, 32) })
	case classFloat64:
		listOf(w, st, n, *(*[]float64)(p), func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) })
	}
}

func listOf[T any](w *walker, st *planStep, n *pathNode, l []T, text func(T) string) {
	if len(l) == 0 {
		return
	}
	fn := n.fieldNamed(st.index, st.name, st.full)
	for j := 0; j < len(l) && !w.stop; j++ {
		w.add(fn.item(j), text(l[j]))
	}
}
