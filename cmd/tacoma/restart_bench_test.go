package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/tacoma-bot/tacoma/knowledge/postmortem"
	"github.com/tacoma-bot/tacoma/knowledge/scale"
	"github.com/tacoma-bot/tacoma/knowledge/store"
)

// restartSeed fixes the generated history, as the scale benchmark does.
const restartSeed = 1

// BenchmarkRestart measures how soon `tacoma run` has its team history ready on a data folder
// whose SQLite store holds N generated postmortems: opening the store and the index and loading
// the history, reported as ready-ms. "reopen" starts on the index an earlier start left (issue 7
// asks for 2 s at 100,000); "rebuild" is a first start, with no index on disk. Each N builds its
// store once, in a folder shared by its sub-benchmarks; select one size with an anchored pattern,
// -bench 'Restart/N=10000$/'.
func BenchmarkRestart(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			data := b.TempDir()
			built := false
			ready := func(b *testing.B) string {
				if !built {
					fillStore(b, filepath.Join(data, "tacoma.db"), n)
					if h, _ := startHistory(b, data); h.postmortems != n {
						b.Fatalf("first start indexed %d postmortems, want %d", h.postmortems, n)
					}
					built = true
				}
				return data
			}
			b.Run("reopen", func(b *testing.B) {
				data := ready(b)
				b.ResetTimer()
				var took time.Duration
				for range b.N {
					h, d := startHistory(b, data)
					took += d
					if h.how != indexReopened || h.postmortems != n {
						b.Fatalf("start on an index of %d: %s %d postmortems (%s), want it reopened", n, h.how, h.postmortems, h.reason)
					}
				}
				b.ReportMetric(float64(took.Milliseconds())/float64(b.N), "ready-ms")
			})
			b.Run("rebuild", func(b *testing.B) {
				data := ready(b)
				b.ResetTimer()
				var took time.Duration
				for range b.N {
					b.StopTimer()
					if err := os.RemoveAll(filepath.Join(data, "index")); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					h, d := startHistory(b, data)
					took += d
					if h.how != indexRebuilt || h.postmortems != n {
						b.Fatalf("start without an index: %s %d postmortems, want %d rebuilt", h.how, h.postmortems, n)
					}
				}
				b.ReportMetric(float64(took.Milliseconds())/float64(b.N), "ready-ms")
			})
		})
	}
}

// startHistory does what `tacoma run` does on data before it can answer: open the index and
// the store and load the history. It returns how long that took, and closes both after.
func startHistory(b *testing.B, data string) (history, time.Duration) {
	b.Helper()
	ctx := context.Background()
	start := time.Now()
	idx, opened, err := openPersistedIndex(nil, data)
	if err != nil {
		b.Fatal(err)
	}
	defer idx.Close()
	dsn := filepath.Join(data, "tacoma.db")
	st, err := store.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	source, err := storeSource(dsn)
	if err != nil {
		b.Fatal(err)
	}
	h, err := loadHistory(ctx, historyLoad{st: st, idx: idx, source: source, opened: opened, log: zap.NewNop()})
	if err != nil {
		b.Fatal(err)
	}
	return h, time.Since(start)
}

// fillStore saves n generated postmortems into a new SQLite store, a transaction per thousand.
func fillStore(b *testing.B, dsn string, n int) {
	b.Helper()
	start := time.Now()
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	batch := make([]*postmortem.Postmortem, 0, historyBatch)
	for p := range scale.Seq(restartSeed, n) {
		batch = append(batch, p)
		if len(batch) == cap(batch) {
			if err := st.SavePostmortems(context.Background(), batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	if err := st.SavePostmortems(context.Background(), batch); err != nil {
		b.Fatal(err)
	}
	b.Logf("store of %d postmortems saved in %v", n, time.Since(start).Round(time.Millisecond))
}
