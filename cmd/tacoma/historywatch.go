package main

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/tacoma-bot/tacoma/knowledge"
	"github.com/tacoma-bot/tacoma/knowledge/postmortem"
	"github.com/tacoma-bot/tacoma/knowledge/store"
)

// historyPoll is how often a replica looks for postmortems finished or imported elsewhere.
const historyPoll = 2 * time.Second

// clockSlack covers clock skew between replicas, whose saves are stamped by their own clocks.
const clockSlack = 30 * time.Second

// watchHistory indexes the finished postmortems other replicas (or `tacoma import`) save, within
// seconds, until ctx ends. It polls for saves after since, which is when loading began, and moves
// mark on to the newest save it indexed, so that a restart reads only what came after. Re-adding
// a postmortem already indexed replaces it, so overlap is safe.
func watchHistory(ctx context.Context, st *store.Store, idx *knowledge.Index, since time.Time, mark knowledge.Mark, log *zap.Logger) {
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
		var fresh []*postmortem.Postmortem
		stories := make([]*knowledge.Story, 0, len(ps))
		next, newest := mark, since
		for _, p := range ps {
			newest = latest(newest, p.UpdatedAt)
			if !seen[p.ID].Equal(p.UpdatedAt) {
				fresh = append(fresh, p)
				stories = append(stories, p.Story())
				next.Through = latest(next.Through, p.UpdatedAt)
			}
		}
		if len(fresh) == 0 {
			since = newest
			continue
		}
		if err := idx.AddMarked(next, stories...); err != nil {
			log.Warn("new postmortems not indexed", zap.Error(err))
			continue
		}
		mark, since = next, newest
		for _, p := range fresh {
			seen[p.ID] = p.UpdatedAt
		}
		for id, at := range seen { // what falls out of the polled window is never read again
			if at.Before(since.Add(-clockSlack)) {
				delete(seen, id)
			}
		}
		log.Info("postmortems indexed from the store", zap.Int("count", len(fresh)))
	}
}
