package rasp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/gorasp/rasp/taint"
)

func TestWithSlog(t *testing.T) {
	var buf bytes.Buffer
	a := New(WithMode(ModeProtect), WithSlog(slog.New(slog.NewJSONHandler(&buf, nil))))
	ctx := taint.NewContext(context.Background(), sqlFinding.Input)
	if err := a.decideIn(ctx, 0, SinkSQL, "query", sqlFinding, []Detail{{"dialect", "sqlite"}}); !errors.Is(err, ErrBlocked) {
		t.Fatal(err)
	}
	_ = a.fault(ctx, SinkExec, "command", errors.New("budget"))
	var recs []map[string]any
	for l := range strings.Lines(buf.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("%v: %q", err, l)
		}
		recs = append(recs, m)
	}
	if len(recs) != 2 {
		t.Fatalf("%d records, want 2:\n%s", len(recs), buf.String())
	}
	r := recs[0]
	want := map[string]any{
		"level": "WARN", "msg": "rasp decision", "component": "rasp", "kind": KindSQLInjection, "mode": "protect",
		"blocked": true, "sink": "sql", "operation": "query", "input_source": "query", "input_key": "id",
		"input_value": "1 OR 1=1", "target": sqlFinding.Target, "span_start": float64(27), "span_end": float64(35),
		"reason": sqlFinding.Reason,
	}
	for k, v := range want {
		if r[k] != v {
			t.Errorf("%s = %v, want %v", k, r[k], v)
		}
	}
	if d, _ := r["details"].(map[string]any); d["dialect"] != "sqlite" {
		t.Errorf("details %v", r["details"])
	}
	if recs[1]["level"] != "ERROR" || recs[1]["kind"] != KindInternalFault || recs[1]["fault"] != "budget" {
		t.Errorf("fault record %v", recs[1])
	}
}

// TestWithSlogReplacesStderr: with only WithSlog, nothing goes to the
// default sink; with WithLogger too, both are written.
func TestWithSlogAndLogger(t *testing.T) {
	a := New(WithSlog(slog.New(slog.DiscardHandler)))
	if a.logQ != nil {
		t.Error("WithSlog alone still writes to stderr")
	}
	var sb bytes.Buffer
	b, zbuf := testAgent(t, ModeMonitor, WithSlog(slog.New(slog.NewTextHandler(&sb, nil))))
	_ = b.Decide(context.Background(), SinkSQL, "query", sqlFinding)
	if !strings.Contains(sb.String(), `msg="rasp decision"`) || len(zbuf.Events(t)) != 1 {
		t.Errorf("slog %q, zerolog %q", sb.String(), zbuf.String())
	}
}

// TestEventLogValuer: an Event logged as an attribute is a group of its
// fields, through any handler.
func TestEventLogValuer(t *testing.T) {
	var ev Event = Event{Finding: sqlFinding, Mode: ModeMonitor, Sink: SinkSQL, Operation: "query"}
	var _ slog.LogValuer = ev
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("seen", "event", ev)
	var m struct {
		Event map[string]any `json:"event"`
	}
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	if m.Event["kind"] != KindSQLInjection || m.Event["input_key"] != "id" || m.Event["blocked"] != false {
		t.Errorf("event group %v", m.Event)
	}
}

func TestSlogDisabledLevel(t *testing.T) {
	var buf bytes.Buffer
	a := New(WithSlog(slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelError}))))
	_ = a.Decide(context.Background(), SinkSQL, "query", sqlFinding)
	if buf.Len() != 0 {
		t.Errorf("a Warn record passed an Error handler: %s", buf.String())
	}
}
