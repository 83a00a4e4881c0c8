package grpcguard

import (
	"cmp"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/gorasp/rasp/guard"
	"github.com/gorasp/rasp/taint"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/structpb"
)

// MaxDepth is how many levels of nested messages are walked for inputs. A
// message nested deeper marks the call partial. protobuf-go decodes up to
// 10000 levels (protowire's default recursion limit); real schemas nest a
// handful, so 64 leaves room while bounding the walk's stack.
const MaxDepth = 64

// keys interns field paths: the same schema yields the same paths call
// after call, so each costs one allocation per process instead of one per
// input.
var keys internTable

// maxInterned bounds the table (at most maxInterned×maxPath bytes): paths
// with list indices and map keys a client chose are unbounded, and once the
// table is full new ones are allocated as they come.
const maxInterned = 4096

// internTable is read without a lock, from a snapshot map that is never
// modified once published: a message's paths are looked up once per input
// on every call, and a lock (even a read lock, an atomic add each way)
// costs more than the lookup. New paths go into all under mu; a snapshot
// of all is published when all has grown by a quarter since the last one,
// or when lookups numbering a quarter of all had to take the lock since
// the last one: the copying is paid for by the slow lookups before it (four
// entries each), and a schema's paths are all in the snapshot after a few
// calls.
type internTable struct {
	snap atomic.Pointer[map[string]string]

	mu   sync.Mutex
	all  map[string]string
	slow int // lookups that took mu since the last snapshot
}

func (t *internTable) intern(b []byte) string {
	if m := t.snap.Load(); m != nil {
		if s, ok := (*m)[string(b)]; ok { // no allocation for the lookup
			return s
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.slow++
	s, ok := t.all[string(b)]
	if !ok {
		s = string(b)
		if len(t.all) >= maxInterned {
			return s
		}
		if t.all == nil {
			t.all = make(map[string]string)
		}
		t.all[s] = s
	}
	published := 0
	if m := t.snap.Load(); m != nil {
		published = len(*m)
	}
	if len(t.all) > published && (len(t.all) >= published+published/4+1 || 4*t.slow >= len(t.all)) {
		m := make(map[string]string, len(t.all))
		for k, v := range t.all {
			m[k] = v
		}
		t.snap.Store(&m)
		t.slow = 0
	}
	return s
}

// maxPath bounds the field path built as a key; the agent cuts keys
// further when it records them.
const maxPath = 256

// collectMessage adds the inputs of m (see "Inputs" in the package
// documentation). A panic in the walk (a broken message implementation)
// marks the call partial rather than fail the call.
func collectMessage(call guard.Call, m any) { collect(call, m, true) }

// collect is collectMessage; with wellKnown false it walks every message
// through protoreflect, without the fast paths of [walker.known] (the
// tests compare both).
func collect(call guard.Call, m any, wellKnown bool) {
	pm, ok := m.(proto.Message)
	if !ok {
		call.MarkPartial()
		return
	}
	w := walkers.Get().(*walker)
	w.call, w.wellKnown = call, wellKnown
	defer func() {
		if recover() != nil {
			call.MarkPartial()
		}
		w.release()
	}()
	w.message(pm.ProtoReflect(), 0)
}

// walkers keeps walkers with their path buffer and Range callback, so a
// walk allocates neither.
var walkers = sync.Pool{New: func() any {
	w := &walker{path: make([]byte, 0, maxPath)}
	w.fieldFn, w.entryFn = w.field, w.entry
	return w
}}

type walker struct {
	call      guard.Call
	path      []byte
	stop      bool // the input cap was reached
	wellKnown bool // walk the types of [walker.known] by their Go fields
	// The message being ranged: its depth, and the length of path at it.
	depth, base int
	fieldFn     func(protoreflect.FieldDescriptor, protoreflect.Value) bool // w.field
	entries     []mapEntry                                                  // of the maps being walked, outermost first
	entryFn     func(protoreflect.MapKey, protoreflect.Value) bool          // w.entry
	structs     []structEntry                                               // of the Structs being walked, as entries
}

// maxPooledEntries bounds the map entries a pooled walker keeps room for
// (a client chooses how many a map holds).
const maxPooledEntries = 1 << 10

func (w *walker) release() {
	if cap(w.entries) > maxPooledEntries {
		w.entries = nil
	}
	if cap(w.structs) > maxPooledEntries {
		w.structs = nil
	}
	w.call, w.stop, w.path, w.entries, w.structs, w.depth, w.base = guard.Call{}, false, w.path[:0], w.entries[:0], w.structs[:0], 0, 0
	walkers.Put(w)
}

// message walks the populated fields of m in the message's own field
// order (protobuf-go ranges a generated message's fields in a fixed order),
// and map entries in key order, so that the inputs a cap keeps do not
// depend on map iteration.
func (w *walker) message(m protoreflect.Message, depth int) {
	if depth >= MaxDepth {
		w.call.MarkPartial()
		return
	}
	if !m.IsValid() {
		return
	}
	outerDepth, outerBase := w.depth, w.base
	w.depth, w.base = depth, len(w.path)
	if !w.wellKnown || !w.known(m.Interface()) {
		m.Range(w.fieldFn)
	}
	w.path = w.path[:w.base]
	w.depth, w.base = outerDepth, outerBase
}

// field is the Range callback of message: one populated field of the
// message at w.depth, whose path is w.path[:w.base].
func (w *walker) field(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
	if fd.IsExtension() {
		return true
	}
	depth := w.depth
	w.path = w.path[:w.base]
	w.seg(string(fd.Name()))
	switch {
	case fd.IsList():
		l := v.List()
		lbase := len(w.path)
		for j := 0; j < l.Len() && !w.stop; j++ {
			w.path = w.path[:lbase]
			w.segIndex(j)
			w.value(fd, l.Get(j), depth)
		}
	case fd.IsMap():
		w.mapField(fd, v.Map(), depth)
	default:
		w.value(fd, v, depth)
	}
	return !w.stop
}

type mapEntry struct {
	key string
	val protoreflect.Value
}

// mapField adds each key (keyed by the map's path) and each value (keyed
// by the path and the key), in key order. The entries are gathered at the
// end of w.entries, which nested maps share: they append after them and
// cut back to where they began.
func (w *walker) mapField(fd protoreflect.FieldDescriptor, m protoreflect.Map, depth int) {
	mbase := len(w.path)
	first := len(w.entries)
	m.Range(w.entryFn)
	last := len(w.entries)
	defer func() {
		clear(w.entries[first:last]) // a pooled walker keeps no message alive
		w.entries = w.entries[:first]
	}()
	slices.SortFunc(w.entries[first:last], func(a, b mapEntry) int { return cmp.Compare(a.key, b.key) })
	keyIsText := fd.MapKey().Kind() != protoreflect.BoolKind
	vd := fd.MapValue()
	for i := first; i < last; i++ {
		if w.stop {
			return
		}
		e := w.entries[i] // by index: a nested map may move w.entries
		w.path = w.path[:mbase]
		if keyIsText {
			w.add(e.key) // a key a client chose, as JSON object keys are
		}
		w.seg(e.key)
		w.value(vd, e.val, depth)
	}
}

// entry is the Range callback of mapField.
func (w *walker) entry(k protoreflect.MapKey, v protoreflect.Value) bool {
	w.entries = append(w.entries, mapEntry{k.String(), v})
	return true
}

// value adds one scalar, or walks one nested message.
func (w *walker) value(fd protoreflect.FieldDescriptor, v protoreflect.Value, depth int) {
	var s string
	switch k := fd.Kind(); k {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		w.message(v.Message(), depth+1)
		return
	case protoreflect.StringKind:
		s = v.String()
	case protoreflect.BytesKind:
		s = string(v.Bytes())
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind,
		protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		s = strconv.FormatInt(v.Int(), 10)
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		s = strconv.FormatUint(v.Uint(), 10)
	case protoreflect.FloatKind:
		s = strconv.FormatFloat(v.Float(), 'g', -1, 32)
	case protoreflect.DoubleKind:
		s = strconv.FormatFloat(v.Float(), 'g', -1, 64)
	default:
		return // bool, enum: not chosen as text
	}
	w.add(s)
}

func (w *walker) add(s string) {
	if !w.call.Add(taint.SourceMessage, keys.intern(w.path), s) {
		w.stop = true
	}
}

// seg appends one path segment, dot-separated, within maxPath.
func (w *walker) seg(s string) {
	if len(w.path) > 0 {
		w.path = appendCapped(w.path, ".")
	}
	w.path = appendCapped(w.path, s)
}

// segIndex appends a list index as a path segment.
func (w *walker) segIndex(j int) {
	var digits [20]byte
	w.segBytes(strconv.AppendInt(digits[:0], int64(j), 10))
}

func (w *walker) segBytes(b []byte) {
	if len(w.path) > 0 {
		w.path = appendCapped(w.path, ".")
	}
	if room := maxPath - len(w.path); len(b) > room {
		b = b[:max(room, 0)]
	}
	w.path = append(w.path, b...)
}

func appendCapped(b []byte, s string) []byte {
	if room := maxPath - len(b); len(s) > room {
		s = s[:max(room, 0)]
	}
	return append(b, s...)
}

// known walks the well-known types whose reflection costs the most
// (google.protobuf.Struct reflects over a Go map, and Value's oneof over
// an interface) by their Go fields, exactly as the reflection walk goes:
// the same populated fields, paths, key order, caps and depth. It reports
// false for any other message, which message then ranges.
func (w *walker) known(m proto.Message) bool {
	switch m := m.(type) {
	case *structpb.Struct:
		w.structFields(m)
	case *structpb.Value:
		w.structValue(m)
	case *structpb.ListValue:
		w.listValues(m)
	default:
		return false
	}
	return true
}

type structEntry struct {
	key string
	val *structpb.Value
}

// structFields is field and mapField for a Struct's one field, the map
// "fields" (of the message at w.depth, whose path is w.path[:w.base]):
// each key, then each value, in key order.
func (w *walker) structFields(s *structpb.Struct) {
	if len(s.Fields) == 0 {
		return // not populated
	}
	depth := w.depth
	w.path = w.path[:w.base]
	w.seg("fields")
	mbase := len(w.path)
	first := len(w.structs)
	for k, v := range s.Fields {
		w.structs = append(w.structs, structEntry{k, v})
	}
	last := len(w.structs)
	defer func() {
		clear(w.structs[first:last]) // a pooled walker keeps no message alive
		w.structs = w.structs[:first]
	}()
	slices.SortFunc(w.structs[first:last], func(a, b structEntry) int { return cmp.Compare(a.key, b.key) })
	for i := first; i < last; i++ {
		if w.stop {
			return
		}
		e := w.structs[i] // by index: a nested Struct may move w.structs
		w.path = w.path[:mbase]
		w.add(e.key)
		w.seg(e.key)
		w.message(e.val.ProtoReflect(), depth+1)
	}
}

// structValue is field for the member of a Value's oneof "kind" that is
// set (a typed nil wrapper is not set, as protobuf-go ranges it).
func (w *walker) structValue(v *structpb.Value) {
	depth := w.depth
	switch k := v.Kind.(type) {
	case *structpb.Value_NumberValue:
		if k != nil {
			w.path = w.path[:w.base]
			w.seg("number_value")
			w.add(strconv.FormatFloat(k.NumberValue, 'g', -1, 64))
		}
	case *structpb.Value_StringValue:
		if k != nil {
			w.path = w.path[:w.base]
			w.seg("string_value")
			w.add(k.StringValue)
		}
	case *structpb.Value_StructValue:
		if k != nil {
			w.path = w.path[:w.base]
			w.seg("struct_value")
			w.message(k.StructValue.ProtoReflect(), depth+1)
		}
	case *structpb.Value_ListValue:
		if k != nil {
			w.path = w.path[:w.base]
			w.seg("list_value")
			w.message(k.ListValue.ProtoReflect(), depth+1)
		}
	}
	// null_value (an enum) and bool_value are not inputs.
}

// listValues is field for a ListValue's one field, the list "values".
func (w *walker) listValues(l *structpb.ListValue) {
	if len(l.Values) == 0 {
		return // not populated
	}
	depth := w.depth
	w.path = w.path[:w.base]
	w.seg("values")
	lbase := len(w.path)
	for j := 0; j < len(l.Values) && !w.stop; j++ {
		w.path = w.path[:lbase]
		w.segIndex(j)
		w.message(l.Values[j].ProtoReflect(), depth+1)
	}
}
