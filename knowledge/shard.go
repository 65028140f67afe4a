package knowledge

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	"github.com/blevesearch/bleve/v2"
	index "github.com/blevesearch/bleve_index_api"
)

// shard is one bleve index and what matching needs beside it. The catalog and the team's
// postmortems are kept in two: each is ranked on its own statistics, so a history of a hundred
// thousand postmortems neither hides a catalog story nor changes how the catalog ranks.
type shard struct {
	bleve bleve.Index
	// stories holds the catalog's stories. The team's live in the index itself (storyField),
	// so that a persisted index answers without reading the store.
	stories map[string]*Story

	mu    sync.Mutex
	lines map[string][]analyzedLine // analyzed lines of stories recently shown
	gen   uint64                    // bumped by forget, so lines analyzed before a change are not kept
}

// storyField holds a team story as JSON, stored and not indexed.
const storyField = "story"

// maxCachedLines bounds the analyzed lines kept for team stories: the ones shown recently.
const maxCachedLines = 4096

func newShard(bi bleve.Index, stories map[string]*Story) *shard {
	return &shard{bleve: bi, stories: stories, lines: map[string][]analyzedLine{}}
}

// story returns a story of the shard, or ErrNotFound.
func (s *shard) story(id string) (*Story, error) {
	if s.stories != nil {
		if st, ok := s.stories[id]; ok {
			return st, nil
		}
		return nil, fmt.Errorf("story %q: %w", id, ErrNotFound)
	}
	d, err := s.bleve.Document(id)
	if err != nil {
		return nil, fmt.Errorf("story %s: %w", id, err)
	}
	if d == nil {
		return nil, fmt.Errorf("story %q: %w", id, ErrNotFound)
	}
	var raw []byte
	d.VisitFields(func(f index.Field) {
		if f.Name() == storyField {
			raw = f.Value()
		}
	})
	if raw == nil {
		return nil, fmt.Errorf("story %s: the index holds no text for it", id)
	}
	st := &Story{}
	if err := json.Unmarshal(raw, st); err != nil {
		return nil, fmt.Errorf("story %s: %w", id, err)
	}
	st.Origin = OriginTeam
	return st, nil
}

// has reports whether the shard holds a story of this ID.
func (s *shard) has(id string) bool {
	_, err := s.story(id)
	return err == nil
}

// count is how many stories the shard holds.
func (s *shard) count() (int, error) {
	n, err := s.bleve.DocCount()
	if err != nil {
		return 0, fmt.Errorf("count stories: %w", err)
	}
	return int(n), nil
}

// analyzedLines returns st's lines with their analyzed terms, from the cache when it can.
func (s *shard) analyzedLines(x *Index, st *Story) []analyzedLine {
	s.mu.Lock()
	l, ok := s.lines[st.ID]
	gen := s.gen
	s.mu.Unlock()
	if ok {
		return l
	}
	l = x.analyzeStory(st)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gen != gen {
		return l // the story changed meanwhile: good for this search, not for the next
	}
	if len(s.lines) >= maxCachedLines && s.stories == nil {
		clear(s.lines) // cheap to recompute: a story's lines analyze in tens of microseconds
	}
	s.lines[st.ID] = l
	return l
}

// forget drops the cached lines of a story that changed.
func (s *shard) forget(id string) {
	s.mu.Lock()
	delete(s.lines, id)
	s.gen++
	s.mu.Unlock()
}

// stats gives one query the shard's document frequencies from a single snapshot of the index,
// so a query's weights agree with each other while stories are added.
type stats struct {
	ctx   context.Context
	r     index.IndexReader
	n     int
	cache map[string]int
	err   error // the first lookup that failed: the query's weights cannot be trusted
}

func (s *shard) stats(ctx context.Context) (*stats, error) {
	adv, err := s.bleve.Advanced()
	if err != nil {
		return nil, fmt.Errorf("index reader: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, fmt.Errorf("index reader: %w", err)
	}
	n, err := r.DocCount()
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("count stories: %w", err)
	}
	return &stats{ctx: ctx, r: r, n: int(n), cache: map[string]int{}}, nil
}

// df is how many stories of the shard hold the analyzed term in any field: the cross-field
// "_all" dictionary holds exactly the terms of a story's lines.
func (st *stats) df(term string) int {
	if n, ok := st.cache[term]; ok {
		return n
	}
	tfr, err := st.r.TermFieldReader(st.ctx, []byte(term), "_all", false, false, false)
	if err != nil {
		if st.err == nil {
			st.err = fmt.Errorf("look up %q: %w", term, err)
		}
		return 0
	}
	n := int(tfr.Count())
	tfr.Close()
	st.cache[term] = n
	return n
}

func (st *stats) close() { st.r.Close() }

// weights adds up the statistics of several shards: a word's weight over everything known.
type weights []*stats

func (w weights) n() int {
	n := 0
	for _, st := range w {
		n += st.n
	}
	return n
}

func (w weights) df(term string) int {
	n := 0
	for _, st := range w {
		n += st.df(term)
	}
	return n
}

// analyzedLine is one line of a story with its analyzed terms, sorted and unique.
type analyzedLine struct {
	field, text string
	terms       []string
}

func (l analyzedLine) has(term string) bool {
	_, ok := slices.BinarySearch(l.terms, term)
	return ok
}

// analyzeStory analyzes every line of st, with what responders taught it.
func (x *Index) analyzeStory(st *Story) []analyzedLine {
	x.mu.RLock()
	learned := x.learned[st.ID]
	x.mu.RUnlock()
	var out []analyzedLine
	for _, f := range append(storyFields(st), field{learnedField, learned}) {
		for _, text := range f.lines {
			toks := analyze(x.analyzer, withCompoundParts(text))
			if len(toks) == 0 {
				continue
			}
			terms := make([]string, len(toks))
			for i, t := range toks {
				terms[i] = t.term
			}
			slices.Sort(terms)
			out = append(out, analyzedLine{field: f.name, text: text, terms: slices.Compact(terms)})
		}
	}
	return out
}
