package knowledge

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2/analysis"
)

// maxCachedWords bounds the words whose analysis is remembered: enough for the vocabulary of a
// large history, not for every hash and pod name in it.
const maxCachedWords = 1 << 18

// cachingAnalyzer is the index's analyzer with each word's filtering remembered. Every filter of
// the chain (possessive, lower case, stop words, stemming) looks at one word alone, so a word
// always ends as the same term: stemming the same words again was a tenth of a build.
type cachingAnalyzer struct {
	tokenizer analysis.Tokenizer
	filters   []analysis.TokenFilter
	cache     sync.Map // word -> term, empty when the word is dropped; terms are shared, never changed
	cached    atomic.Int64
}

func newCachingAnalyzer(a analysis.Analyzer) (*cachingAnalyzer, error) {
	d, ok := a.(*analysis.DefaultAnalyzer)
	if !ok || len(d.CharFilters) > 0 {
		return nil, fmt.Errorf("analyzer %T: want a tokenizer and token filters only", a)
	}
	return &cachingAnalyzer{tokenizer: d.Tokenizer, filters: d.TokenFilters}, nil
}

func (a *cachingAnalyzer) Analyze(input []byte) analysis.TokenStream {
	tokens := a.tokenizer.Tokenize(input)
	out := tokens[:0]
	for _, t := range tokens {
		var term []byte
		if v, ok := a.cache.Load(string(t.Term)); ok {
			term = v.([]byte)
		} else {
			term = a.filter(t)
		}
		if len(term) > 0 {
			t.Term = term
			out = append(out, t)
		}
	}
	return out
}

// filter runs the chain over one word and remembers what it became.
func (a *cachingAnalyzer) filter(t *analysis.Token) []byte {
	word := string(t.Term)
	ts := analysis.TokenStream{&analysis.Token{Term: append([]byte(nil), t.Term...), Start: t.Start, End: t.End, Position: t.Position, Type: t.Type}}
	for _, f := range a.filters {
		ts = f.Filter(ts)
	}
	term := []byte{}
	if len(ts) == 1 {
		term = ts[0].Term
	}
	if a.cached.Load() < maxCachedWords {
		if _, loaded := a.cache.LoadOrStore(word, term); !loaded {
			a.cached.Add(1)
		}
	}
	return term
}
