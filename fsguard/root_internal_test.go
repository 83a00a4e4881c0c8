package fsguard

import (
	"errors"
	"fmt"
	"os"
	"testing"
)

// TestRootEscapeDetected pins the text os.Root refuses escapes with: the
// error value is unexported, so Root recognises it by text.
func TestRootEscapeDetected(t *testing.T) {
	dir := t.TempDir()
	r, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, name := range []string{"../x", "/etc/passwd", "./../x"} {
		_, err := r.Open(name)
		if !isEscape(err) {
			t.Errorf("os.Root.Open(%q) = %v: not recognised as an escape", name, err)
		}
	}
	err = r.Rename("../x", "y")
	if !isEscape(err) {
		t.Errorf("os.Root.Rename escape = %v: not recognised", err)
	}
	if _, err := r.Open("missing"); isEscape(err) {
		t.Errorf("a missing file counted as an escape: %v", err)
	}
	joined := errors.Join(errors.New("x"), fmt.Errorf("w: %w", errors.New(errEscapeText)))
	if !isEscape(joined) || isEscape(nil) {
		t.Error("isEscape does not see through wrapping")
	}
}
