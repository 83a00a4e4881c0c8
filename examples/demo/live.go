package main

import (
	"context"
	"encoding/json"
	"html/template"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorasp/rasp"
)

// recentLimit is how many decisions the live page keeps: enough to follow
// a tour or a scanner's last burst, small enough to render at every reload.
const recentLimit = 100

// decisions records the agent's events for /debug/rasp: the last
// recentLimit in a ring, and a count per sink and kind of all of them.
// Its hook is safe for concurrent use.
type decisions struct {
	mu      sync.Mutex
	ring    []rasp.Event // at most recentLimit, oldest first from next
	next    int
	total   uint64
	dropped uint64 // events that left the ring (older than the last recentLimit)
	counts  map[sinkKind]uint64
}

type sinkKind struct{ sink, kind string }

func newDecisions() *decisions {
	return &decisions{counts: map[sinkKind]uint64{}}
}

// hook is a rasp.Hook.
func (d *decisions) hook(_ context.Context, ev rasp.Event) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.total++
	d.counts[sinkKind{ev.Sink, ev.Finding.Kind}]++
	if len(d.ring) < recentLimit {
		d.ring = append(d.ring, ev)
		return
	}
	d.ring[d.next] = ev
	d.next = (d.next + 1) % recentLimit
	d.dropped++
}

// kindCount is one line of the counts table.
type kindCount struct {
	Sink  string `json:"sink"`
	Kind  string `json:"kind"`
	Count uint64 `json:"count"`
}

// snapshot returns the recorded events newest first, the counts sorted by
// sink and kind, and how many events left the ring.
func (d *decisions) snapshot() (recent []rasp.Event, counts []kindCount, total, dropped uint64) {
	if d == nil {
		return nil, nil, 0, 0
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	recent = make([]rasp.Event, 0, len(d.ring))
	for i := range d.ring {
		recent = append(recent, d.ring[(d.next+len(d.ring)-1-i)%len(d.ring)])
	}
	for k, n := range d.counts {
		counts = append(counts, kindCount{k.sink, k.kind, n})
	}
	slices.SortFunc(counts, func(a, b kindCount) int {
		if c := strings.Compare(a.Sink, b.Sink); c != 0 {
			return c
		}
		return strings.Compare(a.Kind, b.Kind)
	})
	return recent, counts, d.total, d.dropped
}

// wantsHTML reports whether the Accept header prefers text/html to
// application/json (RFC 9110, section 12.5.1: the highest q wins). Without
// a preference for HTML (curl's */*, tools, no header) the answer is JSON,
// as it always was.
func wantsHTML(accept string) bool {
	htmlQ, jsonQ := -1.0, -1.0
	for part := range strings.SplitSeq(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if s, ok := params["q"]; ok {
			if v, err := strconv.ParseFloat(s, 64); err == nil {
				q = v
			}
		}
		switch mt {
		case "text/html", "application/xhtml+xml":
			htmlQ = max(htmlQ, q)
		case "application/json":
			jsonQ = max(jsonQ, q)
		}
	}
	return htmlQ > 0 && htmlQ > jsonQ
}

// liveJSON is /debug/rasp as JSON: the agent's Stats, as before, plus the
// recorded decisions.
type liveJSON struct {
	rasp.Stats
	Kinds     []kindCount  `json:"kinds"`
	Decisions uint64       `json:"decisions"`
	Dropped   uint64       `json:"decisions_dropped"`
	Recent    []recentJSON `json:"recent"`
}

type recentJSON struct {
	Time    time.Time `json:"time"`
	Sink    string    `json:"sink"`
	Kind    string    `json:"kind"`
	Blocked bool      `json:"blocked"`
	Request string    `json:"request"`
	Source  string    `json:"input_source"`
	Key     string    `json:"input_key"`
	Target  string    `json:"target"`
	Start   int       `json:"span_start"`
	End     int       `json:"span_end"`
}

// debugRasp answers the live page: HTML to a browser, JSON otherwise.
func (a *app) debugRasp(w http.ResponseWriter, r *http.Request) {
	st := a.agent.Stats()
	recent, counts, total, dropped := a.recent.snapshot()
	w.Header().Set("Vary", "Accept")
	if !wantsHTML(r.Header.Get("Accept")) {
		out := liveJSON{Stats: st, Kinds: counts, Decisions: total, Dropped: dropped, Recent: []recentJSON{}}
		if out.Kinds == nil {
			out.Kinds = []kindCount{}
		}
		for _, ev := range recent {
			out.Recent = append(out.Recent, recentJSON{ev.Time, ev.Sink, ev.Finding.Kind, ev.Blocked,
				ev.Request.Method + " " + ev.Request.Path, string(ev.Finding.Input.Source), ev.Finding.Input.Key,
				ev.Finding.Target, ev.Finding.Start, ev.Finding.End})
		}
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(out)
		return
	}
	page := livePage{Mode: st.Mode.String(), Since: st.Since.Format(time.RFC3339), Kinds: counts,
		Decisions: total, Dropped: dropped, HookDrops: st.HookDrops, HookPanics: st.HookPanics,
		Partial: st.PartialRequests, BlindSpots: st.BlindSpots}
	for _, name := range slices.Sorted(maps.Keys(st.Sinks)) {
		s := st.Sinks[name]
		page.Sinks = append(page.Sinks, liveSink{Name: name, SinkStats: s, BlindPct: strconv.FormatFloat(100*s.BlindShare, 'f', 1, 64)})
	}
	for _, ev := range recent {
		page.Recent = append(page.Recent, newLiveRow(ev))
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	liveTmpl.Execute(w, page)
}

type livePage struct {
	Mode, Since           string
	Sinks                 []liveSink
	Kinds                 []kindCount
	Decisions, Dropped    uint64
	HookDrops, HookPanics uint64
	Partial               uint64
	BlindSpots            []rasp.BlindSpotSite
	Recent                []liveRow
}

type liveSink struct {
	Name string
	rasp.SinkStats
	BlindPct string
}

// liveRow is one decision, with its target cut around the input's span so
// the template can mark it.
type liveRow struct {
	Time, Request, Sink, Kind, Details string
	Blocked                            bool
	InputSource, InputKey, InputValue  string
	Before, Input, After               string // Target = Before + Input + After
	Marked                             bool   // the input occurs in the target at [Start, End)
}

func newLiveRow(ev rasp.Event) liveRow {
	f := ev.Finding
	row := liveRow{Time: ev.Time.Format("15:04:05.000"), Request: ev.Request.Method + " " + ev.Request.Path,
		Sink: ev.Sink, Kind: f.Kind, Blocked: ev.Blocked,
		InputSource: string(f.Input.Source), InputKey: f.Input.Key, InputValue: f.Input.Value}
	var details []string
	for _, d := range ev.Details {
		details = append(details, d.Key+"="+d.Value)
	}
	row.Details = strings.Join(details, " ")
	// The span comes from the guard; a cut or redacted target may not hold
	// it, so it is used only when it lies inside the target.
	if f.Start >= 0 && f.Start < f.End && f.End <= len(f.Target) {
		row.Before, row.Input, row.After, row.Marked = f.Target[:f.Start], f.Target[f.Start:f.End], f.Target[f.End:], true
	} else {
		row.Before = f.Target
	}
	return row
}

// liveTmpl is the page: server-side HTML, reloaded by the browser every
// five seconds (a meta refresh, no script). html/template escapes every
// value, inputs and targets included.
var liveTmpl = template.Must(template.New("live").Funcs(template.FuncMap{"shortSite": shortSite}).Parse(`<!doctype html>
<html><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
<title>rasp live: {{.Mode}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin-bottom:1.5em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3}
code{font-family:ui-monospace,monospace;white-space:pre-wrap;word-break:break-all}
mark{background:#ffd54f;outline:1px solid #e0a800}
.blocked{color:#b00020;font-weight:bold}.reported{color:#7a5b00}
.mode{font-size:1.2em;font-weight:bold}
.counts{display:flex;gap:2em;flex-wrap:wrap;align-items:flex-start}
.req{white-space:nowrap}
</style></head><body>
<h1>rasp live</h1>
<p>Mode: <span class="mode" id="mode">{{.Mode}}</span> &middot; since {{.Since}} &middot;
decisions: {{.Decisions}} &middot; dropped from this page: {{.Dropped}} &middot;
hook drops: <span id="hook-drops">{{.HookDrops}}</span> &middot; hook panics: {{.HookPanics}} &middot;
partially inspected requests: {{.Partial}}</p>

<div class="counts"><div>
<h2>Sinks</h2>
<table id="sinks"><tr><th>sink</th><th>checks</th><th>findings</th><th>blocks</th><th>faults</th><th>no context</th><th>blind share</th></tr>
{{range .Sinks}}<tr><td>{{.Name}}</td><td>{{.Checks}}</td><td>{{.Findings}}</td><td>{{.Blocks}}</td><td>{{.Faults}}</td><td>{{.NoContext}}</td><td>{{.BlindPct}} %</td></tr>
{{end}}</table>
</div><div>
<h2>Decisions per sink and kind</h2>
<table id="kinds"><tr><th>sink</th><th>kind</th><th>decisions</th></tr>
{{range .Kinds}}<tr><td>{{.Sink}}</td><td>{{.Kind}}</td><td>{{.Count}}</td></tr>
{{else}}<tr><td colspan="3">none yet</td></tr>
{{end}}</table>
</div><div>
<h2>Blind spots (calls without a request context)</h2>
<table id="blind"><tr><th>sink</th><th>call site</th><th>calls</th></tr>
{{range .BlindSpots}}<tr><td>{{.Sink}}</td><td><code title="{{.Site}}">{{shortSite .Site}}</code></td><td>{{.Count}}</td></tr>
{{else}}<tr><td colspan="3">none</td></tr>
{{end}}</table>
</div></div>

<h2>Recent decisions, newest first</h2>
<table id="recent"><tr><th>time</th><th>decision</th><th>sink / kind</th><th>request</th><th>input</th><th>target (input marked)</th></tr>
{{range .Recent}}<tr class="decision"><td>{{.Time}}</td>
<td>{{if .Blocked}}<span class="blocked">blocked</span>{{else}}<span class="reported">reported</span>{{end}}</td>
<td>{{.Sink}} / {{.Kind}}{{if .Details}}<br><small>{{.Details}}</small>{{end}}</td>
<td><code class="req">{{.Request}}</code></td>
<td>{{.InputSource}} <b>{{.InputKey}}</b></td>
<td><code>{{.Before}}{{if .Marked}}<mark>{{.Input}}</mark>{{end}}{{.After}}</code>{{if not .Marked}}<br><small>input: <code>{{.InputValue}}</code></small>{{end}}</td></tr>
{{else}}<tr><td colspan="6">no decision yet</td></tr>
{{end}}</table>
</body></html>
`))

// shortSite keeps the last directory and the file of a call site
// ("demo/app.go:330"); the page's tooltip holds the whole path.
func shortSite(site string) string {
	i := strings.LastIndexByte(site, '/')
	if i < 0 {
		return site
	}
	if j := strings.LastIndexByte(site[:i], '/'); j >= 0 {
		return site[j+1:]
	}
	return site
}
