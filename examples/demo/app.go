package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/driver"
	"github.com/gorasp/rasp/execguard"
	"github.com/gorasp/rasp/fsguard"
	"github.com/gorasp/rasp/ssrfguard"
	"github.com/mattn/go-sqlite3"
)

// app is the bookshop: a SQLite database in a directory of its own, a
// documents directory served by /download and counted by /wordcount, a
// notes directory /notes writes to, an HTTP client /cover fetches with,
// and the agent that guards them all.
type app struct {
	agent    *rasp.Agent
	recent   *decisions // the live page's record of the agent's events; may be nil
	db       *sql.DB
	inspect  *sql.DB // the plain driver, for the tour's measurements: never used by a handler
	dir      string  // everything the app owns lives here
	docsDir  string  // dir/docs: the only files /download should ever serve
	notesDir string  // dir/notes: the only place /notes should ever write
	fence    *fence  // the outgoing dialer: loopback only
	fetcher  *http.Client
}

// driverSeq numbers the wrapped drivers: database/sql registers a driver
// name once per process, and each app (tests start several) gets its own
// agent.
var driverSeq atomic.Int64

// newApp creates the database in dir, seeds it, writes the documents, and
// returns the app. rec, if not nil, must be a hook of agent: the live page
// shows what it recorded. The caller closes the app.
func newApp(agent *rasp.Agent, rec *decisions, dir string) (*app, error) {
	//raspvet:ignore startup: the app's own directory, no request data
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	dsn := "file:" + filepath.Join(dir, "shop.db") + "?_busy_timeout=5000&_journal_mode=WAL"
	a := &app{agent: agent, recent: rec, dir: dir, docsDir: filepath.Join(dir, "docs"), notesDir: filepath.Join(dir, "notes"), fence: &fence{}}
	a.fetcher = &http.Client{
		// The guard checks each destination a request input chose; the
		// fence under it keeps every connection, guarded or not, on
		// loopback, so no mode of the demo ever reaches the network.
		Transport: ssrfguard.Transport(a.fence.transport(),
			ssrfguard.WithAllow(cdnHost), ssrfguard.WithResolver(a.fence.resolver())),
		Timeout: 5 * time.Second,
	}
	if err := a.seed(context.Background(), dsn); err != nil {
		return nil, err
	}
	name := "sqlite3-rasp-" + strconv.FormatInt(driverSeq.Add(1), 10)
	driver.Register(name, &sqlite3.SQLiteDriver{}, driver.WithAgent(agent))
	db, err := sql.Open(name, dsn)
	if err != nil {
		return nil, err
	}
	// One connection: SQLite serialises writers anyway, and a single
	// connection keeps the demo's behaviour independent of timing.
	db.SetMaxOpenConns(1)
	a.db = db
	//raspvet:ignore the tour's own measurements (row counts), no request data
	if a.inspect, err = sql.Open("sqlite3", dsn); err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

// Close closes the database handles.
func (a *app) Close() error { return errors.Join(a.db.Close(), a.inspect.Close()) }

// handler returns the app's routes behind the agent's middleware, which
// collects each request's inputs for the guards and answers 403 when one
// of them blocked a call.
func (a *app) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.index)
	mux.HandleFunc("GET /search", a.search)
	mux.HandleFunc("GET /book", a.book)
	mux.HandleFunc("GET /books", a.books)
	mux.HandleFunc("GET /reviews", a.reviews)
	mux.HandleFunc("POST /review", a.addReview)
	mux.HandleFunc("POST /review/delete", a.deleteReview)
	mux.HandleFunc("POST /login", a.login)
	mux.HandleFunc("POST /notes", a.saveNote)
	mux.HandleFunc("GET /cover", a.cover)
	mux.HandleFunc("GET /stock", a.stock)
	mux.HandleFunc("GET /restock", a.restock)
	mux.HandleFunc("GET /api/books", a.apiBooks)
	mux.HandleFunc("POST /api/books", a.apiBooks)
	mux.HandleFunc("GET /wordcount", a.wordCount)
	mux.HandleFunc("GET /download", a.download)
	mux.HandleFunc("GET /debug/rasp", a.debugRasp)
	return a.agent.Middleware(mux)
}

type book struct {
	ID     int64  `json:"id"`
	Title  string `json:"title"`
	Author string `json:"author"`
	Year   int64  `json:"year"`
}

const bookColumns = "SELECT id, title, author, year FROM books"

func (a *app) queryBooks(ctx context.Context, query string) ([]book, error) {
	rows, err := a.db.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	return scanBooks(rows)
}

// scanBooks reads and closes rows of bookColumns.
func scanBooks(rows *sql.Rows) ([]book, error) {
	defer rows.Close()
	var out []book
	for rows.Next() {
		var b book
		// Scan into loose types: an injected UNION may return any type.
		var id, year any
		var title, author sql.NullString
		if err := rows.Scan(&id, &title, &author, &year); err != nil {
			return nil, err
		}
		b.ID, b.Year = toInt(id), toInt(year)
		b.Title, b.Author = title.String, author.String
		out = append(out, b)
	}
	return out, rows.Err()
}

func toInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case float64:
		return int64(x)
	case []byte:
		n, _ := strconv.ParseInt(string(x), 10, 64)
		return n
	case string:
		n, _ := strconv.ParseInt(x, 10, 64)
		return n
	}
	return 0
}

// fail answers a database or command error the way careless apps do: with
// the error text. A blocked call becomes 403 in the middleware whatever is
// written here.
func fail(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	if errors.Is(err, rasp.ErrBlocked) {
		code = http.StatusForbidden
	}
	http.Error(w, err.Error(), code)
}

// search finds books by title: the input lands in a string literal.
func (a *app) search(w http.ResponseWriter, r *http.Request) {
	title := r.URL.Query().Get("title")
	//raspvet:ignore intentional SQL injection (string literal) to show the guard
	books, err := a.queryBooks(r.Context(), bookColumns+" WHERE title LIKE '%"+title+"%' ORDER BY id")
	if err != nil {
		fail(w, err)
		return
	}
	a.render(w, "Books matching "+strconv.Quote(title), books)
}

// book shows one book by id: the input lands where a number belongs.
func (a *app) book(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	//raspvet:ignore intentional SQL injection (numeric context) to show the guard
	books, err := a.queryBooks(r.Context(), fmt.Sprintf("%s WHERE id = %s", bookColumns, id))
	if err != nil {
		fail(w, err)
		return
	}
	if len(books) == 0 {
		http.Error(w, "no such book", http.StatusNotFound)
		return
	}
	a.render(w, "Book "+id, books)
}

// books lists every book in the order the client asks for: the input lands
// in ORDER BY, where no placeholder can go.
func (a *app) books(w http.ResponseWriter, r *http.Request) {
	sort := r.URL.Query().Get("sort")
	if sort == "" {
		sort = "id"
	}
	//raspvet:ignore intentional SQL injection (ORDER BY) to show the guard
	books, err := a.queryBooks(r.Context(), bookColumns+" ORDER BY "+sort)
	if err != nil {
		fail(w, err)
		return
	}
	a.render(w, "All books by "+sort, books)
}

type review struct {
	Author, Body sql.NullString
}

// reviews lists the reviews of one book. It uses a placeholder: the page
// shows what the form stored.
func (a *app) reviews(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.URL.Query().Get("book_id"), 10, 64)
	if err != nil {
		http.Error(w, "book_id must be a number", http.StatusBadRequest)
		return
	}
	rows, err := a.db.QueryContext(r.Context(), "SELECT author, body FROM reviews WHERE book_id = ? ORDER BY id", id)
	if err != nil {
		fail(w, err)
		return
	}
	defer rows.Close()
	var list []review
	for rows.Next() {
		var rv review
		if err := rows.Scan(&rv.Author, &rv.Body); err != nil {
			fail(w, err)
			return
		}
		list = append(list, rv)
	}
	if err := rows.Err(); err != nil {
		fail(w, err)
		return
	}
	renderReviews(w, "Reviews", id, list)
}

// renderReviews writes the reviews page.
func renderReviews(w http.ResponseWriter, heading string, bookID int64, list []review) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	pageTmpl.ExecuteTemplate(w, "reviews", struct {
		Heading string
		BookID  int64
		Reviews []review
	}{heading, bookID, list})
}

// addReview stores a review posted by a form, three inputs pasted into an
// INSERT, and shows the review as stored.
func (a *app) addReview(w http.ResponseWriter, r *http.Request) {
	bookID, author, body := r.PostFormValue("book_id"), r.PostFormValue("author"), r.PostFormValue("body")
	//raspvet:ignore intentional SQL injection (INSERT) to show the guard
	res, err := a.db.ExecContext(r.Context(), fmt.Sprintf("INSERT INTO reviews (book_id, author, body) VALUES (%s, '%s', '%s')", bookID, author, body))
	if err != nil {
		fail(w, err)
		return
	}
	id, err := res.LastInsertId()
	if err != nil {
		fail(w, err)
		return
	}
	var book int64
	var rv review
	if err := a.db.QueryRowContext(r.Context(), "SELECT book_id, author, body FROM reviews WHERE id = ?", id).Scan(&book, &rv.Author, &rv.Body); err != nil {
		fail(w, err)
		return
	}
	renderReviews(w, "Review saved", book, []review{rv})
}

// login checks a user name and password the classic, broken way.
func (a *app) login(w http.ResponseWriter, r *http.Request) {
	user, pass := r.PostFormValue("username"), r.PostFormValue("password")
	var name string
	//raspvet:ignore intentional SQL injection (login bypass) to show the guard
	err := a.db.QueryRowContext(r.Context(), "SELECT username FROM users WHERE username = '"+user+"' AND password = '"+pass+"'").Scan(&name)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		http.Error(w, "invalid user name or password", http.StatusUnauthorized)
		return
	case err != nil:
		fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "Welcome back, %s.\n", name)
}

// deleteReview deletes a review by id, pasted where a number belongs.
func (a *app) deleteReview(w http.ResponseWriter, r *http.Request) {
	id := r.PostFormValue("id")
	//raspvet:ignore intentional SQL injection (DELETE) to show the guard
	res, err := a.db.ExecContext(r.Context(), "DELETE FROM reviews WHERE id = "+id)
	if err != nil {
		fail(w, err)
		return
	}
	n, err := res.RowsAffected()
	if err != nil {
		fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "Deleted %d review(s).\n", n)
}

// stock shows one book by id, with the query run the way code written
// before contexts runs it: db.Query, no context. No guard can tell which
// request the statement belongs to, so rasp counts it as a blind spot.
func (a *app) stock(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	//raspvet:ignore intentional SQL injection without a request context: checked through the goroutine scope
	rows, err := a.db.Query(bookColumns + " WHERE id = " + id)
	if err != nil {
		fail(w, err)
		return
	}
	books, err := scanBooks(rows)
	if err != nil {
		fail(w, err)
		return
	}
	a.render(w, "In stock", books)
}

// restock runs the same query as stock on a goroutine the handler starts,
// without the request's context: no request is bound to that goroutine,
// so rasp cannot check it. It is the blind spot the live page shows.
func (a *app) restock(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	type result struct {
		books []book
		err   error
	}
	done := make(chan result, 1)
	go func() {
		//raspvet:ignore intentional SQL injection on a goroutine the handler started: the blind spot the live page shows
		rows, err := a.db.Query(bookColumns + " WHERE id = " + id)
		if err != nil {
			done <- result{err: err}
			return
		}
		books, err := scanBooks(rows)
		done <- result{books, err}
	}()
	res := <-done
	if res.err != nil {
		fail(w, res.err)
		return
	}
	a.render(w, "Restocked", res.books)
}

// saveNote writes a note posted by a form to the notes directory, under
// the name the client chose.
func (a *app) saveNote(w http.ResponseWriter, r *http.Request) {
	name, text := r.PostFormValue("name"), r.PostFormValue("text")
	//raspvet:ignore intentional path traversal (file write through filepath.Join) to show the guard
	if err := fsguard.WriteFile(r.Context(), filepath.Join(a.notesDir, name), []byte(text), 0o644); err != nil {
		fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "Saved %d bytes as %s.\n", len(text), name)
}

// maxCover is the largest image /cover relays.
const maxCover = 1 << 20

// cover fetches a book cover from the URL the client gives and relays it:
// the request goes wherever the client says, through ssrfguard.
func (a *app) cover(w http.ResponseWriter, r *http.Request) {
	//raspvet:ignore intentional request forgery (user-given URL) to show the guard
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, r.URL.Query().Get("url"), nil)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	resp, err := a.fetcher.Do(req)
	if err != nil {
		if errors.Is(err, rasp.ErrBlocked) {
			fail(w, err)
			return
		}
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	if resp.StatusCode != http.StatusOK {
		w.WriteHeader(http.StatusBadGateway)
	}
	io.Copy(w, io.LimitReader(resp.Body, maxCover))
}

// apiBooks is the JSON API: books by author, from ?author= or from a JSON
// body {"author": "..."}.
func (a *app) apiBooks(w http.ResponseWriter, r *http.Request) {
	author := r.URL.Query().Get("author")
	if r.Method == http.MethodPost {
		var req struct {
			Author string `json:"author"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&req); err != nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]string{"error": "body must be {\"author\": \"...\"}"})
			return
		}
		author = req.Author
	}
	//raspvet:ignore intentional SQL injection (JSON API) to show the guard
	books, err := a.queryBooks(r.Context(), bookColumns+" WHERE author = '"+author+"' ORDER BY id")
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		code := http.StatusInternalServerError
		if errors.Is(err, rasp.ErrBlocked) {
			code = http.StatusForbidden
		}
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
		return
	}
	if books == nil {
		books = []book{}
	}
	json.NewEncoder(w).Encode(map[string]any{"books": books})
}

// wordCount counts the words of a document with wc, through a shell, with
// the file name pasted into the script.
func (a *app) wordCount(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("file")
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	//raspvet:ignore intentional shell injection (file name in a sh -c script) to show the guard
	cmd := execguard.CommandContext(ctx, "sh", "-c", "wc -w "+name)
	cmd.Dir = a.docsDir
	// A command left running in the background must not hold the answer.
	cmd.WaitDelay = time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		if errors.Is(err, rasp.ErrBlocked) {
			fail(w, err)
			return
		}
		// wc's own complaint (no such file) is the answer.
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		w.Write(out)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write(out)
}

// download serves a document by name from the documents directory.
func (a *app) download(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("name")
	//raspvet:ignore intentional path traversal (filepath.Join with a client name) to show the guard
	data, err := fsguard.ReadFile(r.Context(), filepath.Join(a.docsDir, name))
	if err != nil {
		if errors.Is(err, rasp.ErrBlocked) {
			fail(w, err)
			return
		}
		if errors.Is(err, os.ErrNotExist) {
			http.Error(w, "no such document", http.StatusNotFound)
			return
		}
		fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Disposition", "attachment; filename="+strconv.Quote(filepath.Base(name)))
	w.Write(data)
}

func (a *app) index(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	pageTmpl.ExecuteTemplate(w, "index", struct {
		Mode string
		Docs []string
	}{a.agent.Mode().String(), docNames()})
}

func (a *app) render(w http.ResponseWriter, heading string, books []book) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	pageTmpl.ExecuteTemplate(w, "books", struct {
		Heading string
		Books   []book
	}{heading, books})
}

var pageTmpl = template.Must(template.New("").Parse(`
{{define "index"}}<!doctype html>
<html><head><title>Bookshop (rasp demo)</title></head><body>
<h1>Bookshop</h1>
<p>A deliberately vulnerable shop guarded by rasp in <b>{{.Mode}}</b> mode.</p>
<h2>Browse</h2>
<ul>
<li><a href="/search?title=Dune">Search by title: Dune</a></li>
<li><a href="/book?id=1">Book 1</a></li>
<li><a href="/books?sort=title">All books by title</a></li>
<li><a href="/reviews?book_id=1">Reviews of book 1</a></li>
<li><a href="/api/books?author=Frank+Herbert">JSON API: books by Frank Herbert</a></li>
{{range .Docs}}<li><a href="/wordcount?file={{.}}">Word count of {{.}}</a> &middot; <a href="/download?name={{.}}">Download {{.}}</a></li>
{{end}}<li><a href="/debug/rasp">rasp live page (JSON for Accept: application/json)</a></li>
</ul>
<h2>Search</h2>
<form action="/search" method="get"><input name="title" value="Dune"><button>Search</button></form>
<form action="/books" method="get"><select name="sort"><option>title</option><option>author</option><option>year</option></select><button>Sort</button></form>
<h2>Review a book</h2>
<form action="/review" method="post">
<input name="book_id" value="1"> <input name="author" value="reader"> <input name="body" value="A fine read"><button>Post review</button>
</form>
<h2>Log in</h2>
<form action="/login" method="post">
<input name="username" value="alice"> <input name="password" type="password" value="wonderland"><button>Log in</button>
</form>
</body></html>
{{end}}
{{define "books"}}<!doctype html>
<html><head><title>{{.Heading}}</title></head><body><h1>{{.Heading}}</h1>
<table><tr><th>id</th><th>title</th><th>author</th><th>year</th></tr>
{{range .Books}}<tr><td><a href="/book?id={{.ID}}">{{.ID}}</a></td><td>{{.Title}}</td><td>{{.Author}}</td><td>{{.Year}}</td></tr>
{{end}}</table><p><a href="/">Home</a></p></body></html>
{{end}}
{{define "reviews"}}<!doctype html>
<html><head><title>{{.Heading}}</title></head><body><h1>{{.Heading}} (book {{.BookID}})</h1>
<ul>{{range .Reviews}}<li><b>{{.Author.String}}</b>: {{.Body.String}}</li>{{end}}</ul><p><a href="/">Home</a></p></body></html>
{{end}}
`))

// docNames lists the documents in a stable order.
func docNames() []string {
	names := make([]string, 0, len(documents))
	for _, d := range documents {
		names = append(names, d.name)
	}
	return names
}

// documents are the files of the documents directory.
var documents = []struct{ name, text string }{
	{"intro.txt", "Welcome to the bookshop. Every book here was read by someone who loved it.\n"},
	{"shipping.txt", "We ship within two days. Returns are free for thirty days.\n"},
}

// secretText is the content of a file next to the documents directory: the
// prize of a path traversal.
const secretText = "db_password=correct-horse-battery-staple\n"

// seed creates and fills the database, and writes the files. It runs
// before the server starts, through a handle of the plain driver: fixed
// statements and bound values, no request anywhere, so the guarded handle
// the handlers use counts no blind spot for it.
func (a *app) seed(ctx context.Context, dsn string) error {
	//raspvet:ignore startup seeding: fixed statements before any request is served
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	for _, stmt := range schema {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
	}
	for _, b := range seedBooks {
		if _, err := db.ExecContext(ctx, "INSERT INTO books (id, title, author, year) VALUES (?, ?, ?, ?)", b.ID, b.Title, b.Author, b.Year); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
	}
	for _, u := range seedUsers {
		if _, err := db.ExecContext(ctx, "INSERT INTO users (username, password, role) VALUES (?, ?, ?)", u[0], u[1], u[2]); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
	}
	for _, rv := range seedReviews {
		if _, err := db.ExecContext(ctx, "INSERT INTO reviews (book_id, author, body) VALUES (?, ?, ?)", rv.book, rv.author, rv.body); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
	}
	for _, d := range []string{a.docsDir, a.notesDir} {
		//raspvet:ignore startup: the app's own directories, no request data
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	for _, d := range documents {
		//raspvet:ignore startup: fixed document names, no request data
		if err := os.WriteFile(filepath.Join(a.docsDir, d.name), []byte(d.text), 0o644); err != nil {
			return err
		}
	}
	//raspvet:ignore startup: fixed file name, no request data
	return os.WriteFile(filepath.Join(a.dir, "secret.txt"), []byte(secretText), 0o600)
}

var schema = []string{
	"CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT NOT NULL, author TEXT NOT NULL, year INTEGER NOT NULL)",
	"CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT NOT NULL UNIQUE, password TEXT NOT NULL, role TEXT NOT NULL)",
	"CREATE TABLE reviews (id INTEGER PRIMARY KEY, book_id INTEGER, author TEXT, body TEXT)",
}

var seedBooks = []book{
	{1, "Dune", "Frank Herbert", 1965},
	{2, "Children of Dune", "Frank Herbert", 1976},
	{3, "The Left Hand of Darkness", "Ursula K. Le Guin", 1969},
	{4, "A Wizard of Earthsea", "Ursula K. Le Guin", 1968},
	{5, "Neuromancer", "William Gibson", 1984},
	{6, "The Dispossessed", "Ursula K. Le Guin", 1974},
}

var seedReviews = []struct {
	book         int
	author, body string
}{
	{1, "mia", "Spice must flow."},
	{3, "jon", "Winter on Gethen, warmly told."},
	{4, "ged", "Names have power."},
	{6, "shev", "Walls on both sides."},
}

// adminPassword is what a SQL injection is after.
const adminPassword = "s3cr3t-admin-pass"

var seedUsers = [][3]string{
	{"alice", "wonderland", "customer"},
	{"bob", "builder", "customer"},
	{"admin", adminPassword, "admin"},
}

// curlLines are printed when the demo starts, to try it by hand.
func curlLines(base string) string {
	var b strings.Builder
	for _, l := range []string{
		"curl '" + base + "/search?title=Dune'",
		"curl '" + base + "/search?title=%27%20UNION%20SELECT%20id,username,password,1%20FROM%20users--'",
		"curl '" + base + "/book?id=1%20OR%201=1'",
		"curl -d 'username=admin%27--&password=x' " + base + "/login",
		"curl '" + base + "/wordcount?file=intro.txt%3Bid'",
		"curl '" + base + "/download?name=../secret.txt'",
		"curl '" + base + "/cover?url=http://169.254.169.254/latest/meta-data/'",
		"curl " + base + "/debug/rasp                 # or open it in a browser",
	} {
		b.WriteString("  ")
		b.WriteString(l)
		b.WriteString("\n")
	}
	return b.String()
}
