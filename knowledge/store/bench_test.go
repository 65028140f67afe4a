package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tacoma-bot/tacoma/knowledge/postmortem"
)

// BenchmarkSavePostmortem measures one durable save (a transaction and its sync) of a postmortem
// of a few kilobytes.
func BenchmarkSavePostmortem(b *testing.B) {
	for _, e := range engines() {
		b.Run(e.name, func(b *testing.B) {
			s := open(b, e.dsn(b))
			ctx := context.Background()
			n := 0
			start := time.Now()
			for b.Loop() {
				p := sample(n)
				p.ID = fmt.Sprintf("bench-%d", n)
				if err := s.SavePostmortem(ctx, p); err != nil {
					b.Fatal(err)
				}
				n++
			}
			b.ReportMetric(float64(n)/time.Since(start).Seconds(), "rows/s")
		})
	}
}

// BenchmarkEachPostmortem measures streaming every row of a 10,000-postmortem store and decoding
// it.
func BenchmarkEachPostmortem(b *testing.B) {
	const rows = 10_000
	for _, e := range engines() {
		b.Run(e.name, func(b *testing.B) {
			s := open(b, e.dsn(b))
			ctx := context.Background()
			batch := make([]*postmortem.Postmortem, 0, 1000)
			for i := range rows {
				batch = append(batch, sample(i))
				if len(batch) == cap(batch) {
					if err := s.SavePostmortems(ctx, batch); err != nil {
						b.Fatal(err)
					}
					batch = batch[:0]
				}
			}
			seen := 0
			start := time.Now()
			for b.Loop() {
				err := s.EachPostmortem(ctx, "", func(*postmortem.Postmortem) error {
					seen++
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			if seen%rows != 0 {
				b.Fatalf("EachPostmortem saw %d rows over the runs, want a multiple of %d", seen, rows)
			}
			b.ReportMetric(float64(seen)/time.Since(start).Seconds(), "rows/s")
		})
	}
}
