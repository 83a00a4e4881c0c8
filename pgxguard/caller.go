package pgxguard

import (
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Packages whose frames are not the application's call site.
const (
	pgxPkg     = "github.com/jackc/pgx/v5." // pgx itself: Conn, dbTx, LargeObjects
	pgxTree    = "github.com/jackc/pgx/"    // pgx and its subpackages (pgxpool, multitracer, ...)
	puddlePkg  = "github.com/jackc/puddle/" // pgxpool's resource pool
	ownPkg     = "github.com/gorasp/rasp/pgxguard."
	runtimePkg = "runtime."
)

// pgxConn is the prefix of the pgx.Conn method that called a trace hook.
const pgxConn = pgxPkg + "(*Conn)."

// maxFrames bounds the stack walk: pgxpool adds a handful of frames over
// pgx.Conn's, and a call site further away than that is reported as pgx's.
const maxFrames = 32

// caller is what the stack says about the pgx call a trace hook runs in.
// It is only looked at when there is something to report (a finding, a
// blind spot): the clean path never walks the stack.
type caller struct {
	// method is the pgx.Conn method that called the hook ("Exec",
	// "Query", ...), empty when no pgx frame was found.
	method string
	// internal is set when pgx built the statement itself: a frame of
	// package pgx between pgx.Conn and the application is not one that
	// forwards the application's statement (Begin, BeginTx, Commit,
	// Rollback, the large-object calls, LoadType...).
	internal bool
	// site is the number of frames from the walker's caller to the first
	// frame of the application (the skip argument of guard.BlindSpot).
	site int
}

// forwards reports whether a pgx method of this name passes the
// application's statement on unchanged: pgx.Conn's, pgx.Tx's and
// pgx.QueuedQuery's statement methods.
func forwards(method string) bool {
	switch method {
	case "Exec", "Query", "QueryRow", "Prepare", "SendBatch", "CopyFrom":
		return true
	}
	return false
}

func isLibrary(fn string) bool {
	return strings.HasPrefix(fn, pgxTree) || strings.HasPrefix(fn, puddlePkg) ||
		strings.HasPrefix(fn, ownPkg) || strings.HasPrefix(fn, runtimePkg)
}

// callerOf describes the stack of its caller. Logical (inlined) frames
// are counted, as runtime.Callers counts them for its skip argument. The
// application's call site is the first frame above the pgx.Conn method
// that is not pgx's, pgxpool's or this package's; without a pgx frame (a
// hook called directly) it is the first frame that is not this package's.
//
// Symbolizing a stack costs microseconds and allocates, and a job without
// a request context takes this path on every call, so the answer is
// cached per stack (its program counters), up to maxCachedStacks stacks.
func callerOf() caller {
	var pcs [maxFrames]uintptr
	n := runtime.Callers(2, pcs[:]) // 0 is runtime.Callers, 1 is callerOf
	key := hashPCs(pcs[:n])
	if v, ok := stackCache.Load(key); ok {
		if e := v.(*cachedStack); slices.Equal(e.pcs, pcs[:n]) {
			return e.c
		}
	}
	// A copy: CallersFrames keeps its slice, which would move pcs to the
	// heap on every call, hits included.
	own := slices.Clone(pcs[:n])
	c := walk(own)
	if stackCount.Load() < maxCachedStacks {
		if _, loaded := stackCache.LoadOrStore(key, &cachedStack{pcs: own, c: c}); !loaded {
			stackCount.Add(1)
		}
	}
	return c
}

// maxCachedStacks bounds the stack cache: distinct call paths of one
// program number in the hundreds; past the bound stacks are walked each
// time.
const maxCachedStacks = 4096

var (
	stackCache sync.Map // hashPCs → *cachedStack
	stackCount atomic.Int32
)

type cachedStack struct {
	pcs []uintptr // compared on a hit: a hash collision must not lend another stack's answer
	c   caller
}

// hashPCs is FNV-1a over a stack's program counters.
func hashPCs(pcs []uintptr) uint64 {
	h := uint64(14695981039346656037)
	for _, pc := range pcs {
		h ^= uint64(pc)
		h *= 1099511628211
	}
	return h
}

// walk describes the stack pcs, whose first frame is callerOf's caller.
func walk(pcs []uintptr) caller {
	c, _ := walkFrames(pcs)
	return c
}

// walkFrames is walk, and reports whether it found the application's
// frame above pgx's: then the frames after it were not looked at, and the
// answer is that of any longer stack with the same first frames.
func walkFrames(pcs []uintptr) (c caller, found bool) {
	frames := runtime.CallersFrames(pcs)
	seenConn, first := false, -1
	for i := 0; ; i++ {
		f, more := frames.Next()
		fn := f.Function
		lib := fn == "" || isLibrary(fn)
		switch {
		case !seenConn && strings.HasPrefix(fn, pgxConn):
			seenConn = true
			c.method = fn[len(pgxConn):]
		case seenConn && strings.HasPrefix(fn, pgxPkg) && !forwards(methodName(fn)):
			c.internal = true
		case seenConn && !lib:
			c.site = i
			return c, true
		case first < 0 && !lib:
			first = i // a tracer of the application composed below pgx
		}
		if !more {
			c.site = max(first, 0)
			if seenConn {
				c.site = i
			}
			return c, false
		}
	}
}

// shallowFrames is how many frames isInternal unwinds first: from the
// hook to the application's frame, a pool's QueryRow is ten (the hook's
// four, pgx's two, pgxpool's two, a composed tracer's), with room for a
// Tx. Unwinding costs tens of nanoseconds a frame, and below the
// application's frame a server's stack often holds twenty more.
const shallowFrames = 12

var (
	shallowCache sync.Map // hashPCs → *cachedShallow
	shallowCount atomic.Int32
)

type cachedShallow struct {
	pcs      []uintptr
	internal bool
	found    bool // walkFrames found the application's frame within pcs
}

// isInternal is callerOf().internal for its caller, unwinding the stack
// only as far as the application's frame when that is within
// shallowFrames frames. The clean path of a request inspected only in part
// asks nothing else of the stack, and that of any other request nothing.
func isInternal() bool {
	var pcs [shallowFrames]uintptr
	n := runtime.Callers(2, pcs[:]) // 0 is runtime.Callers, 1 is isInternal
	key := hashPCs(pcs[:n])
	var e *cachedShallow
	if v, ok := shallowCache.Load(key); ok && slices.Equal(v.(*cachedShallow).pcs, pcs[:n]) {
		e = v.(*cachedShallow)
	} else {
		own := slices.Clone(pcs[:n])
		c, found := walkFrames(own)
		e = &cachedShallow{pcs: own, internal: c.internal, found: found || n < shallowFrames}
		if shallowCount.Load() < maxCachedStacks {
			if _, loaded := shallowCache.LoadOrStore(key, e); !loaded {
				shallowCount.Add(1)
			}
		}
	}
	if e.found {
		return e.internal
	}
	// Deeper than shallowFrames before the application's frame: the whole
	// walk. Its extra frame (isInternal's) is this package's, which the
	// walk passes over.
	return callerOf().internal
}

// methodName returns the last element of a function name:
// "github.com/jackc/pgx/v5.(*dbTx).Commit" gives "Commit".
func methodName(fn string) string {
	if i := strings.LastIndexByte(fn, '.'); i >= 0 {
		return fn[i+1:]
	}
	return fn
}
