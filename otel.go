package rasp

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Span event and attribute names of a decision, see [Agent.Decide].
const (
	SpanEventDecision = "rasp.decision"
	AttrKind          = attribute.Key("rasp.kind")
	AttrBlocked       = attribute.Key("rasp.blocked")
	AttrSink          = attribute.Key("rasp.sink")
	AttrOperation     = attribute.Key("rasp.operation")
	AttrInputSource   = attribute.Key("rasp.input.source")
	AttrInputKey      = attribute.Key("rasp.input.key")
)

// traceIDs copies the trace and span ids ctx carries into ev.
func traceIDs(ctx context.Context, ev *Event) {
	if ctx == nil {
		return
	}
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		ev.TraceID = sc.TraceID().String()
		ev.SpanID = sc.SpanID().String()
	}
}

// recording reports whether ctx carries a span that records events.
func recording(ctx context.Context) bool {
	return ctx != nil && trace.SpanFromContext(ctx).IsRecording()
}

// spanEvent adds ev to the recording span ctx carries, if any, as a
// "rasp.decision" event; a block sets the span's status to Error. Only
// the input's source and key go into the span, never its value: traces
// are kept and shared more widely than security logs.
func spanEvent(ctx context.Context, ev *Event) {
	if ctx == nil {
		return
	}
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return
	}
	span.AddEvent(SpanEventDecision, trace.WithTimestamp(ev.Time), trace.WithAttributes(
		AttrKind.String(ev.Finding.Kind),
		AttrBlocked.Bool(ev.Blocked),
		AttrSink.String(ev.Sink),
		AttrOperation.String(ev.Operation),
		AttrInputSource.String(string(ev.Finding.Input.Source)),
		AttrInputKey.String(ev.Finding.Input.Key),
	))
	if ev.Blocked {
		span.SetStatus(codes.Error, "rasp: blocked "+ev.Finding.Kind+" at "+ev.Sink)
	}
}
