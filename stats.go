package rasp

import (
	"context"
	"log/slog"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorasp/rasp/internal/agentlink"
)

// Sinks the guards of this module report under.
const (
	SinkSQL  = "sql"
	SinkExec = "exec"
	SinkFS   = "fs"
	SinkHTTP = "http"
)

// timeSampleEvery is how often a check is timed.
const timeSampleEvery = agentlink.TimeSampleEvery

type sinkCounters struct {
	checks     atomic.Uint64
	noContext  atomic.Uint64
	scoped     atomic.Uint64
	findings   atomic.Uint64
	blocks     atomic.Uint64
	faults     atomic.Uint64
	exceptions atomic.Uint64
	sampledNs  atomic.Int64
}

type stats struct {
	sql, exec, fs sinkCounters
	other         sync.Map                   // string -> *sinkCounters
	sites         atomic.Pointer[siteTables] // call sites of blind spots
	siteCount     atomic.Int64
	stackCount    atomic.Int64
	hookDrops     atomic.Uint64
	logDrops      atomic.Uint64
	logWriteErrs  atomic.Uint64
	hookPanics    atomic.Uint64
	partial       atomic.Uint64
	started       time.Time
}

// blindSite is one reported call site (file:line) of one sink.
type blindSite struct {
	key        uint64 // hashSite of sink and site
	sink, site string
	n          atomic.Uint64
}

// blindStack maps one stack (hashPCs) to its call site, so a stack seen
// before is counted without resolving its frames again.
type blindStack struct {
	key  uint64
	site *blindSite
}

// maxBlindSites bounds the call-site table, and maxBlindStacks the table of
// the stacks that led to them (several stacks can share an application
// line: one per ORM path that reaches it).
const (
	maxBlindSites  = 1024
	maxBlindStacks = 2 * maxBlindSites
)

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

// begin counts one check at sink and returns a span whose End records the
// time it took (one call in [agentlink.TimeSampleEvery] is timed, and
// scaled): see guard.Begin.
func (a *Agent) begin(sink string) agentlink.Span {
	c := a.stats.sink(sink)
	n := c.checks.Add(1)
	if n%timeSampleEvery != 0 {
		return agentlink.Span{}
	}
	return agentlink.Span{Ns: &c.sampledNs, Start: agentlink.Nanotime()}
}

// blindSpot counts a call at sink that carried no request context, so it
// could not be checked, and warns once per call site: the first frame of
// the application's own code (see [callSite]). skip is the number of
// frames above blindSpot's caller to leave out, as for [runtime.Callers];
// frames of rasp, database/sql and the database libraries are skipped
// anyway. See guard.BlindSpot.
//
// A call on a goroutine serving a request that began while the agent was
// off is not counted: nothing was collected for it to be checked against,
// and the application is not at fault.
func (a *Agent) blindSpot(sink, op string, skip int) {
	if inOffRequest() {
		return
	}
	c := a.stats.sink(sink)
	c.noContext.Add(1)
	var pcs [32]uintptr
	n := runtime.Callers(skip+2, pcs[:])
	key := hashPCs(pcs[:n])
	t := a.stats.siteTable()
	slot, found := findSlot(&t.stacks, key, func(s *blindStack) bool { return s.key == key })
	if found != nil {
		found.site.n.Add(1)
		return
	}
	if slot < 0 || a.stats.stackCount.Load() >= maxBlindStacks {
		return
	}
	// A copy: CallersFrames keeps its slice, which would otherwise move
	// pcs to the heap on every call, not only on the first of a stack.
	site := callSite(slices.Clone(pcs[:n]))
	bs, created := a.stats.site(t, sink, site)
	if bs == nil {
		return
	}
	bs.n.Add(1)
	if t.stacks[slot].CompareAndSwap(nil, &blindStack{key: key, site: bs}) {
		a.stats.stackCount.Add(1)
	}
	// A lost race leaves this stack to the winner's entry, or unrecorded
	// when the winner was another stack: the next call records it.
	if created && a.ModeFor(sink) != ModeOff {
		a.log.Warn().Str("kind", "blind_spot").Str("sink", sink).Str("operation", op).
			Str("call_site", site).
			Msg(blindSpotMsg)
		if a.cfg.slog != nil {
			a.cfg.slog.LogAttrs(context.Background(), slog.LevelWarn, blindSpotMsg, slog.String("kind", "blind_spot"),
				slog.String("sink", sink), slog.String("operation", op), slog.String("call_site", site))
		}
	}
}

// site returns the record of (sink, site), creating it unless the table is
// full (nil); created reports that this call made it.
func (s *stats) site(t *siteTables, sink, site string) (bs *blindSite, created bool) {
	key := hashSite(sink, site)
	match := func(b *blindSite) bool { return b.key == key && b.sink == sink && b.site == site }
	for {
		slot, found := findSlot(&t.sites, key, match)
		if found != nil {
			return found, false
		}
		if slot < 0 || s.siteCount.Load() >= maxBlindSites {
			return nil, false
		}
		bs = &blindSite{key: key, sink: sink, site: site}
		if t.sites[slot].CompareAndSwap(nil, bs) {
			s.siteCount.Add(1)
			return bs, true
		}
		// Another goroutine took the slot: look again, it may be ours.
	}
}

// findSlot probes an open-addressed table from key's home slot: it
// returns the entry that matches, or the first free slot (-1 when the
// table is full). Entries are never removed, so a free slot ends a probe.
func findSlot[T any](t *[siteSlots]atomic.Pointer[T], key uint64, match func(*T) bool) (int, *T) {
	for i, probes := key&(siteSlots-1), 0; probes < siteSlots; i, probes = (i+1)&(siteSlots-1), probes+1 {
		e := t[i].Load()
		if e == nil {
			return int(i), nil
		}
		if match(e) {
			return int(i), e
		}
	}
	return -1, nil
}

// siteSlots is the size of the open-addressed tables: a power of two, at
// least twice their bound, so probes stay short when they are full.
const siteSlots = 2 * maxBlindStacks

// siteTables are the stack and call-site tables, made on the first blind
// spot (most agents never see one). Lookups are atomic loads: no lock and
// no allocation on the blind-spot path of a stack seen before.
type siteTables struct {
	stacks [siteSlots]atomic.Pointer[blindStack]
	sites  [siteSlots]atomic.Pointer[blindSite]
}

func (s *stats) siteTable() *siteTables {
	if t := s.sites.Load(); t != nil {
		return t
	}
	s.sites.CompareAndSwap(nil, new(siteTables))
	return s.sites.Load()
}

// hashPCs is FNV-1a over the program counters of a stack. Two stacks
// colliding in 64 bits would share a call site.
func hashPCs(pcs []uintptr) uint64 {
	h := uint64(14695981039346656037)
	for _, pc := range pcs {
		h ^= uint64(pc)
		h *= 1099511628211
	}
	return h
}

// hashSite is FNV-1a over sink, a NUL and site.
func hashSite(sink, site string) uint64 {
	h := uint64(14695981039346656037)
	for _, s := range [...]string{sink, "\x00", site} {
		for i := 0; i < len(s); i++ {
			h ^= uint64(s[i])
			h *= 1099511628211
		}
	}
	return h
}

// blindSpotMsg is the message of the warning for a new blind call site.
const blindSpotMsg = "rasp: call without a request context cannot be checked; pass the request's context"

// dbLibraries are the modules whose frames a blind-spot call site skips
// besides the standard library's and rasp's: database/sql middleware,
// drivers, query builders and ORMs, whose own lines are never where an
// application forgot its context. An entry ending in "/" is a host: every
// module under it.
var dbLibraries = []string{
	"github.com/ngrok/sqlmw",
	"github.com/jmoiron/sqlx",
	"gorm.io/",
	"github.com/jinzhu/gorm",
	"entgo.io/",
	"github.com/uptrace/bun",
	"xorm.io/",
	"github.com/doug-martin/goqu",
	"github.com/Masterminds/squirrel",
	"github.com/volatiletech/sqlboiler",
	"github.com/jackc/pgx",
	"github.com/lib/pq",
	"github.com/go-sql-driver/mysql",
	"github.com/mattn/go-sqlite3",
	"modernc.org/sqlite",
}

// raspModule is this module's path. Its examples, integration and bench
// directories are modules of their own, whose frames are application code.
const raspModule = "github.com/gorasp/rasp"

// mainModule is the path of the build's main module, "" when unknown.
var mainModule = sync.OnceValue(func() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		return bi.Main.Path
	}
	return ""
})

// callSite returns the file:line a blind spot is reported at: the first
// frame of the main module's code, else the first frame outside the
// standard library, else the first frame; frames of rasp's packages and of
// [dbLibraries] never count, since an ORM's line is not the application's.
// Test files count as application code wherever they are.
func callSite(pcs []uintptr) string {
	main := mainModule()
	frames := runtime.CallersFrames(pcs)
	first, outside := "", ""
	for {
		f, more := frames.Next()
		loc := f.File + ":" + strconv.Itoa(f.Line)
		if first == "" {
			first = loc
		}
		pkg := funcPackage(f.Function)
		if f.Function != "" && !raspOwn(pkg, f.File) && !dbLibrary(pkg) {
			if pkg == "main" || (main != "" && inModule(pkg, main)) {
				return loc
			}
			if outside == "" && !stdlib(pkg) {
				outside = loc
			}
		}
		if !more {
			break
		}
	}
	if outside != "" {
		return outside
	}
	return first
}

// funcPackage returns the import path of a [runtime.Frame]'s Function:
// "example.com/a/b" for "example.com/a/b.(*T).M[...]".
func funcPackage(fn string) string {
	if i := strings.IndexByte(fn, '['); i >= 0 {
		fn = fn[:i] // type arguments may hold paths of their own
	}
	slash := strings.LastIndexByte(fn, '/')
	if dot := strings.IndexByte(fn[slash+1:], '.'); dot >= 0 {
		return fn[:slash+1+dot]
	}
	return fn
}

func inModule(pkg, mod string) bool {
	return pkg == mod || (strings.HasPrefix(pkg, mod) && pkg[len(mod)] == '/')
}

// stdlib reports whether pkg is in the standard library, whose import
// paths have no dot in their first element.
func stdlib(pkg string) bool {
	first, _, _ := strings.Cut(pkg, "/")
	return pkg != "main" && !strings.Contains(first, ".")
}

func raspOwn(pkg, file string) bool {
	if !inModule(pkg, raspModule) || strings.HasSuffix(file, "_test.go") {
		return false
	}
	sub, _, _ := strings.Cut(strings.TrimPrefix(pkg[len(raspModule):], "/"), "/")
	return sub != "examples" && sub != "integration" && sub != "bench"
}

func dbLibrary(pkg string) bool {
	for _, m := range dbLibraries {
		if strings.HasSuffix(m, "/") {
			if strings.HasPrefix(pkg, m) {
				return true
			}
		} else if inModule(pkg, m) {
			return true
		}
	}
	return false
}

// SinkStats are the counters of one sink.
type SinkStats struct {
	Checks     uint64        `json:"checks"`      // checks run against a request's inputs
	NoContext  uint64        `json:"no_context"`  // calls without a request context (blind spots)
	Scoped     uint64        `json:"scoped"`      // checks whose request was found through the goroutine scope, not the context
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
	HookDrops  uint64               `json:"hook_drops"`  // events not handed to asynchronous hooks: their queue was full
	HookPanics uint64               `json:"hook_panics"` // hook calls that panicked (recovered)
	// LogDrops counts event lines not written because the queue in front
	// of rasp's own writer (stderr, WithLogWriter) was full: the writer is
	// slower than the events, or blocked.
	LogDrops uint64 `json:"log_drops"`
	// LogWriteErrors counts lines that writer failed to write.
	LogWriteErrors uint64 `json:"log_write_errors"`
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

		LogDrops:       a.stats.logDrops.Load(),
		LogWriteErrors: a.stats.logWriteErrs.Load(),

		PartialRequests: a.stats.partial.Load(),
	}
	add := func(name string, c *sinkCounters) {
		ss := SinkStats{
			Checks:     c.checks.Load(),
			NoContext:  c.noContext.Load(),
			Scoped:     c.scoped.Load(),
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
		for i := range t.sites {
			if bs := t.sites[i].Load(); bs != nil {
				s.BlindSpots = append(s.BlindSpots, BlindSpotSite{Sink: bs.sink, Site: bs.site, Count: bs.n.Load()})
			}
		}
	}
	return s
}
