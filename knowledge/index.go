package knowledge

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/index/scorch"
)

// ErrClosed is returned by an index used after Close.
var ErrClosed = errors.New("index closed")

// Index matches messages and alerts against the catalog and the team's postmortems, and says
// why. It is safe for concurrent use. Close releases it.
type Index struct {
	cat      *Catalog
	catalog  *shard // the catalog's stories, in memory
	analyzer analysis.Analyzer
	keyword  analysis.Analyzer // exact alert names and classes
	synonyms []compiledGroup
	dir      string // where the team's postmortems persist; "" in memory

	// life is held for reading while the team's shard is in use, and for writing to replace or
	// close it; write lets one writer at a time change it, so that a re-index made from a story
	// read earlier never undoes a newer version.
	life   sync.RWMutex
	write  sync.Mutex
	team   *shard // the team's postmortems: in memory, or persisted by OpenIndex
	closed bool

	mu         sync.RWMutex
	alertnames map[string]bool              // lowercased alert names some story lists
	learned    map[string][]string          // story ID -> messages it was marked helpful for
	rejected   map[string][]map[string]bool // story ID -> analyzed messages it was marked not relevant for
}

// NewIndex builds an in-memory index over every story of cat; stories added later stay in
// memory too. OpenIndex keeps them on disk.
func NewIndex(cat *Catalog) (*Index, error) {
	x, err := newIndex(cat)
	if err != nil {
		return nil, err
	}
	team, err := newMemBleve()
	if err != nil {
		x.Close()
		return nil, err
	}
	x.team = newShard(team, nil)
	return x, nil
}

// newIndex builds the catalog's shard; the caller sets the team's.
func newIndex(cat *Catalog) (*Index, error) {
	bi, err := newMemBleve()
	if err != nil {
		return nil, err
	}
	m, err := newMapping()
	if err != nil {
		bi.Close()
		return nil, fmt.Errorf("index mapping: %w", err)
	}
	an, err := newCachingAnalyzer(m.AnalyzerNamed(analyzerName))
	if err != nil {
		bi.Close()
		return nil, err
	}
	x := &Index{
		cat:        cat,
		catalog:    newShard(bi, cat.byID),
		analyzer:   an,
		keyword:    m.AnalyzerNamed(keyword.Name),
		alertnames: map[string]bool{},
		learned:    map[string][]string{},
		rejected:   map[string][]map[string]bool{},
	}
	x.synonyms = compileSynonyms(x.analyzer, cat.Synonyms())
	// One batch: scorch in memory never merges segments, so one segment per story would slow
	// every query.
	b := bi.NewBatch()
	for _, s := range cat.Stories() {
		if err := b.IndexAdvanced(x.document(s)); err != nil {
			bi.Close()
			return nil, fmt.Errorf("index story %s: %w", s.ID, err)
		}
		x.noteAlerts(s)
	}
	if err := bi.Batch(b); err != nil {
		bi.Close()
		return nil, fmt.Errorf("index catalog: %w", err)
	}
	return x, nil
}

// newMemBleve creates an in-memory index. It uses scorch, not bleve.NewMemOnly: the older
// engine silently ignores BM25.
func newMemBleve() (bleve.Index, error) {
	m, err := newMapping()
	if err != nil {
		return nil, fmt.Errorf("index mapping: %w", err)
	}
	bi, err := bleve.NewUsing("", m, scorch.Name, scorch.Name, nil)
	if err != nil {
		return nil, fmt.Errorf("create index: %w", err)
	}
	return bi, nil
}

// Close releases the index once searches and changes under way are done; closing again does
// nothing.
func (x *Index) Close() error {
	x.life.Lock()
	defer x.life.Unlock()
	if x.closed {
		return nil
	}
	x.closed = true
	err := x.catalog.bleve.Close()
	if x.team == nil {
		return err // failed while opening
	}
	if terr := x.team.bleve.Close(); terr != nil && err == nil {
		err = fmt.Errorf("close %s: %w", x.dir, terr)
	}
	return err
}

// changeTeam returns the team's shard for one writer to change until done is called.
func (x *Index) changeTeam() (team *shard, done func(), err error) {
	x.write.Lock()
	team, release, err := x.teamShard()
	if err != nil {
		x.write.Unlock()
		return nil, nil, err
	}
	return team, func() { release(); x.write.Unlock() }, nil
}

// teamShard returns the team's shard for use until done is called.
func (x *Index) teamShard() (team *shard, done func(), err error) {
	x.life.RLock()
	if x.closed {
		x.life.RUnlock()
		return nil, nil, ErrClosed
	}
	return x.team, x.life.RUnlock, nil
}

// Catalog returns the catalog the index was built from.
func (x *Index) Catalog() *Catalog { return x.cat }

// noteAlerts remembers s's alert names, so that one pasted into a message counts exactly.
func (x *Index) noteAlerts(s *Story) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, a := range s.Alerts {
		x.alertnames[strings.ToLower(a)] = true
	}
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
