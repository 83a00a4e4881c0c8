package os

import (
	"io/fs"
	"os"
)

// The rest of os, forwarded unchanged so that this package can replace
// the os import.

type (
	// File is [os.File].
	File = os.File
	// FileInfo is [fs.FileInfo].
	FileInfo = fs.FileInfo
	// FileMode is [fs.FileMode].
	FileMode = fs.FileMode
	// DirEntry is [fs.DirEntry].
	DirEntry = fs.DirEntry
	// PathError is [fs.PathError].
	PathError = fs.PathError
	// LinkError is [os.LinkError].
	LinkError = os.LinkError
	// SyscallError is [os.SyscallError].
	SyscallError = os.SyscallError
	// Root is [os.Root].
	Root = os.Root
	// Process is [os.Process].
	Process = os.Process
	// ProcessState is [os.ProcessState].
	ProcessState = os.ProcessState
	// ProcAttr is [os.ProcAttr].
	ProcAttr = os.ProcAttr
	// Signal is [os.Signal].
	Signal = os.Signal
)

// Flags of [OpenFile], as in os.
const (
	O_RDONLY int = os.O_RDONLY
	O_WRONLY int = os.O_WRONLY
	O_RDWR   int = os.O_RDWR
	O_APPEND int = os.O_APPEND
	O_CREATE int = os.O_CREATE
	O_EXCL   int = os.O_EXCL
	O_SYNC   int = os.O_SYNC
	O_TRUNC  int = os.O_TRUNC
)

// Seek whence values, as in os.
//
// Deprecated: Use io.SeekStart, io.SeekCurrent, and io.SeekEnd.
const (
	SEEK_SET int = 0
	SEEK_CUR int = 1
	SEEK_END int = 2
)

// Separators and the null device, as in os.
const (
	PathSeparator     = os.PathSeparator
	PathListSeparator = os.PathListSeparator
	DevNull           = os.DevNull
)

// File mode bits, as in os.
const (
	ModeDir        = fs.ModeDir
	ModeAppend     = fs.ModeAppend
	ModeExclusive  = fs.ModeExclusive
	ModeTemporary  = fs.ModeTemporary
	ModeSymlink    = fs.ModeSymlink
	ModeDevice     = fs.ModeDevice
	ModeNamedPipe  = fs.ModeNamedPipe
	ModeSocket     = fs.ModeSocket
	ModeSetuid     = fs.ModeSetuid
	ModeSetgid     = fs.ModeSetgid
	ModeCharDevice = fs.ModeCharDevice
	ModeSticky     = fs.ModeSticky
	ModeIrregular  = fs.ModeIrregular
	ModeType       = fs.ModeType
	ModePerm       = fs.ModePerm
)

// Errors, signals, standard files and arguments: os's values, copied at
// start-up (see the package documentation).
var (
	ErrInvalid          = os.ErrInvalid
	ErrPermission       = os.ErrPermission
	ErrExist            = os.ErrExist
	ErrNotExist         = os.ErrNotExist
	ErrClosed           = os.ErrClosed
	ErrNoDeadline       = os.ErrNoDeadline
	ErrDeadlineExceeded = os.ErrDeadlineExceeded
	ErrProcessDone      = os.ErrProcessDone

	Interrupt = os.Interrupt
	Kill      = os.Kill

	Stdin  = os.Stdin
	Stdout = os.Stdout
	Stderr = os.Stderr

	Args = os.Args
)

// Clearenv is [os.Clearenv].
func Clearenv() { os.Clearenv() }

// Environ is [os.Environ].
func Environ() []string { return os.Environ() }

// Executable is [os.Executable].
func Executable() (string, error) { return os.Executable() }

// Exit is [os.Exit].
func Exit(code int) { os.Exit(code) }

// Expand is [os.Expand].
func Expand(s string, mapping func(string) string) string { return os.Expand(s, mapping) }

// ExpandEnv is [os.ExpandEnv].
func ExpandEnv(s string) string { return os.ExpandEnv(s) }

// Getegid is [os.Getegid].
func Getegid() int { return os.Getegid() }

// Getenv is [os.Getenv].
func Getenv(key string) string { return os.Getenv(key) }

// Geteuid is [os.Geteuid].
func Geteuid() int { return os.Geteuid() }

// Getgid is [os.Getgid].
func Getgid() int { return os.Getgid() }

// Getgroups is [os.Getgroups].
func Getgroups() ([]int, error) { return os.Getgroups() }

// Getpagesize is [os.Getpagesize].
func Getpagesize() int { return os.Getpagesize() }

// Getpid is [os.Getpid].
func Getpid() int { return os.Getpid() }

// Getppid is [os.Getppid].
func Getppid() int { return os.Getppid() }

// Getuid is [os.Getuid].
func Getuid() int { return os.Getuid() }

// Getwd is [os.Getwd].
func Getwd() (dir string, err error) { return os.Getwd() }

// Hostname is [os.Hostname].
func Hostname() (name string, err error) { return os.Hostname() }

// IsExist is [os.IsExist].
func IsExist(err error) bool { return os.IsExist(err) }

// IsNotExist is [os.IsNotExist].
func IsNotExist(err error) bool { return os.IsNotExist(err) }

// IsPathSeparator is [os.IsPathSeparator].
func IsPathSeparator(c uint8) bool { return os.IsPathSeparator(c) }

// IsPermission is [os.IsPermission].
func IsPermission(err error) bool { return os.IsPermission(err) }

// IsTimeout is [os.IsTimeout].
func IsTimeout(err error) bool { return os.IsTimeout(err) }

// LookupEnv is [os.LookupEnv].
func LookupEnv(key string) (string, bool) { return os.LookupEnv(key) }

// NewSyscallError is [os.NewSyscallError].
func NewSyscallError(syscall string, err error) error { return os.NewSyscallError(syscall, err) }

// SameFile is [os.SameFile].
func SameFile(fi1, fi2 FileInfo) bool { return os.SameFile(fi1, fi2) }

// Setenv is [os.Setenv].
func Setenv(key, value string) error { return os.Setenv(key, value) }

// TempDir is [os.TempDir].
func TempDir() string { return os.TempDir() }

// Unsetenv is [os.Unsetenv].
func Unsetenv(key string) error { return os.Unsetenv(key) }

// UserCacheDir is [os.UserCacheDir].
func UserCacheDir() (string, error) { return os.UserCacheDir() }

// UserConfigDir is [os.UserConfigDir].
func UserConfigDir() (string, error) { return os.UserConfigDir() }

// UserHomeDir is [os.UserHomeDir].
func UserHomeDir() (string, error) { return os.UserHomeDir() }

// FindProcess is [os.FindProcess].
func FindProcess(pid int) (*Process, error) { return os.FindProcess(pid) }

// StartProcess is [os.StartProcess], unchecked: use execguard for commands.
func StartProcess(name string, argv []string, attr *ProcAttr) (*Process, error) {
	return os.StartProcess(name, argv, attr)
}
