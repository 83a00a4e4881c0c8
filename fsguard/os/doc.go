// Package os is the standard library's os package with its file calls
// guarded by [fsguard]: change the import path, keep every call as it is.
//
//	import "github.com/gorasp/rasp/fsguard/os"
//
// The functions below keep os's own signatures, and have no context: each
// checks its path against the request the calling goroutine serves (see
// [rasp.RequestContext]), then calls the fsguard twin, which returns exactly
// what os returns, or refuses the call with an [*fs.PathError] (an
// [*os.LinkError] for Rename and Symlink) whose Err is a [*rasp.BlockedError]
// before anything touches the disk. Everything else (types, constants,
// variables, process and environment functions) is os's, through aliases
// and forwarding functions, so code that imports this package in place of
// os builds unchanged.
//
// For code that has the request's context at hand, prefer the fsguard
// twins (fsguard.Open(ctx, name)): they also check calls made on
// goroutines the handler started.
//
// # Threat model
//
// The checks are fsguard's; see its documentation. Guarded: Open, OpenFile,
// Create, ReadFile, WriteFile, ReadDir, Stat, Lstat, Remove, RemoveAll,
// Rename, Mkdir, MkdirAll, Chmod, Symlink and Readlink. Forwarded to os
// unchecked: Chdir, Chown, Lchown, Chtimes, Link, Truncate, MkdirTemp,
// CreateTemp, CopyFS, DirFS, OpenRoot, OpenInRoot, StartProcess, and the
// methods of [File] and [Root] (an [os.Root] already confines its names).
//
// A call on a goroutine serving no request (one the handler started, a
// job, start-up) runs unchecked and is counted as a blind spot of the
// default agent, or of the request's agent when the goroutine serves one.
//
// The variables are copies made at start-up: assigning Args, Stdin,
// Stdout or Stderr here does not change os's (fmt.Println keeps writing to
// os.Stdout).
//
// # Modes
//
// The mode is the one of the request's agent for sink [rasp.SinkFS], as for
// fsguard; in [rasp.ModeOff] a call is the os call after one goroutine
// lookup and one atomic load.
//
// # Concurrency
//
// Every function is safe for concurrent use, as os's are.
package os
