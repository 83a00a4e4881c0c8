package main

import (
	"bufio"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorasp/rasp"
)

// corporaDir returns the shared payload corpora (RASP_CORPORA, else
// ../shared/corpora next to the repository), or skips: they are not part of
// the repository.
func corporaDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("RASP_CORPORA")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "corpora")
	}
	if _, err := os.Stat(filepath.Join(dir, "MANIFEST.json")); err != nil {
		t.Skipf("payload corpora not found at %s (set RASP_CORPORA)", dir)
	}
	return dir
}

// traversalPayloads reads the path-traversal lists of PayloadsAllTheThings
// (MIT), with {FILE} set to etc/passwd.
func traversalPayloads(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for _, f := range []string{
		"Directory_Traversal/Intruder/deep_traversal.txt",
		"Directory_Traversal/Intruder/traversals-8-deep-exotic-encoding.txt",
		"File_Inclusion/Intruders/JHADDIX_LFI.txt",
	} {
		fh, err := os.Open(filepath.Join(dir, "swisskyrepo-PayloadsAllTheThings", f))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			if l := strings.TrimSpace(sc.Text()); l != "" {
				out = append(out, strings.ReplaceAll(l, "{FILE}", "etc/passwd"))
			}
		}
		fh.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// escapes reports whether filepath.Join(base, name), as the download
// handler builds it, leaves base: the ground truth of a traversal, from
// the path's own structure.
func escapes(base, name string) bool {
	rel, err := filepath.Rel(base, filepath.Join(base, name))
	return err != nil || rel == ".." || strings.HasPrefix(rel, "../")
}

// TestTraversalCorpus sends every payload of the traversal lists to
// /download the way a scanner does (raw in the URL, decoded once by the
// server). off is the positive control: payloads that reach /etc/passwd
// serve it. protect: every payload whose joined path leaves the
// documents directory is answered 403, and /etc/passwd is never served.
func TestTraversalCorpus(t *testing.T) {
	payloads := traversalPayloads(t, corporaDir(t))
	passwd, err := os.ReadFile("/etc/passwd")
	if err != nil {
		t.Skip("no /etc/passwd to aim at")
	}
	for _, mode := range []rasp.Mode{rasp.ModeOff, rasp.ModeProtect} {
		t.Run(mode.String(), func(t *testing.T) {
			d := startDemo(t, mode, nil)
			client := d.srv.Client()
			var sent, escaping, served, blocked, blockedInside int
			for _, p := range payloads {
				// A scanner sends a space encoded: a raw one breaks the request line.
				u, err := url.Parse(d.srv.URL + "/download?name=" + strings.ReplaceAll(p, " ", "%20"))
				if err != nil {
					continue // no client can send it
				}
				name := u.Query().Get("name") // what the handler sees
				if name == "" {
					continue
				}
				req, err := http.NewRequest(http.MethodGet, u.String(), nil)
				if err != nil {
					continue
				}
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body := make([]byte, len(passwd))
				n, _ := resp.Body.Read(body)
				resp.Body.Close()
				sent++
				esc := escapes(d.app.docsDir, name)
				if esc {
					escaping++
				}
				if resp.StatusCode == http.StatusOK && n > 0 && strings.HasPrefix(string(passwd), string(body[:n])) {
					served++
					if mode == rasp.ModeProtect {
						t.Errorf("protect served /etc/passwd for %q (handler saw %q)", p, name)
					}
				}
				if resp.StatusCode == http.StatusForbidden {
					blocked++
					if !esc {
						blockedInside++
						if blockedInside <= 12 {
							t.Logf("403 for a path that stays inside: %q", name)
						}
					}
				}
				if mode == rasp.ModeProtect && esc && resp.StatusCode != http.StatusForbidden {
					t.Errorf("protect: %q (handler saw %q) leaves the documents directory but got %d", p, name, resp.StatusCode)
				}
			}
			t.Logf("%s: %d payloads sent, %d leave the documents directory, %d served /etc/passwd, %d answered 403 (%d of them staying inside)",
				mode, sent, escaping, served, blocked, blockedInside)
			if mode == rasp.ModeOff && served == 0 {
				t.Error("positive control: no payload reached /etc/passwd in off mode")
			}
		})
	}
}

// commandPayloads reads the Unix command-execution list of
// PayloadsAllTheThings (MIT). Payloads that start ping are left out: the
// test runs each one for real in off mode, and those never end.
func commandPayloads(t *testing.T, dir string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "swisskyrepo-PayloadsAllTheThings", "Command_Injection", "Intruder", "command-execution-unix.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for l := range strings.Lines(string(data)) {
		l = strings.TrimRight(l, "\r\n")
		if l != "" && !strings.Contains(l, "ping") {
			out = append(out, l)
		}
	}
	return out
}

// TestCommandCorpus appends every payload of the command-execution list
// to /wordcount?file=intro.txt, raw in the URL as a scanner sends it. off
// is the ground truth: a payload ran a command when id's output ("uid=")
// came back. protect must answer 403 to each of those, and no answer may
// carry id's output.
func TestCommandCorpus(t *testing.T) {
	payloads := commandPayloads(t, corporaDir(t))
	type answer struct {
		status int
		ran    bool
	}
	results := map[rasp.Mode]map[string]answer{}
	for _, mode := range []rasp.Mode{rasp.ModeOff, rasp.ModeProtect} {
		d := startDemo(t, mode, nil)
		results[mode] = map[string]answer{}
		for _, p := range payloads {
			// Raw, as listed (the server decodes it once), and encoded, so
			// the handler sees the payload itself.
			for _, q := range []string{strings.ReplaceAll("intro.txt"+p, " ", "%20"), url.QueryEscape("intro.txt" + p)} {
				u, err := url.Parse(d.srv.URL + "/wordcount?file=" + q)
				if err != nil {
					continue
				}
				resp, err := d.srv.Client().Get(u.String())
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				results[mode][q] = answer{status: resp.StatusCode, ran: strings.Contains(string(b), "uid=")}
			}
		}
	}
	ran, blocked := 0, 0
	for p, off := range results[rasp.ModeOff] {
		prot, ok := results[rasp.ModeProtect][p]
		if !ok {
			continue
		}
		if prot.ran {
			t.Errorf("protect: %q ran a command", p)
		}
		if prot.status == http.StatusForbidden {
			blocked++
		}
		if off.ran {
			ran++
			if prot.status != http.StatusForbidden {
				t.Errorf("protect: %q ran a command in off mode but got %d in protect", p, prot.status)
			}
		}
	}
	t.Logf("%d requests (%d payloads, raw and encoded): %d ran a command in off mode, all blocked in protect; %d answered 403 in protect", len(results[rasp.ModeOff]), len(payloads), ran, blocked)
	if ran == 0 {
		t.Error("positive control: no payload ran a command in off mode")
	}
}
