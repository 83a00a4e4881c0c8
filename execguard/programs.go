package execguard

import (
	"strconv"
	"strings"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/taint"
)

// progSpec is what the argv rules know of one ordinary program's own
// grammar, taken from its documentation (the src line of each entry). A
// program without an entry keeps the conservative option rule: every
// element before "--" is checked as a possible option. An option is listed
// only where its value is required: getopt never reads an optional value
// from the next element, so listing one would let an input after it pass
// as a value (git grep -O[<pager>], mysql --pager[=name]).
type progSpec struct {
	src string // the manual page section or --help line the entry follows
	// short lists the single-letter options that take a value, attached
	// (-eX) or as the next element (-e X), as getopt(3) reads them;
	// optional those whose value, if any, is attached (sed -i[SUFFIX]).
	short    string
	optional string
	// long lists the options written as whole words that take a value,
	// as --opt=X or as the next element: "--grep", or "-name" for the
	// programs whose options are single-dash words (find, ffmpeg).
	long []string
	// two lists options that take two values (jq --arg NAME VALUE).
	two []string
	// code lists the options, short ("-e") or whole ("--rsh"), whose
	// value is a command line or code the program runs.
	code []string
	// config lists the options whose value is KEY=VALUE configuration
	// (git -c, ssh -o); keys matches the keys whose value is a command.
	config []string
	keys   []string
	// words: every option is one whole word ("-name"); there are no
	// single-letter bundles.
	words bool
	// codeOperand is the operand (1-based) that is code, and every operand
	// after it when codeRest is set (sqlite3 FILENAME SQL...). unless
	// lists the options that move the code out of the operands (sed -e).
	codeOperand int
	codeRest    bool
	unless      []string
	// exec lists the primaries that run the words after them, up to ";"
	// or "+", as a command (find -exec).
	exec []string
	// sub maps a subcommand (the first operand) to its own grammar.
	sub map[string]*progSpec
}

// The keys of git-config(1) whose value is a command git runs, or a path
// from which it runs one. "*" stands for one or more name segments.
var gitCodeKeys = []string{
	"core.pager", "core.editor", "core.sshcommand", "core.fsmonitor", "core.hookspath", "core.askpass",
	"core.gitproxy", "core.alternaterefscommand", "sequence.editor", "diff.external", "diff.*.command",
	"diff.*.textconv", "merge.*.driver", "filter.*.clean", "filter.*.smudge", "filter.*.process",
	"pager.*", "alias.*", "credential.helper", "credential.*.helper", "gpg.program", "gpg.*.program",
	"uploadpack.packobjectshook", "remote.*.uploadpack", "remote.*.receivepack", "include.path",
	"includeif.*.path", "protocol.allow", "protocol.*.allow", "sendemail.smtpserver", "sendemail.*.smtpserver",
	"mergetool.*.cmd", "difftool.*.cmd", "web.browser", "browser.*.cmd", "browser.*.path",
}

// The ssh_config(5) keywords whose value is a command ssh runs or a
// library it loads (Match takes "exec COMMAND").
var sshCodeKeys = []string{
	"proxycommand", "localcommand", "knownhostscommand", "remotecommand", "match",
	"pkcs11provider", "securitykeyprovider",
}

// gitLog is the value grammar of the log family (git-log(1) "OPTIONS",
// git-rev-list(1) "Commit Limiting").
var gitLog = &progSpec{src: "git-log(1) OPTIONS; git-rev-list(1) Commit Limiting",
	short: "nSGLO",
	long: []string{"--grep", "--author", "--committer", "--since", "--after", "--until", "--before",
		"--max-count", "--skip", "--format", "--pretty", "--date", "--decorate-refs", "--decorate-refs-exclude",
		"--glob", "--exclude", "--encoding", "--output", "--diff-filter", "--relative", "--abbrev", "--min-parents",
		"--max-parents"},
}

// programs holds the ordinary programs whose option values, and the
// arguments they run, are modelled.
var programs = map[string]*progSpec{
	"grep": {src: "grep --help (GNU grep 3.8): -e, --regexp=PATTERNS ... -C, --context=NUM",
		short: "efmABCdD",
		long: []string{"--regexp", "--file", "--max-count", "--label", "--binary-files", "--directories",
			"--devices", "--include", "--exclude", "--exclude-from", "--exclude-dir", "--before-context",
			"--after-context", "--context", "--group-separator"}},
	"git": {src: "git(1) SYNOPSIS: git [-C <path>] [-c <name>=<value>] [--git-dir=<path>] [--work-tree=<path>] [--namespace=<name>] [--config-env=<name>=<envvar>] <command>",
		short:  "Cc",
		long:   []string{"--git-dir", "--work-tree", "--namespace"},
		config: []string{"-c"}, keys: gitCodeKeys,
		sub: map[string]*progSpec{
			"log": gitLog, "show": gitLog, "whatchanged": gitLog, "shortlog": gitLog,
			"rev-list": gitLog,
			"commit": {src: "git-commit(1) OPTIONS",
				short: "mFCct",
				long: []string{"--message", "--file", "--reuse-message", "--reedit-message", "--fixup", "--squash",
					"--author", "--date", "--template", "--cleanup", "--pathspec-from-file", "--trailer"}},
			// -O[<pager>] takes its value attached only: not listed.
			"grep": {src: "git-grep(1) OPTIONS",
				short: "efmABC",
				long:  []string{"--max-depth", "--max-count", "--context", "--after-context", "--before-context", "--threads"}},
			"clone": {src: "git-clone(1) OPTIONS",
				short:  "obujc",
				long:   []string{"--origin", "--branch", "--upload-pack", "--reference", "--reference-if-able", "--depth", "--shallow-since", "--shallow-exclude", "--config", "--template", "--separate-git-dir", "--jobs", "--server-option", "--filter", "--bundle-uri"},
				code:   []string{"-u", "--upload-pack"},
				config: []string{"-c", "--config"}, keys: gitCodeKeys},
			"fetch": {src: "git-fetch(1) OPTIONS",
				short: "oj",
				long:  []string{"--upload-pack", "--depth", "--deepen", "--shallow-since", "--shallow-exclude", "--jobs", "--server-option", "--negotiation-tip", "--filter", "--refmap"},
				code:  []string{"--upload-pack"}},
			"pull": {src: "git-pull(1) OPTIONS",
				short: "sXoj",
				long:  []string{"--upload-pack", "--strategy", "--strategy-option", "--depth", "--deepen", "--shallow-since", "--shallow-exclude", "--jobs", "--server-option"},
				code:  []string{"--upload-pack"}},
			"push": {src: "git-push(1) OPTIONS",
				short: "o",
				long:  []string{"--receive-pack", "--exec", "--repo", "--push-option", "--recurse-submodules"},
				code:  []string{"--receive-pack", "--exec"}},
			"ls-remote": {src: "git-ls-remote(1) OPTIONS",
				short: "o",
				long:  []string{"--upload-pack", "--sort", "--server-option"},
				code:  []string{"--upload-pack"}},
			"archive": {src: "git-archive(1) OPTIONS",
				short: "o",
				long:  []string{"--format", "--prefix", "--output", "--add-file", "--remote", "--exec", "--mtime"},
				code:  []string{"--exec"}},
			"diff": {src: "git-diff(1) OPTIONS",
				short: "OSG",
				long:  []string{"--output", "--diff-filter", "--relative", "--abbrev", "--src-prefix", "--dst-prefix", "--line-prefix", "--word-diff-regex", "--anchored", "--ignore-matching-lines"}},
			"tag": {src: "git-tag(1) OPTIONS",
				short: "umF",
				long:  []string{"--local-user", "--message", "--file", "--cleanup", "--sort", "--format", "--contains", "--no-contains", "--merged", "--no-merged", "--points-at"}},
			"checkout": {src: "git-checkout(1) OPTIONS",
				short: "bB",
				long:  []string{"--conflict", "--pathspec-from-file"}},
		}},
	"tar": {src: "tar --help (GNU tar 1.34): -f, --file=ARCHIVE; -I, --use-compress-program=PROG; --to-command=COMMAND; -F, --info-script=NAME",
		short: "fCTXbFgHIKLNV",
		long: []string{"--file", "--directory", "--files-from", "--exclude", "--exclude-from", "--to-command",
			"--checkpoint-action", "--use-compress-program", "--info-script", "--new-volume-script", "--rsh-command",
			"--rmt-command", "--transform", "--xform", "--owner", "--group", "--mode", "--mtime", "--newer",
			"--newer-mtime", "--after-date", "--format", "--label", "--index-file", "--blocking-factor",
			"--record-size", "--tape-length", "--starting-file", "--suffix", "--strip-components", "--warning",
			"--level", "--volno-file", "--listed-incremental", "--exclude-tag", "--exclude-tag-under",
			"--exclude-tag-all", "--add-file", "--quoting-style", "--owner-map", "--group-map"},
		code: []string{"-I", "-F", "--to-command", "--checkpoint-action", "--use-compress-program", "--info-script",
			"--new-volume-script", "--rsh-command", "--rmt-command"}},
	"curl": {src: "curl --help all (curl 7.88): -o, --output <file>; -K, --config <file>; ...",
		short: "EKCbcdDFPHmoUQreXYytzTuAwx",
		long: []string{"--cert", "--config", "--continue-at", "--cookie", "--cookie-jar", "--data", "--data-ascii",
			"--data-binary", "--data-raw", "--data-urlencode", "--dump-header", "--form", "--form-string",
			"--ftp-port", "--header", "--max-time", "--output", "--output-dir", "--proxy-user", "--quote", "--range",
			"--referer", "--request", "--speed-limit", "--speed-time", "--telnet-option", "--time-cond",
			"--upload-file", "--user", "--user-agent", "--write-out", "--url", "--proxy", "--cacert", "--capath",
			"--key", "--connect-timeout", "--resolve", "--retry", "--retry-delay", "--limit-rate", "--json",
			"--max-filesize", "--max-redirs", "--interface", "--noproxy", "--oauth2-bearer", "--pass",
			"--proto", "--proto-redir", "--stderr", "--trace", "--trace-ascii", "--unix-socket", "--url-query",
			"--connect-to", "--proxy-header", "--netrc-file", "--libcurl", "--etag-save", "--etag-compare", "--hsts",
			"--alt-svc", "--create-file-mode", "--ftp-alternative-to-user"}},
	"wget": {src: "wget(1) OPTIONS; --use-askpass=command",
		short: "eoaiBtOTwQPUlADRIX",
		long: []string{"--execute", "--output-file", "--append-output", "--input-file", "--base", "--tries",
			"--output-document", "--timeout", "--wait", "--quota", "--directory-prefix", "--user-agent", "--level",
			"--accept", "--domains", "--reject", "--include-directories", "--exclude-directories", "--header",
			"--user", "--password", "--post-data", "--post-file", "--body-data", "--body-file", "--method",
			"--referer", "--use-askpass", "--load-cookies", "--save-cookies", "--ca-certificate", "--certificate",
			"--private-key", "--limit-rate", "--config", "--bind-address", "--proxy-user", "--proxy-password"},
		code: []string{"-e", "--execute", "--use-askpass"}},
	"scp": {src: "scp(1) SYNOPSIS: [-c cipher] [-D sftp_server_path] [-F ssh_config] [-i identity_file] [-J destination] [-l limit] [-o ssh_option] [-P port] [-S program] [-X sftp_option]",
		short: "cDFiJloPSX", code: []string{"-S", "-D"}, config: []string{"-o"}, keys: sshCodeKeys},
	"sftp": {src: "sftp(1) SYNOPSIS: [-B buffer_size] [-b batchfile] [-c cipher] [-D sftp_server_command] [-F ssh_config] [-i identity_file] [-J destination] [-l limit] [-o ssh_option] [-P port] [-R num_requests] [-S program] [-s subsystem | sftp_server]",
		short: "BbcDFiJloPRSsX", code: []string{"-S", "-D", "-b", "-s"}, config: []string{"-o"}, keys: sshCodeKeys},
	"rsync": {src: "rsync --help (3.2.7): -e, --rsh=COMMAND; --rsync-path=PROGRAM; -M, --remote-option=OPT",
		short: "eBfTM@",
		long: []string{"--rsh", "--rsync-path", "--remote-option", "--block-size", "--filter", "--temp-dir",
			"--modify-window", "--info", "--debug", "--stderr", "--backup-dir", "--suffix", "--chmod",
			"--checksum-choice", "--max-delete", "--max-size", "--min-size", "--max-alloc", "--partial-dir",
			"--usermap", "--groupmap", "--chown", "--timeout", "--contimeout", "--compare-dest", "--copy-dest",
			"--link-dest", "--compress-choice", "--compress-level", "--skip-compress", "--exclude",
			"--exclude-from", "--include", "--include-from", "--files-from", "--address", "--port", "--sockopts",
			"--out-format", "--log-file", "--log-file-format", "--password-file", "--early-input", "--bwlimit",
			"--write-batch", "--only-write-batch", "--read-batch", "--protocol", "--iconv", "--checksum-seed"},
		code: []string{"-e", "--rsh", "--rsync-path", "-M", "--remote-option"}},
	"zip": {src: "zip(1) OPTIONS: -TT cmd, --unzip-command cmd; -b path; -n suffixes; -t mmddyyyy; -P password; -O output-file",
		words: true,
		long: []string{"-TT", "--unzip-command", "-b", "--temp-path", "-n", "--suffixes", "-t", "--from-date",
			"-tt", "--before-date", "-P", "--password", "-O", "--output-file", "-s", "--split-size", "-Z",
			"--compression-method"},
		code: []string{"-TT", "--unzip-command"}},
	"unzip": {src: "unzip(1) ARGUMENTS: [-d exdir]; -P password",
		short: "dP"},
	"find": {src: "find(1) EXPRESSION (GNU findutils 4.9): tests, -exec command ; and -exec command {} +",
		words: true,
		long: []string{"-name", "-iname", "-path", "-ipath", "-wholename", "-iwholename", "-regex", "-iregex",
			"-lname", "-ilname", "-type", "-xtype", "-user", "-group", "-uid", "-gid", "-perm", "-size", "-mtime",
			"-mmin", "-atime", "-amin", "-ctime", "-cmin", "-newer", "-anewer", "-cnewer", "-maxdepth",
			"-mindepth", "-inum", "-links", "-samefile", "-used", "-fstype", "-context", "-printf", "-fprint",
			"-fprint0", "-fls", "-regextype", "-files0-from"},
		two:  []string{"-fprintf"},
		exec: []string{"-exec", "-execdir", "-ok", "-okdir"}},
	"sed": {src: "sed(1): sed [OPTION]... {script-only-if-no-other-script} [input-file]...; -e script; -f script-file; the e command executes",
		short: "efl", optional: "i", long: []string{"--expression", "--file", "--line-length"},
		code: []string{"-e", "-f", "--expression", "--file"}, codeOperand: 1, unless: []string{"-e", "-f", "--expression", "--file"}},
	"sort": {src: "sort --help (GNU coreutils 9.1): --compress-program=PROG; -o, --output=FILE; -k, --key=KEYDEF",
		short: "kotST",
		long: []string{"--key", "--output", "--field-separator", "--buffer-size", "--temporary-directory",
			"--compress-program", "--files0-from", "--random-source", "--sort", "--batch-size", "--parallel"},
		code: []string{"--compress-program"}},
	"jq": {src: "jq(1) INVOKING JQ: --arg name value; --argjson name JSON-text; --slurpfile/--rawfile variable-name filename; -f filename; -L directory",
		short: "fL", long: []string{"--from-file", "--indent"},
		two: []string{"--arg", "--argjson", "--slurpfile", "--rawfile"}},
	"ffmpeg": {src: "ffmpeg(1) OPTIONS: options are single-dash words; -i url; -f fmt; -c[:stream_specifier] codec ...",
		words: true,
		long: []string{"-i", "-f", "-c", "-c:v", "-c:a", "-codec", "-codec:v", "-codec:a", "-vcodec", "-acodec",
			"-b:v", "-b:a", "-r", "-s", "-ss", "-sseof", "-t", "-to", "-fs", "-map", "-metadata", "-vf", "-af",
			"-filter:v", "-filter:a", "-filter_complex", "-preset", "-crf", "-ar", "-ac", "-aspect", "-frames:v",
			"-vframes", "-aframes", "-q:v", "-q:a", "-qscale", "-pix_fmt", "-loglevel", "-v", "-threads", "-tune",
			"-profile:v", "-movflags", "-bsf:v", "-bsf:a", "-g", "-maxrate", "-bufsize", "-ab", "-vb", "-progress",
			"-attach", "-dump_attachment"}},
	"psql": {src: "psql(1) OPTIONS: -c command (SQL or backslash meta-command, \\! runs a shell); -f filename",
		short: "cdfFhLopPRTUv",
		long: []string{"--command", "--dbname", "--file", "--field-separator", "--host", "--log-file", "--output",
			"--port", "--pset", "--record-separator", "--table-attr", "--username", "--set", "--variable"},
		code: []string{"-c", "--command", "-f", "--file"}},
	"mysql": {src: "mysql(1) OPTIONS: --execute=statement, -e statement; --init-command=str (-p takes its value attached only)",
		short: "eDhPSu",
		long: []string{"--execute", "--database", "--host", "--port", "--socket", "--user", "--init-command",
			"--default-character-set", "--delimiter", "--tee", "--prompt"},
		code: []string{"-e", "--execute", "--init-command"}},
	"convert": imageMagick, "magick": imageMagick,
	// "sqlite", as progName strips the version suffix of sqlite3.
	"sqlite": {src: "sqlite3 -help (3.40): Usage: sqlite3 [OPTIONS] FILENAME [SQL]; -cmd COMMAND run \"COMMAND\" before reading stdin; -init FILENAME; dot-commands .shell and .system run a program",
		words: true,
		long: []string{"-cmd", "-init", "-separator", "-newline", "-nullvalue", "-vfs", "-maxsize", "-mmap",
			"-escape", "--cmd", "--init", "--separator", "--newline", "--nullvalue", "--vfs", "--maxsize", "--mmap"},
		two:  []string{"-lookaside", "-pagecache", "-heap", "--lookaside", "--pagecache", "--heap"},
		code: []string{"-cmd", "--cmd", "-init", "--init"}, codeOperand: 2, codeRest: true},
}

// imageMagick is the grammar of ImageMagick's convert and magick: options
// are single-dash words, each taking the value the reference lists.
var imageMagick = &progSpec{src: "ImageMagick command-line options (imagemagick.org/script/command-line-options.php)",
	words: true,
	long: []string{"-resize", "-quality", "-density", "-rotate", "-crop", "-geometry", "-format", "-define",
		"-font", "-fill", "-gravity", "-pointsize", "-thumbnail", "-scale", "-sample", "-extent", "-background",
		"-bordercolor", "-border", "-colorspace", "-depth", "-type", "-units", "-blur", "-sharpen",
		"-compress", "-page", "-label", "-comment", "-size", "-stroke", "-strokewidth", "-interlace",
		"-colors", "-alpha", "-channel", "-level", "-modulate", "-gamma", "-sampling-factor"},
	two: []string{"-annotate", "-set"},
}

// sshSpec is the grammar of ssh's options, used by the ssh rule.
var sshSpec = &progSpec{src: "ssh(1) SYNOPSIS and -o option; ssh_config(5) ProxyCommand, LocalCommand, KnownHostsCommand, RemoteCommand, Match exec",
	short: sshArg, config: []string{"-o"}, keys: sshCodeKeys}

// has reports whether list holds s.
func has(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}

// codeKey reports whether a configuration key is one whose value is a
// command, per patterns in which "*" stands for one or more segments.
func codeKey(key string, patterns []string) bool {
	key = strings.ToLower(strings.TrimSpace(key))
	for _, p := range patterns {
		pre, suf, wild := strings.Cut(p, "*")
		if !wild {
			if key == p {
				return true
			}
			continue
		}
		if len(key) > len(pre)+len(suf) && strings.HasPrefix(key, pre) && strings.HasSuffix(key, suf) {
			return true
		}
	}
	return false
}

// shortNames holds "-x" for each ASCII letter x, so that a bundle's
// letter is looked up in a spec's lists without building a string.
var shortNames = func() (t [128]string) {
	for b := range 128 {
		t[b] = "-" + string(rune(b))
	}
	return t
}()

// options applies the option rule to argv[from:] (up to "--") and, when
// the program's grammar is known (spec not nil), skips the values of its
// options and applies the code rules to the values and operands it runs.
func (c *argvCheck) options(argv []string, from int, spec *progSpec) (hit, bool, error) {
	if spec == nil {
		h, ok := c.checkOptions(argv, from, len(argv))
		return h, ok, nil
	}
	moved := false // code moved out of the operands (sed -e)
	if len(spec.unless) > 0 {
		for _, a := range argv[from:] {
			if a == "--" {
				break
			}
			moved = moved || movesCode(a, spec)
		}
	}
	operand := 0
	for j := from; j < len(argv); j++ {
		a := argv[j]
		if a == "--" {
			for k := j + 1; k < len(argv); k++ {
				operand++
				if h, ok := c.codeOperand(argv, k, spec, operand, moved); ok {
					return h, true, nil
				}
			}
			return hit{}, false, nil
		}
		if h, ok := optionHit(argv, j, c.inputs); ok {
			return h, true, nil
		}
		if len(a) < 2 || a[0] != '-' {
			operand++
			if operand == 1 && spec.sub != nil {
				// The subcommand's grammar, or the conservative rule for
				// one not modelled.
				return c.options(argv, j+1, spec.sub[a])
			}
			if h, ok := c.codeOperand(argv, j, spec, operand, moved); ok {
				return h, true, nil
			}
			continue
		}
		if has(spec.exec, a) && c.execs < maxShellDepth {
			end := j + 1
			for end < len(argv) && argv[end] != ";" && argv[end] != "+" {
				end++
			}
			if end > j+1 {
				// Bounded like nested scripts (find -exec find -exec ...
				// recurses once per level); deeper, the words are checked
				// as options.
				c.execs++
				h, ok, err := c.run(argv[j+1 : end])
				c.execs--
				if ok {
					h.elem += j + 1
					return h, true, nil
				}
				if err != nil {
					return hit{}, false, err
				}
			}
			j = end
			continue
		}
		next, h, ok := c.optionValue(argv, j, spec)
		if ok {
			return h, true, nil
		}
		j = next
	}
	return hit{}, false, nil
}

// movesCode reports whether the option a gives the code that would
// otherwise be an operand (sed -e SCRIPT, -nf FILE, --expression=SCRIPT).
// A bundle is read up to its first letter that takes a value, attached
// or not: the rest of the element is that value.
func movesCode(a string, spec *progSpec) bool {
	if len(a) < 2 || a[0] != '-' {
		return false
	}
	if spec.words || strings.HasPrefix(a, "--") {
		name, _, _ := strings.Cut(a, "=")
		return has(spec.unless, name)
	}
	for k := 1; k < len(a); k++ {
		b := a[k]
		if b >= 128 {
			return false
		}
		if has(spec.unless, shortNames[b]) {
			return true
		}
		if strings.IndexByte(spec.short, b) >= 0 || strings.IndexByte(spec.optional, b) >= 0 {
			return false
		}
	}
	return false
}

// optionValue reads the option argv[j] of a program with a known grammar
// and applies the code rules to its value. It returns the index of the
// last element the option uses (j, or the value's element).
func (c *argvCheck) optionValue(argv []string, j int, spec *progSpec) (int, hit, bool) {
	a := argv[j]
	if spec.words || strings.HasPrefix(a, "--") {
		name, _, eq := strings.Cut(a, "=")
		n := 0
		if has(spec.two, name) {
			n = 2
		} else if has(spec.long, name) {
			n = 1
		}
		if n == 0 {
			return j, hit{}, false
		}
		vj, vfrom := j+1, 0
		if eq {
			vj, vfrom, n = j, len(name)+1, n-1
		}
		if vj < len(argv) {
			if h, ok := c.valueHit(argv, vj, vfrom, name, spec); ok {
				return 0, h, true
			}
		}
		return j + n, hit{}, false
	}
	for k := 1; k < len(a); k++ {
		b := a[k]
		if b < 128 && strings.IndexByte(spec.optional, b) >= 0 {
			return j, hit{}, false // the rest is its attached value
		}
		if b >= 128 || strings.IndexByte(spec.short, b) < 0 {
			continue
		}
		name := shortNames[b]
		if k+1 < len(a) {
			h, ok := c.valueHit(argv, j, k+1, name, spec)
			return j, h, ok
		}
		if j+1 < len(argv) {
			h, ok := c.valueHit(argv, j+1, 0, name, spec)
			return j + 1, h, ok
		}
		return j, hit{}, false
	}
	return j, hit{}, false
}

// valueHit applies the code rules to argv[j][from:], the value of option
// name.
func (c *argvCheck) valueHit(argv []string, j, from int, name string, spec *progSpec) (hit, bool) {
	if has(spec.code, name) {
		return codeHit(argv, j, from, c.inputs, "input in a command or code the program runs ("+name+")")
	}
	if has(spec.config, name) {
		return configHit(argv, j, from, spec.keys, c.inputs)
	}
	return hit{}, false
}

// codeOperand applies the code rule to the operand argv[j], the n-th.
func (c *argvCheck) codeOperand(argv []string, j int, spec *progSpec, n int, moved bool) (hit, bool) {
	if spec.codeOperand == 0 || moved || n < spec.codeOperand || n > spec.codeOperand && !spec.codeRest {
		return hit{}, false
	}
	return codeHit(argv, j, 0, c.inputs, "input in code the program runs (operand "+strconv.Itoa(n)+")")
}

// codeHit applies the code rule to argv[j][from:], a command line or code
// a program runs: an input there is injection unless it is a plain word
// (see [inlineHit]) that does not name the program the code starts with.
func codeHit(argv []string, j, from int, inputs []taint.Input, reason string) (hit, bool) {
	if h, ok := inlineHit(argv, j, from, inputs, reason); ok {
		return h, true
	}
	code := argv[j][from:]
	lead := len(code) - len(strings.TrimLeft(code, " \t\n"))
	first := code[lead:]
	if k := strings.IndexAny(first, " \t\n"); k >= 0 {
		first = first[:k]
	}
	for _, in := range inputs {
		if v := strings.TrimSpace(in.Value); v != "" && v == first {
			s := from + lead + strings.Index(first, v)
			return hit{kind: rasp.KindCommandInjection, in: in, elem: j, s: s, e: s + len(v), rule: "inline",
				reason: "input supplies the command, or the start of the code, the program runs"}, true
		}
	}
	return hit{}, false
}

// configHit applies the code rules to a KEY=VALUE (or "KEY VALUE")
// configuration item, argv[j][from:]: an input that supplies the key, or
// that is in the value of a key whose value is a command.
func configHit(argv []string, j, from int, keys []string, inputs []taint.Input) (hit, bool) {
	kv := argv[j][from:]
	key := kv
	k := strings.IndexAny(kv, "= \t")
	if k >= 0 {
		key = kv[:k]
	}
	for _, in := range inputs {
		v := in.Value
		if !checkable(v) {
			continue
		}
		if w := strings.TrimSpace(v); strings.HasPrefix(kv, w) && len(w) >= len(key) {
			return hit{kind: rasp.KindCommandInjection, in: in, elem: j, s: from, e: from + len(w), rule: "option",
				reason: "input supplies a configuration key"}, true
		}
	}
	if k >= 0 && codeKey(key, keys) {
		return codeHit(argv, j, from+k+1, inputs, "input in the command of configuration key "+key)
	}
	return hit{}, false
}
