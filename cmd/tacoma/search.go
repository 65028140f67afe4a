package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/tacoma-bot/tacoma/knowledge"
	"github.com/tacoma-bot/tacoma/knowledge/alert"
)

const defaultLimit = 5

// jsonResult is one entry of the --json output; its shape is a stable interface.
type jsonResult struct {
	ID           string   `json:"id"`
	Title        string   `json:"title"`
	Organization string   `json:"organization"`
	Year         int      `json:"year"`
	URL          string   `json:"url"`
	Score        float64  `json:"score"`
	Classes      []string `json:"classes"`
	Why          []string `json:"why"`
	// Origin and Similar are set only for the team's postmortems, which follow the catalog's
	// stories; a catalog-only answer prints exactly as before they existed.
	Origin  string `json:"origin,omitempty"`
	Similar int    `json:"similar,omitempty"`
}

func runSearch(ctx context.Context, e env, args []string) error {
	fs, dirs := newFlags("search", "[--json] [--limit N] TEXT...", e.stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	limit := fs.Int("limit", defaultLimit, "at most `N` results")
	words, ok, err := parseFlags(fs, args)
	if !ok || err != nil {
		return err
	}
	if len(words) == 0 {
		fs.Usage()
		return usagef("search: no text given; try: tacoma search dns lookups take 5 seconds")
	}
	if err := checkLimit(*limit); err != nil {
		return err
	}
	idx, err := openIndex(*dirs)
	if err != nil {
		return err
	}
	defer idx.Close()
	res, err := idx.Search(ctx, strings.Join(words, " "), *limit)
	if err != nil {
		return fmt.Errorf("search: %w", err)
	}
	return printResults(e.stdout, res, *asJSON)
}

func runMatch(ctx context.Context, e env, args []string) error {
	fs, dirs := newFlags("match", "[--json] [--limit N] FILE|-", e.stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	limit := fs.Int("limit", defaultLimit, "at most `N` results")
	files, ok, err := parseFlags(fs, args)
	if !ok || err != nil {
		return err
	}
	if len(files) != 1 {
		fs.Usage()
		return usagef("match: want one payload file, or - for standard input; got %d arguments", len(files))
	}
	if err := checkLimit(*limit); err != nil {
		return err
	}
	data, err := readInput(files[0], e.stdin)
	if err != nil {
		return err
	}
	g, err := alert.Parse(data)
	if err != nil {
		return fmt.Errorf("%s: %w", displayName(files[0]), err)
	}
	idx, err := openIndex(*dirs)
	if err != nil {
		return err
	}
	defer idx.Close()
	res, err := idx.MatchAlert(ctx, g, *limit)
	if err != nil {
		return fmt.Errorf("match: %w", err)
	}
	return printResults(e.stdout, res, *asJSON)
}

func checkLimit(n int) error {
	if n < 1 || n > knowledge.MaxLimit {
		return usagef("--limit: want 1 to %d, got %d", knowledge.MaxLimit, n)
	}
	return nil
}

func readInput(name string, stdin io.Reader) ([]byte, error) {
	var r io.Reader = stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, alert.MaxPayload+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", displayName(name), err)
	}
	return data, nil
}

func displayName(name string) string {
	if name == "-" {
		return "standard input"
	}
	return name
}

func openIndex(dirs []string) (*knowledge.Index, error) {
	cat, err := knowledge.LoadCatalog(dirs...)
	if err != nil {
		return nil, fmt.Errorf("load catalog: %w", err)
	}
	return knowledge.NewIndex(cat)
}

// openPersistedIndex opens the catalog's index with the team's postmortems persisted in dataDir,
// for `tacoma run`: a restart reuses what an earlier run indexed. Whoever calls it closes the index.
func openPersistedIndex(dirs []string, dataDir string) (*knowledge.Index, knowledge.Opened, error) {
	cat, err := knowledge.LoadCatalog(dirs...)
	if err != nil {
		return nil, knowledge.Opened{}, fmt.Errorf("load catalog: %w", err)
	}
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return nil, knowledge.Opened{}, fmt.Errorf("data_dir: %w", err)
	}
	return knowledge.OpenIndex(cat, filepath.Join(dataDir, "index"))
}

func printResults(w io.Writer, res []knowledge.Result, asJSON bool) error {
	if asJSON {
		out := struct {
			Results []jsonResult `json:"results"`
		}{Results: make([]jsonResult, 0, len(res))}
		for _, r := range res {
			why := r.Why
			if why == nil {
				why = []string{}
			}
			out.Results = append(out.Results, jsonResult{
				ID: r.Story.ID, Title: r.Story.Title, Organization: r.Story.Organization, Year: r.Story.Year,
				URL: r.Story.URL, Score: r.Score, Classes: r.Story.Classes, Why: why,
				Origin: r.Story.Origin, Similar: r.Similar,
			})
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(out)
	}
	if len(res) == 0 {
		_, err := fmt.Fprintln(w, "No story matches. Try the symptoms in other words, or an error message as it appears.")
		return err
	}
	var team, catalog []knowledge.Result
	for _, r := range res {
		if r.Story.Team() {
			team = append(team, r)
		} else {
			catalog = append(catalog, r)
		}
	}
	// Headings only when there are two lists, so that a catalog-only answer reads as it always
	// did; the team's postmortems come first, as in Slack.
	if len(team) > 0 {
		fmt.Fprint(w, "Your team's postmortems:\n\n")
		for i, r := range team {
			printResult(w, i+1, r)
		}
		if len(catalog) > 0 {
			fmt.Fprint(w, "Past outages:\n\n")
		}
	}
	for i, r := range catalog {
		printResult(w, i+1, r)
	}
	return nil
}

func printResult(w io.Writer, rank int, r knowledge.Result) {
	s := r.Story
	fmt.Fprintf(w, "%d. %s\n", rank, s.Title)
	fmt.Fprintf(w, "   %s, %d · %s · classes: %s\n", s.Organization, s.Year, s.ID, strings.Join(s.Classes, ", "))
	if s.URL != "" {
		fmt.Fprintf(w, "   %s\n", s.URL)
	}
	switch {
	case r.Similar == 1:
		fmt.Fprintln(w, "   1 more postmortem like it")
	case r.Similar > 1:
		fmt.Fprintf(w, "   %d more postmortems like it\n", r.Similar)
	}
	for i, why := range r.Why {
		label := "     "
		if i == 0 {
			label = "why: "
		}
		fmt.Fprintf(w, "   %s%s\n", label, why)
	}
	fmt.Fprintln(w)
}
