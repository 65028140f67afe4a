package knowledge

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/tacoma-bot/tacoma/knowledge/alert"
)

// ErrEmptyQuery is returned when a message has no word worth searching for.
var ErrEmptyQuery = errors.New("nothing to search for: every word is too common to match on")

// MaxLimit bounds how many results one search returns.
const MaxLimit = 50

// A large index leaves a message's common words out of the search: scoring them walks most of
// the index for almost no ranking signal. They still count in the reasons and the evidence.
const (
	pruneFromDocs = 1000 // indexes smaller than this search every word
	maxQueryDF    = 0.15 // share of stories above which a word is too common to search on
)

// rerankSlack is how many hits past the limit are fetched when feedback may push some down.
const rerankSlack = 5

// Query weights, measured on the evaluation set (eval/): see README "Evaluation".
const (
	signalsBoost   = 1.0 // symptoms, errors, alert and metric names, on top of the cross-field match
	expansionBoost = 0.3 // synonym expansion; well below the message's own words
	alertnameBoost = 3.0 // an exact alertname listed by the story is strong evidence
	learnedBoost   = 0.5 // messages responders marked a story helpful for, on top of the cross-field match
	// maxExpansionDF is the share of stories above which a term is too common to add by synonym.
	maxExpansionDF = 0.3
)

// Result is one story that matches, best first, with the reasons in words a responder reads at
// a glance.
type Result struct {
	Story *Story
	Score float64
	Why   []string
	// Coverage is the share of the message's distinctive words (IDF-weighted) the story
	// explains, from 0 to 1; callers use it to decide whether a match is worth showing.
	Coverage float64
	// Evidence is the IDF mass of the message's words the story holds, plus a bonus per exact
	// alert name: unlike Score it is comparable across queries, so callers can set a floor.
	Evidence float64
	// Similar counts the team's postmortems of the same failure class folded into this one.
	Similar int
}

// MinEvidence is the Evidence below which a match is too weak to volunteer in a channel:
// measured on eval/smalltalk.yaml against eval/messages-dev.yaml with the embedded catalog.
const MinEvidence = 6.0

// Confident reports whether the result has enough evidence to be offered unasked.
func (r Result) Confident() bool { return r.Evidence >= MinEvidence }

// Search returns the stories that best match text, a responder's message: the catalog's best
// limit, then the team's best postmortems, one per failure class, min(limit, MaxTeamResults)
// at most. Each list is ranked on its own.
func (x *Index) Search(ctx context.Context, text string, limit int) ([]Result, error) {
	return x.match(ctx, request{text: text}, limit)
}

// MatchAlert returns the stories that best match an alert group, in two lists as Search does:
// its alert names count exactly, its labels and annotations as text.
func (x *Index) MatchAlert(ctx context.Context, g *alert.Group, limit int) ([]Result, error) {
	return x.match(ctx, request{text: g.Text(), alertnames: g.AlertNames(), labels: g.Labels()}, limit)
}

type request struct {
	text       string
	alertnames []string
	labels     []string // "key=value" of an alert, so reasons can name the label that matched
}

// parsed is a request after analysis, before any shard's statistics weigh it.
type parsed struct {
	full       string            // the text with the parts of its compound words
	terms      []string          // analyzed, in message order with repeats
	words      map[string]string // analyzed term -> the message's word
	alertnames map[string]string // lowercased -> as written
	labelOf    map[string]string // analyzed term -> the alert label it came from, "key=value"
}

// compiledQuery is a request weighed by one shard: what reasons compare stories against.
type compiledQuery struct {
	terms      map[string]string // analyzed term -> the message's word
	via        map[string]string // term added by a synonym -> the message's phrase
	alertnames map[string]string // lowercased -> as written
	labelOf    map[string]string // analyzed term -> the alert label it came from, "key=value"
	weights    weights           // what reasons weigh words by
}

var wordRE = regexp.MustCompile(`[A-Za-z][A-Za-z0-9]+`)

func (x *Index) parse(r request) (*parsed, error) {
	p := &parsed{full: withCompoundParts(r.text), words: map[string]string{}, alertnames: map[string]string{}}
	toks := analyze(x.analyzer, p.full)
	p.terms = make([]string, 0, len(toks))
	for _, t := range toks {
		p.terms = append(p.terms, t.term)
		if _, ok := p.words[t.term]; !ok {
			p.words[t.term] = t.word
		}
	}
	for _, a := range r.alertnames {
		p.alertnames[strings.ToLower(a)] = a
	}
	// Terms of the alert names themselves (kube, pod, crash) are not attributed to labels.
	nameTerms := map[string]bool{}
	for _, a := range r.alertnames {
		for _, t := range analyze(x.analyzer, withCompoundParts(a)) {
			nameTerms[t.term] = true
		}
	}
	p.labelOf = map[string]string{}
	for _, kv := range r.labels {
		_, v, _ := strings.Cut(kv, "=")
		for _, t := range analyze(x.analyzer, withCompoundParts(v)) {
			if _, dup := p.labelOf[t.term]; !dup && !nameTerms[t.term] {
				p.labelOf[t.term] = kv
			}
		}
	}
	// A pasted alert name counts as much as one from a payload's labels.
	x.mu.RLock()
	for _, w := range wordRE.FindAllString(r.text, -1) {
		if lw := strings.ToLower(w); x.alertnames[lw] {
			p.alertnames[lw] = w
		}
	}
	x.mu.RUnlock()
	if len(p.terms) == 0 && len(p.alertnames) == 0 {
		return nil, ErrEmptyQuery
	}
	return p, nil
}

// compile weighs a parsed request with one shard's statistics and builds its bleve query.
func (x *Index) compile(p *parsed, st *stats, w weights) (*compiledQuery, query.Query) {
	cq := &compiledQuery{terms: p.words, alertnames: p.alertnames, labelOf: p.labelOf, weights: w}
	exp := expand(x.synonyms, p.terms, func(t string) bool {
		return float64(st.df(t)) <= maxExpansionDF*float64(st.n)
	})
	cq.via = exp.via

	var qs []query.Query
	if len(p.terms) > 0 {
		kept := queryTerms(st, p.terms)
		field := func(name string, boost float64) query.Query {
			if kept != nil {
				return termsQuery(kept, name, boost)
			}
			q := bleve.NewMatchQuery(p.full)
			q.SetField(name)
			q.SetBoost(boost)
			return q
		}
		qs = append(qs, field("", 1), field("signals", signalsBoost))
		if x.hasLearned() {
			// What responders marked helpful counts again, below the story's own symptoms.
			qs = append(qs, field(learnedField, learnedBoost))
		}
	}
	if exp.text != "" {
		e := bleve.NewMatchQuery(exp.text)
		e.SetBoost(expansionBoost)
		qs = append(qs, e)
	}
	qs = append(qs, alertnameQueries(cq.alertnames)...)
	return cq, bleve.NewDisjunctionQuery(qs...)
}

func (x *Index) match(ctx context.Context, r request, limit int) ([]Result, error) {
	if limit < 1 {
		limit = 1
	}
	if limit > MaxLimit {
		limit = MaxLimit
	}
	p, err := x.parse(r)
	if err != nil {
		return nil, err
	}
	team, done, err := x.teamShard()
	if err != nil {
		return nil, err
	}
	defer done()
	catSt, err := x.catalog.stats(ctx)
	if err != nil {
		return nil, err
	}
	defer catSt.close()
	// The catalog's results read exactly as without a team history: its evidence floor was
	// measured there. The team's weigh words over both, so that five postmortems still get
	// meaningful weights.
	out, err := x.searchShard(ctx, x.catalog, p, catSt, weights{catSt}, limit)
	if err != nil {
		return nil, err
	}
	if n, err := team.count(); err != nil || n == 0 {
		if err != nil {
			return nil, fmt.Errorf("the team's postmortems: %w", err)
		}
		return out, nil
	}
	teamSt, err := team.stats(ctx)
	if err != nil {
		return nil, err
	}
	defer teamSt.close()
	more, err := x.searchTeam(ctx, team, p, teamSt, weights{catSt, teamSt}, min(limit, MaxTeamResults))
	if err != nil {
		return nil, err
	}
	return append(out, more...), nil
}

// searchShard returns the shard's best limit stories with their reasons.
func (x *Index) searchShard(ctx context.Context, sh *shard, p *parsed, st *stats, w weights, limit int) ([]Result, error) {
	cq, q := x.compile(p, st, w)
	want := limit
	rerank := x.hasRejects()
	if rerank {
		want = min(limit+rerankSlack, MaxLimit)
	}
	res, err := sh.bleve.SearchInContext(ctx, bleve.NewSearchRequestOptions(q, want, 0, false))
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	out := make([]Result, 0, len(res.Hits))
	for _, h := range res.Hits {
		s, err := sh.story(h.ID)
		if errors.Is(err, ErrNotFound) {
			continue // removed while the search ran
		}
		if err != nil {
			return nil, err
		}
		out = append(out, x.result(sh, s, h.Score, cq))
	}
	if st.err != nil {
		return nil, st.err
	}
	if rerank {
		out = x.rerank(out, cq, limit)
	}
	return out, nil
}

func (x *Index) result(sh *shard, s *Story, score float64, cq *compiledQuery) Result {
	why, coverage, evidence := x.explain(s, sh.analyzedLines(x, s), cq)
	return Result{Story: s, Score: round3(score), Why: why, Coverage: coverage, Evidence: evidence}
}

func round3(f float64) float64 { return math.Round(f*1000) / 1000 }

// queryTerms returns the message's terms without those too common to search on, in message
// order with repeats (as a match query weighs them), or nil when none is dropped. When every
// term is common, the rarest is kept.
func queryTerms(st *stats, terms []string) []string {
	if st.n < pruneFromDocs {
		return nil
	}
	limit := int(maxQueryDF * float64(st.n))
	kept := make([]string, 0, len(terms))
	rarest := ""
	for _, t := range terms {
		if st.df(t) <= limit {
			kept = append(kept, t)
		}
		if rarest == "" || st.df(t) < st.df(rarest) {
			rarest = t
		}
	}
	switch {
	case len(kept) == len(terms):
		return nil
	case len(kept) == 0:
		return []string{rarest}
	}
	return kept
}

// alertnameQueries match the alert names a request holds exactly.
func alertnameQueries(names map[string]string) []query.Query {
	qs := make([]query.Query, 0, len(names))
	for lw := range names {
		t := bleve.NewTermQuery(lw)
		t.SetField("alertnames")
		t.SetBoost(alertnameBoost)
		qs = append(qs, t)
	}
	return qs
}

// termsQuery is a match query over already analyzed terms: one term query each, any may match.
func termsQuery(terms []string, field string, boost float64) query.Query {
	qs := make([]query.Query, len(terms))
	for i, t := range terms {
		q := bleve.NewTermQuery(t)
		q.SetField(field)
		q.SetBoost(boost) // a disjunction's own boost is not applied by bleve
		qs[i] = q
	}
	return bleve.NewDisjunctionQuery(qs...)
}
