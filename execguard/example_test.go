package execguard_test

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/execguard"
	"github.com/gorasp/rasp/taint"
	"github.com/rs/zerolog"
)

func ExampleCheckShell() {
	inputs := []taint.Input{{Source: taint.SourceQuery, Key: "host", Value: "example.com; cat /etc/passwd"}}
	for _, script := range []string{
		"ping -c 1 'example.com; cat /etc/passwd'",
		"ping -c 1 example.com; cat /etc/passwd",
	} {
		if f, found := execguard.CheckShell(script, inputs); found {
			fmt.Printf("%s: %s [%d,%d): %s\n", script, f.Kind, f.Start, f.End, f.Reason)
		} else {
			fmt.Printf("%s: harmless\n", script)
		}
	}
	// Output:
	// ping -c 1 'example.com; cat /etc/passwd': harmless
	// ping -c 1 example.com; cat /etc/passwd: shell_injection [10,38): input spans shell syntax, not only literal text of one word
}

func ExampleCheckArgv() {
	inputs := []taint.Input{{Source: taint.SourceQuery, Key: "since", Value: "--output=/tmp/x"}}
	for _, argv := range [][]string{
		{"git", "log", "--", "--output=/tmp/x"},
		{"git", "log", "--output=/tmp/x"},
	} {
		if f, found := execguard.CheckArgv(argv, inputs); found {
			fmt.Printf("%q: %s %q\n", argv, f.Kind, f.Target[f.Start:f.End])
		} else {
			fmt.Printf("%q: harmless\n", argv)
		}
	}
	// Output:
	// ["git" "log" "--" "--output=/tmp/x"]: harmless
	// ["git" "log" "--output=/tmp/x"]: command_injection "--output=/tmp/x"
}

// The request chooses the program, the value of an option is data, and
// a script's commands get the argv rules too.
func ExampleCheckArgv_programsAndValues() {
	check := func(value string, argv ...string) {
		inputs := []taint.Input{{Source: taint.SourceForm, Key: "q", Value: value}}
		if f, found := execguard.CheckArgv(argv, inputs); found {
			fmt.Printf("%q: %s\n", argv, f.Reason)
		} else {
			fmt.Printf("%q: harmless\n", argv)
		}
	}
	check("cat /etc/passwd", "cat", "/etc/passwd") // parts := strings.Fields(q)
	check("--verbose", "grep", "-rn", "-e", "--verbose", "src")
	check("--output=/tmp/x", "sh", "-c", "git log '--output=/tmp/x'")
	// Output:
	// ["cat" "/etc/passwd"]: input supplies the program and its arguments (the start of the command line)
	// ["grep" "-rn" "-e" "--verbose" "src"]: harmless
	// ["sh" "-c" "git log '--output=/tmp/x'"]: input supplies an option name
}

func ExampleCommandContext() {
	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()))
	// The middleware puts the agent and the request's inputs in the
	// request's context; here they are added by hand.
	ctx := rasp.NewContext(context.Background(), a)
	ctx = taint.NewContext(ctx, taint.Input{Source: taint.SourceQuery, Key: "file", Value: "x; rm -rf ~"})

	cmd := execguard.CommandContext(ctx, "sh", "-c", "ls -l x; rm -rf ~")
	err := cmd.Run() // refused: nothing was started
	fmt.Println(errors.Is(err, rasp.ErrBlocked), cmd.Process == nil)
	fmt.Println(err)
	// Output:
	// true true
	// rasp: blocked shell_injection at exec command (input query file)
}

func ExampleRun() {
	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()))
	ctx := rasp.NewContext(context.Background(), a)
	ctx = taint.NewContext(ctx, taint.Input{Source: taint.SourceQuery, Key: "rc", Value: "/tmp/uploads/rc.sh"})

	cmd := execguard.CommandContext(ctx, "bash", "-c", "true")
	cmd.Env = append(os.Environ(), "BASH_ENV=/tmp/uploads/rc.sh") // set after construction
	err := execguard.Run(ctx, cmd)
	fmt.Println(errors.Is(err, rasp.ErrBlocked))
	// Output:
	// true
}
