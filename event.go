package rasp

import (
	"context"
	"strings"
	"time"

	"github.com/gorasp/rasp/taint"
	"github.com/rs/zerolog"
)

// Event is one decision of an [Agent]: a finding, or an internal fault, at a
// sink. It is written as one JSON object by the agent's logger (fields in the
// README) and handed to every hook.
type Event struct {
	Time      time.Time
	Finding   Finding // Kind is "internal_fault" for a fault event
	Mode      Mode    // the mode in force for the sink
	Blocked   bool    // the call was refused
	Late      bool    // blocked when the client could no longer get the 403: headers sent, handler returned, or writer not wrapped
	Sink      string  // "sql", "exec", "fs", ...
	Operation string  // "query", "exec", "prepare", "command", "open", ...
	Request   Request // zero outside the middleware
	Details   []Detail
	Partial   bool   // the middleware inspected the request only in part (a cap was reached)
	Fault     string // the internal fault, for Kind "internal_fault"
	Repeated  int    // events like this one suppressed by de-duplication since the last one written
}

// Request describes the HTTP request, or the call ([Agent.StartCall]), an
// [Event] happened in.
type Request struct {
	Method     string
	Path       string
	Route      string // the route: [SetRoute]'s pattern, else the ServeMux pattern; a gRPC call's full method
	RemoteAddr string
}

// Detail is one sink-specific fact of an [Event], such as the statement kind
// or the clause an input landed in.
type Detail struct {
	Key, Value string
}

// KindInternalFault is the Finding.Kind of an event that reports a fault in
// rasp itself (a recovered panic, a work limit reached).
const KindInternalFault = "internal_fault"

// Limits on what an event carries of attacker-controlled text.
const (
	maxValueLen  = 256  // input values
	maxTargetLen = 1024 // statements, command lines, paths
	redacted     = "[redacted]"
)

// truncate cuts s to at most n bytes, backing up to a UTF-8 boundary, and
// marks the cut.
func truncate(s string, n int) (string, bool) {
	if len(s) <= n {
		return s, false
	}
	i := n
	for i > 0 && i > n-4 && s[i]&0xC0 == 0x80 {
		i--
	}
	return s[:i], true
}

// minMaskLen is the shortest value of another redacted input masked in a
// target: masking every "1" of a statement would leave nothing to read,
// and secrets are longer than this.
const minMaskLen = 4

// redactEvent masks redacted inputs in ev: the offending input's value and
// its span in the target, and every other redacted input of the request
// (a password beside the injected field) where it occurs in the target.
// Each masked run of the target becomes "[redacted]" and the span follows.
func (a *Agent) redactEvent(ctx context.Context, ev *Event) {
	f := &ev.Finding
	self := f.Input.Value != "" && a.cfg.redact(f.Input)
	target := f.Target
	var mask []bool
	mark := func(i, j int) {
		if mask == nil {
			mask = make([]bool, len(target))
		}
		for k := i; k < j; k++ {
			mask[k] = true
		}
	}
	spanOK := f.Start >= 0 && f.Start <= f.End && f.End <= len(target)
	if self && target != "" {
		if spanOK && f.End > f.Start {
			mark(f.Start, f.End)
		}
		markAll(target, f.Input.Value, mark)
	}
	if target != "" {
		for _, in := range taint.FromContext(ctx) {
			if len(in.Value) >= minMaskLen && in != f.Input && a.cfg.redact(in) {
				markAll(target, in.Value, mark)
			}
		}
	}
	if self {
		f.Input.Value = redacted
	}
	if mask == nil {
		return
	}
	var b strings.Builder
	b.Grow(len(target))
	start, end := f.Start, f.End
	for i := 0; i < len(target); {
		if !mask[i] {
			if i == f.Start {
				start = b.Len()
			}
			if i == f.End {
				end = b.Len()
			}
			b.WriteByte(target[i])
			i++
			continue
		}
		j := i
		for j < len(target) && mask[j] {
			j++
		}
		from := b.Len()
		b.WriteString(redacted)
		// A span boundary inside a masked run widens to the whole run.
		if f.Start >= i && f.Start < j {
			start = from
		}
		if f.End > i && f.End <= j {
			end = b.Len()
		} else if f.End == i {
			end = from
		}
		i = j
	}
	if f.End == len(target) && !(f.End > 0 && mask[f.End-1]) {
		end = b.Len()
	}
	if f.Start == len(target) {
		start = b.Len()
	}
	f.Target = b.String()
	if spanOK {
		f.Start, f.End = start, end
	}
}

// markAll marks every occurrence of v in s.
func markAll(s, v string, mark func(i, j int)) {
	for off := 0; ; {
		i := strings.Index(s[off:], v)
		if i < 0 {
			return
		}
		mark(off+i, off+i+len(v))
		off += i + len(v)
	}
}

// defaultRedact reports whether an input is redacted by default: the
// Authorization and Cookie headers, every cookie, and any key that names a
// password, token, secret or key.
func defaultRedact(in taint.Input) bool {
	k := strings.ToLower(in.Key)
	if in.Source == "cookie" {
		return true
	}
	if in.Source == "header" && (k == "authorization" || k == "cookie" || k == "proxy-authorization" || k == "set-cookie") {
		return true
	}
	for _, w := range []string{"pass", "pwd", "token", "secret", "apikey", "api_key", "api-key", "credential", "session", "auth"} {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

func (a *Agent) logEvent(ev *Event) {
	var e *zerolog.Event
	if ev.Finding.Kind == KindInternalFault {
		e = a.log.Error()
	} else {
		e = a.log.Warn()
	}
	if !e.Enabled() {
		return
	}
	f := ev.Finding
	val, valCut := truncate(f.Input.Value, maxValueLen)
	target, targetCut := truncate(f.Target, maxTargetLen)
	e.Str("kind", f.Kind).
		Str("mode", ev.Mode.String()).
		Bool("blocked", ev.Blocked).
		Str("sink", ev.Sink).
		Str("operation", ev.Operation)
	if ev.Fault != "" {
		e.Str("fault", ev.Fault)
	}
	if f.Input.Source != "" || f.Input.Key != "" || f.Input.Value != "" {
		e.Str("input_source", string(f.Input.Source)).
			Str("input_key", f.Input.Key).
			Str("input_value", val)
		if valCut {
			e.Bool("input_value_truncated", true)
		}
	}
	if f.Target != "" {
		e.Str("target", target)
		if targetCut {
			e.Bool("target_truncated", true)
		}
		e.Int("span_start", f.Start).Int("span_end", f.End)
	}
	if f.Reason != "" {
		e.Str("reason", f.Reason)
	}
	if ev.Request.Method != "" {
		e.Str("request_method", ev.Request.Method).
			Str("request_path", ev.Request.Path)
		if ev.Request.Route != "" {
			e.Str("request_route", ev.Request.Route)
		}
		e.Str("remote_addr", ev.Request.RemoteAddr)
	}
	if len(ev.Details) > 0 {
		d := zerolog.Dict()
		for _, kv := range ev.Details {
			v, _ := truncate(kv.Value, maxTargetLen)
			d.Str(kv.Key, v)
		}
		e.Dict("details", d)
	}
	if ev.Late {
		e.Bool("late", true)
	}
	if ev.Partial {
		e.Bool("partial_inspection", true)
	}
	if ev.Repeated > 0 {
		e.Int("repeated", ev.Repeated)
	}
	e.Msg("rasp decision")
}
