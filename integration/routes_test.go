package integration

import (
	"context"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/gorasp/rasp"
	"github.com/gorilla/mux"
	"github.com/julienschmidt/httprouter"
	"github.com/rs/zerolog"
)

// The route-naming one-liners the README shows for each router.

// chiRoute names the route chi matched. chi finishes matching after its
// middleware runs (subrouters), so the pattern is read when an event needs it.
func chiRoute(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rc := chi.RouteContext(r.Context()); rc != nil {
			rasp.SetRouteFunc(r.Context(), rc.RoutePattern)
		}
		next.ServeHTTP(w, r)
	})
}

// muxRoute names the route gorilla/mux matched (its middleware runs after
// matching).
func muxRoute(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt := mux.CurrentRoute(r); rt != nil {
			if tpl, err := rt.GetPathTemplate(); err == nil {
				rasp.SetRoute(r.Context(), tpl)
			}
		}
		next.ServeHTTP(w, r)
	})
}

// routerHandle registers h on httprouter and names its route: httprouter
// v1.3.0 does not expose the matched path, so the pattern is the one
// registered.
func routerHandle(rt *httprouter.Router, method, path string, h httprouter.Handle) {
	rt.Handle(method, path, func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
		rasp.SetRoute(r.Context(), path)
		h(w, r, ps)
	})
}

// userByID is the vulnerable handler every router serves: the id path
// parameter spliced into SQL.
func userByID(db *sql.DB, w http.ResponseWriter, r *http.Request, id string) {
	var name string
	if err := db.QueryRowContext(r.Context(), "SELECT name FROM users WHERE id = "+id).Scan(&name); err != nil {
		http.Error(w, "no such user", http.StatusNotFound)
		return
	}
	w.Write([]byte(name))
}

func TestRouterRouteNames(t *testing.T) {
	for _, tc := range []struct {
		name  string
		route string
		build func(a *rasp.Agent, db *sql.DB) http.Handler
	}{
		{"chi", "/users/{id}", func(a *rasp.Agent, db *sql.DB) http.Handler {
			r := chi.NewRouter()
			r.Use(a.Middleware, chiRoute)
			r.Route("/users", func(r chi.Router) {
				r.Get("/{id}", func(w http.ResponseWriter, r *http.Request) { userByID(db, w, r, chi.URLParam(r, "id")) })
			})
			return r
		}},
		{"gorilla/mux", "/users/{id}", func(a *rasp.Agent, db *sql.DB) http.Handler {
			r := mux.NewRouter()
			r.Use(muxRoute)
			r.HandleFunc("/users/{id}", func(w http.ResponseWriter, r *http.Request) { userByID(db, w, r, mux.Vars(r)["id"]) }).Methods("GET")
			return a.Middleware(r)
		}},
		{"httprouter", "/users/:id", func(a *rasp.Agent, db *sql.DB) http.Handler {
			r := httprouter.New()
			routerHandle(r, "GET", "/users/:id", func(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
				userByID(db, w, r, ps.ByName("id"))
			})
			return a.Middleware(r)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := sqliteBackend(t)
			seed(t, b)
			var (
				mu     sync.Mutex
				routes []string
			)
			a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()), rasp.WithSyncHooks(),
				rasp.WithHook(func(_ context.Context, ev rasp.Event) {
					mu.Lock()
					routes = append(routes, ev.Request.Route)
					mu.Unlock()
				}))
			srv := httptest.NewServer(tc.build(a, b.wrapped))
			defer srv.Close()
			get := func(path string) (int, string) {
				t.Helper()
				resp, err := http.Get(srv.URL + path)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var sb strings.Builder
				buf := make([]byte, 512)
				n, _ := resp.Body.Read(buf)
				sb.Write(buf[:n])
				return resp.StatusCode, sb.String()
			}
			if code, body := get("/users/2"); code != 200 || body != "bob" {
				t.Fatalf("GET /users/2 = %d %q, want 200 bob", code, body)
			}
			if code, _ := get("/users/0%20OR%201=1"); code != http.StatusForbidden {
				t.Fatalf("GET /users/0 OR 1=1 = %d, want 403", code)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(routes) != 1 || routes[0] != tc.route {
				t.Fatalf("event routes = %q, want [%q]", routes, tc.route)
			}
		})
	}
}
