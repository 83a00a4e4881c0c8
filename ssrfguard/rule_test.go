package ssrfguard

import (
	"net/url"
	"testing"

	"github.com/gorasp/rasp/taint"
)

func TestChooser(t *testing.T) {
	cases := []struct {
		name, url, input string
		want             string // component, "" when the input did not choose the destination
	}{
		{"whole URL", "http://169.254.169.254/latest/meta-data/", "http://169.254.169.254/latest/meta-data/", compURL},
		{"URL prefix", "http://10.0.0.7:8080/x/y", "http://10.0.0.7:8080", compURL},
		{"scheme-relative", "http://evil.test/a", "//evil.test", compURL},
		{"host", "http://169.254.169.254/latest", "169.254.169.254", compHost},
		{"host and port", "http://127.0.0.1:6379/", "127.0.0.1:6379", compHost},
		{"host case and dot", "http://Metadata.Internal./", "metadata.internal", compHost},
		{"host then fragment", "http://evil.test#.app.test/img", "evil.test#", compHost},
		{"host then path", "http://evil.test/.app.test/img", "evil.test/", compHost},
		{"userinfo trick", "http://app.test@evil.test/", "app.test@evil.test", compHost},
		{"ipv6 literal", "http://[fd00:ec2::254]/", "fd00:ec2::254", compHost},
		{"ipv6 bracketed", "http://[::1]:80/", "[::1]:80", compHost},
		{"numeric", "http://2130706433/", "2130706433", compHost},
		{"escaped host", "http://127.0.0.1/", "%31%32%37.0.0.1", compHost},
		{"tenant label", "http://acme.svc.internal/api", "acme", compHost},
		{"domain suffix", "http://cdn.evil.test/x", "evil.test", compHost},
		{"port", "http://api.internal:8443/", "8443", compPort},
		{"user", "http://bob:pw@api.internal/", "bob", compUserinfo},
		{"password", "http://bob:s3cret@api.internal/", "s3cret", compUserinfo},
		{"scheme", "gopher://api.internal/", "gopher", compScheme},
		// Padded with white space that the application trimmed.
		{"trimmed whole URL", "http://169.254.169.254/latest/meta-data/", " http://169.254.169.254/latest/meta-data/\n", compURL},
		{"trimmed host nbsp", "http://127.0.0.1:6379/", "\u00a0127.0.0.1:6379", compHost},
		{"trimmed port", "http://api.internal:8443/", "8443\u3000", compPort},
		{"trimmed query only", "http://api.internal/items?q=169.254.169.254", " 169.254.169.254 ", ""},

		{"query only", "http://api.internal/items?q=169.254.169.254", "169.254.169.254", ""},
		{"path only", "http://api.internal/files/127.0.0.1", "127.0.0.1", ""},
		{"fragment only", "http://api.internal/#evil.test", "evil.test", ""},
		{"octet of an ip host", "http://10.1.2.3/", "1", ""},
		{"inner word", "http://db.internal/", "internal", ""},
		{"part of a label", "http://rapid.internal/", "api", ""},
		{"other port of same name", "http://localhost:9000/", "localhost:8080", ""},
		{"free text naming the host", "http://api.internal/", "see api.internal docs", ""},
		{"empty", "http://api.internal/", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			u, err := url.Parse(c.url)
			if err != nil {
				t.Fatal(err)
			}
			in := taint.Input{Source: taint.SourceQuery, Key: "u", Value: c.input}
			other := taint.Input{Source: taint.SourceHeader, Key: "Accept", Value: "*/*"}
			got, comp, ok := chooser(u, []taint.Input{other, in})
			if !ok {
				comp = ""
			}
			if comp != c.want {
				t.Fatalf("chooser(%q, %q) = %q, want %q", c.url, c.input, comp, c.want)
			}
			if ok && got != in {
				t.Fatalf("chooser returned input %+v", got)
			}
		})
	}
}

func TestChooserAllocs(t *testing.T) {
	u, _ := url.Parse("http://api.internal:8080/items?id=42&q=hello")
	inputs := []taint.Input{
		{Source: taint.SourceQuery, Key: "id", Value: "42"},
		{Source: taint.SourceQuery, Key: "q", Value: "hello"},
		{Source: taint.SourceHeader, Key: "Host", Value: "app.test"},
		{Source: taint.SourceHeader, Key: "User-Agent", Value: "Mozilla/5.0 (X11; Linux x86_64)"},
	}
	if n := testing.AllocsPerRun(100, func() { chooser(u, inputs) }); n != 0 {
		t.Fatalf("chooser allocates %v times for inputs that chose nothing", n)
	}
}
