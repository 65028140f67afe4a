package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

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
