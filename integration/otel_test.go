package integration

import (
	"context"
	"errors"
	"testing"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/internal/testlog"
	"github.com/gorasp/rasp/taint"
	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// spanFinding is a finding as the SQL guard reports it.
var spanFinding = rasp.Finding{
	Kind:   rasp.KindSQLInjection,
	Input:  taint.Input{Source: taint.SourceQuery, Key: "id", Value: "1 OR 1=1"},
	Target: "SELECT * FROM t WHERE id = 1 OR 1=1",
	Start:  27, End: 35,
}

// TestSpanEvents: with a recording span in the context, each decision is a
// rasp.decision span event, a block sets the status, and the JSON event
// carries the trace and span ids. The SDK's span recorder stands in for an
// exporter; the library itself imports only the trace API.
func TestSpanEvents(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	for _, mode := range []rasp.Mode{rasp.ModeMonitor, rasp.ModeProtect} {
		buf := &testlog.Buffer{}
		a := rasp.New(rasp.WithMode(mode), rasp.WithLogger(zerolog.New(buf)))
		ctx, span := tp.Tracer("test").Start(context.Background(), "GET /search")
		err := a.Decide(ctx, rasp.SinkSQL, "query", spanFinding)
		span.End()
		if errors.Is(err, rasp.ErrBlocked) != (mode == rasp.ModeProtect) {
			t.Fatalf("%v: Decide = %v", mode, err)
		}
		spans := rec.Ended()
		s := spans[len(spans)-1]
		if len(s.Events()) != 1 || s.Events()[0].Name != rasp.SpanEventDecision {
			t.Fatalf("%v: span events %+v", mode, s.Events())
		}
		got := map[attribute.Key]attribute.Value{}
		for _, kv := range s.Events()[0].Attributes {
			got[kv.Key] = kv.Value
		}
		want := map[attribute.Key]attribute.Value{
			rasp.AttrKind: attribute.StringValue(rasp.KindSQLInjection), rasp.AttrBlocked: attribute.BoolValue(mode == rasp.ModeProtect),
			rasp.AttrSink: attribute.StringValue(rasp.SinkSQL), rasp.AttrOperation: attribute.StringValue("query"),
			rasp.AttrInputSource: attribute.StringValue("query"), rasp.AttrInputKey: attribute.StringValue("id"),
		}
		if len(got) != len(want) {
			t.Errorf("%v: attributes %v", mode, got)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%v: %s = %v, want %v", mode, k, got[k].String(), v.String())
			}
		}
		if wantErr := mode == rasp.ModeProtect; (s.Status().Code == codes.Error) != wantErr {
			t.Errorf("%v: span status %v", mode, s.Status())
		}
		ev := buf.Events(t)
		sc := span.SpanContext()
		if len(ev) != 1 || ev[0]["trace_id"] != sc.TraceID().String() || ev[0]["span_id"] != sc.SpanID().String() {
			t.Errorf("%v: event ids %v, want %s %s", mode, ev, sc.TraceID(), sc.SpanID())
		}
	}
}

// TestSpanEventWithoutLogs: a recording span sees a monitor-mode decision
// that no logger or hook would.
func TestSpanEventWithoutLogs(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	a := rasp.New(rasp.WithMode(rasp.ModeMonitor), rasp.WithLogger(zerolog.Nop()))
	ctx, span := tp.Tracer("test").Start(context.Background(), "op")
	_ = a.Decide(ctx, rasp.SinkSQL, "query", spanFinding)
	span.End()
	if n := len(rec.Ended()[0].Events()); n != 1 {
		t.Errorf("%d span events, want 1", n)
	}
	// A context with only a remote span context records nothing and
	// costs nothing.
	remote := trace.ContextWithSpanContext(context.Background(), span.SpanContext())
	if allocs := testing.AllocsPerRun(100, func() { _ = a.Decide(remote, rasp.SinkSQL, "query", spanFinding) }); allocs != 0 {
		t.Errorf("%v allocations per unseen decision", allocs)
	}
}
