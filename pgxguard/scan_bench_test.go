package pgxguard

import (
	"testing"

	"github.com/gorasp/rasp/taint"
)

// typicalInputs are the inputs the middleware collects from a typical API
// request (see requestContext in bench_test.go).
var typicalInputs = []taint.Input{
	{Source: taint.SourcePath, Value: "api"}, {Source: taint.SourcePath, Value: "items"}, {Source: taint.SourcePath, Value: "2"},
	{Source: taint.SourceQuery, Value: "fields", IsKey: true}, {Source: taint.SourceQuery, Key: "fields", Value: "name"},
	{Source: taint.SourceQuery, Value: "sort", IsKey: true}, {Source: taint.SourceQuery, Key: "sort", Value: "id"},
	{Source: taint.SourceHeader, Key: "Host", Value: "example.com"},
	{Source: taint.SourceHeader, Value: "Referer", IsKey: true}, {Source: taint.SourceHeader, Key: "Referer", Value: "https://example.com/items"},
	{Source: taint.SourceHeader, Value: "User-Agent", IsKey: true},
	{Source: taint.SourceHeader, Key: "User-Agent", Value: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"},
	{Source: taint.SourceHeader, Value: "Accept", IsKey: true}, {Source: taint.SourceHeader, Key: "Accept", Value: "application/json"},
	{Source: taint.SourceHeader, Value: "Accept-Language", IsKey: true}, {Source: taint.SourceHeader, Key: "Accept-Language", Value: "en-GB,en;q=0.9"},
}

// BenchmarkScan is the clean path's search for the inputs of a typical
// request in a parameterized statement, some of which occur in it.
func BenchmarkScan(b *testing.B) {
	for _, sql := range []string{
		"SELECT name FROM items WHERE id = $1",
		"SELECT id, name, price, created_at FROM items WHERE owner_id = $1 AND status = $2 ORDER BY created_at DESC LIMIT $3",
	} {
		b.Run("len="+itoa(len(sql)), func(b *testing.B) {
			var occ [maxCleanInputs]occurrence
			for b.Loop() {
				scan(sql, typicalInputs, &occ)
			}
		})
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
