package fsguard_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/fsguard"
	"github.com/gorasp/rasp/internal/testlog"
	"github.com/rs/zerolog"
)

// liveSite is a site directory two levels below dir, next to a secret the
// application never means to serve:
//
//	dir/.env
//	dir/index.html
//	dir/sites/
//	dir/sites/blog/index.html
//	dir/sites/blog/docs/index.html
//	dir/app/templates/login.html
func liveSite(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	dir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	makefs(t, dir, ".env", "index.html", "sites/", "sites/blog/", "sites/blog/index.html",
		"sites/blog/docs/", "sites/blog/docs/index.html",
		"app/", "app/templates/", "app/templates/login.html")
	return dir
}

// liveServer serves three handlers on 127.0.0.1 behind the agent's
// middleware in mode:
//
//	/page?up=U        reads Join(site, U, "index.html") (the climbing shape)
//	/save?up=U&body=B writes B to Join(site, U, ".env")
//	/login?next=N     reads the application's own dir/app/templates/login.html
//	                  (N only coincides with the start of that path)
//	/doc?name=N       reads Join(site, TrimSpace(N))
//	/raw?f=F          reads TrimSpace(F) as given
func liveServer(t *testing.T, dir string, mode rasp.Mode) (*httptest.Server, *testlog.Buffer) {
	t.Helper()
	logs := new(testlog.Buffer)
	a := rasp.New(rasp.WithMode(mode), rasp.WithLogger(zerolog.New(logs)))
	site := filepath.Join(dir, "sites", "blog")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /page", func(w http.ResponseWriter, r *http.Request) {
		b, err := fsguard.ReadFile(r.Context(), filepath.Join(site, r.FormValue("up"), "index.html"))
		if err != nil {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		w.Write(b)
	})
	mux.HandleFunc("POST /save", func(w http.ResponseWriter, r *http.Request) {
		err := fsguard.WriteFile(r.Context(), filepath.Join(site, r.FormValue("up"), ".env"), []byte(r.FormValue("body")), 0o644)
		if err != nil {
			http.Error(w, "not saved", http.StatusInternalServerError)
			return
		}
		io.WriteString(w, "saved")
	})
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		_ = r.FormValue("next")
		b, err := fsguard.ReadFile(r.Context(), filepath.Join(dir, "app", "templates", "login.html"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Write(b)
	})
	mux.HandleFunc("GET /doc", func(w http.ResponseWriter, r *http.Request) {
		b, err := fsguard.ReadFile(r.Context(), filepath.Join(site, strings.TrimSpace(r.FormValue("name"))))
		if err != nil {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		w.Write(b)
	})
	mux.HandleFunc("GET /raw", func(w http.ResponseWriter, r *http.Request) {
		b, err := fsguard.ReadFile(r.Context(), strings.TrimSpace(r.FormValue("f")))
		if err != nil {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		w.Write(b)
	})
	srv := httptest.NewServer(a.Middleware(mux))
	t.Cleanup(srv.Close)
	return srv, logs
}

func liveGet(t *testing.T, c *http.Client, u string, hdr ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestLiveClimbOnly: an input made only of ".." elements joined with a
// fixed name reads (and writes) above the site directory when unguarded,
// and is refused in protect mode with the tree unchanged, contents and
// modification times.
func TestLiveClimbOnly(t *testing.T) {
	for _, mode := range []rasp.Mode{rasp.ModeOff, rasp.ModeProtect} {
		t.Run(mode.String(), func(t *testing.T) {
			dir := liveSite(t)
			srv, logs := liveServer(t, dir, mode)
			before := snapshot(t, dir, true)
			c := srv.Client()
			for _, up := range []string{"../..", "..", "../../", "docs/../../.."} {
				code, body := liveGet(t, c, srv.URL+"/page?up="+url.QueryEscape(up))
				if mode == rasp.ModeProtect {
					if code != http.StatusForbidden || strings.Contains(body, "content of") {
						t.Errorf("up=%q: %d %q, want 403 and nothing served", up, code, body)
					}
				} else if up == "../.." && body != "content of index.html" {
					t.Errorf("unguarded up=%q served %d %q, want dir/index.html: the test proves nothing", up, code, body)
				}
			}
			resp, err := c.PostForm(srv.URL+"/save", url.Values{"up": {"../.."}, "body": {"OWNED=1"}})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			env, _ := os.ReadFile(filepath.Join(dir, ".env"))
			if mode == rasp.ModeProtect {
				if resp.StatusCode != http.StatusForbidden {
					t.Errorf("save: %d, want 403", resp.StatusCode)
				}
				if after := snapshot(t, dir, true); !reflect.DeepEqual(before, after) {
					t.Errorf("tree changed in protect mode:\nbefore %v\nafter  %v", before, after)
				}
				if !strings.Contains(logs.String(), `"rule":"climb"`) {
					t.Errorf("no climb event: %s", logs.String())
				}
			} else if string(env) != "OWNED=1" {
				// The control: unguarded, the same request overwrites the
				// secret two levels above the site.
				t.Errorf("unguarded save did not reach dir/.env (%q): the test proves nothing", env)
			}
			// Benign names are served in both modes.
			if code, body := liveGet(t, c, srv.URL+"/page?up=docs"); code != http.StatusOK || body != "content of sites/blog/docs/index.html" {
				t.Errorf("up=docs: %d %q", code, body)
			}
			if code, body := liveGet(t, c, srv.URL+"/page"); code != http.StatusOK || body != "content of sites/blog/index.html" {
				t.Errorf("no up: %d %q", code, body)
			}
		})
	}
}

// TestLiveAbsolutePrefix: an absolute one-element input that merely begins
// the application's own path is not traversal, as a query value or a
// header; the same value covering two elements of it is.
func TestLiveAbsolutePrefix(t *testing.T) {
	dir := liveSite(t)
	srv, logs := liveServer(t, dir, rasp.ModeProtect)
	c := srv.Client()
	first := "/" + strings.Split(strings.TrimPrefix(dir, "/"), "/")[0] // e.g. "/tmp"
	want := "content of app/templates/login.html"
	for _, tc := range []struct {
		name string
		url  string
		hdr  []string
	}{
		{"query", "/login?next=" + url.QueryEscape(first), nil},
		{"query slash", "/login?next=" + url.QueryEscape(first+"/"), nil},
		{"header", "/login", []string{"X-Forwarded-Prefix", first}},
	} {
		if code, body := liveGet(t, c, srv.URL+tc.url, tc.hdr...); code != http.StatusOK || body != want {
			t.Errorf("%s: %d %q, want 200 %q", tc.name, code, body, want)
		}
	}
	if logs.String() != "" {
		t.Errorf("events for benign requests: %s", logs.String())
	}
	// Two elements of the application's path chosen by the input: refused.
	two := filepath.Join(dir, "app")
	if code, _ := liveGet(t, c, srv.URL+"/login?next="+url.QueryEscape(two)); code != http.StatusForbidden {
		t.Errorf("next=%q: %d, want 403", two, code)
	}
}

// TestLiveTrimmedInput: a handler that trims white space (strings.TrimSpace
// removes Unicode spaces too) before it builds the path. Padding the value
// with spaces must not hide the traversal or the absolute path: unguarded
// the padded values read the secret, guarded they are refused, and padded
// benign names are served.
func TestLiveTrimmedInput(t *testing.T) {
	for _, mode := range []rasp.Mode{rasp.ModeOff, rasp.ModeProtect} {
		t.Run(mode.String(), func(t *testing.T) {
			dir := liveSite(t)
			srv, logs := liveServer(t, dir, mode)
			c := srv.Client()
			secret := filepath.Join(dir, ".env")
			for _, u := range []string{
				"/doc?name=" + url.QueryEscape(" ../../.env"),
				"/doc?name=" + url.QueryEscape("\u00a0\u00a0../../.env\t"),
				"/doc?name=" + url.QueryEscape("../../.env\u3000"),
				"/raw?f=" + url.QueryEscape("\u2003"+secret),
				"/raw?f=" + url.QueryEscape(secret+" \u0085"),
			} {
				code, body := liveGet(t, c, srv.URL+u)
				if mode == rasp.ModeProtect {
					if code != http.StatusForbidden || strings.Contains(body, "content of") {
						t.Errorf("%s: %d %q, want 403 and nothing served", u, code, body)
					}
				} else if body != "content of .env" {
					t.Errorf("unguarded %s served %d %q, want dir/.env: the test proves nothing", u, code, body)
				}
			}
			if mode == rasp.ModeProtect && !strings.Contains(logs.String(), `"rule":"traversal"`) {
				t.Errorf("no traversal event: %s", logs.String())
			}
			for _, name := range []string{" index.html", "docs/index.html\u00a0", "\tdocs/../index.html "} {
				if code, body := liveGet(t, c, srv.URL+"/doc?name="+url.QueryEscape(name)); code != http.StatusOK || !strings.HasPrefix(body, "content of sites/blog/") {
					t.Errorf("name=%q: %d %q, want the site's page", name, code, body)
				}
			}
		})
	}
}
