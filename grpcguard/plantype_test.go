package grpcguard

import (
	"reflect"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/runtime/protoimpl"
	"google.golang.org/protobuf/types/descriptorpb"
)

// kinds is a message type built as protoc-gen-go builds one (a Go struct
// registered through protoimpl.TypeBuilder), so that plans meet a proto3
// field of every scalar kind: singular, optional and repeated (packed),
// declared out of number order, a oneof and nested messages. No message
// of the well-known or gRPC types has a list of floats, for one.
type kinds struct {
	state protoimpl.MessageState `protogen:"open.v1"`

	S    string    `protobuf:"bytes,9,opt,name=s,proto3"`
	B    []byte    `protobuf:"bytes,2,opt,name=b,proto3"`
	I32  int32     `protobuf:"varint,3,opt,name=i32,proto3"`
	S32  int32     `protobuf:"zigzag32,4,opt,name=s32,proto3"`
	F32  int32     `protobuf:"fixed32,5,opt,name=f32,proto3"`
	I64  int64     `protobuf:"varint,6,opt,name=i64,proto3"`
	U32  uint32    `protobuf:"varint,7,opt,name=u32,proto3"`
	U64  uint64    `protobuf:"varint,8,opt,name=u64,proto3"`
	Fl   float32   `protobuf:"fixed32,1,opt,name=fl,proto3"`
	Db   float64   `protobuf:"fixed64,10,opt,name=db,proto3"`
	OS   *string   `protobuf:"bytes,11,opt,name=os,proto3,oneof"`
	OFl  *float32  `protobuf:"fixed32,12,opt,name=ofl,proto3,oneof"`
	OU64 *uint64   `protobuf:"varint,13,opt,name=ou64,proto3,oneof"`
	OB   []byte    `protobuf:"bytes,14,opt,name=ob,proto3,oneof"`
	RS   []string  `protobuf:"bytes,15,rep,name=rs,proto3"`
	RB   [][]byte  `protobuf:"bytes,16,rep,name=rb,proto3"`
	RI32 []int32   `protobuf:"varint,17,rep,packed,name=ri32,proto3"`
	RI64 []int64   `protobuf:"zigzag64,18,rep,packed,name=ri64,proto3"`
	RU32 []uint32  `protobuf:"fixed32,19,rep,packed,name=ru32,proto3"`
	RU64 []uint64  `protobuf:"fixed64,20,rep,packed,name=ru64,proto3"`
	RFl  []float32 `protobuf:"fixed32,21,rep,packed,name=rfl,proto3"`
	RDb  []float64 `protobuf:"fixed64,22,rep,packed,name=rdb,proto3"`
	RBo  []bool    `protobuf:"varint,23,rep,packed,name=rbo,proto3"`
	Kid  *kinds    `protobuf:"bytes,24,opt,name=kid,proto3"`
	Kids []*kinds  `protobuf:"bytes,25,rep,name=kids,proto3"`
	// Types that are valid to be assigned to Pick: *kinds_PS, *kinds_PD, *kinds_PK.
	Pick isKindsPick `protobuf_oneof:"pick"`

	unknownFields protoimpl.UnknownFields
	sizeCache     protoimpl.SizeCache
}

type isKindsPick interface{ isKindsPick() }

type kinds_PS struct {
	PS string `protobuf:"bytes,26,opt,name=ps,proto3,oneof"`
}
type kinds_PD struct {
	PD float64 `protobuf:"fixed64,27,opt,name=pd,proto3,oneof"`
}
type kinds_PK struct {
	PK *kinds `protobuf:"bytes,28,opt,name=pk,proto3,oneof"`
}

func (*kinds_PS) isKindsPick() {}
func (*kinds_PD) isKindsPick() {}
func (*kinds_PK) isKindsPick() {}

func (*kinds) ProtoMessage() {}

func (x *kinds) ProtoReflect() protoreflect.Message {
	mi := &kindsTypes[0]
	if x != nil {
		ms := protoimpl.X.MessageStateOf(protoimpl.Pointer(x))
		if ms.LoadMessageInfo() == nil {
			ms.StoreMessageInfo(mi)
		}
		return ms
	}
	return mi.MessageOf(x)
}

var kindsTypes = make([]protoimpl.MessageInfo, 1)

func init() {
	T := descriptorpb.FieldDescriptorProto_Type_value
	field := func(name string, num int32, typ string, rep bool, oneof int32) *descriptorpb.FieldDescriptorProto {
		f := &descriptorpb.FieldDescriptorProto{Name: proto.String(name), Number: proto.Int32(num), JsonName: proto.String(name),
			Type:  descriptorpb.FieldDescriptorProto_Type(T["TYPE_"+typ]).Enum(),
			Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()}
		if rep {
			f.Label = descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum()
		}
		if typ == "MESSAGE" {
			f.TypeName = proto.String(".grpcguard.test.Kinds")
		}
		if oneof >= 0 {
			f.OneofIndex = proto.Int32(oneof)
			f.Proto3Optional = proto.Bool(oneof > 0)
		}
		return f
	}
	msg := &descriptorpb.DescriptorProto{Name: proto.String("Kinds"), Field: []*descriptorpb.FieldDescriptorProto{
		field("s", 9, "STRING", false, -1), field("b", 2, "BYTES", false, -1), field("i32", 3, "INT32", false, -1),
		field("s32", 4, "SINT32", false, -1), field("f32", 5, "SFIXED32", false, -1), field("i64", 6, "INT64", false, -1),
		field("u32", 7, "UINT32", false, -1), field("u64", 8, "UINT64", false, -1), field("fl", 1, "FLOAT", false, -1),
		field("db", 10, "DOUBLE", false, -1),
		field("os", 11, "STRING", false, 1), field("ofl", 12, "FLOAT", false, 2), field("ou64", 13, "UINT64", false, 3),
		field("ob", 14, "BYTES", false, 4),
		field("rs", 15, "STRING", true, -1), field("rb", 16, "BYTES", true, -1), field("ri32", 17, "INT32", true, -1),
		field("ri64", 18, "SINT64", true, -1), field("ru32", 19, "FIXED32", true, -1), field("ru64", 20, "FIXED64", true, -1),
		field("rfl", 21, "FLOAT", true, -1), field("rdb", 22, "DOUBLE", true, -1), field("rbo", 23, "BOOL", true, -1),
		field("kid", 24, "MESSAGE", false, -1), field("kids", 25, "MESSAGE", true, -1),
		field("ps", 26, "STRING", false, 0), field("pd", 27, "DOUBLE", false, 0), field("pk", 28, "MESSAGE", false, 0),
	}, OneofDecl: []*descriptorpb.OneofDescriptorProto{{Name: proto.String("pick")}, {Name: proto.String("_os")},
		{Name: proto.String("_ofl")}, {Name: proto.String("_ou64")}, {Name: proto.String("_ob")}}}
	// protoc lists a message's synthetic oneofs after its real ones, and
	// declares each member field in its oneof's place: the fields of pick
	// come last here, as pick is the first oneof.
	raw, err := proto.Marshal(&descriptorpb.FileDescriptorProto{Name: proto.String("grpcguard/kinds_test.proto"),
		Package: proto.String("grpcguard.test"), Syntax: proto.String("proto3"), MessageType: []*descriptorpb.DescriptorProto{msg}})
	if err != nil {
		panic(err)
	}
	kindsTypes[0].OneofWrappers = []any{(*kinds_PS)(nil), (*kinds_PD)(nil), (*kinds_PK)(nil)}
	type x struct{}
	protoimpl.TypeBuilder{
		File:              protoimpl.DescBuilder{GoPackagePath: reflect.TypeOf(x{}).PkgPath(), RawDescriptor: raw, NumMessages: 1},
		GoTypes:           []any{(*kinds)(nil)},
		DependencyIndexes: []int32{0, 0, 0, 3, 3, 3, 3, 0}, // kid, kids and pk are Kinds
		MessageInfos:      kindsTypes,
	}.Build()
}
