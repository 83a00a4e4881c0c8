// Package execguard guards os/exec: it refuses commands whose program,
// options, environment or shell script a request input chose.
//
// The default path is to replace exec.CommandContext with [CommandContext]
// and pass the request's context: the returned *exec.Cmd is a real one,
// and when it is blocked its Err field holds the [*rasp.BlockedError], so
// Run, Start, Output and CombinedOutput refuse before anything starts.
// For a command whose Args, Path, Env or Dir change after construction,
// call [Run], [Start], [Output] or [CombinedOutput] (or [Check]) with the
// request's context right before it runs. [CheckShell] and [CheckArgv] are
// the pure checks behind them.
//
// # Threat model
//
// An input is a value of the request (see package taint). It is a finding
// when one of its occurrences does one of the following; occurrences of
// empty values and values made only of blanks are ignored, because they
// can only move hard-coded words apart.
//
//   - Shell syntax ([rasp.KindShellInjection]). A script is parsed with
//     mvdan.cc/sh/v3/syntax in the POSIX and the Bash variant, and an
//     occurrence is harmless only if it is harmless in every variant the
//     script parses in. Harmless means it is literal text of one word in its
//     quoting context: inside '...' it holds no "'"; inside $'...' no "'"
//     or "\"; inside "..." (and in a here-document body) no "$", "`" or `"`
//     that a backslash of the script does not escape, and no backslash
//     that escapes anything (a backslash before other bytes is literal
//     there, as in "C:\Users"), and no newline in a here-document (a "$"
//     followed by a byte that starts no expansion, such as a blank, "%",
//     "/", ",", "." or the closing quote, is literal there, as POSIX 2.6
//     has it: "R$ 20,00" and "5$" are text; one followed by a name, a
//     digit, a special parameter, "{", "(" or "[" is an expansion);
//     unquoted it holds no
//     blank, newline, quote, "\", "$", "`", glob ("*", "?", "[", "]"),
//     brace, operator or redirection character, no "~" where tilde
//     expansion applies, and no "," or ".." inside a brace pattern; in a
//     comment it holds no newline; in arithmetic it is digits only.
//     Occurrences elsewhere (across words, in operators, in a parameter,
//     variable or function name) are syntax. A script that parses only
//     when the input is replaced by letters was broken by the input. For
//     zsh the unquoted rules also refuse "#", "^" and a leading "=". An
//     unquoted glob character is reported with a reason that says so: the
//     shell expands http://h/p?a=1 to matching file names, so the script
//     must single-quote such a value ('http://h/p?a=1').
//   - Literal words. An occurrence that crosses quotes is still harmless
//     when, in both variants, it lies inside one argument word (not the
//     command name) whose parts are all literal after quote removal
//     ('...', "..." with literal text only, and unquoted text with no glob,
//     brace, "~", "$", backquote or control byte unless escaped), and
//     either (a) the word's value holds the input as text whose source is
//     the occurrence give or take quoting bytes, as the single-quote
//     escaping idiom writes it: the input ' || whoami quoted by
//     syntax.Quote or a shell-quote library shows up across the quotes
//     the escaping added; or (b) every quote inside the occurrence quotes
//     text of the occurrence and it holds no escaping backslash (the input
//     x'"y"' placed in single quotes), and the command is an ordinary
//     program, since the value no longer holds the input and a shell,
//     eval or interpreter would run it unseen. In both, the text checked
//     must begin and end in the same quoting, so an input quote that takes
//     in hard-coded text (a quote swallowing a hard-coded "; rm x") is a
//     finding. The word's value, not its source, is what the argv rules
//     then apply to (sh -c, eval, interpreters).
//   - Executable ([rasp.KindCommandInjection]). The request chooses the
//     program of argv, of a wrapped command (env, timeout, xargs, find
//     -exec ...) or of a command in a script: an input covers the program
//     whole (up to surrounding blanks), a bare name included ("touch"
//     beside ?tool=touch, as well as /tmp/evil), or the input's fields, as
//     strings.Fields splits them, equal the first elements of the command
//     line (the input "cat /etc/passwd" of
//     parts := strings.Fields(input); exec.Command(parts[0], parts[1:]...)).
//     An input inside a name ("c" in "convert") and a bare name of a
//     program that does nothing but exit (true, false, ":"; the value
//     "true" beside a script's "|| true") are not findings. An
//     application that deliberately lets users pick a tool from a list
//     silences the rule for that input with [rasp.WithException]
//     (rasp.Exception{Route: "POST /convert", Key: "tool", Sink: rasp.SinkExec}).
//     The script file a shell or
//     interpreter runs (sh FILE, python FILE) and the file "." or source
//     reads are findings when an input covers them whole, "/" or not:
//     they are looked up in the working directory, not in PATH.
//   - Option ([rasp.KindCommandInjection]), in argv and in every simple
//     command of a script, whose words after quote removal are its argv
//     ('--output=/tmp/x' quoted is still an option). Before any "--", an
//     argument that starts with "-" or "--" and a letter, whose whole
//     option name (up to "=" or the end) an input supplies:
//     "--output=/tmp/x", "--checkpoint-action=exec=sh", "-o/etc/x",
//     "-oProxyCommand=...". The input "-" beside a hard-coded "-la", and
//     numbers such as "-5" or "-.5", are not options. For the programs in
//     the table of programs.go (grep, git and its common subcommands, tar,
//     curl, wget, ssh, scp, sftp, rsync, find, sed, sort, jq, ffmpeg,
//     convert/magick, zip, unzip, psql, mysql, sqlite3), each row citing
//     the manual or --help text it follows, the element after an option
//     that takes a value is that value, not an option: grep -e --verbose
//     searches for "--verbose", git commit -m "-fixed typo" is a message.
//     Any other program keeps the conservative rule: every element before
//     "--" may be an option.
//   - Programs that run an argument ([rasp.KindCommandInjection]). From
//     the same table: option values and operands that a program runs as a
//     command or code (sqlite3's SQL and -cmd, whose dot-commands .shell
//     and .system run programs; git -c KEY=VALUE for keys such as
//     core.pager, core.sshCommand, core.fsmonitor, alias.*, filter.*.*, and
//     clone/fetch --upload-pack; tar --to-command, --checkpoint-action,
//     -I/--use-compress-program, -F/--info-script; rsync -e/--rsh and
//     --rsync-path; zip -TT; scp/sftp -S; ssh and scp -o ProxyCommand,
//     LocalCommand, KnownHostsCommand, RemoteCommand, Match exec; sed's
//     script (its e command runs a shell); psql -c; mysql -e; sort
//     --compress-program; wget --use-askpass and -e). An input there is
//     injection unless it is a plain word of letters, digits and "._-/"
//     that does not name the program the command starts with; an input
//     that supplies a configuration key (git -c, ssh -o) is injection. find
//     -exec, -execdir, -ok and -okdir run the words up to ";" or "+" as a
//     command, checked with all the argv rules; xargs, env, nice, timeout,
//     busybox and the other wrappers below do the same for their command.
//   - Environment. An input that supplies a variable name (env's NAME=value
//     words, cmd.Env, or NAME=value before a command in a script), or that
//     occurs in the value of a variable in [DangerousEnv] (LD_PRELOAD,
//     GLIBC_TUNABLES, GCONV_PATH, PATH, BASH_ENV, GIT_SSH_COMMAND,
//     GIT_EXTERNAL_DIFF, PAGER, OPENSSL_CONF, MAKEFILES, PYTHONSTARTUP,
//     NODE_OPTIONS, PERL5OPT, RUBYOPT...; env.go cites the manual of each;
//     extend it with [WithDangerousEnv]). cmd.Env entries equal to this process's own
//     environment are skipped.
//   - Interpreter code. An input in the inline code of an interpreter
//     (python -c, perl -e, node -e/--eval/-p, ruby -e, php -r, lua -e,
//     awk's program, fish -c/-C, pwsh -Command, cmd /c, env -S) unless it
//     is a plain word of letters, digits and "._-/". fish is a shell, but
//     its quoting differs from sh's (a backslash escapes "'" inside '...')
//     and the sh rules would clear inputs that end a fish string, so fish
//     code gets this rule: any input in it that is not a plain word is
//     injection. With fish -ci CODE both "i" and CODE are checked as code,
//     since getopt reads the rest of a group as -c's value.
//
// Metacharacters in an argv element when no shell is involved are inert and
// are not flagged: ["ls", "semi;colon.txt"] is harmless.
//
// The argv grammar. argv[0] is the program, known by its base name,
// lower-cased, without ".exe" and a version suffix (python3.12 is python).
// Wrappers run the command after their own options: env (with -i, -u NAME,
// -C DIR, -S STRING and NAME=value words), nice, nohup, timeout (and its
// DURATION), stdbuf, setsid, sudo and doas (with NAME=value words), xargs,
// chrt, ionice, taskset, time, command, exec, builtin, nsenter, chroot,
// flock, unshare, strace, and busybox APPLET. Shells (sh, bash, dash, ash,
// ksh, mksh, rksh, zsh, yash, posh, busybox sh) read options until the
// first operand or "--", as the POSIX synopsis has it (sh -c
// [-abCefhimnuvx] [-o option]... [+abCefhimnuvx] [+o option]...
// command_string [command_name [argument...]]): single-letter groups with
// "-" or "+" ("-c", "-ec", "-lc", "-xc", "+x"), in any order around "c"
// ("bash -c +x SCRIPT", "ksh +x -c SCRIPT"), where each "o" or "O" takes
// the next element ("-o pipefail", "+o nounset", "-co errexit"), and long
// options ("--posix", with "--rcfile" and "--init-file" taking one). With
// "c" anywhere in those options the first operand is the script and later
// elements are $0, $1, ...; without it the first operand names a script
// file. eval, trap,
// source and "." apply the same rules to their arguments; su -c and
// runuser -c (or --command) take a script, and ssh runs the elements after
// its options and destination, joined by spaces, as a remote script. Interpreters
// read their inline-code options alone or ending a group (perl -le CODE,
// python -Ic CODE, perl -e'CODE'), or as --eval=CODE.
//
// Not covered:
//   - Values the application derives from inputs (decoded, joined, split
//     other than into the argv of a command) are not recognised; an input
//     is found only as its own text, as that text trimmed of white space
//     the way strings.TrimSpace trims it (U+00A0, U+3000 ... included),
//     or as the fields that start argv. In a script that holds the value
//     as sent, the trimmed text is not looked for.
//   - A program's own argument grammar beyond the table: options with an
//     optional value (grep --color[=WHEN], mysql -p[PASSWORD]) and
//     abbreviated long options are not skipped as values, so an input
//     there may be reported as an option; tar's old-style bundles (tar cf
//     ARCHIVE) are not modelled either way. A file name that a program
//     treats as code (a tar archive, a git repository's hooks, an
//     ImageMagick file name that starts with "|") and a command for sudo
//     -s are not recognised. A plain word in code is allowed, and a plain
//     word can be code (sed's one-letter "e" command runs each line).
//   - Windows paths: "\" and drive letters are not separators here.
//   - U+0080: mvdan.cc/sh reads it as the end of the script, so a script
//     that holds it and needs parsing is checked up to it only, and an
//     input after it is reported as syntax (a finding, never a miss).
//     U+0081 where a word or quoted text starts it reads as an escaped
//     newline, which it drops: the script checked lacks that character
//     (so "\u0081if" reads as the reserved word if).
//   - [Command] has no context: it is checked against the request the
//     calling goroutine serves (see [rasp.RequestContext]); on a goroutine
//     the handler started, or outside any request, it is not checked and
//     counts a blind spot. [Run], [Start] and [Output] of a command built
//     with exec.Command get the same goroutine lookup when given a context
//     without inputs.
//   - Programs that run an argument as code without being in the table
//     (docker exec C sh -c ..., kubectl exec, make --eval) get the
//     literal-word allowance of ordinary programs; zsh scripts get none.
//   - A deliberately chosen tool: an application whose users pick the
//     program from a list is reported until its input has an exception.
//   - Data that a script turns into code at run time: "echo INPUT | sh",
//     "xargs rm", a value stored in a variable and evaluated later.
//   - Scripts over [MaxScriptLen] or [MaxNesting] are not parsed: with an
//     input in them they are a finding, without one a fault. One check
//     parses at most 32 nested scripts (sh -c, eval) and nests 4 deep;
//     beyond that it is a fault. find -exec inside find -exec is modelled
//     4 deep; deeper, its words get the option rule only. A 64 KiB script
//     of pipes costs about
//     0.1 s of CPU to parse and check.
//
// # Cost
//
// A check where no input occurs in the script is a substring search per
// input (tens of nanoseconds; with many inputs, such as a request's
// headers, one pass over the script's bytes and a few lookups per input).
// A command in which no input occurs in any word (nor trimmed, nor as the
// fields that start it) skips the rules that look for an input in a word;
// a script that is one of its words is then checked for the parse limits
// only.
// The rules are applied to the parsed script, but two shortcuts keep most
// checks from parsing at all, or twice: a byte scan of plainly structured
// scripts (simple commands, quotes, pipes, lists, redirections, and
// plain commands substituted with "$(...)", such as "$(date +%F)") clears
// occurrences that are plainly argument text, reports an occurrence that
// holds an unquoted blank or operator of a script the POSIX grammar
// accepts, exactly as the parse would, and, where an input names the
// program or supplies an option or an option's value of an ordinary
// program, reads the commands off the bytes (of a script without a
// substitution) and applies the argv rules to
// them as they would be applied to the parse (programs that run scripts,
// code or commands are left to the parse); and a script without any of
// the constructs on which the POSIX and Bash parsers differ is parsed once
// for both. In a parsed script the argv rules run only for the simple
// commands whose source holds an input. Fuzz targets hold each shortcut to
// the full rules and the parser.
//
// # Modes
//
// The mode is the agent's ([rasp.Agent.ModeFor] for [rasp.SinkExec]; see
// [rasp.Mode] for the default). In [rasp.ModeOff] the guards return at
// once. In [rasp.ModeMonitor] findings are reported and the command runs.
// In [rasp.ModeProtect] a finding blocks the command. A check that cannot
// finish (a script that parses in no variant even without the inputs, a
// script over the limits without an input, a recovered panic) is reported
// as a fault and runs the command unless the agent fails closed
// ([rasp.WithFailClosed]).
//
// # Concurrency
//
// All functions and a [Guard]'s methods are safe for concurrent use. The
// parsers are pooled. [CommandContext] checks once, at construction; [Run]
// and its siblings check when called: using both reports a finding twice
// in monitor mode.
package execguard
