package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tacoma-bot/tacoma/knowledge"
)

func runEval(ctx context.Context, e env, args []string) error {
	fs, dirs := newFlags("eval", "[--json] [--misses] FILE...", e.stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	misses := fs.Bool("misses", false, "list the cases whose wanted story was not first")
	files, ok, err := parseFlags(fs, args)
	if !ok || err != nil {
		return err
	}
	if len(files) == 0 {
		fs.Usage()
		return usagef("eval: want at least one evaluation file, such as eval/messages-dev.yaml")
	}
	idx, err := openIndex(*dirs)
	if err != nil {
		return err
	}
	defer idx.Close()
	var reports []knowledge.EvalReport
	for _, f := range files {
		set, err := knowledge.LoadEvalSet(f)
		if err != nil {
			return err
		}
		rep, err := idx.Evaluate(ctx, set)
		if err != nil {
			return err
		}
		if !*misses {
			rep.Misses = nil
		}
		reports = append(reports, rep)
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"sets": reports})
	}
	fmt.Fprintf(e.stdout, "%-36s %6s %6s %7s %7s %6s\n", "set", "cases", "scored", "hit@1", "hit@3", "MRR")
	for _, r := range reports {
		fmt.Fprintf(e.stdout, "%-36s %6d %6d %7.3f %7.3f %6.3f\n", r.Set, r.Cases, r.Scored, r.Hit1, r.Hit3, r.MRR)
	}
	for _, r := range reports {
		for _, m := range r.Misses {
			rank := "not in top 10"
			if m.Rank > 0 {
				rank = fmt.Sprintf("rank %d", m.Rank)
			}
			fmt.Fprintf(e.stdout, "miss %s (%s): want %s, got %s\n", m.ID, rank, strings.Join(m.Want, "|"), strings.Join(m.Got, ", "))
		}
	}
	return nil
}
