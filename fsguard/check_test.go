package fsguard

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/taint"
)

type checkCase struct {
	name  string
	path  string
	input string
	want  rule // ruleNone: harmless
}

// posixCases hold the POSIX syntax. The paths are what the application
// hands to os: raw concatenation, filepath.Join results, or the input as is.
var posixCases = []checkCase{
	// Traversal, raw concatenation.
	{"raw climb", "/srv/data/../../etc/passwd", "../../etc/passwd", ruleTraversal},
	{"raw double slashes", "/srv/data/..//..//etc/passwd", "..//..//etc/passwd", ruleTraversal},
	{"raw dot first", "/srv/data/./../x", "./../x", ruleTraversal},
	{"raw bare dotdot", "/srv/data/..", "..", ruleTraversal},
	{"raw dotdot slash", "../test.txt", "../", ruleTraversal},
	{"raw inner climb", "/srv/data/a/../../x", "a/../../x", ruleTraversal},
	{"raw with suffix", "/srv/data/../../etc/passwd.pdf", "../../etc/passwd", ruleTraversal},
	{"raw relative", "documents/../../etc/passwd", "../../etc/passwd", ruleTraversal},
	{"raw input alone", "../../etc/passwd", "../../etc/passwd", ruleTraversal},
	{"raw leading slash", "/srv/data//../etc/passwd", "/../etc/passwd", ruleTraversal},
	// Traversal, filepath.Join shapes.
	{"join climb", filepath.Join("/srv/data", "../../etc/passwd"), "../../etc/passwd", ruleTraversal},
	{"join double slashes", filepath.Join("/srv/data", "..//..//etc/passwd"), "..//..//etc/passwd", ruleTraversal},
	{"join dot first", filepath.Join("/srv/data", "./../x"), "./../x", ruleTraversal},
	{"join inner climb", filepath.Join("/srv/data", "a/../../x"), "a/../../x", ruleTraversal},
	{"join pdf suffix", filepath.Join("/srv/data", "../../etc/passwd"+".pdf"), "../../etc/passwd", ruleTraversal},
	{"join index suffix", filepath.Join("/srv/data", "../../etc", "index.html"), "../../etc", ruleTraversal},
	{"join leading slash", filepath.Join("/srv/data", "/../../etc/passwd"), "/../../etc/passwd", ruleTraversal},
	{"join deep", filepath.Join("/srv/www/data", strings.Repeat("../", 9)+"etc/shadow"), strings.Repeat("../", 9) + "etc/shadow", ruleTraversal},
	{"join trailing slash", filepath.Join("/srv/data", "../../etc/") + "/x", "../../etc/", ruleTraversal},
	// Padded with white space that the application trims.
	{"trimmed join climb", filepath.Join("/srv/data", "../../etc/passwd"), " ../../etc/passwd", ruleTraversal},
	{"trimmed raw climb", "/srv/data/../../etc/passwd", "\u00a0../../etc/passwd\t", ruleTraversal},
	{"trimmed climb ideographic space", filepath.Join("/srv/data", "../../etc/passwd"), "../../etc/passwd\u3000", ruleTraversal},
	{"trimmed climb only", filepath.Join("/srv/site", "../..", "index.html"), "\n../..", ruleClimb},
	{"trimmed absolute", "/etc/passwd", "\u2003/etc/passwd", ruleAbsolute},
	{"trimmed absolute trailing", "/etc/passwd", "/etc/passwd \u0085", ruleAbsolute},
	{"trimmed nul", "/srv/data/x.php\x00.jpg", " x.php\x00.jpg", ruleNUL},
	{"trimmed plain name", "/srv/data/notes.txt", " notes.txt\u00a0", ruleNone},
	{"trimmed stays inside", filepath.Join("/srv/data", "sub/../notes.txt"), "\tsub/../notes.txt ", ruleNone},
	{"space only", "/srv/data/x", "\u00a0 ", ruleNone},
	{"padded slash inside name", "/srv/data/a b/c", " a b/c", ruleNone},
	// Harmless.
	{"join bare dotdot cleaned", filepath.Join("/srv/data", ".."), "..", ruleClimb},
	{"join dotdot slash cleaned", filepath.Join("/srv/data", "../"), "../", ruleClimb},
	{"join climb only fixed name", filepath.Join("/srv/site", "../..", "index.html"), "../..", ruleClimb},
	{"join climb only env", filepath.Join("/srv/site", "../", ".env"), "../", ruleClimb},
	{"climb only cleaned inside", filepath.Join("/srv/site", "a/../..", "x"), "a/../..", ruleClimb},
	{"climb only unrelated path", "/srv/data/report.txt", "../../..", ruleClimb},
	{"stays inside", filepath.Join("/srv/data", "sub/../notes.txt"), "sub/../notes.txt", ruleNone},
	{"raw stays inside", "/srv/data/sub/../notes.txt", "sub/../notes.txt", ruleNone},
	{"dots in name", "/srv/data/a..b.txt", "a..b.txt", ruleNone},
	{"dotdot not component", "/srv/data/a..b.txt", "..", ruleClimb},
	{"three dots", "/srv/data/...", "...", ruleNone},
	{"version name", "/srv/data/report.v2.pdf", "report.v2.pdf", ruleNone},
	{"plain name", "/srv/data/pony.txt", "pony.txt", ruleNone},
	{"input elsewhere", "/srv/data/pony.txt", "../../etc/passwd", ruleNone},
	{"rest not whole", "/srv/data/xpasswd", "../passwd", ruleNone},
	{"rest in middle name", "/srv/passwdx/y", "../passwd", ruleNone},
	{"dir only needs boundary", "/srv/etcetera", "../etc/", ruleNone},
	{"dotdot suffix no climb", "/srv/data/..foo", "..", ruleClimb},
	{"dotdot inside a name", "/srv/data/x", "wait..", ruleNone},
	{"dotdot then other name", "/srv/data/x", "../other", ruleNone},
	{"not climbing", "documents/../../../etc/passwd", "etc/passwd", ruleNone},
	{"empty input", "/srv/data/x", "", ruleNone},
	{"empty path", "", "../x", ruleNone},
	{"backslash is a name", "/srv/data/..\\x", "..\\x", ruleNone},
	{"join absolute stays", filepath.Join("/srv/data", "/etc/passwd"), "/etc/passwd", ruleNone},
	// Absolute.
	{"abs whole", "/etc/passwd", "/etc/passwd", ruleAbsolute},
	{"abs prefix dir", "/etc/app/file.txt", "/etc/app", ruleAbsolute},
	{"abs prefix dir slash", "/home/user/file.txt", "/home/user/", ruleAbsolute},
	{"abs one element begins app path", "/app/templates/login.html", "/app", ruleNone},
	{"abs one element begins home", "/home/alice/docs/a.txt", "/home", ruleNone},
	{"abs one element slash", "/home/alice/docs/a.txt", "/home/", ruleNone},
	{"abs one element whole", "/tmp", "/tmp", ruleAbsolute},
	{"abs one element with suffix", "/passwd.bak", "/passwd", ruleAbsolute},
	{"abs one element cleaned to two", "/etc/passwd", "/tmp/../etc/passwd", ruleAbsolute},
	{"abs with suffix", "/etc/passwd.bak", "/etc/passwd", ruleAbsolute},
	{"abs dot segments", "/./etc/passwd", "/./etc/passwd", ruleAbsolute},
	{"abs cleaned by app", filepath.Clean("/./etc//passwd"), "/./etc//passwd", ruleAbsolute},
	{"abs climb in input", "/etc/passwd", "/var/www/../../etc/passwd", ruleAbsolute},
	{"abs root whole", "/", "/", ruleAbsolute},
	{"abs root prefix only", "/srv/data/x", "/", ruleNone},
	{"abs double root prefix only", "/srv/data/x", "//", ruleNone},
	{"abs other dir", "/etc/app/config", "/etc/hack/config", ruleNone},
	{"abs inside another", "/etc/app/data/etc/config", "/etc/config", ruleNone},
	{"abs sibling", "/var/a", "/var/b", ruleNone},
	{"abs longer input", "/var/a", "/var/a/b/test.txt", ruleNone},
	{"abs dir only no suffix", "/etc/application/x", "/etc/app/", ruleNone},
	{"abs not a middle prefix", "/etc/application/x", "/etc/app", ruleNone},
	{"abs relative path", "etc/passwd", "/etc/passwd", ruleNone},
	{"abs case differs", "/etc/passwd", "/ETC/passwd", ruleNone},
	// NUL.
	{"nul", "/srv/data/x.php\x00.png", "x.php\x00.png", ruleNUL},
	{"nul joined", filepath.Join("/srv/data", "../../etc/passwd\x00.png"), "../../etc/passwd\x00.png", ruleNUL},
	{"nul not in path", "/srv/data/x.php", "x.php\x00", ruleNone},
}

// windowsCases hold the Windows syntax: '\' and '/' separate, drive
// letters and UNC prefixes root.
var windowsCases = []checkCase{
	{"raw climb", `C:\srv\data\..\..\windows\win.ini`, `..\..\windows\win.ini`, ruleTraversal},
	{"raw mixed", `documents/..\..\..\../etc\passwd`, `..\..\..\../etc\passwd`, ruleTraversal},
	{"joined climb", `C:\windows\win.ini`, `..\..\windows\win.ini`, ruleTraversal},
	{"joined slash input", `C:\windows\win.ini`, `../../windows/win.ini`, ruleTraversal},
	{"joined pdf", `C:\windows\win.ini.pdf`, `..\..\windows\win.ini`, ruleTraversal},
	{"raw bare dotdot", `C:\srv\data\..`, `..`, ruleTraversal},
	{"dotdot backslash", `..\test.txt`, `..\`, ruleTraversal},
	{"drive after climb", `C:\safe\dir\..\..\secret.yml`, `..\..\secret.yml`, ruleTraversal},
	{"leading backslash", `C:\srv\x`, `\..\..\x`, ruleTraversal},
	{"stays inside", `C:\srv\data\notes.txt`, `sub\..\notes.txt`, ruleNone},
	{"dots in name", `C:\srv\data\a..b.txt`, `a..b.txt`, ruleNone},
	{"climb only", `C:\srv\site\index.html`, `..\..`, ruleClimb},
	{"not climbing", `documents\..\..\etc\passwd`, `etc\passwd`, ruleNone},
	{"abs drive", `C:\windows\win.ini`, `C:\windows\win.ini`, ruleAbsolute},
	{"abs drive slash", `C:/windows/win.ini`, `C:/windows/win.ini`, ruleAbsolute},
	{"abs drive root whole", `E:\`, `E:\`, ruleAbsolute},
	{"abs drive root prefix only", `C:\file.txt`, `C:\`, ruleNone},
	{"abs rooted", `\etc\passwd`, `\etc\passwd`, ruleAbsolute},
	{"abs mixed seps", `C:\windows\win.ini`, `C:/windows/win.ini`, ruleAbsolute},
	{"abs drive case", `c:\windows\system32\x.dll`, `C:\windows\system32`, ruleAbsolute},
	{"abs drive one element", `C:\app\templates\login.html`, `C:\app`, ruleNone},
	{"abs drive one element whole", `C:\app`, `C:\app`, ruleAbsolute},
	{"abs unc host share", `\\host\share\x.txt`, `\\host\share`, ruleAbsolute},
	{"abs unc", `\\host\share\secret.txt`, `\\host\share\secret.txt`, ruleAbsolute},
	{"abs unc prefix", `\\host\share\dir\secret.txt`, `\\host\share\dir`, ruleAbsolute},
	{"abs other unc", `\\host\other\secret.txt`, `\\host\share\secret.txt`, ruleNone},
	{"abs other drive", `D:\windows\win.ini`, `C:\windows\win.ini`, ruleNone},
	{"abs other dir", `C:\XXX\YYY\documents\pony.txt`, `C:\YYY\XXX\file.txt`, ruleNone},
	{"relative name", `C:\`, `file.json`, ruleNone},
	{"nul", "C:\\srv\\x.asp\x00.jpg", "x.asp\x00.jpg", ruleNUL},
	{"trimmed climb", `C:\srv\..\..\windows\win.ini`, "\u00a0..\\..\\windows\\win.ini ", ruleTraversal},
	{"trimmed abs", `C:\windows\win.ini`, " C:\\windows\\win.ini", ruleAbsolute},
}

func runCases(t *testing.T, s sepSet, cases []checkCase) {
	t.Helper()
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.name] {
			t.Fatalf("duplicate case name %q", c.name)
		}
		seen[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			in := taint.Input{Source: taint.SourceQuery, Key: "f", Value: c.input}
			f, got, err := checkPath(c.path, []taint.Input{{Source: taint.SourceHeader, Key: "Accept", Value: "*/*"}, in}, s, ruleFacts)
			if err != nil {
				t.Fatalf("checkPath(%q, %q): %v", c.path, c.input, err)
			}
			if got != c.want {
				t.Fatalf("checkPath(%q, %q) = %v, want %v (%+v)", c.path, c.input, got, c.want, f)
			}
			if got == ruleNone {
				return
			}
			if f.Kind != rasp.KindPathTraversal || f.Input != in || f.Target != c.path || f.Reason == "" {
				t.Errorf("finding = %+v", f)
			}
			if f.Start >= 0 && c.path[f.Start:f.End] != c.input && c.path[f.Start:f.End] != strings.TrimSpace(c.input) {
				t.Errorf("span [%d,%d) of %q is not the input %q", f.Start, f.End, c.path, c.input)
			}
		})
	}
}

func TestCheckPathPOSIX(t *testing.T)   { runCases(t, posixSeps, posixCases) }
func TestCheckPathWindows(t *testing.T) { runCases(t, windowsSeps, windowsCases) }

func TestCheckPathHost(t *testing.T) {
	t.Parallel()
	in := []taint.Input{{Source: taint.SourceQuery, Key: "f", Value: "../../etc/passwd"}}
	_, got := CheckPath(filepath.Join("/srv/data", in[0].Value), in)
	if !got {
		t.Error("CheckPath missed a joined traversal")
	}
	_, got = CheckPath(filepath.Join("/srv/data", "notes.txt"), in)
	if got {
		t.Error("CheckPath flagged a path the input did not choose")
	}
}

func TestCheckPathTooLong(t *testing.T) {
	t.Parallel()
	long := "/srv/" + strings.Repeat("a/", maxPathLen)
	in := []taint.Input{{Source: taint.SourceQuery, Key: "f", Value: "../x"}}
	f, r, err := checkPath(long, in, posixSeps, ruleFacts)
	if err != errTooLong || r != ruleNone || f.Input != in[0] {
		t.Fatalf("checkPath(long) = %+v, %v, %v; want errTooLong with the input", f, r, err)
	}
	if _, ok := CheckPath(long, in); !ok {
		t.Error("CheckPath(long) with a climbing input: want a finding")
	}
	// Harmless inputs never cost a scan, whatever the length.
	harmless := []taint.Input{{Source: taint.SourceQuery, Key: "f", Value: "notes.txt"}}
	if _, ok := CheckPath(long, harmless); ok {
		t.Error("CheckPath(long) with a harmless input: want none")
	}
}

func TestCheckPathNoInputs(t *testing.T) {
	t.Parallel()
	if _, ok := CheckPath("/etc/passwd", nil); ok {
		t.Error("finding without inputs")
	}
}

func TestCheckPathAllocs(t *testing.T) {
	inputs := harmlessInputs()
	path := filepath.Join("/srv/data", "reports", "2024.pdf")
	if n := testing.AllocsPerRun(100, func() { CheckPath(path, inputs) }); n != 0 {
		t.Errorf("CheckPath with harmless inputs: %v allocs, want 0", n)
	}
}

func harmlessInputs() []taint.Input {
	return []taint.Input{
		{Source: taint.SourceQuery, Key: "file", Value: "2024.pdf"},
		{Source: taint.SourceQuery, Key: "dir", Value: "reports"},
		{Source: taint.SourceHeader, Key: "User-Agent", Value: "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0"},
		{Source: taint.SourceHeader, Key: "Accept", Value: "text/html,application/xhtml+xml,*/*;q=0.8"},
		{Source: taint.SourceCookie, Key: "lang", Value: "en-US"},
	}
}

func TestCheckPathAbsoluteUnderSharedBase(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		base, input string
		want        bool
	}{
		{"/app/uploads", "/app", false},
		{"/srv/app/data", "/srv/app", false},
		{"/srv/app/data", "/srv/app/data", false},
		{"/app/uploads", "/etc/passwd", false},
		{"/app/uploads", "/../etc/passwd", true}, // climbs when joined
	} {
		p := filepath.Join(c.base, c.input)
		in := []taint.Input{{Source: taint.SourceQuery, Key: "f", Value: c.input}}
		if _, got, _ := checkPath(p, in, posixSeps, ruleFacts); (got != ruleNone) != c.want {
			t.Errorf("checkPath(Join(%q, %q) = %q) = %v, want %v", c.base, c.input, p, got, c.want)
		}
		// Used as is, the same input chose the path; one element chooses
		// it only to its end.
		used := c.input + "/x"
		if strings.Count(filepath.Clean(c.input), "/") == 1 {
			used = c.input
		}
		if _, got, _ := checkPath(used, in, posixSeps, ruleFacts); got == ruleNone {
			t.Errorf("checkPath(%q) = none, want a finding", used)
		}
	}
}

func TestCanonicalAbs(t *testing.T) {
	tests := []struct {
		p    string
		want bool
	}{
		{"/a", true},
		{"/srv/data/2024.pdf", true},
		{"/a..b/...", true},
		{"", false},
		{"/", false},
		{"a/b", false},
		{"/a/", false},
		{"//a", false},
		{"/a//b", false},
		{"/a/./b", false},
		{"/a/..", false},
		{"/a/../b", false},
		{`/a\b`, false},
	}
	for _, tc := range tests {
		if got := canonicalAbs(tc.p); got != tc.want {
			t.Errorf("canonicalAbs(%q) = %v, want %v", tc.p, got, tc.want)
		}
		if tc.want {
			for _, s := range []sepSet{posixSeps, windowsSeps} {
				if c, dir := s.cleanAbs(tc.p); c != tc.p || dir {
					t.Errorf("%s: cleanAbs(%q) = %q, %v: not already clean", s.String(), tc.p, c, dir)
				}
			}
		}
	}
}

// TestCheckPathAbsoluteRest: a one-element (or root-only) absolute input
// chooses the path when other inputs supply the rest of it; headers never
// do, and an application's own suffix never does.
func TestCheckPathAbsoluteRest(t *testing.T) {
	t.Parallel()
	q := func(k, v string) taint.Input { return taint.Input{Source: taint.SourceQuery, Key: k, Value: v} }
	h := func(k, v string) taint.Input { return taint.Input{Source: taint.SourceHeader, Key: k, Value: v} }
	for _, c := range []struct {
		name   string
		path   string
		inputs []taint.Input
		want   rule
	}{
		{"dir and name", "/var/log/syslog", []taint.Input{q("dir", "/var"), q("name", "log/syslog")}, ruleAbsolute},
		{"dir and two names", "/opt/keys/id_rsa", []taint.Input{q("d", "/opt"), q("a", "keys"), q("b", "id_rsa")}, ruleAbsolute},
		{"dir and name with suffix", "/opt/secrets.yaml", []taint.Input{q("d", "/opt"), q("n", "secrets")}, ruleAbsolute},
		{"root and names", "/etc/shadow", []taint.Input{q("r", "/"), q("a", "etc"), q("b", "shadow")}, ruleAbsolute},
		{"root and one name", "/boot", []taint.Input{q("r", "/"), q("a", "boot")}, ruleAbsolute},
		{"root and name not canonical", "/etc/hosts", []taint.Input{q("r", "/"), q("a", "./etc//hosts")}, ruleAbsolute},
		{"dir, app suffix", "/srv/static/app.css", []taint.Input{q("d", "/srv"), q("n", "app.css")}, ruleNone},
		{"dir, partial rest", "/srv/static/app.css", []taint.Input{q("d", "/srv"), q("n", "static")}, ruleNone},
		{"root, rest not inputs", "/etc/shadow", []taint.Input{q("r", "/"), q("a", "etc")}, ruleNone},
		{"header prefix", "/app/templates/login.html", []taint.Input{h("X-Forwarded-Prefix", "/app")}, ruleNone},
		{"header completes nothing", "/app/templates/login.html", []taint.Input{q("next", "/app"), h("X-Page", "templates/login.html")}, ruleNone},
		{"climbing rest is traversal's", "/srv/x", []taint.Input{q("d", "/srv"), q("n", "../srv/x")}, ruleTraversal},
	} {
		_, got, err := checkPath(c.path, c.inputs, posixSeps, ruleFacts)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s: checkPath(%q) = %v, want %v", c.name, c.path, got, c.want)
		}
	}
}

// TestCheckPathAbsoluteRestBounded: many inputs against a long path cost
// bounded work, and a path the bound cannot decide is not passed silently.
func TestCheckPathAbsoluteRestBounded(t *testing.T) {
	t.Parallel()
	path := "/a" + strings.Repeat("/b", 8000)
	inputs := []taint.Input{{Source: taint.SourceQuery, Key: "d", Value: "/a"}}
	for i := 0; i < 2000; i++ {
		inputs = append(inputs, taint.Input{Source: taint.SourceQuery, Key: "k", Value: "b"})
	}
	start := time.Now()
	_, got, err := checkPath(path, inputs, posixSeps, ruleFacts)
	if err != nil || got != ruleAbsolute {
		t.Fatalf("checkPath over %d inputs = %v, %v; want absolute: the rest is covered by inputs", len(inputs), got, err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("checkPath took %v", d)
	}
}
