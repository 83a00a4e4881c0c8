// Package pb stands for generated protocol buffer messages.
package pb

import "google.golang.org/protobuf/reflect/protoreflect"

type GetRequest struct{ Name string }

func (x *GetRequest) ProtoReflect() protoreflect.Message { return nil }

func (x *GetRequest) GetName() string { return x.Name }

type GetReply struct{ Body string }

func (x *GetReply) ProtoReflect() protoreflect.Message { return nil }

// OldRequest has the marker of the older protocol buffer API.
type OldRequest struct{ Name string }

func (*OldRequest) ProtoMessage() {}
