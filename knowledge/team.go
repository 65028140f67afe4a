package knowledge

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// MaxTeamResults is how many of the team's postmortems one search returns at most after the
// catalog's stories: one per failure class, so that a history holding the same failure many
// times shows it once, with how many more there are among its closest.
const MaxTeamResults = 4

// teamFetch is how many of the team's best postmortems are read to fold them by class.
const teamFetch = 40

// searchTeam returns the team's best postmortems, one per failure class, each with how many
// more of its class were among the best teamFetch.
func (x *Index) searchTeam(ctx context.Context, team *shard, p *parsed, st *stats, w weights, limit int) ([]Result, error) {
	cq, q := x.compileTeam(p, st, w)
	res, err := team.bleve.SearchInContext(ctx, bleve.NewSearchRequestOptions(q, teamFetch, 0, false))
	if err != nil {
		return nil, fmt.Errorf("search the team's postmortems: %w", err)
	}
	type kept struct {
		s     *Story
		score float64
	}
	var best []kept
	similar := map[string]int{}
	for _, h := range res.Hits {
		s, err := team.story(h.ID)
		if errors.Is(err, ErrNotFound) {
			continue // removed while the search ran
		}
		if err != nil {
			return nil, err
		}
		key := classKey(s)
		if _, seen := similar[key]; seen {
			similar[key]++
			continue
		}
		similar[key] = 0
		best = append(best, kept{s, h.Score})
	}
	slack := 0
	if x.hasRejects() {
		slack = rerankSlack
	}
	out := make([]Result, 0, min(len(best), limit+slack))
	for _, k := range best[:min(len(best), limit+slack)] {
		r := x.result(team, k.s, k.score, cq)
		r.Similar = similar[classKey(k.s)]
		out = append(out, r)
	}
	if st.err != nil {
		return nil, st.err
	}
	if slack > 0 {
		out = x.rerank(out, cq, limit)
	}
	return out, nil
}

// classKey groups postmortems of one failure: their first class, or the story alone without one.
func classKey(s *Story) string {
	if len(s.Classes) > 0 {
		return "class:" + s.Classes[0]
	}
	return "id:" + s.ID
}

// The team's query is leaner than the catalog's: it only has to find the right failure among
// many postmortems of each, and its cost grows with the postings of every word it holds.
// Measured with BenchmarkScale (docs/performance.md): at 100,000 postmortems, words held by
// more than 5% and all but the 8 rarest words cost latency without changing the class found.
const (
	maxTeamDF    = 0.05
	maxTeamTerms = 8
)

// compileTeam weighs a request for the team's shard. A large one is searched for the request's
// rarest words only, without synonyms; a small one like the catalog.
func (x *Index) compileTeam(p *parsed, st *stats, w weights) (*compiledQuery, query.Query) {
	if st.n < pruneFromDocs {
		return x.compile(p, st, w)
	}
	cq := &compiledQuery{terms: p.words, alertnames: p.alertnames, labelOf: p.labelOf, weights: w, via: map[string]string{}}
	terms := make([]string, 0, len(p.words))
	for t := range p.words {
		terms = append(terms, t)
	}
	sort.Slice(terms, func(i, j int) bool {
		di, dj := st.df(terms[i]), st.df(terms[j])
		if di != dj {
			return di < dj
		}
		return terms[i] < terms[j]
	})
	limit := int(maxTeamDF * float64(st.n))
	kept := terms[:0]
	for _, t := range terms {
		if len(kept) == maxTeamTerms || (st.df(t) > limit && len(kept) > 0) {
			break
		}
		if st.df(t) > 0 {
			kept = append(kept, t)
		}
	}
	var qs []query.Query
	if len(kept) > 0 {
		qs = append(qs, termsQuery(kept, "", 1), termsQuery(kept, "signals", signalsBoost))
		if x.hasLearned() {
			qs = append(qs, termsQuery(kept, learnedField, learnedBoost))
		}
	}
	qs = append(qs, alertnameQueries(cq.alertnames)...)
	return cq, bleve.NewDisjunctionQuery(qs...)
}
