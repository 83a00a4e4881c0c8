package using_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// tempDB returns a fresh SQLite file name and a cleanup.
func tempDB() (string, func()) {
	dir, err := os.MkdirTemp("", "using")
	if err != nil {
		panic(err)
	}
	return filepath.Join(dir, "app.db"), func() { os.RemoveAll(dir) }
}

// try sends GET path?key=value to h over a real loopback server and prints
// the status and body.
func try(h http.Handler, path, key, value string) {
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL + path + "?" + key + "=" + url.QueryEscape(value))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	fmt.Printf("%s=%q: %d %s\n", key, value, resp.StatusCode, strings.TrimSpace(string(b)))
}
