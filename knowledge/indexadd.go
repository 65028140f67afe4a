package knowledge

import (
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2/document"
)

// Add indexes stories beside the catalog, replacing any of the same ID added before: the team's
// finished postmortems, matched from the moment they are added. An ID of the catalog is refused,
// so a postmortem can never hide a catalog story.
func (x *Index) Add(stories ...*Story) error {
	return x.add(nil, stories)
}

// add indexes stories into the team's shard in one batch, with the persisted mark when there is
// one, so that the mark never claims a story the index lost.
func (x *Index) add(mark *Mark, stories []*Story) error {
	team, done, err := x.changeTeam()
	if err != nil {
		return err
	}
	defer done()
	for _, s := range stories {
		if strings.TrimSpace(s.ID) == "" {
			return fmt.Errorf("add story %q: no id", s.Title)
		}
		if _, ok := x.cat.byID[s.ID]; ok {
			return fmt.Errorf("add story %s: the catalog has a story with this id", s.ID)
		}
	}
	b := team.bleve.NewBatch()
	for _, doc := range x.documents(stories) {
		if err := b.IndexAdvanced(doc); err != nil {
			return fmt.Errorf("index story %s: %w", doc.ID(), err)
		}
	}
	if mark != nil {
		raw, err := mark.encode()
		if err != nil {
			return err
		}
		b.SetInternal([]byte(markKey), raw)
	}
	if err := team.bleve.Batch(b); err != nil {
		return fmt.Errorf("index %d stories: %w", len(stories), err)
	}
	for _, s := range stories {
		team.forget(s.ID)
		x.noteAlerts(s)
	}
	return nil
}

// Remove takes an added story out of the index; removing an unknown ID does nothing.
func (x *Index) Remove(id string) error {
	team, done, err := x.changeTeam()
	if err != nil {
		return err
	}
	defer done()
	if _, ok := x.cat.byID[id]; ok || !team.has(id) {
		return nil
	}
	if err := team.bleve.Delete(id); err != nil {
		return fmt.Errorf("remove story %s: %w", id, err)
	}
	team.forget(id)
	return nil
}

// Story returns a story of the catalog or one added to the index.
func (x *Index) Story(id string) (*Story, error) {
	team, done, err := x.teamShard()
	if err != nil {
		return nil, err
	}
	defer done()
	return x.story(team, id)
}

// story returns a story of the catalog or of the team's shard, which the caller holds.
func (x *Index) story(team *shard, id string) (*Story, error) {
	if s, ok := x.cat.byID[id]; ok {
		return s, nil
	}
	return team.story(id)
}

// Added returns how many stories were added beside the catalog, 0 when it cannot tell.
func (x *Index) Added() int {
	team, done, err := x.teamShard()
	if err != nil {
		return 0
	}
	defer done()
	n, _ := team.count()
	return n
}

// documents builds the team documents of stories on every core: splitting compound words and
// encoding each story cost as much as bleve's own analysis of a batch.
func (x *Index) documents(stories []*Story) []*document.Document {
	docs := make([]*document.Document, len(stories))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(stories)/64))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(stories); i += workers {
				s := stories[i]
				if !s.Team() {
					c := *s
					c.Origin = OriginTeam
					s = &c
				}
				docs[i] = x.document(s)
			}
		})
	}
	wg.Wait()
	return docs
}
