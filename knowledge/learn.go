package knowledge

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// learnedField holds the messages responders marked a story helpful for: the team's own words
// for a failure, matched like the story's symptoms.
const learnedField = "learned"

// Feedback in ranking, measured with `tacoma eval --learn` (README "Evaluation").
const (
	maxLearned = 20 // most recent helpful messages kept per story
	maxRejects = 50 // most recent not-relevant messages kept per story
	// A story marked not relevant for a message sharing this share of its distinctive words
	// with the new one is pushed down by rejectPenalty.
	rejectOverlap = 0.5
	rejectPenalty = 0.5
)

// Learn takes responders' verdicts into ranking: a story marked helpful is found by the words of
// the message it helped with, and one marked not relevant ranks lower for similar messages.
// Verdicts without the message, or for stories no longer indexed, are skipped.
func (x *Index) Learn(fbs ...Feedback) error {
	// A story is read and indexed again under the writers' lock: a newer version added
	// meanwhile would otherwise be replaced by the one read here.
	team, done, err := x.changeTeam()
	if err != nil {
		return err
	}
	defer done()
	touched := map[string]*Story{}
	for _, fb := range fbs {
		q := strings.TrimSpace(fb.Query)
		s, err := x.story(team, fb.StoryID)
		if q == "" || err != nil {
			continue
		}
		switch fb.Verdict {
		case Helpful:
			x.mu.Lock()
			if !slices.Contains(x.learned[s.ID], q) {
				x.learned[s.ID] = lastN(append(x.learned[s.ID], q), maxLearned)
				touched[s.ID] = s
			}
			x.mu.Unlock()
		case NotRelevant:
			terms := x.termSet(q)
			if len(terms) == 0 {
				continue
			}
			x.mu.Lock()
			x.rejected[s.ID] = lastN(append(x.rejected[s.ID], terms), maxRejects)
			x.mu.Unlock()
		default:
			return fmt.Errorf("learn: verdict %q: want %q or %q", fb.Verdict, Helpful, NotRelevant)
		}
	}
	if len(touched) == 0 {
		return nil
	}
	for _, sh := range []*shard{x.catalog, team} {
		b := sh.bleve.NewBatch()
		for id, s := range touched {
			if s.Team() != (sh == team) {
				continue
			}
			if err := b.IndexAdvanced(x.document(s)); err != nil {
				return fmt.Errorf("learn %s: %w", id, err)
			}
			sh.forget(id)
		}
		if b.Size() == 0 {
			continue
		}
		if err := sh.bleve.Batch(b); err != nil {
			return fmt.Errorf("learn: %w", err)
		}
	}
	return nil
}

func (x *Index) termSet(text string) map[string]bool {
	terms := map[string]bool{}
	for _, t := range analyze(x.analyzer, withCompoundParts(text)) {
		terms[t.term] = true
	}
	return terms
}

// rerank pushes down the stories responders rejected for messages like this one, and keeps limit.
func (x *Index) rerank(out []Result, cq *compiledQuery, limit int) []Result {
	x.mu.RLock()
	for i := range out {
		for _, rej := range x.rejected[out[i].Story.ID] {
			if overlap(cq.terms, rej) >= rejectOverlap {
				out[i].Score = round3(out[i].Score * rejectPenalty)
				out[i].Why = append(out[i].Why, "ranked lower: responders marked it not relevant for a similar message")
				break
			}
		}
	}
	x.mu.RUnlock()
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	return out[:min(len(out), limit)]
}

// overlap is the share of the smaller set's terms the two sets share.
func overlap(a map[string]string, b map[string]bool) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	n := 0
	for t := range a {
		if b[t] {
			n++
		}
	}
	return float64(n) / float64(min(len(a), len(b)))
}

// hasLearned reports whether any story was marked helpful.
func (x *Index) hasLearned() bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.learned) > 0
}

// hasRejects reports whether any verdict may rerank results, so searches fetch spare hits.
func (x *Index) hasRejects() bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.rejected) > 0
}

func lastN[T any](s []T, n int) []T {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// SimulateFeedback plays responders on an evaluation set: for each message case, the wanted
// story among the top three is marked helpful and a wrong first result not relevant. It is how
// feedback in ranking is measured, never how the index is fed in production.
func (x *Index) SimulateFeedback(ctx context.Context, set *EvalSet) ([]Feedback, error) {
	var out []Feedback
	for _, c := range set.Cases {
		if c.Text == "" || len(c.Want) == 0 {
			continue
		}
		res, err := x.Search(ctx, c.Text, 3)
		if err != nil {
			continue // nothing to click on
		}
		for i, r := range res {
			wanted := slices.Contains(c.Want, r.Story.ID)
			switch {
			case wanted:
				out = append(out, Feedback{StoryID: r.Story.ID, Verdict: Helpful, Query: c.Text, Channel: "eval"})
			case i == 0:
				out = append(out, Feedback{StoryID: r.Story.ID, Verdict: NotRelevant, Query: c.Text, Channel: "eval"})
			}
			if wanted {
				break
			}
		}
	}
	return out, nil
}
