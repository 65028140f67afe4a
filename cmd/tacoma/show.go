package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tacoma-bot/tacoma/knowledge"
)

func runStory(ctx context.Context, e env, args []string) error {
	fs, dirs := newFlags("story", "ID", e.stderr)
	ids, ok, err := parseFlags(fs, args)
	if !ok || err != nil {
		return err
	}
	if len(ids) != 1 {
		fs.Usage()
		return usagef("story: want one story id, such as zalando-dns-outage-2019 (tacoma search finds ids)")
	}
	cat, err := knowledge.LoadCatalog(*dirs...)
	if err != nil {
		return fmt.Errorf("load catalog: %w", err)
	}
	s, err := cat.Story(ids[0])
	if errors.Is(err, knowledge.ErrNotFound) {
		return fmt.Errorf("no story with id %q; tacoma search TEXT lists matching stories with their ids", ids[0])
	}
	if err != nil {
		return err
	}
	printStory(e.stdout, s, cat)
	return nil
}

func printStory(w io.Writer, s *knowledge.Story, cat *knowledge.Catalog) {
	fmt.Fprintf(w, "%s\n%s, %d (%s)\n%s\n", s.Title, s.Organization, s.Year, s.Venue, s.URL)
	fmt.Fprintf(w, "id: %s · classes: %s\n", s.ID, strings.Join(s.Classes, ", "))
	if len(s.Components) > 0 {
		fmt.Fprintf(w, "components: %s\n", strings.Join(s.Components, ", "))
	}
	section(w, "Summary", s.Summary)
	list(w, "What responders saw", s.Symptoms)
	list(w, "Errors and log lines", s.Errors)
	list(w, "Alerts that fire", s.Alerts)
	list(w, "Metrics", s.Metrics)
	section(w, "Cause", s.Cause)
	section(w, "Impact", s.Impact)
	section(w, "Fix", s.Fix)
	list(w, "Lessons", s.Lessons)
	if len(s.Classes) > 0 {
		fmt.Fprintf(w, "\nChecklist: tacoma checklist %s\n", s.Classes[0])
	}
}

func section(w io.Writer, title, body string) {
	if strings.TrimSpace(body) == "" {
		return
	}
	fmt.Fprintf(w, "\n%s\n  %s\n", title, strings.TrimSpace(body))
}

func list(w io.Writer, title string, items []string) {
	if len(items) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%s\n", title)
	for _, it := range items {
		fmt.Fprintf(w, "  - %s\n", it)
	}
}

func runChecklist(ctx context.Context, e env, args []string) error {
	fs, dirs := newFlags("checklist", "[CLASS]", e.stderr)
	classes, ok, err := parseFlags(fs, args)
	if !ok || err != nil {
		return err
	}
	if len(classes) > 1 {
		fs.Usage()
		return usagef("checklist: want at most one class, got %d", len(classes))
	}
	cat, err := knowledge.LoadCatalog(*dirs...)
	if err != nil {
		return fmt.Errorf("load catalog: %w", err)
	}
	if len(classes) == 0 {
		fmt.Fprintln(e.stdout, "Failure classes (tacoma checklist CLASS shows one):")
		for _, c := range cat.Classes() {
			cl, _ := cat.Checklist(c)
			fmt.Fprintf(e.stdout, "  %-20s %s\n", c, cl.Name)
		}
		return nil
	}
	cl, err := cat.Checklist(classes[0])
	if errors.Is(err, knowledge.ErrNotFound) {
		return fmt.Errorf("no failure class %q; known classes: %s", classes[0], strings.Join(cat.Classes(), ", "))
	}
	if err != nil {
		return err
	}
	printChecklist(e.stdout, cl)
	return nil
}

func printChecklist(w io.Writer, cl *knowledge.Checklist) {
	fmt.Fprintf(w, "%s checklist (%s)\n", cl.Name, cl.Class)
	if cl.Description != "" {
		fmt.Fprintf(w, "%s\n", strings.TrimSpace(cl.Description))
	}
	steps(w, "Look first", cl.Look)
	steps(w, "Mitigate", cl.Mitigate)
	steps(w, "Fix afterwards", cl.Fix)
}

func steps(w io.Writer, title string, ss []knowledge.Step) {
	fmt.Fprintf(w, "\n%s\n", title)
	for i, s := range ss {
		fmt.Fprintf(w, "  %d. %s\n", i+1, strings.TrimSpace(s.Step))
		if s.Run != "" {
			fmt.Fprintf(w, "       $ %s\n", strings.TrimSpace(s.Run))
		}
	}
}
