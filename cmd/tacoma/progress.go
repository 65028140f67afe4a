package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progress shows how far a long command is: one line rewritten in place on a terminal, a line
// every few seconds in a log.
type progress struct {
	w        io.Writer
	terminal bool
	last     time.Time
	shown    bool
}

func newProgress(w io.Writer) *progress {
	t := false
	if r, ok := w.(io.Reader); ok {
		t = isTerminal(r)
	}
	return &progress{w: w, terminal: t}
}

// show prints the line if enough time passed since the last one.
func (p *progress) show(format string, args ...any) {
	every := 5 * time.Second
	if p.terminal {
		every = 200 * time.Millisecond
	}
	if time.Since(p.last) < every {
		return
	}
	if p.last.IsZero() {
		p.last = time.Now() // the first line waits one period: short runs print nothing
		return
	}
	p.last = time.Now()
	line := fmt.Sprintf(format, args...)
	if p.terminal {
		fmt.Fprintf(p.w, "\r%-60s", line)
	} else {
		fmt.Fprintln(p.w, line)
	}
	p.shown = true
}

// done clears the in-place line before the final report.
func (p *progress) done() {
	if p.terminal && p.shown {
		fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", 60))
	}
}
