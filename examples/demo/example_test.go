package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"

	"github.com/gorasp/rasp"
	"github.com/rs/zerolog"
)

// Example serves the bookshop in protect mode and sends it one legitimate
// request and one attack on each kind of sink.
func Example() {
	dir, err := os.MkdirTemp("", "rasp-demo-example-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	agent := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()))
	shop, err := newApp(agent, nil, dir)
	if err != nil {
		panic(err)
	}
	defer shop.Close()
	srv := httptest.NewServer(shop.handler())
	defer srv.Close()

	for _, target := range []string{
		"/book?id=1",
		"/book?id=" + url.QueryEscape("1 OR 1=1"),
		"/wordcount?file=intro.txt",
		"/wordcount?file=" + url.QueryEscape("intro.txt; id"),
		"/download?name=intro.txt",
		"/download?name=" + url.QueryEscape("../secret.txt"),
	} {
		resp, err := http.Get(srv.URL + target)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		u, _ := url.QueryUnescape(target)
		fmt.Printf("%d %s\n", resp.StatusCode, u)
	}
	st := agent.Stats()
	fmt.Printf("blocks: sql %d, exec %d, fs %d\n", st.Sinks[rasp.SinkSQL].Blocks, st.Sinks[rasp.SinkExec].Blocks, st.Sinks[rasp.SinkFS].Blocks)
	// Output:
	// 200 /book?id=1
	// 403 /book?id=1 OR 1=1
	// 200 /wordcount?file=intro.txt
	// 403 /wordcount?file=intro.txt; id
	// 200 /download?name=intro.txt
	// 403 /download?name=../secret.txt
	// blocks: sql 1, exec 1, fs 1
}
