package collect

import (
	"net/url"
	"testing"
)

var unescapeSeeds = []string{
	"", "a", "a+b", "%41", "%4", "%", "%zz", "a%2Fb", "%2f%2F", "+%2B+", "%E2%82%AC", "%e2%82%ac",
	"50%", "x%4g", "%%41", "a b", "100%25", "%00", "%C3", "++", "%41%42%43+d",
}

// FuzzUnescape checks the collector's decoding against net/url's, value
// and error alike, also across values that share one arena.
func FuzzUnescape(f *testing.F) {
	for _, s := range unescapeSeeds {
		f.Add(s)
	}
	var c Collector
	f.Fuzz(func(t *testing.T, s string) {
		checkUnescape(t, &c, s)
	})
}

func TestUnescape(t *testing.T) {
	var c Collector
	var got []string
	for range 300 { // past one arena chunk
		for _, s := range unescapeSeeds {
			checkUnescape(t, &c, s)
			if d, ok := c.unescape(s, true); ok {
				got = append(got, d)
			}
		}
	}
	// Earlier results are unchanged by later decoding.
	k := 0
	for range 300 {
		for _, s := range unescapeSeeds {
			if want, err := url.QueryUnescape(s); err == nil {
				if got[k] != want {
					t.Fatalf("result %d changed: %q, want %q", k, got[k], want)
				}
				k++
			}
		}
	}
}

func checkUnescape(t *testing.T, c *Collector, s string) {
	t.Helper()
	for _, tc := range []struct {
		plus bool
		ref  func(string) (string, error)
	}{{true, url.QueryUnescape}, {false, url.PathUnescape}} {
		want, err := tc.ref(s)
		got, ok := c.unescape(s, tc.plus)
		if ok != (err == nil) || got != want {
			t.Fatalf("unescape(%q, %v) = %q, %v; want %q, %v", s, tc.plus, got, ok, want, err)
		}
	}
}
