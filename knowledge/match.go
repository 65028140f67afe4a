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
}

// MinEvidence is the Evidence below which a match is too weak to volunteer in a channel:
// measured on eval/smalltalk.yaml against eval/messages-dev.yaml with the embedded catalog.
const MinEvidence = 6.0

// Confident reports whether the result has enough evidence to be offered unasked.
func (r Result) Confident() bool { return r.Evidence >= MinEvidence }

// Search returns up to limit stories that best match text, a responder's message.
func (x *Index) Search(ctx context.Context, text string, limit int) ([]Result, error) {
	return x.match(ctx, request{text: text}, limit)
}

// MatchAlert returns up to limit stories that best match an alert group: its alert names count
// exactly, its labels and annotations as text.
func (x *Index) MatchAlert(ctx context.Context, g *alert.Group, limit int) ([]Result, error) {
	return x.match(ctx, request{text: g.Text(), alertnames: g.AlertNames(), labels: g.Labels()}, limit)
}

type request struct {
	text       string
	alertnames []string
	labels     []string // "key=value" of an alert, so reasons can name the label that matched
}

// compiledQuery is a request after analysis: what reasons compare stories against.
type compiledQuery struct {
	terms      map[string]string // analyzed term -> the message's word
	via        map[string]string // term added by a synonym -> the message's phrase
	alertnames map[string]string // lowercased -> as written
	labelOf    map[string]string // analyzed term -> the alert label it came from, "key=value"
}

var wordRE = regexp.MustCompile(`[A-Za-z][A-Za-z0-9]+`)

func (x *Index) compile(r request) (*compiledQuery, query.Query, error) {
	full := withCompoundParts(r.text)
	toks := analyze(x.analyzer, full)
	cq := &compiledQuery{terms: map[string]string{}, alertnames: map[string]string{}}
	terms := make([]string, 0, len(toks))
	for _, t := range toks {
		terms = append(terms, t.term)
		if _, ok := cq.terms[t.term]; !ok {
			cq.terms[t.term] = t.word
		}
	}
	for _, a := range r.alertnames {
		cq.alertnames[strings.ToLower(a)] = a
	}
	// Terms of the alert names themselves (kube, pod, crash) are not attributed to labels.
	nameTerms := map[string]bool{}
	for _, a := range r.alertnames {
		for _, t := range analyze(x.analyzer, withCompoundParts(a)) {
			nameTerms[t.term] = true
		}
	}
	cq.labelOf = map[string]string{}
	for _, kv := range r.labels {
		_, v, _ := strings.Cut(kv, "=")
		for _, t := range analyze(x.analyzer, withCompoundParts(v)) {
			if _, dup := cq.labelOf[t.term]; !dup && !nameTerms[t.term] {
				cq.labelOf[t.term] = kv
			}
		}
	}
	// A pasted alert name counts as much as one from a payload's labels.
	x.mu.RLock()
	for _, w := range wordRE.FindAllString(r.text, -1) {
		if lw := strings.ToLower(w); x.alertnames[lw] {
			cq.alertnames[lw] = w
		}
	}
	x.mu.RUnlock()
	if len(terms) == 0 && len(cq.alertnames) == 0 {
		return nil, nil, ErrEmptyQuery
	}
	exp := expand(x.synonyms, terms, x.distinctive)
	cq.via = exp.via

	var qs []query.Query
	if len(terms) > 0 {
		field := func(name string, boost float64) query.Query {
			if kept := x.queryTerms(terms); kept != nil {
				return termsQuery(kept, name, boost)
			}
			q := bleve.NewMatchQuery(full)
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
	for lw := range cq.alertnames {
		t := bleve.NewTermQuery(lw)
		t.SetField("alertnames")
		t.SetBoost(alertnameBoost)
		qs = append(qs, t)
	}
	return cq, bleve.NewDisjunctionQuery(qs...), nil
}

func (x *Index) match(ctx context.Context, r request, limit int) ([]Result, error) {
	if limit < 1 {
		limit = 1
	}
	if limit > MaxLimit {
		limit = MaxLimit
	}
	cq, q, err := x.compile(r)
	if err != nil {
		return nil, err
	}
	want := limit
	rerank := x.hasRejects()
	if rerank {
		want = min(limit+rerankSlack, MaxLimit)
	}
	req := bleve.NewSearchRequestOptions(q, want, 0, false)
	res, err := x.bleve.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	out := make([]Result, 0, len(res.Hits))
	for _, h := range res.Hits {
		s, err := x.Story(h.ID)
		if err != nil {
			continue // removed while the search ran
		}
		why, coverage, evidence := x.explain(s, cq)
		out = append(out, Result{Story: s, Score: round3(h.Score), Why: why, Coverage: coverage, Evidence: evidence})
	}
	if rerank {
		out = x.rerank(out, cq, limit)
	}
	return out, nil
}

func round3(f float64) float64 { return math.Round(f*1000) / 1000 }

// distinctive reports whether a term is rare enough in the index to be worth adding to a query
// by synonym.
func (x *Index) distinctive(term string) bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return float64(x.df[term]) <= maxExpansionDF*float64(x.ndocs)
}

// queryTerms returns the message's terms without those too common to search on, in message
// order with repeats (as a match query weighs them), or nil when none is dropped. When every
// term is common, the rarest is kept.
func (x *Index) queryTerms(terms []string) []string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.ndocs < pruneFromDocs {
		return nil
	}
	limit := int(maxQueryDF * float64(x.ndocs))
	kept := make([]string, 0, len(terms))
	rarest := ""
	for _, t := range terms {
		if x.df[t] <= limit {
			kept = append(kept, t)
		}
		if rarest == "" || x.df[t] < x.df[rarest] {
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
