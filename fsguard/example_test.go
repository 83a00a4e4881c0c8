package fsguard_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/fsguard"
	"github.com/gorasp/rasp/taint"
	"github.com/rs/zerolog"
)

func ExampleCheckPath() {
	base := "/srv/app/files"
	for _, name := range []string{"report.pdf", "sub/../notes.txt", "a..b.txt", "../../etc/passwd", "/etc/passwd"} {
		inputs := []taint.Input{{Source: taint.SourceQuery, Key: "name", Value: name}}
		joined := filepath.Join(base, name)
		_, bad := fsguard.CheckPath(joined, inputs)
		_, badRaw := fsguard.CheckPath(name, inputs)
		fmt.Printf("%-18s Join: %-5v as is: %v\n", name, bad, badRaw)
	}
	// Output:
	// report.pdf         Join: false as is: false
	// sub/../notes.txt   Join: false as is: false
	// a..b.txt           Join: false as is: false
	// ../../etc/passwd   Join: true  as is: true
	// /etc/passwd        Join: false as is: true
}

func ExampleReadFile() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	base := filepath.Join(dir, "files")
	_ = os.Mkdir(base, 0o755)
	_ = os.WriteFile(filepath.Join(base, "report.txt"), []byte("quarterly"), 0o644)

	// The middleware of package rasp builds this context for each request.
	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.New(io.Discard)))
	for _, name := range []string{"report.txt", "../../etc/passwd"} {
		ctx := taint.NewContext(rasp.NewContext(context.Background(), a),
			taint.Input{Source: taint.SourceQuery, Key: "name", Value: name})
		b, err := fsguard.ReadFile(ctx, filepath.Join(base, name))
		fmt.Printf("%s: %q blocked=%v\n", name, b, errors.Is(err, rasp.ErrBlocked))
	}
	// Output:
	// report.txt: "quarterly" blocked=false
	// ../../etc/passwd: "" blocked=true
}

func ExampleOpenRoot() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	_ = os.Mkdir(filepath.Join(dir, "files"), 0o755)
	_ = os.Mkdir(filepath.Join(dir, "private"), 0o755)
	_ = os.WriteFile(filepath.Join(dir, "private", "key"), []byte("secret"), 0o600)
	// A link inside the tree that points outside it: no ".." in the name.
	_ = os.Symlink("../private", filepath.Join(dir, "files", "shared"))

	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.New(io.Discard)))
	ctx := taint.NewContext(rasp.NewContext(context.Background(), a),
		taint.Input{Source: taint.SourceQuery, Key: "name", Value: "shared/key"})

	root, err := fsguard.OpenRoot(filepath.Join(dir, "files"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer root.Close()
	b, err := root.ReadFile(ctx, "shared/key")
	fmt.Printf("%q blocked=%v findings=%d\n", b, errors.Is(err, rasp.ErrBlocked), a.Stats().Sinks[rasp.SinkFS].Findings)
	// Output:
	// "" blocked=true findings=1
}
