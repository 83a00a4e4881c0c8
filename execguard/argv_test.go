package execguard

import (
	"strings"
	"testing"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/taint"
)

var argvCases = []struct {
	name  string
	argv  []string
	input string
	want  bool
	kind  string // expected kind; empty means command injection
}{
	// No shell: metacharacters are inert.
	{"inert semicolon", []string{"ls", "-la", "semi;colon.txt"}, "semi;colon.txt", false, ""},
	{"inert subst", []string{"echo", "$(id)"}, "$(id)", false, ""},
	{"inert spaces", []string{"grep", "-r", "hello world", "."}, "hello world", false, ""},
	// Executable.
	{"exe path", []string{"/tmp/evil", "-x"}, "/tmp/evil", true, ""},
	{"exe relative", []string{"../bin/x"}, "../bin/x", true, ""},
	{"exe padded", []string{"  /usr/bin/reboot\t"}, "/usr/bin/reboot", true, ""},
	{"exe input padded", []string{"/usr/bin/ls", "-l"}, " /usr/bin/ls \n", true, ""},
	{"exe bare name", []string{"git", "log"}, "git", true, ""},
	// Padded with Unicode white space that the application trimmed
	// (strings.TrimSpace removes U+00A0, U+0085, U+3000 ...).
	{"exe input padded nbsp", []string{"/usr/bin/ls", "-l"}, "\u00a0/usr/bin/ls", true, ""},
	{"program padded ideographic space", []string{"uname", "-a"}, "uname\u3000", true, ""},
	{"program fields padded nel", []string{"head", "/etc/hostname"}, "\u0085head /etc/hostname\u2003", true, ""},
	{"option padded em space", []string{"git", "log", "--output=/tmp/o"}, "\u2003--output=/tmp/o", true, ""},
	{"non-ascii ends harmless", []string{"grep", "-r", "café", "."}, "café", false, ""},
	{"padded nbsp harmless", []string{"grep", "-r", "hello", "."}, "\u00a0hello", false, ""},
	// A program chosen by one input split into argv (strings.Fields).
	{"program bare", []string{"uname"}, "uname", true, ""},
	{"program no-op", []string{"true"}, "true", false, ""},
	{"program no-op path", []string{"/bin/true"}, "/bin/true", true, ""},
	{"program fields", []string{"head", "/etc/hostname"}, "head /etc/hostname", true, ""},
	{"program fields path", []string{"/usr/bin/mkdir", "/tmp/y"}, "/usr/bin/mkdir /tmp/y", true, ""},
	{"program fields shell", []string{"bash", "-c", "'whoami;date'"}, "bash -c 'whoami;date'", true, ""},
	{"program fields extra blanks", []string{"head", "-n1", "f"}, " head  -n1 ", true, ""},
	{"program fields not at start", []string{"ls", "head", "/etc/hostname"}, "head /etc/hostname", false, ""},
	{"program fields one element", []string{"echo", "head /etc/hostname"}, "head /etc/hostname", false, ""},
	{"program fields partial", []string{"head", "/etc/hostname"}, "head /etc/host", false, ""},
	{"program in wrapper", []string{"timeout", "5", "uname", "-a"}, "uname", true, ""},
	{"exe inside name", []string{"convert", "a.png", "b.png"}, "c", false, ""},
	{"exe names shell", []string{"bash", "script.sh"}, "bash", true, ""},
	{"exe names interpreter", []string{"python3", "app.py"}, "python3", true, ""},
	{"exe partial path", []string{"/usr/bin/reboot"}, "/usr", false, ""},
	// Options.
	{"option long", []string{"git", "log", "--output=/tmp/x"}, "--output=/tmp/x", true, ""},
	{"option name only", []string{"git", "log", "--output=/tmp/x"}, "--output", true, ""},
	{"option value only", []string{"git", "log", "--output=/tmp/x"}, "/tmp/x", false, ""},
	{"option tar", []string{"tar", "cf", "a.tar", "--checkpoint-action=exec=sh x.sh"}, "--checkpoint-action=exec=sh x.sh", true, ""},
	{"option curl attached", []string{"curl", "-o/etc/x", "http://h/"}, "-o/etc/x", true, ""},
	{"option dash placeholder", []string{"ls", "-la"}, "-", false, ""},
	{"option negative number", []string{"seq", "-5", "5"}, "-5", false, ""},
	{"option negative decimal", []string{"printf", "%f", "-.5"}, "-.5", false, ""},
	{"option after double dash", []string{"git", "log", "--", "--output=/tmp/x"}, "--output=/tmp/x", false, ""},
	{"option short", []string{"ls", "-la"}, "-la", true, ""},
	// Values of options that take one (programs.go): the input is data.
	{"value grep -e", []string{"grep", "-rn", "-e", "--quiet", "src"}, "--quiet", false, ""},
	{"value grep bundle", []string{"grep", "-rne", "--quiet", "src"}, "--quiet", false, ""},
	{"value grep --regexp", []string{"grep", "--regexp", "--quiet", "src"}, "--quiet", false, ""},
	{"value grep next is option", []string{"grep", "-e", "x", "--quiet", "src"}, "--quiet", true, ""},
	{"value git log --grep", []string{"git", "log", "--grep", "--all"}, "--all", false, ""},
	{"value git commit -m", []string{"git", "commit", "-m", "-reverted typo"}, "-reverted typo", false, ""},
	{"value git -C", []string{"git", "-C", "-repo", "status"}, "-repo", false, ""},
	{"value curl -H", []string{"curl", "-H", "-X: y", "http://h/"}, "-X: y", false, ""},
	{"value tar -f", []string{"tar", "-c", "-f", "-a.tar", "x"}, "-a.tar", false, ""},
	{"value find -name", []string{"find", ".", "-name", "-x"}, "-x", false, ""},
	{"value unknown program", []string{"mytool", "-e", "--quiet"}, "--quiet", true, ""},
	{"value optional is attached only", []string{"git", "grep", "-O", "--no-index", "x"}, "--no-index", true, ""},
	{"value unknown subcommand", []string{"git", "status", "-m", "--porcelain"}, "--porcelain", true, ""},
	{"value jq --arg two", []string{"jq", "--arg", "n", "--slurp", "."}, "--slurp", false, ""},
	{"value after two", []string{"jq", "--arg", "n", "v", "--slurp", "."}, "--slurp", true, ""},
	{"value flag takes none", []string{"grep", "-r", "--quiet", "src"}, "--quiet", true, ""},
	{"value find primary injected", []string{"find", ".", "-name", "x", "-delete"}, "-delete", true, ""},
	// Programs that run an argument (programs.go).
	{"code sqlite3 dot-command", []string{"sqlite3", "app.db", ".shell uname"}, ".shell uname", true, ""},
	{"code sqlite3 -cmd", []string{"sqlite3", "-cmd", ".system uname", "app.db"}, ".system uname", true, ""},
	{"code sqlite3 plain", []string{"sqlite3", "app.db", "select * from t where id=7"}, "7", false, ""},
	{"code git -c pager", []string{"git", "-c", "core.pager=sh -c uname", "log"}, "sh -c uname", true, ""},
	{"code git -c key", []string{"git", "-c", "core.sshCommand=x", "fetch"}, "core.sshCommand", true, ""},
	{"code git -c harmless", []string{"git", "-c", "user.name=alice", "commit"}, "alice", false, ""},
	{"code git clone --upload-pack", []string{"git", "clone", "--upload-pack=touch /tmp/x;git-upload-pack", "r"}, "touch /tmp/x;git-upload-pack", true, ""},
	{"code tar --to-command", []string{"tar", "-xf", "a.tar", "--to-command=sh -c uname"}, "sh -c uname", true, ""},
	{"code tar -I", []string{"tar", "-I", "sh -c uname", "-xf", "a.tar"}, "sh -c uname", true, ""},
	{"code rsync -e", []string{"rsync", "-e", "sh -c uname", "a", "h:b"}, "sh -c uname", true, ""},
	{"code rsync -e program", []string{"rsync", "-e", "/tmp/evil", "a", "h:b"}, "/tmp/evil", true, ""},
	{"code zip -TT", []string{"zip", "-T", "-TT", "sh -c uname", "a.zip", "f"}, "sh -c uname", true, ""},
	{"code find -exec", []string{"find", ".", "-exec", "sh", "-c", "ls x;uname", ";"}, "x;uname", true, rasp.KindShellInjection},
	{"code find -exec program", []string{"find", ".", "-name", "x", "-exec", "uname", "{}", ";"}, "uname", true, ""},
	{"code find -exec nested", []string{"find", ".", "-exec", "find", ".", "-exec", "uname", ";", ";"}, "uname", true, ""},
	{"code find -exec data", []string{"find", ".", "-exec", "grep", "-l", "needle", "{}", "+"}, "needle", false, ""},
	{"code sed e command", []string{"sed", "1e uname", "f"}, "1e uname", true, ""},
	{"code sed -e", []string{"sed", "-n", "-e", "1e uname", "f"}, "1e uname", true, ""},
	{"code sed plain", []string{"sed", "-e", "s/a/b/", "f"}, "b", false, ""},
	{"code sed bundle -ne", []string{"sed", "-ne", "1e uname", "my file"}, "my file", false, ""},
	{"code sed -i suffix", []string{"sed", "-iebak", "1e uname", "f"}, "1e uname", true, ""},
	{"code sed --expression=", []string{"sed", "--expression=1e uname", "f"}, "1e uname", true, ""},
	{"code ssh ProxyCommand", []string{"ssh", "-o", "ProxyCommand=sh -c uname", "h"}, "sh -c uname", true, ""},
	{"code ssh -oProxyCommand injected", []string{"ssh", "-oProxyCommand=sh -c uname", "h"}, "-oProxyCommand=sh -c uname", true, ""},
	{"code scp -S", []string{"scp", "-S", "/tmp/evil", "a", "h:b"}, "/tmp/evil", true, ""},
	{"code psql -c", []string{"psql", "-c", "\\! uname", "db"}, "\\! uname", true, ""},
	{"code mysql -e", []string{"mysql", "-e", "system uname", "db"}, "system uname", true, ""},
	{"code sort --compress-program", []string{"sort", "--compress-program=sh -c uname", "f"}, "sh -c uname", true, ""},
	{"code wget --use-askpass", []string{"wget", "--use-askpass=/tmp/evil", "http://h/"}, "/tmp/evil", true, ""},
	// Shells.
	{"sh -c", []string{"sh", "-c", "ls x; id"}, "x; id", true, rasp.KindShellInjection},
	{"sh -c benign", []string{"sh", "-c", "ls 'my file.txt'"}, "my file.txt", false, ""},
	{"bash -ec", []string{"/bin/bash", "-ec", "ls $(id)"}, "$(id)", true, rasp.KindShellInjection},
	{"bash -o pipefail -c", []string{"bash", "-o", "pipefail", "-c", "ls x|id"}, "x|id", true, rasp.KindShellInjection},
	{"bash -c --", []string{"bash", "-c", "--", "ls x&&id"}, "x&&id", true, rasp.KindShellInjection},
	{"sh -c args are data", []string{"sh", "-c", `ls -- "$1"`, "sh", "x; id"}, "x; id", false, ""},
	{"busybox sh", []string{"busybox", "sh", "-c", "ls x;id"}, "x;id", true, rasp.KindShellInjection},
	{"zsh glob qualifier", []string{"zsh", "-c", "ls x^y"}, "x^y", true, rasp.KindShellInjection},
	{"shell script file", []string{"sh", "uploads/run.sh"}, "uploads/run.sh", true, ""},
	{"bash -c +x", []string{"bash", "-c", "+x", "ls x;id"}, "x;id", true, rasp.KindShellInjection},
	{"bash -c +o option", []string{"bash", "-c", "+o", "pipefail", "ls x;id"}, "x;id", true, rasp.KindShellInjection},
	{"sh -c POSIX option list", []string{"sh", "-c", "-e", "-o", "errexit", "+x", "+o", "nounset", "ls x;id", "name"}, "x;id", true, rasp.KindShellInjection},
	{"sh -c POSIX options name is data", []string{"sh", "-c", "-e", "+x", `ls -- "$0"`, "x;id"}, "x;id", false, ""},
	{"ksh +x -c", []string{"ksh", "+x", "-c", "ls x;id"}, "x;id", true, rasp.KindShellInjection},
	{"bash -O extglob -c", []string{"bash", "+O", "extglob", "-c", "ls x;id"}, "x;id", true, rasp.KindShellInjection},
	{"sh -c idiom benign", []string{"sh", "-c", `ping -c 1 ''\'' || whoami'`}, "' || whoami", false, ""},
	{"sh -c idiom then eval", []string{"sh", "-c", `eval 'echo '\''a'\''; id'`}, "; id", true, rasp.KindShellInjection},
	{"fish -c", []string{"fish", "-c", "ls x;id"}, "x;id", true, ""},
	{"fish -ci", []string{"fish", "-ci", "ls x;id"}, "x;id", true, ""},
	{"fish -ic", []string{"fish", "-ic", "ls x;id"}, "x;id", true, ""},
	{"fish -d value -c", []string{"fish", "-d", "3", "-c", "ls x;id"}, "x;id", true, ""},
	{"fish -C", []string{"fish", "-C", "ls x;id", "script.fish"}, "x;id", true, ""},
	{"fish --init-command=", []string{"fish", "--init-command=ls x;id"}, "x;id", true, ""},
	{"fish plain word", []string{"fish", "-c", "ls reports"}, "reports", false, ""},
	{"fish args are data", []string{"fish", "-c", "ls $argv", "x;id"}, "x;id", false, ""},
	// Wrappers.
	{"env sh -c", []string{"env", "-i", "FOO=1", "sh", "-c", "ls x;id"}, "x;id", true, rasp.KindShellInjection},
	{"env var name", []string{"env", "LD_PRELOAD=/tmp/x.so", "ls"}, "LD_PRELOAD", true, ""},
	{"env dangerous value", []string{"env", "LD_PRELOAD=/tmp/x.so", "ls"}, "/tmp/x.so", true, ""},
	{"env harmless value", []string{"env", "LANG=fr_FR", "ls"}, "fr_FR", false, ""},
	{"nice sudo timeout", []string{"nice", "-n", "5", "sudo", "-u", "app", "timeout", "10", "sh", "-c", "ls x;id"}, "x;id", true, rasp.KindShellInjection},
	{"timeout duration", []string{"timeout", "10", "ls", "x"}, "10", false, ""},
	{"xargs", []string{"xargs", "-0", "sh", "-c", "ls x;id"}, "x;id", true, rasp.KindShellInjection},
	{"xargs -l optional value", []string{"xargs", "-l", "sh", "-c", "ls x;id"}, "x;id", true, rasp.KindShellInjection},
	{"sudo -h optional value", []string{"sudo", "-h", "sh", "-c", "ls x;id"}, "x;id", true, rasp.KindShellInjection},
	{"nohup exe path", []string{"nohup", "/tmp/evil"}, "/tmp/evil", true, ""},
	{"stdbuf option", []string{"stdbuf", "-oL", "grep", "--output=x"}, "--output=x", true, ""},
	// Interpreters.
	{"python -c", []string{"python3", "-c", "import os; os.system('id')"}, "import os; os.system('id')", true, ""},
	{"python -c plain word", []string{"python3", "-c", "print('hello')"}, "hello", false, ""},
	{"perl -le", []string{"perl", "-le", "print 1; system q(id)"}, "system q(id)", true, ""},
	{"perl -e attached", []string{"perl", "-eprint 1;`id`"}, "`id`", true, ""},
	{"node --eval=", []string{"node", "--eval=require('x')"}, "require('x')", true, ""},
	{"ruby -e", []string{"ruby", "-e", "puts `id`"}, "`id`", true, ""},
	{"php -r", []string{"php", "-r", "system('id');"}, "system('id');", true, ""},
	{"awk program", []string{"awk", "BEGIN{system(\"id\")}"}, "BEGIN{system(\"id\")}", true, ""},
	{"python script data", []string{"python3", "app.py", "hello world"}, "hello world", false, ""},
	{"python script chosen", []string{"python3", "uploads/x.py"}, "uploads/x.py", true, ""},
	{"python -m data", []string{"python3", "-m", "http.server", "8000"}, "8000", false, ""},
	{"python -m chosen", []string{"python3", "-m", "http.server", "8000"}, "http.server", true, ""},
	{"python -mmodule chosen", []string{"python3", "-mhttp.server"}, "http.server", true, ""},
	{"pwsh -Command", []string{"pwsh", "-Command", "Get-Item x; id"}, "x; id", true, ""},
	// Remote and user shells.
	{"ssh remote command", []string{"ssh", "-p", "22", "host", "ls", "x;id"}, "x;id", true, rasp.KindShellInjection},
	{"ssh remote benign", []string{"ssh", "host", "ls", "reports"}, "reports", false, ""},
	{"su -c", []string{"su", "-", "app", "-c", "ls x|id"}, "x|id", true, rasp.KindShellInjection},
	{"runuser --command=", []string{"runuser", "-u", "app", "--command=ls $(id)"}, "$(id)", true, rasp.KindShellInjection},
	// Empty and blank inputs.
	{"empty", []string{"ls", ""}, "", false, ""},
	{"blank", []string{"ls", " "}, " ", false, ""},
}

func TestCheckArgv(t *testing.T) {
	for _, tc := range argvCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, got := CheckArgv(tc.argv, []taint.Input{q(tc.input)})
			if got != tc.want {
				t.Fatalf("CheckArgv(%q, %q) = %v (%+v), want %v", tc.argv, tc.input, got, f, tc.want)
			}
			if !got {
				return
			}
			kind := tc.kind
			if kind == "" {
				kind = rasp.KindCommandInjection
			}
			if f.Kind != kind {
				t.Errorf("kind %q, want %q (%s)", f.Kind, kind, f.Reason)
			}
			if want := strings.Join(tc.argv, " "); f.Target != want {
				t.Errorf("target %q, want %q", f.Target, want)
			}
			if f.Start >= 0 {
				span := f.Target[f.Start:f.End]
				if strings.TrimSpace(span) != strings.TrimSpace(tc.input) {
					t.Errorf("span [%d,%d) = %q, want the input %q", f.Start, f.End, span, tc.input)
				}
			}
		})
	}
}

// TestDangerousEnvLoaders covers variables whose value a loader or tool
// reads code or paths from (env.go cites each source).
func TestDangerousEnvLoaders(t *testing.T) {
	for _, name := range []string{"OPENSSL_CONF", "MAKEFILES", "MAKEFLAGS", "GCONV_PATH", "PYTHONSTARTUP",
		"NODE_OPTIONS", "PERL5OPT", "RUBYOPT", "GIT_SSH_COMMAND", "GIT_EXTERNAL_DIFF", "GIT_DIR", "GLIBC_TUNABLES",
		"RSYNC_RSH", "ZIPOPT", "PSQLRC", "WGETRC", "CURL_HOME", "DOTNET_STARTUP_HOOKS", "SUDO_ASKPASS", "ZDOTDIR"} {
		if _, ok := CheckArgv([]string{"env", name + "=/srv/up/x7", "true"}, []taint.Input{q("/srv/up/x7")}); !ok {
			t.Errorf("input in %s not flagged", name)
		}
	}
	if _, ok := CheckArgv([]string{"env", "LC_TIME=/srv/up/x7", "true"}, []taint.Input{q("/srv/up/x7")}); ok {
		t.Error("input in LC_TIME flagged")
	}
}

func TestDangerousEnvOption(t *testing.T) {
	argv := []string{"env", "MYAPP_HOOK_PRE=/tmp/x", "ls"}
	in := []taint.Input{q("/tmp/x")}
	if _, ok := CheckArgv(argv, in); ok {
		t.Fatal("default guard flags a variable not on the list")
	}
	g := New(WithDangerousEnv("MYAPP_HOOK_*"), nil, WithDangerousEnv(""))
	if _, ok := g.CheckArgv(argv, in); !ok {
		t.Fatal("WithDangerousEnv prefix not applied")
	}
	if _, ok := g.CheckArgv([]string{"env", "PATH=/tmp/x", "ls"}, in); !ok {
		t.Fatal("WithDangerousEnv dropped the default list")
	}
}

func TestCheckEnv(t *testing.T) {
	t.Setenv("EXECGUARD_TEST_PATHLIKE", "/opt/tools/bin")
	g := New(WithDangerousEnv("EXECGUARD_TEST_PATHLIKE"))
	tests := []struct {
		name  string
		env   []string
		input string
		want  bool
	}{
		{"inherited value skipped", []string{"EXECGUARD_TEST_PATHLIKE=/opt/tools/bin"}, "tools", false},
		{"changed value", []string{"EXECGUARD_TEST_PATHLIKE=/tmp/evil:/opt/tools/bin"}, "/tmp/evil", true},
		{"name from input", []string{"BASH_ENV=x"}, "BASH_ENV", true},
		{"harmless", []string{"GREETING=hello world"}, "hello world", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, got := g.checkEnv(tc.env, []taint.Input{q(tc.input)})
			if got != tc.want {
				t.Fatalf("checkEnv(%q, %q) = %v, want %v", tc.env, tc.input, got, tc.want)
			}
		})
	}
}

func TestProgName(t *testing.T) {
	for in, want := range map[string]string{
		"/usr/bin/python3.12": "python", "PERL5.36": "perl", `C:\bin\Pwsh.exe`: "pwsh", " bash ": "bash", "ksh93": "ksh",
	} {
		if got := progName(in); got != want {
			t.Errorf("progName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestDeepFindExec runs a long chain of find -exec find -exec ...: the
// check returns, and an input at the end is still looked at as an option.
func TestDeepFindExec(t *testing.T) {
	argv := []string{"find"}
	for range 50000 {
		argv = append(argv, ".", "-exec", "find")
	}
	argv = append(argv, "--output=/tmp/x")
	if _, ok := CheckArgv(argv, []taint.Input{q("--output=/tmp/x")}); !ok {
		t.Fatal("option at the end of a deep find -exec chain not flagged")
	}
}
