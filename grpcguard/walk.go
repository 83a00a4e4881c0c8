package grpcguard

import (
	"cmp"
	"slices"
	"strconv"
	"sync"

	"github.com/gorasp/rasp/guard"
	"github.com/gorasp/rasp/taint"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
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

type internTable struct {
	mu sync.RWMutex
	m  map[string]string
}

func (t *internTable) intern(b []byte) string {
	t.mu.RLock()
	s, ok := t.m[string(b)] // no allocation for the lookup
	t.mu.RUnlock()
	if ok {
		return s
	}
	s = string(b)
	t.mu.Lock()
	if t.m == nil {
		t.m = make(map[string]string)
	}
	if len(t.m) < maxInterned {
		t.m[s] = s
	}
	t.mu.Unlock()
	return s
}

// maxPath bounds the field path built as a key; the agent cuts keys
// further when it records them.
const maxPath = 256

// collectMessage adds the inputs of m (see "Inputs" in the package
// documentation). A panic in the walk (a broken message implementation)
// marks the call partial rather than fail the call.
func collectMessage(call guard.Call, m any) {
	pm, ok := m.(proto.Message)
	if !ok {
		call.MarkPartial()
		return
	}
	defer func() {
		if recover() != nil {
			call.MarkPartial()
		}
	}()
	w := walker{call: call}
	w.message(pm.ProtoReflect(), 0)
}

type walker struct {
	call guard.Call
	path []byte
	stop bool // the input cap was reached
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
	base := len(w.path)
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.IsExtension() {
			return true
		}
		w.path = w.path[:base]
		w.seg(string(fd.Name()))
		switch {
		case fd.IsList():
			l := v.List()
			lbase := len(w.path)
			for j := 0; j < l.Len() && !w.stop; j++ {
				w.path = w.path[:lbase]
				w.seg(strconv.Itoa(j))
				w.value(fd, l.Get(j), depth)
			}
		case fd.IsMap():
			w.mapField(fd, v.Map(), depth)
		default:
			w.value(fd, v, depth)
		}
		return !w.stop
	})
	w.path = w.path[:base]
}

type mapEntry struct {
	key string
	val protoreflect.Value
}

// mapField adds each key (keyed by the map's path) and each value (keyed
// by the path and the key), in key order.
func (w *walker) mapField(fd protoreflect.FieldDescriptor, m protoreflect.Map, depth int) {
	mbase := len(w.path)
	var arr [16]mapEntry
	entries := arr[:0]
	m.Range(func(k protoreflect.MapKey, v protoreflect.Value) bool {
		entries = append(entries, mapEntry{k.String(), v})
		return true
	})
	slices.SortFunc(entries, func(a, b mapEntry) int { return cmp.Compare(a.key, b.key) })
	keyIsText := fd.MapKey().Kind() != protoreflect.BoolKind
	vd := fd.MapValue()
	for _, e := range entries {
		if w.stop {
			return
		}
		w.path = w.path[:mbase]
		if keyIsText {
			w.add(e.key) // a key a client chose, as JSON object keys are
		}
		w.seg(e.key)
		w.value(vd, e.val, depth)
	}
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

func appendCapped(b []byte, s string) []byte {
	if room := maxPath - len(b); len(s) > room {
		s = s[:max(room, 0)]
	}
	return append(b, s...)
}
