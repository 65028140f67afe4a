// Command tacoma is the Tacoma incident-response bot and its command line: search the failure
// catalog, match alert payloads, show stories and checklists, and evaluate matching quality.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // postmortem time zones in containers without zoneinfo
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "tacoma:", err)
		os.Exit(exitCode(err))
	}
}
