package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRewriteSection(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "README.md")
	head, tail := "# Title\n\nprose\n\n", "\n\n## After\n"
	if err := os.WriteFile(name, []byte(head+beginMark+"\nold\n"+endMark+tail), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{"first", "second"} {
		sec := beginMark + "\n" + body + "\n" + endMark + "\n"
		if err := rewriteSection(name, []byte(sec)); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		got := string(b)
		if want := head + beginMark + "\n" + body + "\n" + endMark + tail; got != want {
			t.Fatalf("README =\n%s\nwant\n%s", got, want)
		}
		if strings.Count(got, beginMark) != 1 {
			t.Fatal("markers duplicated")
		}
	}
}
