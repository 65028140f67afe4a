package knowledge_test

import (
	"os"
	"testing"

	"github.com/tacoma-bot/tacoma/knowledge"
	"github.com/tacoma-bot/tacoma/knowledge/alert"
)

// benchQueries mix short and long messages, paraphrase and pasted errors.
var benchQueries = []string{
	"dns lookups take 5 seconds",
	"p99 went up but CPU is at 30%",
	"nodes flapping NotReady since the api server load balancer changed",
	"coredns pods OOMKilled, exit code 137, every service failing to resolve hostnames",
	"502s from the ingress during every rolling deploy",
	"kubectl hangs and the api server returns 'etcdserver: request timed out'",
	"Error from server (InternalError): failed calling webhook \"validate.example.com\": context deadline exceeded",
	"pods stuck pending: 0/40 nodes are available: 40 Insufficient cpu",
	"outgoing connections from pods to the partner API sometimes take 1 or 3 seconds to connect",
	"cronjob keeps spawning pods and the cluster is full",
}

// BenchmarkSearch measures one search with reasons, top 5, on the embedded catalog. Report
// p50/p99 with: go test -run '^$' -bench Search -benchtime 2000x ./knowledge (ns/op is the mean;
// the p50/p99 metrics come from the per-query timings).
func BenchmarkSearch(b *testing.B) {
	idx := newIndex(b)
	ctx := b.Context()
	lat := newLatencies(b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := lat.start()
		if _, err := idx.Search(ctx, benchQueries[i%len(benchQueries)], 5); err != nil {
			b.Fatal(err)
		}
		lat.stop(start)
	}
	lat.report(b)
}

// BenchmarkMatchAlert measures matching one Alertmanager payload, parsing included.
func BenchmarkMatchAlert(b *testing.B) {
	idx := newIndex(b)
	data, err := os.ReadFile("alert/testdata/am-firing.json")
	if err != nil {
		b.Fatal(err)
	}
	lat := newLatencies(b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := lat.start()
		g, err := alert.Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := idx.MatchAlert(b.Context(), g, 5); err != nil {
			b.Fatal(err)
		}
		lat.stop(start)
	}
	lat.report(b)
}

// BenchmarkStartup measures what the bot does before it can answer: load the embedded catalog
// and build the index.
func BenchmarkStartup(b *testing.B) {
	for i := 0; i < b.N; i++ {
		cat, err := knowledge.LoadCatalog()
		if err != nil {
			b.Fatal(err)
		}
		idx, err := knowledge.NewIndex(cat)
		if err != nil {
			b.Fatal(err)
		}
		idx.Close()
	}
}

func newIndex(tb testing.TB) *knowledge.Index {
	tb.Helper()
	cat, err := knowledge.LoadCatalog()
	if err != nil {
		tb.Fatal(err)
	}
	idx, err := knowledge.NewIndex(cat)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { idx.Close() })
	return idx
}
