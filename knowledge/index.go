package knowledge

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/index/scorch"
)

// Index is the bleve index over a catalog, with the matcher on top. It is safe for concurrent
// use. Close releases it.
type Index struct {
	cat      *Catalog
	bleve    bleve.Index
	analyzer analysis.Analyzer
	synonyms []compiledGroup

	mu         sync.RWMutex
	df         map[string]int  // analyzed term -> number of stories that contain it
	alertnames map[string]bool // lowercased alert names some story lists
	lines      map[string][]analyzedLine
	added      map[string]*Story            // stories indexed beside the catalog, by ID
	learned    map[string][]string          // story ID -> messages it was marked helpful for
	rejected   map[string][]map[string]bool // story ID -> analyzed messages it was marked not relevant for
	termIDs    map[string]uint32            // the term table of analyzed lines
	termNames  []string                     // term ID -> term; only grows
	ndocs      int
}

// indexDoc is what bleve sees of a story. Symptoms, errors, alert and metric names go in
// "signals", kept apart from the prose so that queries can weigh what responders see above
// how the story was later explained.
type indexDoc struct {
	Title      string   `json:"title"`
	Signals    string   `json:"signals"`
	Prose      string   `json:"prose"`
	Components string   `json:"components"`
	Learned    string   `json:"learned,omitempty"`
	Alertnames []string `json:"alertnames"`
	Classes    []string `json:"classes"`
	Kind       string   `json:"kind"`
}

// NewIndex builds an in-memory index over every story of cat. It uses scorch, not
// bleve.NewMemOnly: the older engine silently ignores BM25.
func NewIndex(cat *Catalog) (*Index, error) {
	m, err := newMapping()
	if err != nil {
		return nil, fmt.Errorf("index mapping: %w", err)
	}
	bi, err := bleve.NewUsing("", m, scorch.Name, scorch.Name, nil)
	if err != nil {
		return nil, fmt.Errorf("create index: %w", err)
	}
	x := &Index{
		cat:        cat,
		bleve:      bi,
		analyzer:   m.AnalyzerNamed(analyzerName),
		df:         map[string]int{},
		alertnames: map[string]bool{},
		lines:      map[string][]analyzedLine{},
		added:      map[string]*Story{},
		termIDs:    map[string]uint32{},
		learned:    map[string][]string{},
		rejected:   map[string][]map[string]bool{},
	}
	x.synonyms = compileSynonyms(x.analyzer, cat.Synonyms())
	// One batch: scorch in memory never merges segments, so one segment per story would slow
	// every query.
	b := bi.NewBatch()
	for _, s := range cat.Stories() {
		if err := b.Index(s.ID, x.doc(s)); err != nil {
			bi.Close()
			return nil, fmt.Errorf("index story %s: %w", s.ID, err)
		}
		x.addStats(s)
	}
	if err := bi.Batch(b); err != nil {
		bi.Close()
		return nil, fmt.Errorf("index catalog: %w", err)
	}
	return x, nil
}

// Close releases the index.
func (x *Index) Close() error { return x.bleve.Close() }

// Catalog returns the catalog the index was built from.
func (x *Index) Catalog() *Catalog { return x.cat }

func storyDoc(s *Story) indexDoc {
	signals := make([]string, 0, len(s.Symptoms)+len(s.Errors)+len(s.Alerts)+len(s.Metrics))
	signals = append(signals, s.Symptoms...)
	signals = append(signals, s.Errors...)
	signals = append(signals, s.Alerts...)
	signals = append(signals, s.Metrics...)
	prose := strings.Join(append([]string{s.Summary, s.Cause, s.Impact, s.Fix}, s.Lessons...), "\n")
	names := make([]string, len(s.Alerts))
	for i, a := range s.Alerts {
		names[i] = strings.ToLower(a)
	}
	return indexDoc{
		Title:      withCompoundParts(s.Title),
		Signals:    withCompoundParts(strings.Join(signals, "\n")),
		Prose:      withCompoundParts(prose),
		Components: withCompoundParts(strings.Join(s.Components, "\n")),
		Alertnames: names,
		Classes:    s.Classes,
		Kind:       "story",
	}
}

// addStats analyzes every line of s once: the terms feed the IDF weights of reasons and the
// synonym filter, and the analyzed lines are kept so that reasons cost no analysis per query.
func (x *Index) addStats(s *Story) {
	seen := map[string]bool{}
	type pending struct {
		field, text string
		terms       []string
	}
	var lines []pending
	x.mu.RLock()
	learned := x.learned[s.ID]
	x.mu.RUnlock()
	for _, f := range append(storyFields(s), field{learnedField, learned}) {
		for _, text := range f.lines {
			var terms []string
			for _, t := range analyze(x.analyzer, withCompoundParts(text)) {
				terms = append(terms, t.term)
				seen[t.term] = true
			}
			if len(terms) > 0 {
				lines = append(lines, pending{f.name, text, terms})
			}
		}
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for t := range seen {
		x.df[t]++
	}
	for _, a := range s.Alerts {
		x.alertnames[strings.ToLower(a)] = true
	}
	out := make([]analyzedLine, len(lines))
	for i, l := range lines {
		out[i] = analyzedLine{field: l.field, text: l.text, terms: x.internLocked(l.terms)}
	}
	x.lines[s.ID] = out
	x.ndocs++
}

// analyzedLine is one line of a story with its analyzed terms, as sorted unique IDs into the
// index's term table: a map per line cost over 1 GB at 100,000 stories.
type analyzedLine struct {
	field, text string
	terms       []uint32
}

// internLocked turns terms into sorted unique IDs, adding new terms to the table. The caller
// holds x.mu for writing.
func (x *Index) internLocked(terms []string) []uint32 {
	ids := make([]uint32, 0, len(terms))
	for _, t := range terms {
		id, ok := x.termIDs[t]
		if !ok {
			id = uint32(len(x.termNames))
			x.termIDs[t] = id
			x.termNames = append(x.termNames, t)
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// field is one part of a story as reasons quote it.
type field struct {
	name  string
	lines []string
}

func storyFields(s *Story) []field {
	return []field{
		{"alerts", s.Alerts},
		{"symptoms", s.Symptoms},
		{"errors", s.Errors},
		{"metrics", s.Metrics},
		{"title", []string{s.Title}},
		{"components", s.Components},
		{"summary", []string{s.Summary}},
		{"cause", []string{s.Cause}},
		{"impact", []string{s.Impact}},
		{"fix", []string{s.Fix}},
		{"lessons", s.Lessons},
	}
}
