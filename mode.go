package rasp

import (
	"fmt"
	"strings"
)

// Mode says what an [Agent] does with a finding.
//
// The zero Mode is unset: [New] resolves it to [ModeMonitor] (detect and
// report, never block), and so does [Default] when RASP_MODE is empty.
type Mode int32

// The modes, from least to most intrusive.
const (
	// ModeOff skips every check: a guard costs its context lookups, one
	// goroutine lookup (see [RequestContext]) and one atomic load.
	ModeOff Mode = iota + 1
	// ModeMonitor checks and reports every finding, and lets the call run.
	ModeMonitor
	// ModeProtect checks, reports, and refuses the call with a
	// [*BlockedError]; the middleware answers the client 403.
	ModeProtect
)

// String returns "off", "monitor", "protect", or "unset" for the zero Mode.
func (m Mode) String() string {
	switch m {
	case 0:
		return "unset"
	case ModeOff:
		return "off"
	case ModeMonitor:
		return "monitor"
	case ModeProtect:
		return "protect"
	}
	return fmt.Sprintf("Mode(%d)", int32(m))
}

// ParseMode parses "off", "monitor" or "protect" (case-insensitive, spaces
// trimmed). Anything else is an error.
func ParseMode(s string) (Mode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "off":
		return ModeOff, nil
	case "monitor":
		return ModeMonitor, nil
	case "protect":
		return ModeProtect, nil
	}
	return 0, fmt.Errorf("rasp: invalid mode %q (want off, monitor or protect)", s)
}

// MarshalText implements [encoding.TextMarshaler].
func (m Mode) MarshalText() ([]byte, error) {
	switch m {
	case ModeOff, ModeMonitor, ModeProtect:
		return []byte(m.String()), nil
	}
	return nil, fmt.Errorf("rasp: cannot marshal %v", m)
}

// UnmarshalText implements [encoding.TextUnmarshaler] with [ParseMode].
func (m *Mode) UnmarshalText(text []byte) error {
	p, err := ParseMode(string(text))
	if err != nil {
		return err
	}
	*m = p
	return nil
}

// Set implements [flag.Value], so a Mode can be a command-line flag.
func (m *Mode) Set(s string) error { return m.UnmarshalText([]byte(s)) }

func (m Mode) valid() bool { return m >= ModeOff && m <= ModeProtect }
