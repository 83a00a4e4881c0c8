package main

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestFence checks the demo's outgoing dialer: loopback IP addresses
// connect; every other address, and every name, is refused without a
// packet sent, and counted.
func TestFence(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer srv.Close()
	f := &fence{}
	ctx := context.Background()
	c, err := f.dial(ctx, "tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatalf("loopback dial refused: %v", err)
	}
	c.Close()
	for _, addr := range []string{
		"169.254.169.254:80", "10.0.0.1:80", "192.0.2.1:443", "[2001:db8::1]:80", "[::ffff:169.254.169.254]:80",
		"localhost:80", "metadata.google.internal:80", "no-port",
	} {
		_, err := f.dial(ctx, "tcp", addr)
		var fe *fenceError
		if !errors.As(err, &fe) {
			t.Errorf("dial %s: %v, want the fence's refusal", addr, err)
		}
		if n := f.refusals(addr); n != 1 {
			t.Errorf("dial %s: %d refusals counted, want 1", addr, n)
		}
	}
	// The guard's resolver answers from /etc/hosts only: a DNS query is a
	// dial the fence refuses.
	before := totalRefusals(f)
	if _, err := f.resolver().LookupNetIP(ctx, "ip4", "rasp-demo.invalid"); err == nil {
		t.Error("a name that is in no hosts file resolved")
	}
	if totalRefusals(f) == before {
		t.Error("the resolver's DNS query was not refused by the fence")
	}
}

func totalRefusals(f *fence) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.refused {
		n += c
	}
	return n
}
