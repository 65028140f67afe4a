package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"go.uber.org/zap"

	"github.com/tacoma-bot/tacoma/knowledge"
	"github.com/tacoma-bot/tacoma/knowledge/postmortem"
	"github.com/tacoma-bot/tacoma/knowledge/store"
)

// historyBatch is how many postmortems are indexed at once on start-up: one bleve batch each.
const historyBatch = 1000

// openStore opens the configured store, applying its migrations.
func openStore(ctx context.Context, c config) (*store.Store, error) {
	st, err := store.Open(ctx, c.storeDSN())
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return st, nil
}

// loadHistory indexes the team's finished postmortems beside the catalog and replays the
// responders' verdicts into ranking. It returns how many of each it took.
func loadHistory(ctx context.Context, st *store.Store, idx *knowledge.Index) (postmortems, verdicts int, err error) {
	batch := make([]*knowledge.Story, 0, historyBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := idx.Add(batch...)
		postmortems += len(batch)
		batch = batch[:0]
		return err
	}
	err = st.EachPostmortem(ctx, postmortem.Final, func(p *postmortem.Postmortem) error {
		batch = append(batch, p.Story())
		if len(batch) == historyBatch {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return postmortems, 0, fmt.Errorf("index the team's postmortems: %w", err)
	}
	fbs, err := st.Feedback(ctx, "")
	if err != nil {
		return postmortems, 0, err
	}
	if err := idx.Learn(fbs...); err != nil {
		return postmortems, 0, fmt.Errorf("learn from feedback: %w", err)
	}
	return postmortems, len(fbs), nil
}

// importFeedbackLog moves the verdicts an earlier version kept in data_dir/feedback.jsonl into
// the store, once: the file is renamed when they are all in.
func importFeedbackLog(ctx context.Context, st *store.Store, dataDir string, log *zap.Logger) error {
	path := filepath.Join(dataDir, "feedback.jsonl")
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	fl, err := knowledge.OpenFeedbackLog(path)
	if err != nil {
		return err
	}
	fbs, err := fl.All()
	fl.Close()
	if err != nil {
		return err
	}
	for _, fb := range fbs {
		if err := st.RecordFeedback(ctx, fb); err != nil {
			return fmt.Errorf("move %s into the store: %w", path, err)
		}
	}
	if err := os.Rename(path, path+".imported"); err != nil {
		return fmt.Errorf("move %s into the store: %w", path, err)
	}
	log.Info("feedback log moved into the store", zap.Int("verdicts", len(fbs)), zap.String("was", path))
	return nil
}

// historyPoll is how often a replica looks for postmortems finished or imported elsewhere.
const historyPoll = 2 * time.Second

// clockSlack covers clock skew between replicas, whose saves are stamped by their own clocks.
const clockSlack = 30 * time.Second

// watchHistory indexes the finished postmortems other replicas (or `tacoma import`) save, within
// seconds, until ctx ends. Re-adding a postmortem already indexed replaces it, so overlap is safe.
func watchHistory(ctx context.Context, st *store.Store, idx *knowledge.Index, since time.Time, log *zap.Logger) {
	seen := map[string]time.Time{}
	t := time.NewTicker(historyPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ps, err := st.UpdatedSince(ctx, postmortem.Final, since.Add(-clockSlack))
		if err != nil {
			if ctx.Err() == nil {
				log.Warn("new postmortems not read", zap.Error(err))
			}
			continue
		}
		var fresh []*knowledge.Story
		for _, p := range ps {
			if since.Before(p.UpdatedAt) {
				since = p.UpdatedAt
			}
			if seen[p.ID].Equal(p.UpdatedAt) {
				continue
			}
			seen[p.ID] = p.UpdatedAt
			fresh = append(fresh, p.Story())
		}
		if len(fresh) == 0 {
			continue
		}
		if err := idx.Add(fresh...); err != nil {
			log.Warn("new postmortems not indexed", zap.Error(err))
			continue
		}
		log.Info("postmortems indexed from the store", zap.Int("count", len(fresh)))
	}
}
