package knowledge

import (
	"fmt"
	"strings"
)

// Add indexes stories beside the catalog, replacing any of the same ID added before: the team's
// finished postmortems, matched from the moment they are added. An ID of the catalog is refused,
// so a postmortem can never hide a catalog story.
func (x *Index) Add(stories ...*Story) error {
	b := x.bleve.NewBatch()
	for _, s := range stories {
		if strings.TrimSpace(s.ID) == "" {
			return fmt.Errorf("add story %q: no id", s.Title)
		}
		if _, ok := x.cat.byID[s.ID]; ok {
			return fmt.Errorf("add story %s: the catalog has a story with this id", s.ID)
		}
		if err := b.Index(s.ID, x.doc(s)); err != nil {
			return fmt.Errorf("index story %s: %w", s.ID, err)
		}
	}
	if err := x.bleve.Batch(b); err != nil {
		return fmt.Errorf("index %d stories: %w", len(stories), err)
	}
	for _, s := range stories {
		x.forget(s.ID)
		x.addStats(s)
		x.mu.Lock()
		x.added[s.ID] = s
		x.mu.Unlock()
	}
	return nil
}

// Remove takes an added story out of the index; removing an unknown ID does nothing.
func (x *Index) Remove(id string) error {
	x.mu.RLock()
	_, ok := x.added[id]
	x.mu.RUnlock()
	if !ok {
		return nil
	}
	if err := x.bleve.Delete(id); err != nil {
		return fmt.Errorf("remove story %s: %w", id, err)
	}
	x.forget(id)
	return nil
}

// forget drops what addStats kept of an added story.
func (x *Index) forget(id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if _, ok := x.added[id]; !ok {
		return
	}
	x.dropStatsLocked(id)
	delete(x.added, id)
}

// dropStatsLocked undoes addStats for one story. The caller holds x.mu.
func (x *Index) dropStatsLocked(id string) {
	lines, ok := x.lines[id]
	if !ok {
		return
	}
	seen := map[string]bool{}
	for _, l := range lines {
		for _, id := range l.terms {
			seen[x.termNames[id]] = true
		}
	}
	for t := range seen {
		if x.df[t]--; x.df[t] <= 0 {
			delete(x.df, t)
		}
	}
	delete(x.lines, id)
	x.ndocs--
}

// Story returns a story of the catalog or one added to the index.
func (x *Index) Story(id string) (*Story, error) {
	if s, ok := x.cat.byID[id]; ok {
		return s, nil
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	if s, ok := x.added[id]; ok {
		return s, nil
	}
	return nil, fmt.Errorf("story %q: %w", id, ErrNotFound)
}

// Added returns how many stories were added beside the catalog.
func (x *Index) Added() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.added)
}
