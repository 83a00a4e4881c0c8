package guard_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/guard"
	"github.com/gorasp/rasp/taint"
)

const sinkLDAP = "ldap"

// checkFilter is the guard's pure check: an input that occurs in an LDAP
// filter and holds one of the filter's metacharacters changed its syntax.
func checkFilter(filter string, inputs []taint.Input) (rasp.Finding, bool) {
	for _, in := range inputs {
		i := strings.Index(filter, in.Value)
		if in.Value == "" || i < 0 || !strings.ContainsAny(in.Value, "()*|&=") {
			continue
		}
		return rasp.Finding{Kind: "ldap_injection", Input: in, Target: filter, Start: i, End: i + len(in.Value),
			Reason: "input adds filter syntax"}, true
	}
	return rasp.Finding{}, false
}

// search is the guarded call: checked, decided, then run.
func search(ctx context.Context, filter string) (err error) {
	rctx := rasp.RequestContext(ctx, sinkLDAP) // the request's, also when ctx is not
	a := rasp.FromContext(rctx)
	m := a.ModeFor(sinkLDAP)
	if m == rasp.ModeOff {
		return nil // run the search
	}
	inputs := taint.FromContext(rctx)
	if inputs == nil {
		guard.BlindSpot(a, sinkLDAP, "search", 0) // counted, with the app's call site
		return nil
	}
	defer guard.Recover(rctx, a, sinkLDAP, "search", &err)
	span := guard.Begin(a, sinkLDAP)
	f, found := checkFilter(filter, inputs)
	span.End()
	if found {
		err = guard.DecideIn(rctx, a, m, sinkLDAP, "search", f, rasp.Detail{Key: "scope", Value: "subtree"})
	} else {
		err = guard.Partial(rctx, a, sinkLDAP, "search")
	}
	return err // nil: run the search; a *rasp.BlockedError: it must not run
}

// Example writes a guard for a sink rasp has none for.
func Example() {
	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogWriter(io.Discard))
	for _, user := range []string{"alice", "*)(uid=*"} {
		ctx := taint.NewContext(rasp.NewContext(context.Background(), a),
			taint.Input{Source: taint.SourceQuery, Key: "user", Value: user})
		err := search(ctx, "(&(uid="+user+")(objectClass=person))")
		var be *rasp.BlockedError
		if errors.As(err, &be) {
			fmt.Printf("%s: blocked, %s of %q\n", user, be.Event.Finding.Kind, be.Event.Finding.Input.Key)
			continue
		}
		fmt.Printf("%s: %v\n", user, err)
	}
	fmt.Println("checks:", a.Stats().Sinks[sinkLDAP].Checks)
	// Output:
	// alice: <nil>
	// *)(uid=*: blocked, ldap_injection of "user"
	// checks: 2
}

// ExamplePartialInspection asks, without reporting anything, whether a
// guard's clean verdict must still go to Partial: only then does the
// guard do the work Partial needs first.
func ExamplePartialInspection() {
	events := 0
	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogWriter(io.Discard), rasp.WithInputLimits(4, 0),
		rasp.WithSyncHooks(), rasp.WithHook(func(context.Context, rasp.Event) { events++ }))
	h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, r.URL.RawQuery, "partial:", guard.PartialInspection(r.Context()))
	}))
	for _, target := range []string{"/items?id=2", "/items?id=2&sort=name&page=3"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
		fmt.Print(rec.Body.String())
	}
	fmt.Println("events:", events, "partial requests:", a.Stats().PartialRequests)
	// Output:
	// id=2 partial: false
	// id=2&sort=name&page=3 partial: true
	// events: 0 partial requests: 1
}
