package main

import (
	"context"
	"fmt"
	"os"
	"strings"
)

// runConfig is "tacoma config check": load the file and the environment, validate everything,
// and list every problem at once.
func runConfig(ctx context.Context, e env, args []string) error {
	fs, _ := newFlags("config", "check [--config FILE]", e.stderr)
	path := fs.String("config", os.Getenv("TACOMA_CONFIG"), "the config `FILE` (default $TACOMA_CONFIG)")
	rest, ok, err := parseFlags(fs, args)
	if !ok || err != nil {
		return err
	}
	if len(rest) != 1 || rest[0] != "check" {
		fs.Usage()
		return usagef("config: the only subcommand is check")
	}
	c, err := loadConfig(*path, os.Getenv)
	if err != nil {
		return err
	}
	if err := c.validate(c.slackEnabled()); err != nil {
		lines := strings.Split(err.Error(), "\n")
		fmt.Fprintf(e.stdout, "%s: %d problem(s):\n", describe(c), len(lines))
		for _, l := range lines {
			fmt.Fprintf(e.stdout, "  - %s\n", l)
		}
		return fmt.Errorf("config check failed")
	}
	fmt.Fprintf(e.stdout, "%s: ok\n", describe(c))
	if !c.slackEnabled() {
		fmt.Fprintln(e.stdout, "note: SLACK_APP_TOKEN and SLACK_BOT_TOKEN are not set; `tacoma run` starts the playground instead of connecting to Slack")
	}
	return nil
}

func describe(c config) string {
	if c.file == "" {
		return "defaults (no config file)"
	}
	return c.file
}
