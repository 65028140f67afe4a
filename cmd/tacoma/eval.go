package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tacoma-bot/tacoma/knowledge"
)

func runEval(ctx context.Context, e env, args []string) error {
	fs, dirs := newFlags("eval", "[--json] [--misses] [--learn FILE] FILE...", e.stderr)
	learn := fs.String("learn", "", "first play responders' helpful / not relevant clicks on the message cases of `FILE`, then evaluate with what was learned")
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
	if *learn != "" {
		if err := learnFrom(ctx, e, idx, *learn); err != nil {
			return err
		}
	}
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
	fmt.Fprintf(e.stdout, "%-30s %5s %6s %6s %6s %6s %8s %6s\n", "set", "cases", "scored", "hit@1", "hit@3", "MRR", "answered", "quiet")
	for _, r := range reports {
		quiet := "-"
		if r.Cases > r.Scored {
			quiet = fmt.Sprintf("%.3f", r.Quiet)
		}
		scored := func(v float64) string {
			if r.Scored == 0 {
				return "-"
			}
			return fmt.Sprintf("%.3f", v)
		}
		fmt.Fprintf(e.stdout, "%-30s %5d %6d %6s %6s %6s %8s %6s\n", r.Set, r.Cases, r.Scored, scored(r.Hit1), scored(r.Hit3), scored(r.MRR), scored(r.Answered), quiet)
	}
	fmt.Fprintln(e.stdout, "hit@k: a wanted story in the top k; MRR over the top 10; answered: the top result is confident")
	fmt.Fprintln(e.stdout, "enough to offer unasked; quiet: for cases that want no story, the top result is not.")
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

// learnFrom feeds the index the clicks responders would give on a training set's messages.
func learnFrom(ctx context.Context, e env, idx *knowledge.Index, path string) error {
	set, err := knowledge.LoadEvalSet(path)
	if err != nil {
		return err
	}
	fbs, err := idx.SimulateFeedback(ctx, set)
	if err != nil {
		return err
	}
	if err := idx.Learn(fbs...); err != nil {
		return err
	}
	helpful := 0
	for _, fb := range fbs {
		if fb.Verdict == knowledge.Helpful {
			helpful++
		}
	}
	fmt.Fprintf(e.stderr, "learned %d verdicts from %s (%d helpful, %d not relevant)\n", len(fbs), path, helpful, len(fbs)-helpful)
	return nil
}
