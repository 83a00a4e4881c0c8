package execguard

import (
	"context"
	"errors"
	"os/exec"
	"strconv"
	"strings"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/guard"
	"github.com/gorasp/rasp/taint"
)

// Operations reported in events.
const (
	opCommand = "command" // CommandContext, at construction
	opRun     = "run"
	opStart   = "start"
	opOutput  = "output"
)

// Command is the twin of [exec.Command]. It has no context: it checks the
// command against the request the calling goroutine serves (see
// [rasp.RequestContext]), exactly as [CommandContext] does, and returns
// exec.Command(name, arg...) with the refusal, if any, in cmd.Err. Called
// on a goroutine serving no request (one a handler started, a job), it
// counts a blind spot on the default agent (see [guard.BlindSpot])
// and returns the command unchecked; pass the request's context to
// [CommandContext] there.
func Command(name string, arg ...string) *exec.Cmd { return defaultGuard.Command(name, arg...) }

// Command is [Command] for this guard.
func (g *Guard) Command(name string, arg ...string) *exec.Cmd {
	cmd := exec.Command(name, arg...)
	ctx := rasp.RequestContext(context.Background(), rasp.SinkExec)
	if rasp.FromContext(ctx).ModeFor(rasp.SinkExec) == rasp.ModeOff {
		return cmd
	}
	argv := make([]string, 0, 1+len(arg))
	argv = append(argv, name)
	argv = append(argv, arg...)
	// check resolves ctx again: a context with inputs is kept as it is.
	if err := g.check(ctx, opCommand, argv, "", nil, ""); err != nil {
		cmd.Err = err
	}
	return cmd
}

// CommandContext is the twin of [exec.CommandContext]: it returns the same
// *exec.Cmd, checked with [CheckArgv] against the inputs ctx carries. When
// the agent blocks it ([rasp.ModeProtect]), cmd.Err holds the
// [*rasp.BlockedError], so Run, Start, Output and CombinedOutput return it
// before anything starts, exactly as they return a failed path lookup.
//
// Fields set after construction (Env, Dir, or Args changed by hand) are
// not seen here: check such a command with [Run] or [Start] instead.
func CommandContext(ctx context.Context, name string, arg ...string) *exec.Cmd {
	return defaultGuard.CommandContext(ctx, name, arg...)
}

// CommandContext is [CommandContext] for this guard.
func (g *Guard) CommandContext(ctx context.Context, name string, arg ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, arg...)
	argv := make([]string, 0, 1+len(arg))
	argv = append(argv, name)
	argv = append(argv, arg...)
	if err := g.check(ctx, opCommand, argv, "", nil, ""); err != nil {
		cmd.Err = err
	}
	return cmd
}

// Check checks a fully built command against the inputs ctx carries: its
// Args (Args[0] as the program name), its Path when it differs from
// Args[0], its Env entries that differ from this process's environment,
// and its Dir when a relative program is resolved in it. It returns the
// [*rasp.BlockedError] when the agent blocks the command, else nil.
func Check(ctx context.Context, cmd *exec.Cmd) error { return defaultGuard.Check(ctx, cmd) }

// Check is [Check] for this guard.
func (g *Guard) Check(ctx context.Context, cmd *exec.Cmd) error {
	return g.checkCmd(ctx, opRun, cmd)
}

func (g *Guard) checkCmd(ctx context.Context, op string, cmd *exec.Cmd) error {
	if cmd == nil {
		return nil
	}
	if cmd.Err != nil && errors.Is(cmd.Err, rasp.ErrBlocked) {
		return cmd.Err // blocked at construction and reported then
	}
	argv := cmd.Args
	if len(argv) == 0 {
		argv = []string{cmd.Path}
	}
	return g.check(ctx, op, argv, cmd.Path, cmd.Env, cmd.Dir)
}

// Run checks cmd with [Check] and runs it with cmd.Run if it is not
// blocked. A blocked command is never started.
func Run(ctx context.Context, cmd *exec.Cmd) error { return defaultGuard.Run(ctx, cmd) }

// Run is [Run] for this guard.
func (g *Guard) Run(ctx context.Context, cmd *exec.Cmd) error {
	if err := g.checkCmd(ctx, opRun, cmd); err != nil {
		return err
	}
	return cmd.Run()
}

// Start checks cmd with [Check] and starts it with cmd.Start if it is not
// blocked.
func Start(ctx context.Context, cmd *exec.Cmd) error { return defaultGuard.Start(ctx, cmd) }

// Start is [Start] for this guard.
func (g *Guard) Start(ctx context.Context, cmd *exec.Cmd) error {
	if err := g.checkCmd(ctx, opStart, cmd); err != nil {
		return err
	}
	return cmd.Start()
}

// Output checks cmd with [Check] and returns cmd.Output() if it is not
// blocked.
func Output(ctx context.Context, cmd *exec.Cmd) ([]byte, error) {
	return defaultGuard.Output(ctx, cmd)
}

// Output is [Output] for this guard.
func (g *Guard) Output(ctx context.Context, cmd *exec.Cmd) ([]byte, error) {
	if err := g.checkCmd(ctx, opOutput, cmd); err != nil {
		return nil, err
	}
	return cmd.Output()
}

// CombinedOutput checks cmd with [Check] and returns cmd.CombinedOutput()
// if it is not blocked.
func CombinedOutput(ctx context.Context, cmd *exec.Cmd) ([]byte, error) {
	return defaultGuard.CombinedOutput(ctx, cmd)
}

// CombinedOutput is [CombinedOutput] for this guard.
func (g *Guard) CombinedOutput(ctx context.Context, cmd *exec.Cmd) ([]byte, error) {
	if err := g.checkCmd(ctx, opOutput, cmd); err != nil {
		return nil, err
	}
	return cmd.CombinedOutput()
}

// check runs the rules for one command and reports through the agent.
func (g *Guard) check(ctx context.Context, op string, argv []string, path string, env []string, dir string) (err error) {
	ctx = rasp.RequestContext(ctx, rasp.SinkExec)
	a := rasp.FromContext(ctx)
	if a.ModeFor(rasp.SinkExec) == rasp.ModeOff {
		return nil
	}
	inputs := taint.FromContext(ctx)
	if inputs == nil {
		guard.BlindSpot(a, rasp.SinkExec, op, 3)
		return nil
	}
	defer guard.Recover(ctx, a, rasp.SinkExec, op, &err)
	sp := guard.Begin(a, rasp.SinkExec)
	f, rule, found, cerr := g.checkAll(argv, path, env, dir, inputs)
	sp.End()
	if found {
		return guard.DecideWith(ctx, a, rasp.SinkExec, op, f,
			rasp.Detail{Key: "program", Value: progName(argv[0])}, rasp.Detail{Key: "rule", Value: rule})
	}
	if cerr != nil {
		details := []rasp.Detail{{Key: "program", Value: progName(argv[0])}}
		f = rasp.Finding{Target: strings.Join(argv, " "), Start: -1, End: -1}
		if in, s, e := firstOccurrence(f.Target, inputs); s >= 0 {
			f.Input, f.Start, f.End = in, s, e
		}
		return guard.FaultWith(ctx, a, rasp.SinkExec, op, f, cerr, details...)
	}
	return guard.Partial(ctx, a, rasp.SinkExec, op)
}

// pathHit applies the executable rule to cmd.Path. On one word it needs an
// input in the word (up to the blanks covers trims), which the searches
// rule out at once.
func pathHit(path string, inputs []taint.Input) (hit, bool) {
	if !occurs(path, inputs) {
		return hit{}, false
	}
	return checkExecutable([]string{path}, 0, inputs)
}

// checkAll applies every rule to the parts of a command.
// The rule is the "rule" detail of the event.
func (g *Guard) checkAll(argv []string, path string, env []string, dir string, inputs []taint.Input) (rasp.Finding, string, bool, error) {
	h, ok, err := g.checkArgvAt(argv, inputs, work{})
	if ok {
		return h.argvFinding(argv), h.rule, true, nil
	}
	target := func() string { return strings.Join(argv, " ") }
	if path != "" && len(argv) > 0 && path != argv[0] {
		if h, ok := pathHit(path, inputs); ok {
			f := h.finding(target())
			f.Start, f.End = -1, -1
			f.Reason = "input supplies the path of the program to run (cmd.Path)"
			return f, "executable", true, nil
		}
	}
	if h, i, ok := g.checkEnv(env, inputs); ok {
		f := h.finding(target())
		f.Start, f.End = -1, -1
		f.Reason = h.reason + " (cmd.Env[" + strconv.Itoa(i) + "])"
		return f, "env", true, nil
	}
	if dir != "" && len(argv) > 0 {
		prog := argv[0]
		if path != "" {
			prog = path
		}
		if strings.ContainsRune(prog, '/') && !strings.HasPrefix(prog, "/") {
			for _, in := range inputs {
				if !checkable(in.Value) || !strings.ContainsRune(in.Value, '/') {
					continue
				}
				if _, _, ok := covers(dir, in.Value); ok {
					return rasp.Finding{Kind: rasp.KindCommandInjection, Input: in, Target: target(), Start: -1, End: -1,
						Reason: "input chooses the directory a relative program is run from (cmd.Dir)"}, "dir", true, nil
				}
			}
		}
	}
	return rasp.Finding{}, "", false, err
}
