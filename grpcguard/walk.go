package grpcguard

import (
	"cmp"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
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

// A pathNode is one field path of the messages walked: its string, made
// once, and the nodes of the paths one segment longer, found by field
// index, list index or map key without building or hashing a path. The
// nodes of one message type form a tree under its root ([rootOf]): the
// schema fixes which kind of segment follows each node, so that a
// message's node has field children, a list's node index children and a
// map's node key children. The walk reads the tree without a lock.
type pathNode struct {
	path  string
	name  string // the last segment, for a field's node: checked on lookup
	index int    // the last segment, for a list item's node: checked on lookup
	// full is the full name of the field of a node fieldOf made: a later
	// walk of the schema finds the node by it (the same string, compared
	// at once) without cutting the field's name out of it.
	full protoreflect.FullName
	// saved: the node is in a tree. The children of a node that is not
	// (the tree was full) are made for each use, as their paths are.
	saved bool

	mu   sync.Mutex                                 // serializes adding children
	kids atomic.Pointer[[]atomic.Pointer[pathNode]] // by field or list index
	keys atomic.Pointer[map[string]*pathNode]       // by map key, copied on write
}

// maxNodes bounds the nodes of all trees (at most maxNodes×maxPath bytes
// of paths): paths with list indices and map keys a client chose are
// unbounded, and once the trees are full new paths are made as they come.
const maxNodes = 4096

// maxNodeKeys bounds the key children of one map's node, so that adding
// one (copying the map) costs a bounded time.
const maxNodeKeys = 64

var (
	nodes   atomic.Int64                                        // in all trees
	rootsMu sync.Mutex                                          // serializes adding roots
	roots   atomic.Pointer[map[protoreflect.FullName]*pathNode] // copied on write
)

// maxRoots bounds the trees (one per message type a call received), so
// that adding one (copying the map of roots) costs a bounded time.
const maxRoots = 256

// rootOf returns the root of the tree of messages named name: the empty
// path. Messages of two schemas under one name (a dynamic message and a
// generated one) share a tree; the checks on lookup keep their paths
// apart, at the cost of making some for each use.
func rootOf(name protoreflect.FullName) *pathNode {
	if m := roots.Load(); m != nil {
		if r := (*m)[name]; r != nil {
			return r
		}
	}
	rootsMu.Lock()
	defer rootsMu.Unlock()
	old := roots.Load()
	if old != nil {
		if r := (*old)[name]; r != nil {
			return r
		}
		if len(*old) >= maxRoots {
			return &pathNode{}
		}
	}
	if !reserveNode() {
		return &pathNode{}
	}
	r := &pathNode{saved: true}
	roots.Store(withEntry(old, name, r))
	return r
}

// withEntry returns a copy of the map *old (none when old is nil) with k
// set to v: the maps read without a lock are copied on write.
func withEntry[K comparable, V any](old *map[K]V, k K, v V) *map[K]V {
	n := 1
	if old != nil {
		n += len(*old)
	}
	m := make(map[K]V, n)
	if old != nil {
		maps.Copy(m, *old)
	}
	m[k] = v
	return &m
}

// reserveNode counts one more node in the trees, and reports false when
// they are full.
func reserveNode() bool {
	if nodes.Add(1) > maxNodes {
		nodes.Add(-1)
		return false
	}
	return true
}

// field returns the node of the field of the message of n whose index
// (in its message's fields) is i and whose name is name.
func (n *pathNode) field(i int, name string) *pathNode { return n.named(i, name, "") }

// fieldOf is field for the field fd describes. The name of a field is the
// last segment of its full name, so a node whose full name is fd's is the
// node field(fd.Index(), fd.Name()) finds.
func (n *pathNode) fieldOf(fd protoreflect.FieldDescriptor) *pathNode {
	return n.fieldNamed(fd.Index(), fd.Name(), fd.FullName())
}

// fieldNamed is fieldOf for the field whose index, name and full name
// are i, name and full.
func (n *pathNode) fieldNamed(i int, name protoreflect.Name, full protoreflect.FullName) *pathNode {
	if t := n.kids.Load(); t != nil && i < len(*t) && full != "" {
		if k := (*t)[i].Load(); k != nil && k.full == full {
			return k
		}
	}
	return n.named(i, string(name), full)
}

// named is field; a node it adds keeps full.
func (n *pathNode) named(i int, name string, full protoreflect.FullName) *pathNode {
	if t := n.kids.Load(); t != nil && i < len(*t) {
		if k := (*t)[i].Load(); k != nil && k.name == name {
			return k
		}
	}
	return n.addKid(i, name, 0, full)
}

// item returns the node of the list item of n at index j.
func (n *pathNode) item(j int) *pathNode {
	if t := n.kids.Load(); t != nil && j < len(*t) {
		if k := (*t)[j].Load(); k != nil && k.index == j && k.name == "" {
			return k
		}
	}
	return n.addKid(j, "", j, "")
}

// addKid is the slow path of field (name set) and item (name empty).
func (n *pathNode) addKid(i int, name string, index int, full protoreflect.FullName) *pathNode {
	seg := name
	if name == "" {
		seg = strconv.Itoa(index)
	}
	k := &pathNode{path: childPath(n.path, seg), name: name, index: index, full: full}
	if !n.saved {
		return k
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	t := n.kids.Load()
	if t != nil && i < len(*t) {
		if old := (*t)[i].Load(); old != nil {
			if old.name == name && old.index == index {
				return old // added while we waited
			}
			return k // a slot of another schema's node: k stays out
		}
	}
	if !reserveNode() {
		return k
	}
	k.saved = true
	if t == nil || i >= len(*t) {
		// Grown by doubling, so that a long list's items cost linear
		// time in all; the old slots are copied, the new one is set
		// below.
		grown := make([]atomic.Pointer[pathNode], max(2*i+1, 4))
		if t != nil {
			for j := range *t {
				grown[j].Store((*t)[j].Load())
			}
		}
		grown[i].Store(k)
		n.kids.Store(&grown)
		return k
	}
	(*t)[i].Store(k)
	return k
}

// key returns the node of the map entry of n under key k.
func (n *pathNode) key(k string) *pathNode {
	if m := n.keys.Load(); m != nil {
		if c := (*m)[k]; c != nil {
			return c
		}
	}
	c := &pathNode{path: childPath(n.path, k)}
	if !n.saved || len(k) > maxPath {
		return c // a long key stays out, rather than be kept whole
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	old := n.keys.Load()
	if old != nil {
		if prev := (*old)[k]; prev != nil {
			return prev
		}
		if len(*old) >= maxNodeKeys {
			return c
		}
	}
	if !reserveNode() {
		return c
	}
	c.saved = true
	n.keys.Store(withEntry(old, strings.Clone(k), c)) // the key is not the message's memory
	return c
}

// maxPath bounds a field path; the agent cuts keys further when it records
// them.
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
	pr := pm.ProtoReflect()
	root := rootOf(pr.Descriptor().FullName())
	if wellKnown {
		w.goMessage(reflect.ValueOf(pm), 0, root)
		return
	}
	w.message(pr, 0, root)
}

// walkers keeps walkers with their Range callbacks, so a walk allocates
// neither.
var walkers = sync.Pool{New: func() any {
	w := &walker{}
	w.fieldFn, w.entryFn = w.field, w.entry
	return w
}}

type walker struct {
	call      guard.Call
	stop      bool // the input cap was reached
	wellKnown bool // walk the types of [walker.known] by their Go fields
	// The message being ranged: its depth and its path's node.
	depth   int
	node    *pathNode
	fieldFn func(protoreflect.FieldDescriptor, protoreflect.Value) bool // w.field
	entries []mapEntry                                                  // of the maps being walked, outermost first
	entryFn func(protoreflect.MapKey, protoreflect.Value) bool          // w.entry
	structs []structEntry                                               // of the Structs being walked, as entries
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
	w.call, w.stop, w.entries, w.structs, w.depth, w.node = guard.Call{}, false, w.entries[:0], w.structs[:0], 0, nil
	walkers.Put(w)
}

// message walks the populated fields of m, whose path's node is n, in the
// message's own field order (protobuf-go ranges a generated message's
// fields in a fixed order), and map entries in key order, so that the
// inputs a cap keeps do not depend on map iteration.
func (w *walker) message(m protoreflect.Message, depth int, n *pathNode) {
	if depth >= MaxDepth {
		w.call.MarkPartial()
		return
	}
	if !m.IsValid() {
		return
	}
	outerDepth, outerNode := w.depth, w.node
	w.depth, w.node = depth, n
	if !w.wellKnown {
		m.Range(w.fieldFn)
	} else if pm := m.Interface(); !w.known(pm) {
		if p := planOf(reflect.TypeOf(pm)); p != nil {
			w.planned(p, reflect.ValueOf(pm), depth, n)
		} else {
			m.Range(w.fieldFn)
		}
	}
	w.depth, w.node = outerDepth, outerNode
}

// field is the Range callback of message: one populated field of the
// message at w.depth, whose path's node is w.node.
func (w *walker) field(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
	if fd.IsExtension() {
		return true
	}
	depth := w.depth
	n := w.node.fieldOf(fd)
	switch {
	case fd.IsList():
		l := v.List()
		for j := 0; j < l.Len() && !w.stop; j++ {
			w.value(fd, l.Get(j), depth, n.item(j))
		}
	case fd.IsMap():
		w.mapField(fd, v.Map(), depth, n)
	default:
		w.value(fd, v, depth, n)
	}
	return !w.stop
}

type mapEntry struct {
	key string
	val protoreflect.Value
}

// mapField adds each key (keyed by the map's path, whose node is n) and
// each value (keyed by the path and the key), in key order. The entries
// are gathered at the end of w.entries, which nested maps share: they
// append after them and cut back to where they began.
func (w *walker) mapField(fd protoreflect.FieldDescriptor, m protoreflect.Map, depth int, n *pathNode) {
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
		if keyIsText {
			w.add(n, e.key) // a key a client chose, as JSON object keys are
		}
		w.value(vd, e.val, depth, n.key(e.key))
	}
}

// entry is the Range callback of mapField.
func (w *walker) entry(k protoreflect.MapKey, v protoreflect.Value) bool {
	w.entries = append(w.entries, mapEntry{k.String(), v})
	return true
}

// value adds one scalar, or walks one nested message, whose path's node
// is n.
func (w *walker) value(fd protoreflect.FieldDescriptor, v protoreflect.Value, depth int, n *pathNode) {
	var s string
	switch k := fd.Kind(); k {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		w.message(v.Message(), depth+1, n)
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
	w.add(n, s)
}

// add adds s under the path of n.
func (w *walker) add(n *pathNode, s string) {
	if !w.call.Add(taint.SourceMessage, n.path, s) {
		w.stop = true
	}
}

// childPath is the path of segment seg under parent: dot-separated,
// within maxPath.
func childPath(parent, seg string) string {
	b := make([]byte, 0, min(len(parent)+1+len(seg), maxPath))
	b = append(b, parent...)
	if len(b) > 0 {
		b = appendCapped(b, ".")
	}
	return string(appendCapped(b, seg))
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

// The fields of the well-known types [walker.known] walks, by index in
// their message, as field finds their nodes.
var (
	structFieldsField = structField("Struct", "fields")
	listValuesField   = structField("ListValue", "values")
	numberValueField  = structField("Value", "number_value")
	stringValueField  = structField("Value", "string_value")
	structValueField  = structField("Value", "struct_value")
	listValueField    = structField("Value", "list_value")
)

type knownField struct {
	index int
	name  string
}

func structField(msg, field protoreflect.Name) knownField {
	fd := structpb.File_google_protobuf_struct_proto.Messages().ByName(msg).Fields().ByName(field)
	return knownField{fd.Index(), string(fd.Name())}
}

func (n *pathNode) known(f knownField) *pathNode { return n.field(f.index, f.name) }

type structEntry struct {
	key string
	val *structpb.Value
}

// structFields is field and mapField for a Struct's one field, the map
// "fields" (of the message at w.depth, whose path's node is w.node): each
// key, then each value, in key order.
func (w *walker) structFields(s *structpb.Struct) {
	if len(s.Fields) == 0 {
		return // not populated
	}
	depth := w.depth
	n := w.node.known(structFieldsField)
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
		w.add(n, e.key)
		w.message(e.val.ProtoReflect(), depth+1, n.key(e.key))
	}
}

// structValue is field for the member of a Value's oneof "kind" that is
// set (a typed nil wrapper is not set, as protobuf-go ranges it).
func (w *walker) structValue(v *structpb.Value) {
	depth := w.depth
	switch k := v.Kind.(type) {
	case *structpb.Value_NumberValue:
		if k != nil {
			w.add(w.node.known(numberValueField), strconv.FormatFloat(k.NumberValue, 'g', -1, 64))
		}
	case *structpb.Value_StringValue:
		if k != nil {
			w.add(w.node.known(stringValueField), k.StringValue)
		}
	case *structpb.Value_StructValue:
		if k != nil {
			w.message(k.StructValue.ProtoReflect(), depth+1, w.node.known(structValueField))
		}
	case *structpb.Value_ListValue:
		if k != nil {
			w.message(k.ListValue.ProtoReflect(), depth+1, w.node.known(listValueField))
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
	n := w.node.known(listValuesField)
	for j := 0; j < len(l.Values) && !w.stop; j++ {
		w.message(l.Values[j].ProtoReflect(), depth+1, n.item(j))
	}
}
