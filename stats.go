package rasp

import (
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Sinks the guards of this module report under.
const (
	SinkSQL  = "sql"
	SinkExec = "exec"
	SinkFS   = "fs"
)

// timeSampleEvery is how often a check is timed: one in 64, scaled up, so
// the hot path reads no clock on the other 63.
const timeSampleEvery = 64

type sinkCounters struct {
	checks     atomic.Uint64
	noContext  atomic.Uint64
	findings   atomic.Uint64
	blocks     atomic.Uint64
	faults     atomic.Uint64
	exceptions atomic.Uint64
	sampledNs  atomic.Int64
}

type stats struct {
	sql, exec, fs sinkCounters
	other         sync.Map                   // string -> *sinkCounters
	sites         atomic.Pointer[siteSlotsT] // call sites of blind spots
	siteCount     atomic.Int64
	hookDrops     atomic.Uint64
	hookPanics    atomic.Uint64
	partial       atomic.Uint64
	started       time.Time
}

type blindSite struct {
	key        uint64 // hashPCs of the stack
	sink, site string
	n          atomic.Uint64
}

// maxBlindSites bounds the call-site table.
const maxBlindSites = 1024

func (s *stats) init() { s.started = time.Now() }

func (s *stats) sink(name string) *sinkCounters {
	switch name {
	case SinkSQL:
		return &s.sql
	case SinkExec:
		return &s.exec
	case SinkFS:
		return &s.fs
	}
	if c, ok := s.other.Load(name); ok {
		return c.(*sinkCounters)
	}
	c, _ := s.other.LoadOrStore(name, new(sinkCounters))
	return c.(*sinkCounters)
}

// Span times one check; see [Agent.Begin].
type Span struct {
	c     *sinkCounters
	start int64
}

// Begin counts one check at sink and returns a span whose End records the
// time it took (one call in 64 is timed, and scaled). Guards call it after
// finding request inputs and before checking.
func (a *Agent) Begin(sink string) Span {
	c := a.stats.sink(sink)
	n := c.checks.Add(1)
	if n%timeSampleEvery != 0 {
		return Span{}
	}
	return Span{c: c, start: nanotime()}
}

// End records the span's time, if it was sampled.
func (s Span) End() {
	if s.c != nil {
		s.c.sampledNs.Add((nanotime() - s.start) * timeSampleEvery)
	}
}

var clockBase = time.Now()

func nanotime() int64 { return int64(time.Since(clockBase)) }

// BlindSpot counts a call at sink that carried no request context, so it
// could not be checked, and warns once per call site (the first caller
// outside database/sql, sqlmw and rasp's own packages). skip is the number
// of the guard's own frames above its caller, as for [runtime.Callers].
func (a *Agent) BlindSpot(sink, op string, skip int) {
	c := a.stats.sink(sink)
	c.noContext.Add(1)
	var pcs [24]uintptr
	n := runtime.Callers(skip+2, pcs[:])
	key := hashPCs(pcs[:n])
	t := a.stats.siteTable()
	for i, probes := key&(siteSlots-1), 0; probes < siteSlots; i, probes = (i+1)&(siteSlots-1), probes+1 {
		bs := t[i].Load()
		if bs == nil {
			if a.stats.siteCount.Load() >= maxBlindSites {
				return
			}
			// A copy: CallersFrames keeps its slice, which would otherwise move
			// pcs to the heap on every call, not only on the first.
			site := callSite(slices.Clone(pcs[:n]))
			bs = &blindSite{key: key, sink: sink, site: site}
			bs.n.Store(1)
			if !t[i].CompareAndSwap(nil, bs) {
				bs = t[i].Load() // another goroutine took the slot: look at it
			} else {
				a.stats.siteCount.Add(1)
				if a.ModeFor(sink) != ModeOff {
					a.log.Warn().Str("kind", "blind_spot").Str("sink", sink).Str("operation", op).
						Str("call_site", site).
						Msg("rasp: call without a request context cannot be checked; pass the request's context")
				}
				return
			}
		}
		if bs.key == key {
			bs.n.Add(1)
			return
		}
	}
}

// siteSlots is the size of the open-addressed call-site table: a power of
// two, twice maxBlindSites, so probes stay short when it is full.
const siteSlots = 2 * maxBlindSites

type siteSlotsT [siteSlots]atomic.Pointer[blindSite]

// siteTable returns the call-site table, made on the first blind spot (most
// agents never see one). Lookups are atomic loads: no lock and no
// allocation on the blind-spot path.
func (s *stats) siteTable() *siteSlotsT {
	if t := s.sites.Load(); t != nil {
		return t
	}
	s.sites.CompareAndSwap(nil, new(siteSlotsT))
	return s.sites.Load()
}

// hashPCs is FNV-1a over the program counters of a stack: the key of a
// call site. Two stacks colliding in 64 bits would share a counter.
func hashPCs(pcs []uintptr) uint64 {
	h := uint64(14695981039346656037)
	for _, pc := range pcs {
		h ^= uint64(pc)
		h *= 1099511628211
	}
	return h
}

// libraryPrefixes are the packages whose frames a blind-spot call site skips.
var libraryPrefixes = []string{
	"database/sql.",
	"github.com/ngrok/sqlmw.",
	"github.com/gorasp/rasp.",
	"github.com/gorasp/rasp/driver.",
	"github.com/gorasp/rasp/execguard.",
	"github.com/gorasp/rasp/fsguard.",
	"github.com/gorasp/rasp/sqlguard.",
	"runtime.",
	"gorm.io/",
}

func callSite(pcs []uintptr) string {
	frames := runtime.CallersFrames(pcs)
	first := ""
	for {
		f, more := frames.Next()
		loc := f.File + ":" + strconv.Itoa(f.Line)
		if first == "" {
			first = loc
		}
		lib := false
		for _, p := range libraryPrefixes {
			if strings.HasPrefix(f.Function, p) {
				lib = true
				break
			}
		}
		if !lib && f.Function != "" {
			return loc
		}
		if !more {
			return first
		}
	}
}

// SinkStats are the counters of one sink.
type SinkStats struct {
	Checks     uint64        `json:"checks"`      // checks run with a request context
	NoContext  uint64        `json:"no_context"`  // calls without a request context (blind spots)
	Findings   uint64        `json:"findings"`    // findings reported
	Blocks     uint64        `json:"blocks"`      // calls refused
	Faults     uint64        `json:"faults"`      // internal faults (panics, limits)
	Exceptions uint64        `json:"exceptions"`  // findings silenced by an Exception
	Time       time.Duration `json:"time_ns"`     // time spent checking (sampled, scaled)
	BlindShare float64       `json:"blind_share"` // NoContext / (Checks + NoContext)
}

// BlindSpotSite is one call site that ran a sink without a request context.
type BlindSpotSite struct {
	Sink  string `json:"sink"`
	Site  string `json:"site"` // file:line
	Count uint64 `json:"count"`
}

// Stats is a snapshot of an agent's counters.
type Stats struct {
	Mode       Mode                 `json:"mode"`
	Since      time.Time            `json:"since"`
	Sinks      map[string]SinkStats `json:"sinks"`
	BlindSpots []BlindSpotSite      `json:"blind_spots"`
	HookDrops  uint64               `json:"hook_drops"`
	HookPanics uint64               `json:"hook_panics"`
	// PartialRequests counts requests that reached a guard while the
	// middleware could inspect them only in part (a limit was reached:
	// see [WithPartialClosed]). Their guarded calls are blocked in
	// protect mode by default; a rising count can mean padding meant to
	// push a payload out of sight, or an endpoint that needs a larger
	// [WithBodyLimit].
	PartialRequests uint64 `json:"partial_requests"`
}

// Stats returns a snapshot of the agent's counters. The counters are
// read one by one, without a lock, so a snapshot taken under load may be off
// by the calls in flight.
func (a *Agent) Stats() Stats {
	s := Stats{
		Mode:       a.Mode(),
		Since:      a.stats.started,
		Sinks:      map[string]SinkStats{},
		HookDrops:  a.stats.hookDrops.Load(),
		HookPanics: a.stats.hookPanics.Load(),

		PartialRequests: a.stats.partial.Load(),
	}
	add := func(name string, c *sinkCounters) {
		ss := SinkStats{
			Checks:     c.checks.Load(),
			NoContext:  c.noContext.Load(),
			Findings:   c.findings.Load(),
			Blocks:     c.blocks.Load(),
			Faults:     c.faults.Load(),
			Exceptions: c.exceptions.Load(),
			Time:       time.Duration(c.sampledNs.Load()),
		}
		if t := ss.Checks + ss.NoContext; t > 0 {
			ss.BlindShare = float64(ss.NoContext) / float64(t)
		}
		s.Sinks[name] = ss
	}
	add(SinkSQL, &a.stats.sql)
	add(SinkExec, &a.stats.exec)
	add(SinkFS, &a.stats.fs)
	a.stats.other.Range(func(k, v any) bool {
		add(k.(string), v.(*sinkCounters))
		return true
	})
	if t := a.stats.sites.Load(); t != nil {
		for i := range t {
			if bs := t[i].Load(); bs != nil {
				s.BlindSpots = append(s.BlindSpots, BlindSpotSite{Sink: bs.sink, Site: bs.site, Count: bs.n.Load()})
			}
		}
	}
	return s
}
