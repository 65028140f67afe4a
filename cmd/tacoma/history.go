package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/tacoma-bot/tacoma/knowledge"
	"github.com/tacoma-bot/tacoma/knowledge/postmortem"
	"github.com/tacoma-bot/tacoma/knowledge/store"
)

// historyBatch is how many postmortems are indexed at once on start-up: one bleve batch each.
const historyBatch = 1000

// historyLogEvery is how many postmortems a rebuild indexes between two progress lines, so that
// an operator sees a long one is not stuck.
const historyLogEvery = 10_000

// How loadHistory found the persisted index: the "index" field of its log line.
const (
	indexReopened = "reopened"  // it held every postmortem of the store
	indexCaughtUp = "caught up" // it lacked postmortems saved while the bot was down
	indexRebuilt  = "rebuilt"   // it was filled again from the store; reason says why
)

// openStore opens the configured store, applying its migrations.
func openStore(ctx context.Context, c config) (*store.Store, error) {
	st, err := store.Open(ctx, c.storeDSN())
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	return st, nil
}

// historyLoad brings a persisted index up to date with the store at start-up.
type historyLoad struct {
	st     *store.Store
	idx    *knowledge.Index
	source string           // storeSource of st
	opened knowledge.Opened // how OpenIndex found the index
	log    *zap.Logger
	// progress, when set, also gets a rebuild's progress as text: the playground logs only
	// warnings, and a person waits at the terminal.
	progress io.Writer
}

// history is what loadHistory did.
type history struct {
	how         string // indexReopened, indexCaughtUp or indexRebuilt
	reason      string // why it rebuilt
	postmortems int    // the team's postmortems in the index
	indexed     int    // read from the store and indexed on this start
	verdicts    int
	// mark is what the index holds: watchHistory moves it on as it indexes.
	mark knowledge.Mark
}

// loadHistory makes the index hold the store's finished postmortems, reading only those saved
// since the index was last written when it can, and replays the responders' verdicts into
// ranking. It logs one line saying what it did.
func loadHistory(ctx context.Context, l historyLoad) (history, error) {
	start := time.Now()
	h, err := l.sync(ctx)
	if err != nil {
		return h, fmt.Errorf("index the team's postmortems: %w", err)
	}
	synced := time.Now()
	fbs, err := l.st.Feedback(ctx, "")
	if err != nil {
		return h, err
	}
	if err := l.idx.Learn(fbs...); err != nil {
		return h, fmt.Errorf("learn from feedback: %w", err)
	}
	h.verdicts = len(fbs)
	l.log.Info("team history loaded", zap.String("index", h.how), zap.String("reason", h.reason),
		zap.Int("postmortems", h.postmortems), zap.Int("indexed", h.indexed), zap.Int("verdicts", h.verdicts),
		zap.Duration("index_took", synced.Sub(start)), zap.Duration("learn_took", time.Since(synced)),
		zap.String("store", l.st.Dialect()), zap.String("dir", l.idx.Dir()))
	return h, nil
}

// sync reuses the index when it was filled from this store, adding what was saved since, and
// rebuilds it otherwise or when it still disagrees with the store.
func (l historyLoad) sync(ctx context.Context) (history, error) {
	mark, ok := l.idx.Mark()
	var reason string
	switch {
	case l.opened.Discarded != "":
		reason = "the index on disk was discarded: " + l.opened.Discarded
	case !l.opened.Reopened:
		reason = "no index on disk"
	case !ok:
		reason = "the index has no mark: its last fill did not finish"
	case mark.Source != l.source:
		reason = "the index was filled from another store"
	}
	if reason == "" {
		h, err := l.catchUp(ctx, mark)
		if err != nil || h.reason == "" {
			return h, err
		}
		reason = h.reason
	}
	return l.rebuild(ctx, reason)
}

// catchUp indexes the postmortems saved since the mark, then checks that the index holds as
// many as the store: fewer or more means one was deleted, unfinished or restored from a backup
// behind the mark's back, and the returned history has a reason to rebuild.
func (l historyLoad) catchUp(ctx context.Context, mark knowledge.Mark) (history, error) {
	h := history{how: indexReopened, mark: mark}
	for attempt := 0; ; attempt++ {
		if err := l.addSince(ctx, &h); err != nil {
			return h, err
		}
		want, err := l.st.CountPostmortems(ctx, postmortem.Final)
		if err != nil {
			return h, err
		}
		h.postmortems = l.idx.Added()
		if h.postmortems == want {
			h.reason = ""
			return h, nil
		}
		h.reason = fmt.Sprintf("the index holds %d postmortems, the store %d", h.postmortems, want)
		// A save between reading and counting (another replica, tacoma import) is caught up
		// by reading once more; only a disagreement that stays means a rebuild.
		if attempt == 1 {
			return h, nil
		}
	}
}

// addSince indexes the postmortems saved since h's mark, streaming them in batches, with the
// moved mark on the last batch only: a crash before it means reading the same ones again.
func (l historyLoad) addSince(ctx context.Context, h *history) error {
	since := h.mark.Through
	var batch []*knowledge.Story
	err := l.st.EachUpdatedSince(ctx, postmortem.Final, since.Add(-catchUpSlack(l.st.Dialect())), func(p *postmortem.Postmortem) error {
		s := p.Story()
		// A save the mark covers was indexed when the mark was written, unless a lagging clock
		// stamped a later change before it: those differ from what the index holds.
		if !p.UpdatedAt.After(since) && l.holds(s) {
			return nil
		}
		if len(batch) == historyBatch {
			if err := l.idx.Add(batch...); err != nil {
				return err
			}
			h.indexed += len(batch)
			batch = make([]*knowledge.Story, 0, historyBatch)
		}
		batch = append(batch, s)
		h.mark.Through = latest(h.mark.Through, p.UpdatedAt)
		return nil
	})
	if err != nil || len(batch) == 0 {
		return err
	}
	if err := l.idx.AddMarked(h.mark, batch...); err != nil {
		return err
	}
	h.indexed += len(batch)
	h.how = indexCaughtUp
	return nil
}

// catchUpSlack is how far before the mark catching up reads again. Replicas on PostgreSQL stamp
// saves with their own clocks, one of which may lag. An SQLite file has one writer at a time,
// which stamps its save once it holds the write lock, on one host's clock: a save the mark does
// not cover is stamped after it. Reading nothing again matters there, because a bulk import
// stamps thousands of postmortems within a second of the mark.
func catchUpSlack(dialect string) time.Duration {
	if dialect == store.Postgres {
		return clockSlack
	}
	return 0
}

// rebuild empties the index and fills it from the store. Only the last batch carries the mark,
// so a start that dies half-way leaves an index without one, which the next start rebuilds.
func (l historyLoad) rebuild(ctx context.Context, reason string) (history, error) {
	h := history{how: indexRebuilt, reason: reason, mark: knowledge.Mark{Source: l.source}}
	if err := l.idx.Reset(); err != nil {
		return h, err
	}
	total, err := l.st.CountPostmortems(ctx, postmortem.Final)
	if err != nil {
		return h, err
	}
	r := newRebuildProgress(l.log, l.progress, total)
	// The store is read while the index takes the batch before: each costs about a third of
	// the other, so the two overlap.
	g, gctx := errgroup.WithContext(ctx)
	batches := make(chan []*knowledge.Story, 2)
	var batch []*knowledge.Story
	g.Go(func() error {
		defer close(batches)
		next := make([]*knowledge.Story, 0, historyBatch)
		// A full batch waits for the next postmortem, so that the last one, which gets the
		// mark, is never empty.
		err := l.st.EachPostmortem(gctx, postmortem.Final, func(p *postmortem.Postmortem) error {
			if len(next) == historyBatch {
				select {
				case batches <- next:
				case <-gctx.Done():
					return gctx.Err()
				}
				next = make([]*knowledge.Story, 0, historyBatch)
			}
			next = append(next, p.Story())
			h.mark.Through = latest(h.mark.Through, p.UpdatedAt)
			return nil
		})
		batch = next
		return err
	})
	g.Go(func() error {
		for b := range batches {
			if err := l.idx.Add(b...); err != nil {
				return err
			}
			h.indexed += len(b)
			r.indexed(h.indexed)
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return h, err
	}
	if err := l.idx.AddMarked(h.mark, batch...); err != nil {
		return h, err
	}
	h.indexed += len(batch)
	r.finish(h.indexed)
	h.postmortems = l.idx.Added()
	return h, nil
}

// holds reports whether the index holds s as it is.
func (l historyLoad) holds(s *knowledge.Story) bool {
	got, err := l.idx.Story(s.ID)
	return err == nil && reflect.DeepEqual(got, s)
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// rebuildProgress reports a rebuild as it goes: a log line every historyLogEvery postmortems
// and at the end, and the progress line on a terminal when there is one.
type rebuildProgress struct {
	log        *zap.Logger
	text       *progress // nil: log only
	total      int
	start      time.Time
	lastLogged int
}

func newRebuildProgress(log *zap.Logger, w io.Writer, total int) *rebuildProgress {
	r := &rebuildProgress{log: log, total: total, start: time.Now()}
	if w != nil {
		r.text = newProgress(w)
	}
	return r
}

func (r *rebuildProgress) indexed(n int) {
	if n-r.lastLogged >= historyLogEvery {
		r.lastLogged = n
		r.log.Info("indexing the team's postmortems", zap.Int("count", n), zap.Int("total", r.total), zap.Float64("per_second", r.rate(n)))
	}
	if r.text != nil {
		r.text.show("indexing the team's postmortems: %d of %d (%.0f a second)", n, r.total, r.rate(n))
	}
}

func (r *rebuildProgress) finish(n int) {
	if r.text != nil {
		r.text.done()
	}
	if r.total >= historyLogEvery {
		r.log.Info("team's postmortems indexed", zap.Int("count", n), zap.Int("total", r.total), zap.Float64("per_second", r.rate(n)))
	}
}

func (r *rebuildProgress) rate(n int) float64 {
	return float64(n) / max(time.Since(r.start).Seconds(), 1e-3)
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
