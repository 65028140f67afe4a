package knowledge_test

import (
	"slices"
	"testing"
	"time"
)

// latencies records per-operation durations inside a benchmark so that it can report
// percentiles, which ns/op (a mean) hides.
type latencies struct{ d []time.Duration }

func newLatencies(n int) *latencies { return &latencies{d: make([]time.Duration, 0, n)} }

func (l *latencies) start() time.Time { return time.Now() }

func (l *latencies) stop(t time.Time) { l.d = append(l.d, time.Since(t)) }

func (l *latencies) report(b *testing.B) {
	if len(l.d) == 0 {
		return
	}
	slices.Sort(l.d)
	pct := func(p float64) float64 {
		i := int(p * float64(len(l.d)-1))
		return float64(l.d[i].Microseconds())
	}
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
}
