package execguard_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/execguard"
	"github.com/gorasp/rasp/internal/testlog"
	"github.com/gorasp/rasp/taint"
	"github.com/rs/zerolog"
)

// requestCtx returns a context carrying a new agent in mode and one query
// input per value.
func requestCtx(t *testing.T, mode rasp.Mode, values ...string) (context.Context, *rasp.Agent, *testlog.Buffer) {
	t.Helper()
	buf := &testlog.Buffer{}
	a := rasp.New(rasp.WithMode(mode), rasp.WithLogger(zerolog.New(buf)))
	ctx := rasp.NewContext(context.Background(), a)
	var in []taint.Input
	for i, v := range values {
		in = append(in, taint.Input{Source: taint.SourceQuery, Key: "p" + string(rune('a'+i)), Value: v})
	}
	return taint.NewContext(ctx, in...), a, buf
}

func need(t *testing.T, progs ...string) {
	t.Helper()
	for _, p := range progs {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("%s not installed", p)
		}
	}
}

// benign commands run in protect mode with the same output as unguarded.
func TestBenignSameOutput(t *testing.T) {
	need(t, "sh", "bash", "echo", "ls", "tar")
	dir := t.TempDir()
	for _, f := range []string{"my file.txt", "semi;colon.txt", "ünïcödé ✓.txt", "report-2024.txt"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name  string
		input string
		argv  []string
	}{
		{"sh quoted file with space", "my file.txt", []string{"sh", "-c", "ls -1 'my file.txt'"}},
		{"bash dquoted unicode", "héllo wörld ✓", []string{"bash", "-c", `echo "héllo wörld ✓"`}},
		{"sh single quote inside dquotes", "it's fine", []string{"sh", "-c", `echo "it's fine"`}},
		{"sh dquotes inside squotes", `say "hi"`, []string{"sh", "-c", `echo 'say "hi"'`}},
		{"sh quote escaped by the idiom", "' || touch PWNED", []string{"sh", "-c", `echo ''\'' || touch PWNED'`}},
		{"bash quote escaped inside text", "'; touch PWNED; '", []string{"bash", "-c", `echo 'say '\''; touch PWNED; '\'' now'`}},
		{"sh input re-quotes its own text", `x'"y z"'`, []string{"sh", "-c", `echo 'x'"y z"''`}},
		{"argv semicolon", "semi;colon.txt", []string{"ls", "-1", "semi;colon.txt"}},
		{"argv subst is inert", "$(touch PWNED)", []string{"echo", "$(touch PWNED)"}},
		{"dash placeholder", "-", []string{"ls", "-la", "-d", "."}},
		{"tar file name", "report-2024.txt", []string{"tar", "cf", "out.tar", "report-2024.txt"}},
		{"env harmless var", "fr_FR", []string{"env", "LANG=fr_FR", "sh", "-c", "echo $LANG"}},
		{"sh positional argument", "hello world", []string{"sh", "-c", "echo \"$1\"", "sh", "hello world"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want, wantErr := run(dir, exec.Command(tc.argv[0], tc.argv[1:]...))
			ctx, a, buf := requestCtx(t, rasp.ModeProtect, tc.input)
			cmd := execguard.CommandContext(ctx, tc.argv[0], tc.argv[1:]...)
			got, err := run(dir, cmd)
			if (err != nil) != (wantErr != nil) || got != want {
				t.Fatalf("guarded %q, %v; unguarded %q, %v", got, err, want, wantErr)
			}
			if s := a.Stats().Sinks[rasp.SinkExec]; s.Checks != 1 || s.Findings != 0 {
				t.Errorf("stats %+v, want one check and no finding; log %s", s, buf)
			}
			if _, err := os.Stat(filepath.Join(dir, "PWNED")); err == nil {
				t.Fatal("marker written")
			}
		})
	}
}

// TestBenignValuesSameOutput runs, in protect mode, commands whose input
// is the value of an option, a literal "$" or plain data in a program that
// runs code: the output is the unguarded one.
func TestBenignValuesSameOutput(t *testing.T) {
	tests := []struct {
		name  string
		needs []string
		input string
		argv  []string
		setup func(t *testing.T, dir string)
	}{
		{"grep -e value", []string{"grep"}, "--verbose", []string{"grep", "-rn", "-e", "--verbose", "notes.txt"}, notes},
		{"sh grep -e value", []string{"sh", "grep"}, "--verbose", []string{"sh", "-c", "grep -rn -e --verbose notes.txt"}, notes},
		{"dash grep --regexp value quoted", []string{"dash", "grep"}, "--verbose", []string{"dash", "-c", "grep --regexp '--verbose' notes.txt"}, notes},
		{"git log --grep value", []string{"git"}, "--force", []string{"git", "log", "--format=%s", "--grep", "--force"}, repo},
		{"bash git log --grep value", []string{"bash", "git"}, "--force", []string{"bash", "-c", "git log --format=%s --grep --force"}, repo},
		{"jq --arg value", []string{"jq"}, "-x", []string{"jq", "-n", "-r", "--arg", "v", "-x", "$v"}, nil},
		{"find -name value", []string{"find"}, "-x.txt", []string{"find", ".", "-name", "-x.txt"}, writeFile("-x.txt")},
		{"sh literal dollar", []string{"sh"}, "Price: R$ 20,00", []string{"sh", "-c", `echo "Price: R$ 20,00"`}, nil},
		{"dash literal dollar", []string{"dash"}, "Total: 5$", []string{"dash", "-c", `echo "Total: 5$"`}, nil},
		{"bash literal dollar", []string{"bash"}, "R$ 20,00 $/kg", []string{"bash", "-c", `echo "R$ 20,00 $/kg"`}, nil},
		{"sqlite3 plain value", []string{"sqlite3"}, "hello", []string{"sqlite3", ":memory:", "select 'hello';"}, nil},
		{"sed plain value", []string{"sed"}, "world", []string{"sed", "s/x/world/", "notes.txt"}, notes},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			need(t, tc.needs...)
			dir := t.TempDir()
			if tc.setup != nil {
				tc.setup(t, dir)
			}
			want, wantErr := run(dir, exec.Command(tc.argv[0], tc.argv[1:]...))
			ctx, a, buf := requestCtx(t, rasp.ModeProtect, tc.input)
			got, err := run(dir, execguard.CommandContext(ctx, tc.argv[0], tc.argv[1:]...))
			if (err != nil) != (wantErr != nil) || got != want {
				t.Fatalf("guarded %q, %v; unguarded %q, %v", got, err, want, wantErr)
			}
			if wantErr != nil || want == "" {
				t.Fatalf("the unguarded command failed or printed nothing: %v", wantErr)
			}
			if s := a.Stats().Sinks[rasp.SinkExec]; s.Checks != 1 || s.Findings != 0 {
				t.Errorf("stats %+v, want one check and no finding; log %s", s, buf)
			}
		})
	}
}

// notes writes notes.txt, which holds the text "--verbose".
func notes(t *testing.T, dir string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x\nthe --verbose flag\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// repo makes dir a git repository with one commit whose message is
// "--force is gone".
func repo(t *testing.T, dir string) {
	t.Helper()
	for _, argv := range [][]string{
		{"git", "init", "-q"},
		{"git", "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "--allow-empty", "-m", "--force is gone"},
	} {
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%q: %v %s", argv, err, out)
		}
	}
}

func run(dir string, cmd *exec.Cmd) (string, error) {
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return strings.ReplaceAll(string(out), dir, "DIR"), err
}

// attack is one attack shape: argv built around input; the injected part
// creates the file MARKER in the command's directory.
type attack struct {
	name  string
	needs []string
	input string
	argv  func(dir string) []string
	setup func(t *testing.T, dir string)
	kind  string
}

func attacks() []attack {
	return []attack{
		{name: "sh semicolon", needs: []string{"sh"}, input: "x; touch MARKER", kind: rasp.KindShellInjection,
			argv: func(string) []string { return []string{"sh", "-c", "ls x; touch MARKER"} }},
		{name: "bash cmdsubst", needs: []string{"bash"}, input: "$(touch MARKER)", kind: rasp.KindShellInjection,
			argv: func(string) []string { return []string{"bash", "-c", "echo $(touch MARKER)"} }},
		{name: "sh backquotes in dquotes", needs: []string{"sh"}, input: "`touch MARKER`", kind: rasp.KindShellInjection,
			argv: func(string) []string { return []string{"sh", "-c", "echo \"`touch MARKER`\""} }},
		{name: "sh quote break", needs: []string{"sh"}, input: "a'; touch MARKER; echo '", kind: rasp.KindShellInjection,
			argv: func(string) []string { return []string{"sh", "-c", "echo 'a'; touch MARKER; echo ''"} }},
		{name: "sh newline", needs: []string{"sh"}, input: "x\ntouch MARKER", kind: rasp.KindShellInjection,
			argv: func(string) []string { return []string{"sh", "-c", "ls x\ntouch MARKER"} }},
		{name: "bash -c +x option", needs: []string{"bash"}, input: "x; touch MARKER", kind: rasp.KindShellInjection,
			argv: func(string) []string { return []string{"bash", "-c", "+x", "ls x; touch MARKER"} }},
		{name: "sh -c re-quoted into nested sh", needs: []string{"sh"}, input: `'"x; touch MARKER"'`, kind: rasp.KindShellInjection,
			argv: func(string) []string { return []string{"sh", "-c", `sh -c 'ls '"x; touch MARKER"''`} }},
		{name: "env sh -c wrapper", needs: []string{"env", "sh"}, input: "x|touch MARKER", kind: rasp.KindShellInjection,
			argv: func(string) []string {
				return []string{"env", "-i", "PATH=/usr/bin:/bin", "sh", "-ec", "echo x|touch MARKER"}
			}},
		{name: "executable path", needs: []string{"sh"}, kind: rasp.KindCommandInjection,
			setup: func(t *testing.T, dir string) {
				writeScript(t, filepath.Join(dir, "evil.sh"), "#!/bin/sh\ntouch MARKER\n")
			},
			input: "./evil.sh",
			argv:  func(string) []string { return []string{"./evil.sh"} }},
		{name: "tar checkpoint action", needs: []string{"tar"}, input: "--checkpoint-action=exec=touch MARKER", kind: rasp.KindCommandInjection,
			setup: func(t *testing.T, dir string) {
				if err := os.WriteFile(filepath.Join(dir, "f.txt"), []byte("x"), 0o644); err != nil {
					t.Fatal(err)
				}
			},
			argv: func(string) []string {
				return []string{"tar", "cf", "a.tar", "--checkpoint=1", "--checkpoint-action=exec=touch MARKER", "f.txt"}
			}},
		{name: "git output option", needs: []string{"git"}, input: "--output=MARKER", kind: rasp.KindCommandInjection,
			setup: func(t *testing.T, dir string) {
				for _, f := range []string{"a", "b"} {
					if err := os.WriteFile(filepath.Join(dir, f), []byte(f+"\n"), 0o644); err != nil {
						t.Fatal(err)
					}
				}
			},
			argv: func(string) []string { return []string{"git", "diff", "--no-index", "--output=MARKER", "a", "b"} }},
		{name: "bash BASH_ENV", needs: []string{"env", "bash"}, kind: rasp.KindCommandInjection,
			setup: func(t *testing.T, dir string) {
				writeScript(t, filepath.Join(dir, "rc.sh"), "touch MARKER\n")
			},
			input: "./rc.sh",
			argv:  func(string) []string { return []string{"env", "BASH_ENV=./rc.sh", "bash", "-c", "true"} }},
		{name: "perl inline", needs: []string{"perl"}, input: "open(F,'>MARKER')", kind: rasp.KindCommandInjection,
			argv: func(string) []string { return []string{"perl", "-e", "open(F,'>MARKER')"} }},
		{name: "shell named by input", needs: []string{"sh"}, input: "sh", kind: rasp.KindCommandInjection,
			argv: func(string) []string { return []string{"sh", "-c", "touch MARKER"} }},
		// Issue 16: the program a request chooses.
		{name: "program from split input", needs: []string{"touch"}, input: "touch MARKER", kind: rasp.KindCommandInjection,
			argv: func(string) []string { return strings.Fields("touch MARKER") }},
		{name: "bare program name", needs: []string{"touch"}, input: "touch", kind: rasp.KindCommandInjection,
			argv: func(string) []string { return []string{"touch", "MARKER"} }},
		{name: "program after wrapper", needs: []string{"timeout", "touch"}, input: "touch MARKER", kind: rasp.KindCommandInjection,
			argv: func(string) []string { return []string{"timeout", "5", "touch", "MARKER"} }},
		{name: "find -exec program", needs: []string{"find", "touch"}, input: "touch", kind: rasp.KindCommandInjection,
			setup: writeFile("f.txt"),
			argv:  func(string) []string { return []string{"find", ".", "-name", "f.txt", "-exec", "touch", "MARKER", ";"} }},
		// Issue 16: options inside scripts, in sh, dash and bash.
		{name: "sh git option in script", needs: []string{"sh", "git"}, input: "--output=MARKER", kind: rasp.KindCommandInjection,
			setup: writeFile("a", "b"),
			argv:  func(string) []string { return []string{"sh", "-c", "git diff --no-index --output=MARKER a b"} }},
		{name: "dash tar option single-quoted", needs: []string{"dash", "tar"}, input: "--checkpoint-action=exec=touch MARKER", kind: rasp.KindCommandInjection,
			setup: writeFile("f.txt"),
			argv: func(string) []string {
				return []string{"dash", "-c", "tar cf a.tar --checkpoint=1 '--checkpoint-action=exec=touch MARKER' f.txt"}
			}},
		{name: "bash ssh ProxyCommand option", needs: []string{"bash", "ssh"}, input: "-oProxyCommand=touch MARKER", kind: rasp.KindCommandInjection,
			argv: func(string) []string {
				return []string{"bash", "-c", "ssh -F /dev/null -o BatchMode=yes '-oProxyCommand=touch MARKER' h"}
			}},
		{name: "dash curl output option", needs: []string{"dash", "curl"}, input: "-oMARKER", kind: rasp.KindCommandInjection,
			argv: func(string) []string { return []string{"dash", "-c", "curl -s -oMARKER file:///etc/hostname"} }},
		// Values padded with Unicode white space that the application
		// trimmed (strings.TrimSpace) before it built the command.
		{name: "sh trimmed quote break", needs: []string{"sh"}, input: "\u00a0x'; touch MARKER; echo '\u3000", kind: rasp.KindShellInjection,
			argv: func(string) []string {
				return []string{"sh", "-c", "echo '" + strings.TrimSpace("\u00a0x'; touch MARKER; echo '\u3000") + "'"}
			}},
		{name: "sh trimmed option in script", needs: []string{"sh", "git"}, input: "\u2003--output=MARKER", kind: rasp.KindCommandInjection,
			setup: writeFile("a", "b"),
			argv: func(string) []string {
				return []string{"sh", "-c", "git diff --no-index " + strings.TrimSpace("\u2003--output=MARKER") + " a b"}
			}},
		{name: "trimmed program", needs: []string{"touch"}, input: "touch MARKER\u0085",
			kind: rasp.KindCommandInjection,
			argv: func(string) []string { return strings.Fields(strings.TrimSpace("touch MARKER\u0085")) }},
		// Issue 16: programs that run an argument.
		{name: "sqlite3 dot-command", needs: []string{"sqlite3"}, input: ".shell touch MARKER", kind: rasp.KindCommandInjection,
			argv: func(string) []string { return []string{"sqlite3", ":memory:", ".shell touch MARKER"} }},
		{name: "git -c core.sshCommand", needs: []string{"git"}, input: "touch MARKER;false", kind: rasp.KindCommandInjection,
			argv: func(string) []string {
				return []string{"git", "-c", "core.sshCommand=touch MARKER;false", "ls-remote", "ssh://h/x"}
			}},
		{name: "tar --to-command", needs: []string{"tar"}, input: "touch MARKER", kind: rasp.KindCommandInjection,
			setup: tarFile("f.txt"),
			argv:  func(string) []string { return []string{"tar", "-xf", "a.tar", "--to-command=touch MARKER"} }},
		{name: "rsync -e", needs: []string{"rsync", "sh"}, input: "sh -c 'touch MARKER'", kind: rasp.KindCommandInjection,
			setup: writeFile("f.txt"),
			argv:  func(string) []string { return []string{"rsync", "-e", "sh -c 'touch MARKER'", "f.txt", "h:x"} }},
		{name: "zip -TT", needs: []string{"zip"}, input: "touch MARKER", kind: rasp.KindCommandInjection,
			setup: writeFile("f.txt"),
			argv:  func(string) []string { return []string{"zip", "-q", "-T", "-TT", "touch MARKER", "a.zip", "f.txt"} }},
		{name: "sed e command", needs: []string{"sed"}, input: "1e touch MARKER", kind: rasp.KindCommandInjection,
			setup: writeFile("f.txt"),
			argv:  func(string) []string { return []string{"sed", "-n", "1e touch MARKER", "f.txt"} }},
		{name: "sqlite3 in bash script", needs: []string{"bash", "sqlite3"}, input: ".shell touch MARKER", kind: rasp.KindCommandInjection,
			argv: func(string) []string { return []string{"bash", "-c", "sqlite3 :memory: '.shell touch MARKER'"} }},
		// Issue 16: variables that name code.
		{name: "GIT_EXTERNAL_DIFF", needs: []string{"env", "git"}, input: "./d.sh", kind: rasp.KindCommandInjection,
			setup: func(t *testing.T, dir string) {
				writeFile("a", "b")(t, dir)
				writeScript(t, filepath.Join(dir, "d.sh"), "#!/bin/sh\ntouch MARKER\n")
			},
			argv: func(string) []string {
				return []string{"env", "GIT_EXTERNAL_DIFF=./d.sh", "git", "diff", "--no-index", "a", "b"}
			}},
		{name: "MAKEFILES", needs: []string{"env", "make"}, input: "evil.mk", kind: rasp.KindCommandInjection,
			setup: func(t *testing.T, dir string) {
				if err := os.WriteFile(filepath.Join(dir, "evil.mk"), []byte("$(shell touch MARKER)\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			},
			argv: func(string) []string { return []string{"env", "MAKEFILES=evil.mk", "make", "-f", "/dev/null"} }},
	}
}

// writeFile returns a setup that writes each named file.
func writeFile(names ...string) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		t.Helper()
		for _, n := range names {
			if err := os.WriteFile(filepath.Join(dir, n), []byte(n+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// tarFile returns a setup that writes a.tar holding the named file.
func tarFile(name string) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		t.Helper()
		writeFile(name)(t, dir)
		cmd := exec.Command("tar", "cf", "a.tar", name)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("tar: %v %s", err, out)
		}
	}
}

func writeScript(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
}

func TestAttacksBlockedInProtect(t *testing.T) {
	for _, at := range attacks() {
		t.Run(at.name, func(t *testing.T) {
			need(t, at.needs...)
			dir := t.TempDir()
			if at.setup != nil {
				at.setup(t, dir)
			}
			argv := at.argv(dir)
			ctx, a, buf := requestCtx(t, rasp.ModeProtect, "harmless", at.input)
			cmd := execguard.CommandContext(ctx, argv[0], argv[1:]...)
			cmd.Dir = dir
			err := cmd.Run()
			var be *rasp.BlockedError
			if !errors.Is(err, rasp.ErrBlocked) || !errors.As(err, &be) {
				t.Fatalf("Run error %v, want a *rasp.BlockedError; log %s", err, buf)
			}
			if be.Event.Finding.Kind != at.kind {
				t.Errorf("kind %q, want %q", be.Event.Finding.Kind, at.kind)
			}
			if cmd.Process != nil {
				t.Error("a process was started")
			}
			if _, err := os.Stat(filepath.Join(dir, "MARKER")); err == nil {
				t.Fatal("the injected command ran")
			}
			if s := a.Stats().Sinks[rasp.SinkExec]; s.Blocks != 1 {
				t.Errorf("stats %+v, want one block", s)
			}
			if !strings.Contains(buf.String(), `"blocked":true`) {
				t.Errorf("no blocked event logged: %s", buf)
			}
		})
	}
}

func TestAttacksRunInMonitor(t *testing.T) {
	for _, at := range attacks() {
		t.Run(at.name, func(t *testing.T) {
			need(t, at.needs...)
			dir := t.TempDir()
			if at.setup != nil {
				at.setup(t, dir)
			}
			argv := at.argv(dir)
			ctx, a, buf := requestCtx(t, rasp.ModeMonitor, at.input)
			cmd := execguard.CommandContext(ctx, argv[0], argv[1:]...)
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); errors.Is(err, rasp.ErrBlocked) {
				t.Fatalf("blocked in monitor: %v %s", err, out)
			}
			if _, err := os.Stat(filepath.Join(dir, "MARKER")); err != nil {
				t.Fatalf("the command did not run in monitor: %v", err)
			}
			if s := a.Stats().Sinks[rasp.SinkExec]; s.Findings != 1 || s.Blocks != 0 {
				t.Errorf("stats %+v, want one finding, no block", s)
			}
			if !strings.Contains(buf.String(), `"kind":"`+at.kind+`"`) || !strings.Contains(buf.String(), `"blocked":false`) {
				t.Errorf("event not reported: %s", buf)
			}
		})
	}
}

// TestRunChecksBuiltCommand changes a command after construction and checks
// it right before it runs.
func TestRunChecksBuiltCommand(t *testing.T) {
	need(t, "bash", "sh")
	tests := []struct {
		name  string
		input string
		build func(dir string) *exec.Cmd
	}{
		{"Env set later", "./rc.sh", func(string) *exec.Cmd {
			cmd := exec.Command("bash", "-c", "true")
			cmd.Env = append(os.Environ(), "BASH_ENV=./rc.sh")
			return cmd
		}},
		{"Args changed later", "x; touch MARKER", func(string) *exec.Cmd {
			cmd := exec.Command("sh", "-c", "true")
			cmd.Args = []string{"sh", "-c", "ls x; touch MARKER"}
			return cmd
		}},
		{"Path changed later", "./evil.sh", func(string) *exec.Cmd {
			cmd := exec.Command("true")
			cmd.Path = "./evil.sh"
			return cmd
		}},
		{"Dir of a relative program", "/tmp/uploads/", func(string) *exec.Cmd {
			cmd := exec.Command("./evil.sh")
			cmd.Dir = "/tmp/uploads/"
			return cmd
		}},
	}
	runners := map[string]func(context.Context, *exec.Cmd) error{
		"Run":   execguard.Run,
		"Start": execguard.Start,
		"Output": func(ctx context.Context, c *exec.Cmd) error {
			_, err := execguard.Output(ctx, c)
			return err
		},
		"CombinedOutput": func(ctx context.Context, c *exec.Cmd) error {
			_, err := execguard.CombinedOutput(ctx, c)
			return err
		},
	}
	for _, tc := range tests {
		for rname, runner := range runners {
			t.Run(tc.name+"/"+rname, func(t *testing.T) {
				dir := t.TempDir()
				writeScript(t, filepath.Join(dir, "rc.sh"), "touch MARKER\n")
				writeScript(t, filepath.Join(dir, "evil.sh"), "#!/bin/sh\ntouch MARKER\n")
				ctx, _, buf := requestCtx(t, rasp.ModeProtect, tc.input)
				cmd := tc.build(dir)
				if cmd.Dir == "" {
					cmd.Dir = dir
				}
				err := runner(ctx, cmd)
				if !errors.Is(err, rasp.ErrBlocked) {
					t.Fatalf("%s error %v, want blocked; log %s", rname, err, buf)
				}
				if cmd.Process != nil {
					t.Fatal("a process was started")
				}
				if _, err := os.Stat(filepath.Join(dir, "MARKER")); err == nil {
					t.Fatal("the injected command ran")
				}
			})
		}
	}
}

func TestRunBenign(t *testing.T) {
	need(t, "echo")
	ctx, _, _ := requestCtx(t, rasp.ModeProtect, "hello world")
	cmd := exec.Command("echo", "hello world")
	cmd.Env = append(os.Environ(), "GREETING=hello world")
	if err := execguard.Start(ctx, cmd); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	out, err := execguard.Output(ctx, exec.Command("echo", "hello world"))
	if err != nil || string(out) != "hello world\n" {
		t.Fatalf("Output = %q, %v", out, err)
	}
}

func TestModesAndBlindSpots(t *testing.T) {
	need(t, "sh")
	dir := t.TempDir()
	argv := []string{"sh", "-c", "ls x; touch MARKER"}

	// Off: no check, the command runs.
	ctx, a, _ := requestCtx(t, rasp.ModeOff, "x; touch MARKER")
	cmd := execguard.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	_ = cmd.Run()
	if _, err := os.Stat(filepath.Join(dir, "MARKER")); err != nil {
		t.Fatal("off mode did not run the command")
	}
	if s := a.Stats().Sinks[rasp.SinkExec]; s.Checks != 0 {
		t.Errorf("off mode checked: %+v", s)
	}

	// A context without inputs is a blind spot: counted, not checked.
	buf := &testlog.Buffer{}
	a = rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.New(buf)))
	cmd = execguard.CommandContext(rasp.NewContext(context.Background(), a), "true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if s := a.Stats().Sinks[rasp.SinkExec]; s.NoContext != 1 || s.Checks != 0 {
		t.Errorf("blind spot not counted: %+v", s)
	}
	if !strings.Contains(buf.String(), "blind_spot") || !strings.Contains(buf.String(), "exec_test.go") {
		t.Errorf("blind spot not reported at the caller: %s", buf)
	}

	// Command has no context: it returns the plain command.
	c := execguard.Command("sh", "-c", "true")
	if c.Err != nil || c.Path == "" {
		t.Fatalf("Command = %+v", c)
	}
}

func TestFaults(t *testing.T) {
	need(t, "sh")
	// The script is broken with or without the input: the check cannot
	// finish. Fail-open runs it (and sh reports the syntax error); fail-closed
	// blocks it.
	argv := []string{"sh", "-c", `echo "abc`}
	for _, closed := range []bool{false, true} {
		buf := &testlog.Buffer{}
		a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.New(buf)), rasp.WithFailClosed(closed))
		ctx := taint.NewContext(rasp.NewContext(context.Background(), a), taint.Input{Source: taint.SourceQuery, Key: "q", Value: "abc"})
		cmd := execguard.CommandContext(ctx, argv[0], argv[1:]...)
		if blocked := errors.Is(cmd.Err, rasp.ErrBlocked); blocked != closed {
			t.Errorf("fail-closed=%v: blocked=%v", closed, blocked)
		}
		if s := a.Stats().Sinks[rasp.SinkExec]; s.Faults != 1 {
			t.Errorf("fail-closed=%v: faults %d, want 1; log %s", closed, s.Faults, buf)
		}
	}
	// Over the limits without an input in the script is a fault too.
	deep := strings.Repeat("(", execguard.MaxNesting+1) + "true" + strings.Repeat(")", execguard.MaxNesting+1)
	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()), rasp.WithFailClosed(true))
	ctx := taint.NewContext(rasp.NewContext(context.Background(), a), taint.Input{Source: taint.SourceQuery, Key: "q", Value: "zzz"})
	if cmd := execguard.CommandContext(ctx, "sh", "-c", deep); !errors.Is(cmd.Err, rasp.ErrBlocked) {
		t.Errorf("deep script without input not a fault: %v", cmd.Err)
	}
}

// TestFindDeleteInScript: an input that supplies find's -delete inside a
// dash script deletes nothing in protect mode, and does in monitor mode.
func TestFindDeleteInScript(t *testing.T) {
	need(t, "dash", "find")
	for _, mode := range []rasp.Mode{rasp.ModeProtect, rasp.ModeMonitor} {
		dir := t.TempDir()
		writeFile("victim.txt")(t, dir)
		ctx, _, buf := requestCtx(t, mode, "-delete")
		cmd := execguard.CommandContext(ctx, "dash", "-c", "find . -name victim.txt -delete")
		cmd.Dir = dir
		err := cmd.Run()
		_, statErr := os.Stat(filepath.Join(dir, "victim.txt"))
		switch mode {
		case rasp.ModeProtect:
			if !errors.Is(err, rasp.ErrBlocked) || statErr != nil {
				t.Fatalf("protect: error %v, file %v; log %s", err, statErr, buf)
			}
		default:
			if err != nil || statErr == nil {
				t.Fatalf("monitor: error %v; the file should be gone (%v)", err, statErr)
			}
		}
	}
}
