package bench

import (
	"fmt"
	"strings"
	"sync"

	waf "github.com/DataDog/go-libddwaf/v4"
	"github.com/DataDog/go-libddwaf/v4/timer"
	"github.com/gorasp/rasp/taint"
)

// The libddwaf addresses the RASP rules of the default ruleset read.
const (
	AddrDBStatement = "server.db.statement"
	AddrDBSystem    = "server.db.system"
	AddrShellCmd    = "server.sys.shell.cmd"
	AddrExecCmd     = "server.sys.exec.cmd"
	AddrFSFile      = "server.io.fs.file"
	AddrQuery       = "server.request.query"
)

// Peer is Datadog's in-app WAF, libddwaf, loaded with its embedded default
// ruleset. Only its RASP rules (ids starting "rasp-") count as findings:
// the same ruleset also runs request-level WAF rules on the inputs, which
// answer a different question (does this input look like an attack?).
// A Peer is safe for concurrent use; each [PeerRequest] is not.
type Peer struct {
	h     *waf.Handle
	rules string
}

var (
	peerOnce sync.Once
	peerVal  *Peer
	peerErr  error
)

// SharedPeer returns one process-wide [Peer], built on first use. Building
// the default ruleset takes tens of milliseconds, so tests and benchmarks
// share it.
func SharedPeer() (*Peer, error) {
	peerOnce.Do(func() { peerVal, peerErr = NewPeer() })
	return peerVal, peerErr
}

// NewPeer loads libddwaf (the shared library embedded in go-libddwaf,
// opened with purego) and builds a handle from the default recommended
// ruleset.
func NewPeer() (*Peer, error) {
	if ok, err := waf.Load(); !ok {
		return nil, fmt.Errorf("libddwaf: load: %w", err)
	}
	b, err := waf.NewBuilder("", "")
	if err != nil {
		return nil, fmt.Errorf("libddwaf: builder: %w", err)
	}
	defer b.Close()
	diag, err := b.AddDefaultRecommendedRuleset()
	if err != nil {
		return nil, fmt.Errorf("libddwaf: default ruleset: %w", err)
	}
	h := b.Build()
	if h == nil {
		return nil, fmt.Errorf("libddwaf: build failed")
	}
	return &Peer{h: h, rules: diag.Version}, nil
}

// Version returns the loaded libddwaf version.
func (p *Peer) Version() string { return waf.Version() }

// RulesVersion returns the version of the default ruleset loaded.
func (p *Peer) RulesVersion() string { return p.rules }

// Close releases the handle.
func (p *Peer) Close() { p.h.Close() }

// PeerRequest is one request's WAF context: the request inputs are loaded
// once, as persistent data, the way a tracer does when the request starts;
// each [PeerRequest.Run] then passes one sink's addresses as ephemeral
// data, the way a tracer does at each guarded call.
type PeerRequest struct {
	c *waf.Context
}

// NewRequest opens a WAF context carrying inputs as server.request.query.
func (p *Peer) NewRequest(inputs []taint.Input) (*PeerRequest, error) {
	c, err := p.h.NewContext(timer.WithBudget(timer.UnlimitedBudget))
	if err != nil {
		return nil, fmt.Errorf("libddwaf: context: %w", err)
	}
	if _, err := c.Run(waf.RunAddressData{Persistent: map[string]any{AddrQuery: QueryOf(inputs)}}); err != nil {
		c.Close()
		return nil, fmt.Errorf("libddwaf: request run: %w", err)
	}
	return &PeerRequest{c: c}, nil
}

// Close releases the context.
func (r *PeerRequest) Close() { r.c.Close() }

// Run evaluates addrs (ephemeral) and reports whether a RASP rule matched,
// with the rule id.
func (r *PeerRequest) Run(addrs map[string]any) (bool, string, error) {
	res, err := r.c.Run(waf.RunAddressData{Ephemeral: addrs})
	if err != nil {
		return false, "", fmt.Errorf("libddwaf: run: %w", err)
	}
	for _, ev := range res.Events {
		if id := ruleID(ev); strings.HasPrefix(id, "rasp-") {
			return true, id, nil
		}
	}
	return false, "", nil
}

// Check opens a request carrying inputs, runs addrs once and closes it.
func (p *Peer) Check(addrs map[string]any, inputs []taint.Input) (bool, error) {
	r, err := p.NewRequest(inputs)
	if err != nil {
		return false, err
	}
	defer r.Close()
	hit, _, err := r.Run(addrs)
	return hit, err
}

// SQLAddrs returns the addresses of one SQL statement. system is
// libddwaf's db type: "mysql", "postgresql", "sqlite".
func SQLAddrs(system, statement string) map[string]any {
	return map[string]any{AddrDBStatement: statement, AddrDBSystem: system}
}

// ShellAddrs returns the addresses of a shell command: a string, or an
// argv-style []string that libddwaf joins and parses as one shell line.
func ShellAddrs(cmd any) map[string]any { return map[string]any{AddrShellCmd: cmd} }

// ExecAddrs returns the addresses of an exec-style argv.
func ExecAddrs(argv []string) map[string]any { return map[string]any{AddrExecCmd: argv} }

// PathAddrs returns the addresses of a file access.
func PathAddrs(path string) map[string]any { return map[string]any{AddrFSFile: path} }

// QueryOf maps inputs to a server.request.query value: one list of values
// per key. Inputs without a key are given their position as key.
func QueryOf(inputs []taint.Input) map[string][]string {
	q := make(map[string][]string, len(inputs))
	for i, in := range inputs {
		k := in.Key
		if k == "" {
			k = fmt.Sprintf("_%d", i)
		}
		q[k] = append(q[k], in.Value)
	}
	return q
}

func ruleID(ev any) string {
	m, ok := ev.(map[string]any)
	if !ok {
		return ""
	}
	rule, ok := m["rule"].(map[string]any)
	if !ok {
		return ""
	}
	id, _ := rule["id"].(string)
	return id
}
