package store_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/tacoma-bot/tacoma/knowledge"
	"github.com/tacoma-bot/tacoma/knowledge/postmortem"
	"github.com/tacoma-bot/tacoma/knowledge/store"
)

// TestConcurrentWriters saves from many goroutines, each through its own Store as separate
// processes would, and through a shared one, mixing inserts, replaces, feedback and reads. No
// write may fail with a busy or serialization error.
func TestConcurrentWriters(t *testing.T) {
	eachEngine(t, func(t *testing.T, dsn string) {
		const writers, each = 8, 15
		shared := open(t, dsn)
		stores := make([]*store.Store, writers)
		for i := range stores {
			stores[i] = shared
			if i%2 == 0 {
				stores[i] = open(t, dsn)
			}
		}
		var wg sync.WaitGroup
		errs := make([]error, writers)
		for w := range writers {
			wg.Go(func() {
				s := stores[w]
				for i := range each {
					p := sample(w*each + i)
					p.Status = postmortem.Draft
					err := s.SavePostmortem(t.Context(), p)
					if err == nil { // every writer also replaces the same hot row
						err = s.SavePostmortem(t.Context(), &postmortem.Postmortem{ID: "hot", Title: fmt.Sprint(w, i)})
					}
					if err == nil {
						err = s.RecordFeedback(t.Context(), knowledge.Feedback{StoryID: "s", Verdict: knowledge.Helpful, Channel: p.Channel})
					}
					if err == nil {
						_, err = s.CountPostmortems(t.Context(), postmortem.Draft)
					}
					if err != nil {
						errs[w] = err
						return
					}
				}
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("concurrent writes: %v", err)
		}
		if n, err := shared.CountPostmortems(t.Context(), postmortem.Draft); err != nil || n != writers*each {
			t.Errorf("CountPostmortems(draft) = %d, %v; want %d", n, err, writers*each)
		}
		if n, err := shared.CountPostmortems(t.Context(), ""); err != nil || n != writers*each+1 {
			t.Errorf("CountPostmortems() = %d, %v; want %d", n, err, writers*each+1)
		}
		if fb, err := shared.Feedback(t.Context(), ""); err != nil || len(fb) != writers*each {
			t.Errorf("Feedback() has %d, %v; want %d", len(fb), err, writers*each)
		}
	})
}
