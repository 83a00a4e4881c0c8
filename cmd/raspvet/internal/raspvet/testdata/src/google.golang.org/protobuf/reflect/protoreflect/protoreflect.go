// Package protoreflect is a stub of the message interface generated types implement.
package protoreflect

type Message interface{ Interface() any }
