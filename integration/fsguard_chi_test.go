package integration

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/fsguard"
)

// TestChiFileClimb serves pages of a site chosen by a chi route parameter,
// under a directory joined with a query value and a fixed name, on a real
// server on 127.0.0.1. An input made only of ".." elements reads a file
// above the site without the guard and is refused in protect mode; an
// absolute one-element value that only begins the application's own path
// passes, as a query value and as a header.
func TestChiFileClimb(t *testing.T) {
	for _, mode := range []rasp.Mode{rasp.ModeOff, rasp.ModeProtect} {
		t.Run(mode.String(), func(t *testing.T) {
			dir := t.TempDir()
			dir, err := filepath.EvalSymlinks(dir)
			if err != nil {
				t.Fatal(err)
			}
			for name, content := range map[string]string{
				".env":                       "DB_PASSWORD=hunter2",
				"sites/blog/index.html":      "blog home",
				"sites/blog/post/index.html": "blog post",
				"templates/layout.html":      "layout",
			} {
				p := filepath.Join(dir, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			old := time.Now().Add(-time.Hour).Truncate(time.Second)
			if err := os.Chtimes(filepath.Join(dir, ".env"), old, old); err != nil {
				t.Fatal(err)
			}
			a, logs := newAgent(mode)
			r := chi.NewRouter()
			r.Use(a.Middleware)
			r.Get("/sites/{site}", func(w http.ResponseWriter, r *http.Request) {
				site := filepath.Join(dir, "sites", chi.URLParam(r, "site"))
				b, err := fsguard.ReadFile(r.Context(), filepath.Join(site, r.URL.Query().Get("up"), ".env"))
				if err != nil {
					b, err = fsguard.ReadFile(r.Context(), filepath.Join(site, r.URL.Query().Get("page"), "index.html"))
				}
				if err != nil {
					http.Error(w, "no such page", http.StatusNotFound)
					return
				}
				w.Write(b)
			})
			r.Post("/sites/{site}/draft", func(w http.ResponseWriter, r *http.Request) {
				site := filepath.Join(dir, "sites", chi.URLParam(r, "site"))
				if err := fsguard.WriteFile(r.Context(), filepath.Join(site, r.FormValue("up"), ".env"), []byte(r.FormValue("text")), 0o644); err != nil {
					http.Error(w, "not saved", http.StatusInternalServerError)
					return
				}
				io.WriteString(w, "saved")
			})
			r.Get("/layout", func(w http.ResponseWriter, r *http.Request) {
				b, err := fsguard.ReadFile(r.Context(), filepath.Join(dir, "templates", "layout.html"))
				if err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
					return
				}
				w.Write(b)
			})
			srv := httptest.NewServer(r)
			defer srv.Close()
			get := func(path string, hdr ...string) (int, string) {
				req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
				for i := 0; i+1 < len(hdr); i += 2 {
					req.Header.Set(hdr[i], hdr[i+1])
				}
				resp, err := srv.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(b)
			}

			code, body := get("/sites/blog?up=" + url.QueryEscape("../.."))
			if mode == rasp.ModeOff && body != "DB_PASSWORD=hunter2" {
				t.Fatalf("unguarded climb served %d %q, want the secret: the test proves nothing", code, body)
			}
			if mode == rasp.ModeProtect && (code != http.StatusForbidden || strings.Contains(body, "hunter2")) {
				t.Errorf("climb in protect: %d %q, want 403", code, body)
			}
			resp, err := srv.Client().PostForm(srv.URL+"/sites/blog/draft", url.Values{"up": {"../../"}, "text": {"DB_PASSWORD=owned"}})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			fi, err := os.Stat(filepath.Join(dir, ".env"))
			if err != nil {
				t.Fatal(err)
			}
			env, _ := os.ReadFile(filepath.Join(dir, ".env"))
			if mode == rasp.ModeProtect {
				if resp.StatusCode != http.StatusForbidden || string(env) != "DB_PASSWORD=hunter2" || !fi.ModTime().Equal(old) {
					t.Errorf("write climb in protect: %d, .env %q, mtime %v (want %v)", resp.StatusCode, env, fi.ModTime(), old)
				}
				if !strings.Contains(logs.String(), `"rule":"climb"`) {
					t.Errorf("no climb event: %s", logs.String())
				}
			} else if string(env) != "DB_PASSWORD=owned" {
				t.Errorf("unguarded write climb left %q: the test proves nothing", env)
			}
			seen := len(logs.String())
			// Benign: a page below the site, and absolute one-element values
			// that merely begin the application's own template path.
			if code, body := get("/sites/blog?page=post"); code != http.StatusOK || body != "blog post" {
				t.Errorf("page=post: %d %q", code, body)
			}
			first := "/" + strings.Split(strings.TrimPrefix(dir, "/"), "/")[0]
			if code, body := get("/layout?next=" + url.QueryEscape(first)); code != http.StatusOK || body != "layout" {
				t.Errorf("next=%s: %d %q", first, code, body)
			}
			if code, body := get("/layout", "X-Forwarded-Prefix", first); code != http.StatusOK || body != "layout" {
				t.Errorf("X-Forwarded-Prefix %s: %d %q", first, code, body)
			}
			if rest := logs.String()[seen:]; rest != "" {
				t.Errorf("events for benign requests: %s", rest)
			}
		})
	}
}
