package execguard

import (
	"os"
	"strings"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/taint"
)

// DangerousEnv lists the environment variables whose value a loader, shell
// or interpreter executes or loads: request input in one of their values is
// command injection. Names ending in "*" are prefixes. [New] copies the
// list; extend a guard's copy with [WithDangerousEnv].
var DangerousEnv = []string{
	// dynamic loader (ld.so(8) ENVIRONMENT, GLIBC_TUNABLES included; gconv
	// modules: iconv_open(3)) and its macOS twin (dyld(1))
	"LD_PRELOAD", "LD_AUDIT", "LD_LIBRARY_PATH", "LD_DEBUG_OUTPUT", "GLIBC_TUNABLES", "DYLD_*", "GCONV_PATH",
	// command lookup and shells (bash(1) "Shell Variables" and INVOCATION,
	// dash(1) ENVIRONMENT, zsh(1) STARTUP/SHUTDOWN FILES)
	"PATH", "BASH_ENV", "ENV", "IFS", "PS0", "PS1", "PS2", "PS4", "PROMPT_COMMAND", "SHELLOPTS", "BASHOPTS",
	"BASH_FUNC_*", "GLOBIGNORE", "CDPATH", "SHELL", "HOME", "ZDOTDIR",
	// git(1) ENVIRONMENT VARIABLES: commands it runs, and the repository and
	// configuration it reads (whose core.fsmonitor, core.pager ... run)
	"GIT_SSH", "GIT_SSH_COMMAND", "GIT_EXEC_PATH", "GIT_EXTERNAL_DIFF", "GIT_PAGER", "GIT_EDITOR",
	"GIT_SEQUENCE_EDITOR", "GIT_ASKPASS", "GIT_PROXY_COMMAND", "GIT_CONFIG", "GIT_CONFIG_*", "GIT_DIR",
	"GIT_TEMPLATE_DIR", "XDG_CONFIG_HOME",
	// other programs that run a command named by a variable (ssh(1)
	// SSH_ASKPASS, sudo(8) SUDO_ASKPASS/SUDO_EDITOR, rsync(1) RSYNC_RSH and
	// RSYNC_CONNECT_PROG, less(1) LESSOPEN, man(1) MANPAGER, tar(1)
	// TAR_OPTIONS, zip(1) ZIPOPT and unzip(1) UNZIP, whose options include
	// zip's -TT command)
	"SSH_ASKPASS", "SUDO_ASKPASS", "SUDO_EDITOR", "PAGER", "MANPAGER", "EDITOR", "VISUAL", "BROWSER",
	"LESSOPEN", "LESSCLOSE", "TAR_OPTIONS", "RSYNC_RSH", "RSYNC_CONNECT_PROG", "ZIPOPT", "UNZIP", "UNZIPOPT",
	// startup and configuration files that run commands or load modules:
	// openssl config(5) (engines and providers), GNU make "The Variable
	// MAKEFILES" and MAKEFLAGS (--eval), psql(1) PSQLRC (\! runs a shell),
	// curl(1) CURL_HOME (.curlrc), wget(1) WGETRC (use_askpass)
	"OPENSSL_CONF", "OPENSSL_ENGINES", "OPENSSL_MODULES", "MAKEFILES", "MAKEFLAGS", "PSQLRC", "CURL_HOME", "WGETRC",
	// interpreters: python(1) ENVIRONMENT, node(1) NODE_OPTIONS, perlrun(1)
	// ENVIRONMENT, ruby(1) ENVIRONMENT, php.ini search, lua(1), the JVM
	// launcher (java(1) JDK_JAVA_OPTIONS), .NET startup hooks, R's Startup
	"NODE_OPTIONS", "NODE_PATH", "PERL5OPT", "PERL5LIB", "PERLLIB", "PERL5DB",
	"PYTHONSTARTUP", "PYTHONPATH", "PYTHONHOME", "PYTHONWARNINGS", "PYTHONBREAKPOINT", "PYTHONUSERBASE",
	"RUBYOPT", "RUBYLIB", "PHPRC", "PHP_INI_SCAN_DIR", "LUA_INIT", "LUA_PATH", "LUA_CPATH",
	"JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS", "CLASSPATH", "DOTNET_STARTUP_HOOKS",
	"R_PROFILE", "R_PROFILE_USER",
}

// dangerousEnv reports whether name is in the guard's list.
func (g *Guard) dangerousEnv(name string) bool {
	list := g.cfg.env
	if list == nil { // the zero Guard
		list = DangerousEnv
	}
	for _, d := range list {
		if p, ok := strings.CutSuffix(d, "*"); ok {
			if strings.HasPrefix(name, p) {
				return true
			}
		} else if name == d {
			return true
		}
	}
	return false
}

// checkEnvWord applies the environment rules to one NAME=value word; the
// span is in the word.
func (g *Guard) checkEnvWord(kv string, inputs []taint.Input) (hit, bool) {
	name, value, ok := strings.Cut(kv, "=")
	if !ok {
		return hit{}, false
	}
	for _, in := range inputs {
		v := in.Value
		if !checkable(v) {
			continue
		}
		// The input supplies the whole name (and maybe more).
		if strings.HasPrefix(kv, v) && len(v) >= len(name) {
			return hit{kind: rasp.KindCommandInjection, in: in, elem: -1, s: 0, e: len(v), rule: "env",
				reason: "input supplies an environment variable name"}, true
		}
	}
	h, found := g.checkAssign(name, value, inputs)
	if found && h.s >= 0 {
		h.s, h.e = h.s+len(name)+1, h.e+len(name)+1
	}
	return h, found
}

// checkAssign applies the value rule: request input in the value of a
// dangerous variable. The span is in value.
func (g *Guard) checkAssign(name, value string, inputs []taint.Input) (hit, bool) {
	if !g.dangerousEnv(name) {
		return hit{}, false
	}
	for _, in := range inputs {
		if !checkable(in.Value) {
			continue
		}
		if i := strings.Index(value, in.Value); i >= 0 {
			return hit{kind: rasp.KindCommandInjection, in: in, elem: -1, s: i, e: i + len(in.Value), rule: "env",
				reason: "input in the value of " + name + ", which is executed or loaded"}, true
		}
	}
	return hit{}, false
}

// checkEnv applies the environment rules to a command's Env. Entries
// inherited unchanged from this process's environment are skipped: the
// request cannot have chosen them, and their values (PATH above all) would
// otherwise match short inputs by chance. It returns the index of the
// offending entry.
func (g *Guard) checkEnv(env []string, inputs []taint.Input) (hit, int, bool) {
	for i, kv := range env {
		name, value, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		if cur, set := os.LookupEnv(name); set && cur == value {
			continue
		}
		if !occurs(kv, inputs) {
			continue
		}
		if h, found := g.checkEnvWord(kv, inputs); found {
			return h, i, true
		}
	}
	return hit{}, -1, false
}
