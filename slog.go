package rasp

import (
	"context"
	"log/slog"
)

// LogValue implements [slog.LogValuer]: the event as a group of the fields
// its JSON line has (README, Events), with the same names and the same cuts
// of attacker-controlled text.
func (ev Event) LogValue() slog.Value {
	return slog.GroupValue(ev.attrs()...)
}

// attrs are the fields of ev as slog attributes, in the order of the JSON
// line.
func (ev Event) attrs() []slog.Attr {
	f := ev.Finding
	as := make([]slog.Attr, 0, 24)
	as = append(as,
		slog.String("kind", f.Kind),
		slog.String("mode", ev.Mode.String()),
		slog.Bool("blocked", ev.Blocked),
		slog.String("sink", ev.Sink),
		slog.String("operation", ev.Operation))
	if ev.Fault != "" {
		as = append(as, slog.String("fault", ev.Fault))
	}
	if f.Input.Source != "" || f.Input.Key != "" || f.Input.Value != "" {
		val, cut := truncate(f.Input.Value, maxValueLen)
		as = append(as,
			slog.String("input_source", string(f.Input.Source)),
			slog.String("input_key", f.Input.Key),
			slog.String("input_value", val))
		if cut {
			as = append(as, slog.Bool("input_value_truncated", true))
		}
		if f.Skeleton != "" {
			as = append(as, slog.Bool("input_redacted", true))
		}
	}
	if f.Target != "" {
		target, cut := truncate(f.Target, maxTargetLen)
		as = append(as, slog.String("target", target))
		if cut {
			as = append(as, slog.Bool("target_truncated", true))
		}
		as = append(as, slog.Int("span_start", f.Start), slog.Int("span_end", f.End))
	}
	if f.Reason != "" {
		as = append(as, slog.String("reason", f.Reason))
	}
	if ev.Request.Method != "" {
		as = append(as,
			slog.String("request_method", ev.Request.Method),
			slog.String("request_path", ev.Request.Path))
		if ev.Request.Route != "" {
			as = append(as, slog.String("request_route", ev.Request.Route))
		}
		as = append(as, slog.String("remote_addr", ev.Request.RemoteAddr))
	}
	if len(ev.Details) > 0 {
		ds := make([]any, 0, len(ev.Details))
		for _, kv := range ev.Details {
			v, _ := truncate(kv.Value, maxTargetLen)
			ds = append(ds, slog.String(kv.Key, v))
		}
		as = append(as, slog.Group("details", ds...))
	}
	if ev.Late {
		as = append(as, slog.Bool("late", true))
	}
	if ev.Partial {
		as = append(as, slog.Bool("partial_inspection", true))
	}
	if ev.Repeated > 0 {
		as = append(as, slog.Int("repeated", ev.Repeated))
	}
	if ev.TraceID != "" {
		as = append(as, slog.String("trace_id", ev.TraceID), slog.String("span_id", ev.SpanID))
	}
	return as
}

// eventLevel is the level of ev: Error for faults, Warn for findings.
func eventLevel(kind string) slog.Level {
	if kind == KindInternalFault || kind == KindHandlerPanic {
		return slog.LevelError
	}
	return slog.LevelWarn
}

// slogEvent writes ev as one record "rasp decision" at the event's time.
func (a *Agent) slogEvent(ctx context.Context, ev *Event) {
	l := a.cfg.slog
	lvl := eventLevel(ev.Finding.Kind)
	if ctx == nil {
		ctx = context.Background()
	}
	if !l.Enabled(ctx, lvl) {
		return
	}
	r := slog.NewRecord(ev.Time, lvl, "rasp decision", 0)
	r.AddAttrs(ev.attrs()...)
	_ = l.Handler().Handle(ctx, r)
}
