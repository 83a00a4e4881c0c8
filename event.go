package rasp

import (
	"context"
	"slices"
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
	TraceID   string // the OpenTelemetry trace id of the deciding context, when it carries one (hex)
	SpanID    string // its span id (hex)
}

// Request describes the HTTP request, or the call
// ([github.com/gorasp/rasp/guard.StartCall]), an [Event] happened in.
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

// KindHandlerPanic is the Finding.Kind of the event that reports a handler
// that panicked after one of its calls was blocked; its Fault holds the
// panic, and the client got its 403 all the same (see [Agent.Middleware]).
const KindHandlerPanic = "handler_panic"

// KindPartialInspection is the Finding.Kind of an event that reports a
// guarded call of a request the middleware inspected only in part: see
// [WithPartialClosed] and [github.com/gorasp/rasp/guard.Partial].
const KindPartialInspection = "partial_inspection"

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

// redactEvent masks redacted inputs in ev. When the offending input is
// redacted, its value and its span in the target show its syntax skeleton
// ([Finding].Skeleton, else [maskWords]): the attack stays readable, its
// words do not. Other occurrences of it in the target, and every other
// redacted input of the request (a password beside the injected field)
// where it occurs in the target, become "[redacted]"; the span follows.
func (a *Agent) redactEvent(ctx context.Context, ev *Event) {
	f := &ev.Finding
	self := f.Input.Value != "" && a.cfg.redact(f.Input)
	target := f.Target
	spanOK := f.Start >= 0 && f.Start <= f.End && f.End <= len(target)
	selfSpan := self && spanOK && f.End > f.Start
	value := f.Input.Value
	var skel string
	if self {
		switch {
		case f.Skeleton != "":
			skel = f.Skeleton
		case selfSpan:
			skel = maskWords(target[f.Start:f.End])
		default:
			skel = maskWords(value)
		}
		f.Input.Value = skel
	}
	f.Skeleton = skel // non-empty exactly when the input is redacted: logged as input_redacted
	var mask []bool
	mark := func(i, j int) {
		if mask == nil {
			mask = make([]bool, len(target))
		}
		for k := i; k < j; k++ {
			mask[k] = true
		}
	}
	if target != "" {
		if self {
			markAll(target, value, mark)
		}
		for _, in := range taint.FromContext(ctx) {
			if len(in.Value) >= minMaskLen && in != f.Input && a.cfg.redact(in) {
				markAll(target, in.Value, mark)
			}
		}
	}
	if mask == nil && !selfSpan {
		return
	}
	var b strings.Builder
	b.Grow(len(target))
	start, end := f.Start, f.End
	for i := 0; i < len(target); {
		if selfSpan && i == f.Start {
			start = b.Len()
			b.WriteString(skel)
			end = b.Len()
			i = f.End
			continue
		}
		if mask == nil || !mask[i] {
			if !selfSpan {
				if i == f.Start {
					start = b.Len()
				}
				if i == f.End {
					end = b.Len()
				}
			}
			b.WriteByte(target[i])
			i++
			continue
		}
		j := i
		for j < len(target) && mask[j] && !(selfSpan && j == f.Start) {
			j++
		}
		from := b.Len()
		b.WriteString(redacted)
		if !selfSpan {
			// A span boundary inside a masked run widens to the whole run.
			if f.Start >= i && f.Start < j {
				start = from
			}
			if f.End > i && f.End <= j {
				end = b.Len()
			} else if f.End == i {
				end = from
			}
		}
		i = j
	}
	if !selfSpan {
		if f.End == len(target) && !(f.End > 0 && mask[f.End-1]) {
			end = b.Len()
		}
		if f.Start == len(target) {
			start = b.Len()
		}
	}
	f.Target = b.String()
	if spanOK {
		f.Start, f.End = start, end
	}
}

// maskWords is the syntax skeleton of s for a sink without a grammar of its
// own: every run of letters and digits (and non-ASCII bytes) becomes one
// '*', and everything else (quotes, operators, separators, slashes, dots)
// is kept. "; cat /etc/passwd" shows as "; * /*/*". Guards with a grammar
// set [Finding].Skeleton instead, which keeps keywords (sqlguard.Skeleton).
func maskWords(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if !isWordByte(s[i]) {
			b.WriteByte(s[i])
			i++
			continue
		}
		b.WriteByte('*')
		for i < len(s) && isWordByte(s[i]) {
			i++
		}
	}
	return b.String()
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
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

// sensitiveWords are the words of an input's key that make [DefaultRedact]
// redact it. The docs of [WithRedaction] and the README list them too; a
// test keeps the three in step.
var sensitiveWords = []string{
	"auth", "authorization", "authentication", "bearer", "cookie", "credential", "credentials",
	"csrf", "jwt", "otp", "passphrase", "passwd", "password", "pass", "pwd", "secret",
	"session", "sessionid", "sid", "token", "xsrf", "apikey",
}

// sensitivePairs are two-word keys that name a secret though neither word
// does alone: api_key, X-API-Key, privateKey.
var sensitivePairs = [][2]string{{"api", "key"}, {"private", "key"}, {"access", "key"}, {"secret", "key"}, {"signing", "key"}}

// sensitiveSuffixes match the end of a key's last word, for keys written in
// one lower-case word.
var sensitiveSuffixes = []string{"password", "passwd", "passphrase", "token", "secret", "apikey"}

// DefaultRedact is the default redaction rule (see [WithRedaction]): every
// cookie, the whole body ([taint.SourceBody]: it holds any password beside
// the offending text), and every input whose key has a sensitive word. Keys are split
// into words at every character other than a letter or digit and at
// camel-case humps, so auth_token, X-Auth-Token, authToken and
// Authorization match and author does not. Compose it to redact more:
//
//	rasp.WithRedaction(func(in taint.Input) bool { return rasp.DefaultRedact(in) || in.Key == "ssn" })
func DefaultRedact(in taint.Input) bool {
	if in.Source == taint.SourceCookie || in.Source == taint.SourceBody {
		return true
	}
	words := keyWords(in.Key)
	for i, w := range words {
		if slices.Contains(sensitiveWords, w) {
			return true
		}
		if i > 0 && slices.Contains(sensitivePairs, [2]string{words[i-1], w}) {
			return true
		}
	}
	if n := len(words); n > 0 {
		for _, s := range sensitiveSuffixes {
			if strings.HasSuffix(words[n-1], s) {
				return true
			}
		}
	}
	return false
}

// keyWords splits key into lower-case words: at every byte that is not an
// ASCII letter or digit, before an upper-case letter that follows a
// lower-case one (authToken: auth, token), and before the last of a run of
// capitals followed by a lower-case letter (APIKey: api, key).
func keyWords(key string) []string {
	lower := func(c byte) bool { return c >= 'a' && c <= 'z' }
	upper := func(c byte) bool { return c >= 'A' && c <= 'Z' }
	alnum := func(c byte) bool { return lower(c) || upper(c) || c >= '0' && c <= '9' }
	var words []string
	start := -1
	for i := 0; i <= len(key); i++ {
		if i < len(key) && alnum(key[i]) {
			switch {
			case start < 0:
				start = i
			case upper(key[i]) && (lower(key[i-1]) || upper(key[i-1]) && i+1 < len(key) && lower(key[i+1])):
				words = append(words, strings.ToLower(key[start:i]))
				start = i
			}
			continue
		}
		if start >= 0 {
			words = append(words, strings.ToLower(key[start:i]))
			start = -1
		}
	}
	return words
}

func (a *Agent) logEvent(ev *Event) {
	var e *zerolog.Event
	if ev.Finding.Kind == KindInternalFault || ev.Finding.Kind == KindHandlerPanic {
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
		if f.Skeleton != "" {
			e.Bool("input_redacted", true)
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
	if ev.TraceID != "" {
		e.Str("trace_id", ev.TraceID).Str("span_id", ev.SpanID)
	}
	e.Msg("rasp decision")
}
