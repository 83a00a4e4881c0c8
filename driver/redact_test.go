package driver_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gorasp/rasp"
	raspdriver "github.com/gorasp/rasp/driver"
	"github.com/gorasp/rasp/taint"
	"github.com/mattn/go-sqlite3"
)

var registerOnce sync.Once

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// TestRedactedFindingGolden runs the commonest login bypass, sent as a
// password, against SQLite in monitor mode: the event shows the attack as
// its syntax skeleton, and the password of the other field not at all.
func TestRedactedFindingGolden(t *testing.T) {
	registerOnce.Do(func() { raspdriver.Register("rasp-sqlite3-redact", &sqlite3.SQLiteDriver{}) })
	db, a, logs := seedSQLite(t, "rasp-sqlite3-redact", rasp.ModeMonitor)
	for _, bypass := range []string{"' OR ''='", "x' OR 'a'='a"} {
		ctx := taint.NewContext(rasp.NewContext(context.Background(), a),
			taint.Input{Source: taint.SourceForm, Key: "login", Value: "alice"},
			taint.Input{Source: taint.SourceForm, Key: "password", Value: bypass},
			taint.Input{Source: taint.SourceForm, Key: "old_password", Value: "hunter2-old"})
		q := "SELECT id FROM users WHERE name = 'alice' AND (role = '" + bypass + "' OR role = 'hunter2-old')"
		rows, err := db.QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	var got string
	for l := range strings.Lines(logs.String()) {
		if strings.Contains(l, `"kind":"sql_injection"`) {
			got += l
		}
	}
	if strings.Contains(got, "hunter2") {
		t.Errorf("a password that broke nothing is in the event: %s", got)
	}
	golden := filepath.Join("testdata", "redacted_event.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("event differs from %s (go test ./driver -run TestRedactedFindingGolden -update)\ngot:  %s\nwant: %s", golden, got, want)
	}
}
