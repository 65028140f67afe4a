package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/tacoma-bot/tacoma/knowledge"
)

const consoleResults = 3

// runBot runs the bot's main job. Until the Slack connection lands, it is a console: each line
// typed is matched as if a responder had posted it in an incident channel.
func runBot(ctx context.Context, e env, args []string) error {
	fs, dirs := newFlags("run", "", e.stderr)
	rest, ok, err := parseFlags(fs, args)
	if !ok || err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("run: takes no arguments, got %q", strings.Join(rest, " "))
	}
	if os.Getenv("SLACK_APP_TOKEN") != "" || os.Getenv("SLACK_BOT_TOKEN") != "" {
		return errors.New("SLACK_APP_TOKEN / SLACK_BOT_TOKEN are set, but this build cannot connect to Slack yet; unset them to use the console")
	}
	idx, err := openIndex(*dirs)
	if err != nil {
		return err
	}
	defer idx.Close()
	interactive := isTerminal(e.stdin)
	fmt.Fprintf(e.stderr, "Tacoma console: %d failure stories loaded.\n", len(idx.Catalog().Stories()))
	fmt.Fprintln(e.stderr, "Not connected to Slack: set SLACK_APP_TOKEN (xapp-...) and SLACK_BOT_TOKEN (xoxb-...) to run in a workspace.")
	fmt.Fprintln(e.stderr, "Type what a responder would post in the incident channel; each line is matched against past outages. Ctrl-D ends.")
	return console(ctx, idx, e, interactive)
}

func console(ctx context.Context, idx *knowledge.Index, e env, interactive bool) error {
	sc := bufio.NewScanner(e.stdin)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for {
		if interactive {
			fmt.Fprint(e.stdout, "> ")
		}
		if !sc.Scan() {
			break
		}
		if err := ctx.Err(); err != nil {
			return nil // interrupted: a clean stop
		}
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		res, err := idx.Search(ctx, line, consoleResults)
		if errors.Is(err, knowledge.ErrEmptyQuery) {
			fmt.Fprintln(e.stdout, "(nothing to match in that line)")
			continue
		}
		if err != nil {
			return err
		}
		if !interactive {
			fmt.Fprintf(e.stdout, "> %s\n", line)
		}
		if err := printResults(e.stdout, res, false); err != nil {
			return err
		}
		if len(res) > 0 && len(res[0].Story.Classes) > 0 {
			fmt.Fprintf(e.stdout, "   checklist: tacoma checklist %s\n\n", res[0].Story.Classes[0])
		}
	}
	if err := sc.Err(); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read input: %w", err)
	}
	return nil
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
