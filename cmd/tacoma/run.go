package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// usageError is a mistake in how the command was called; main exits 2 for it, as flag does.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

func exitCode(err error) int {
	var ue *usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

// env is what every command gets: its streams.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

type command struct {
	name    string
	args    string
	summary string
	run     func(ctx context.Context, e env, args []string) error
}

func commands() []command {
	return []command{
		{"run", "[--config FILE]", "run the bot; without Slack tokens, the playground on the built-in Slack emulator", runBot},
		{"search", "[--json] [--limit N] TEXT...", "the stories that best match the text", runSearch},
		{"match", "[--json] [--limit N] FILE|-", "the stories that best match an alert payload (Alertmanager, Grafana, PagerDuty)", runMatch},
		{"story", "ID", "one story in full", runStory},
		{"checklist", "[CLASS]", "the checklist of a failure class; no class lists them", runChecklist},
		{"eval", "[--json] [--misses] [--learn FILE] FILE...", "hit@1, hit@3 and MRR of the matcher on evaluation sets", runEval},
		{"import", "[--config FILE] DIR|FILE...", "bring the team's Markdown postmortems into the store, reporting what was skipped and why", runImport},
		{"export", "[--config FILE] [--status final|draft|all] DIR", "write the stored postmortems out as Markdown files", runExport},
		{"config", "check [--config FILE]", "validate the config file and environment, listing every problem", runConfig},
		{"help", "", "this help", nil},
	}
}

// run is the whole program: main only turns signals into ctx and errors into an exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		return runBot(ctx, e, nil)
	}
	name, rest := args[0], args[1:]
	if name == "help" || name == "-h" || name == "--help" {
		printUsage(stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == name && c.run != nil {
			return c.run(ctx, e, rest)
		}
	}
	printUsage(stderr)
	return usagef("unknown command %q", name)
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "Tacoma: the incident-response bot that knows how Kubernetes clusters fail.")
	fmt.Fprintln(w, "\nUsage: tacoma COMMAND [ARGS]")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %-32s %s\n", c.name, c.args, c.summary)
	}
	fmt.Fprintln(w, "\nEvery command takes --catalog DIR (repeatable) to add a team's own stories and checklists.")
}

// newFlags returns a flag set that reports errors instead of exiting, with the shared --catalog.
func newFlags(name, args string, stderr io.Writer) (*flag.FlagSet, *multiFlag) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: tacoma %s %s\n", name, args)
		fs.PrintDefaults()
	}
	var dirs multiFlag
	fs.Var(&dirs, "catalog", "a team catalog `DIR` (stories/, checklists/, synonyms.yaml); repeatable")
	return fs, &dirs
}

// parseFlags parses args, allowing flags after positional arguments ("tacoma search dns slow
// --json"), and turns flag errors into usage errors. ok is false when the user asked for help,
// which was printed: that is a success. A lone "--" ends flag parsing.
func parseFlags(fs *flag.FlagSet, args []string) (positional []string, ok bool, err error) {
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, false, nil
			}
			return nil, false, &usageError{err.Error()}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, true, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(positional, rest...), true, nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }
