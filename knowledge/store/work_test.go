package store_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tacoma-bot/tacoma/knowledge/postmortem"
)

func TestWorkClaimOnceAcrossReplicas(t *testing.T) {
	eachEngine(t, func(t *testing.T, dsn string) {
		ctx := t.Context()
		a, b := open(t, dsn).Work(), open(t, dsn).Work()
		ok, err := a.Claim(ctx, "msg:C1:1.1", []byte(`{"k":1}`))
		if err != nil || !ok {
			t.Fatalf("first claim = %v, %v", ok, err)
		}
		if ok, err := b.Claim(ctx, "msg:C1:1.1", []byte(`{"k":2}`)); err != nil || ok {
			t.Errorf("second replica's claim = %v, %v; want false", ok, err)
		}
		if err := a.Done(ctx, "msg:C1:1.1"); err != nil {
			t.Fatal(err)
		}
		if ok, _ := b.Claim(ctx, "msg:C1:1.1", nil); ok {
			t.Error("a finished key was claimed again")
		}
		if _, err := a.Claim(ctx, "", nil); err == nil {
			t.Error("empty key accepted")
		}
	})
}

func TestWorkIsTakenOverWhenTheLeaseLapses(t *testing.T) {
	eachEngine(t, func(t *testing.T, dsn string) {
		ctx := t.Context()
		s := open(t, dsn)
		dead, alive := s.Work(), s.Work()
		for i := range 3 {
			if ok, err := dead.Claim(ctx, fmt.Sprintf("k%d", i), []byte(fmt.Sprintf("p%d", i))); !ok || err != nil {
				t.Fatal(ok, err)
			}
		}
		if err := dead.Done(ctx, "k1"); err != nil {
			t.Fatal(err)
		}
		if got, err := alive.Orphans(ctx, 10); err != nil || len(got) != 0 {
			t.Fatalf("Orphans before the lease lapsed = %q, %v", got, err)
		}
		// k0's owner renews; k2's does not and its lease is handed back.
		if err := dead.Release(ctx, []string{"k2"}); err != nil {
			t.Fatal(err)
		}
		got, err := alive.Orphans(ctx, 10)
		if err != nil || len(got) != 1 || string(got[0]) != "p2" {
			t.Fatalf("Orphans = %q, %v; want [p2]", got, err)
		}
		if again, _ := s.Work().Orphans(ctx, 10); len(again) != 0 {
			t.Errorf("taken-over work was taken over again at once: %q", again)
		}
		if err := dead.Renew(ctx, []string{"k0", "k2"}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestWorkOrphansAreTakenByOneReplicaOnly(t *testing.T) {
	eachEngine(t, func(t *testing.T, dsn string) {
		ctx := t.Context()
		s := open(t, dsn)
		dead := s.Work()
		var keys []string
		for i := range 40 {
			k := fmt.Sprintf("k%02d", i)
			keys = append(keys, k)
			if _, err := dead.Claim(ctx, k, []byte(k)); err != nil {
				t.Fatal(err)
			}
		}
		if err := dead.Release(ctx, keys); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		var taken []string
		var wg sync.WaitGroup
		for range 4 {
			w := open(t, dsn).Work()
			wg.Go(func() {
				for {
					got, err := w.Orphans(ctx, 3)
					if err != nil {
						t.Error(err)
						return
					}
					if len(got) == 0 {
						return
					}
					mu.Lock()
					for _, p := range got {
						taken = append(taken, string(p))
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		slices.Sort(taken)
		if !slices.Equal(taken, keys) {
			t.Errorf("taken over: %d keys %q; want each of the 40 exactly once", len(taken), taken)
		}
	})
}

func TestWorkPrune(t *testing.T) {
	eachEngine(t, func(t *testing.T, dsn string) {
		w := open(t, dsn).Work()
		ctx := context.Background()
		if _, err := w.Claim(ctx, "old", nil); err != nil {
			t.Fatal(err)
		}
		if err := w.Done(ctx, "old"); err != nil {
			t.Fatal(err)
		}
		n, err := w.Prune(ctx)
		if err != nil || n != 0 {
			t.Errorf("Prune of fresh work = %d, %v; want 0", n, err)
		}
		if ok, _ := w.Claim(ctx, "old", nil); ok {
			t.Error("pruning forgot work finished moments ago: its redelivery would be answered again")
		}
	})
}

func TestUpdatedSinceSeesAnotherReplicasSave(t *testing.T) {
	eachEngine(t, func(t *testing.T, dsn string) {
		ctx := t.Context()
		a, b := open(t, dsn), open(t, dsn)
		before := time.Now().Add(-time.Second)
		p := &postmortem.Postmortem{ID: "pm-1", Title: "DNS", Status: postmortem.Final, Source: postmortem.FromSlack}
		if err := a.SavePostmortem(ctx, p); err != nil {
			t.Fatal(err)
		}
		draft := &postmortem.Postmortem{ID: "pm-2", Title: "draft", Status: postmortem.Draft, Source: postmortem.FromSlack}
		if err := a.SavePostmortem(ctx, draft); err != nil {
			t.Fatal(err)
		}
		got, err := b.UpdatedSince(ctx, postmortem.Final, before)
		if err != nil || len(got) != 1 || got[0].ID != "pm-1" {
			t.Fatalf("UpdatedSince = %v, %v; want pm-1 only", got, err)
		}
		if got, _ := b.UpdatedSince(ctx, "", got[0].UpdatedAt); len(got) != 1 || got[0].ID != "pm-2" {
			t.Errorf("UpdatedSince(after pm-1) = %v; want pm-2", got)
		}
	})
}
