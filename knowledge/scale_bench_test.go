package knowledge_test

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tacoma-bot/tacoma/knowledge"
	"github.com/tacoma-bot/tacoma/knowledge/alert"
	"github.com/tacoma-bot/tacoma/knowledge/scale"
)

// scaleSeed fixes the generated history, so that runs on different days compare.
const scaleSeed = 1

// scaleHeapProfile names a file that gets a heap profile after each size's build, with the size
// appended (memprofile is written only after the indexes are closed, too late to see them).
var scaleHeapProfile = flag.String("scale.heapprofile", "", "write a heap profile after each BenchmarkScale build to `file`.N")

// scaleBatch is how many stories go into one Index.Add, as tacoma loads its history.
const scaleBatch = 1000

// BenchmarkScale measures matching with 0 to 100,000 generated team postmortems added beside the
// 50 catalog stories (docs/performance.md has the command and the figures). Each N=... builds
// its index once and shares it between its sub-benchmarks; select one size with an anchored
// pattern, -bench 'Scale/N=10000$/', since N=1000 also matches N=10000 and N=100000.
func BenchmarkScale(b *testing.B) {
	for _, added := range []int{0, 1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("N=%d", max(added, 50)), func(b *testing.B) { benchScale(b, added) })
	}
}

func benchScale(b *testing.B, added int) {
	cat, err := knowledge.LoadCatalog()
	if err != nil {
		b.Fatal(err)
	}
	// The generated stories are made for each build and dropped after it, so that memory
	// figures are the index's own.
	generate := func() []*knowledge.Story {
		stories := make([]*knowledge.Story, 0, added)
		for p := range scale.Seq(scaleSeed, added) {
			stories = append(stories, p.Story())
		}
		return stories
	}
	dir, err := os.MkdirTemp("", "tacoma-scale-")
	if err != nil {
		b.Fatal(err)
	}
	var idx *knowledge.Index
	defer func() {
		if idx != nil {
			idx.Close()
		}
		idx = nil
		os.RemoveAll(dir)
		debug.FreeOSMemory() // so the next size's RSS is its own
	}()
	index := func(b *testing.B) *knowledge.Index {
		if idx == nil {
			idx = buildScaled(b, cat, generate(), dir)
		}
		return idx
	}

	b.Run("build", func(b *testing.B) {
		cpu := time.Duration(0)
		for range b.N {
			if idx != nil {
				idx.Close()
			}
			os.RemoveAll(dir)
			b.StopTimer()
			stories := generate()
			b.StartTimer()
			before := cpuTime()
			idx = buildScaled(b, cat, stories, dir)
			cpu += cpuTime() - before
		}
		// CPU time tells a slower build from a busier machine.
		b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s")
		b.StopTimer()
		reportMemory(b)
		if *scaleHeapProfile != "" {
			writeHeapProfile(b, fmt.Sprintf("%s.%d", *scaleHeapProfile, added))
		}
		if added > 0 {
			b.ReportMetric(float64(added)*float64(b.N)/b.Elapsed().Seconds(), "stories/s")
		}
	})
	b.Run("reopen", func(b *testing.B) {
		index(b)
		lat := newLatencies(b.N)
		for range b.N {
			idx.Close()
			idx = nil
			start := lat.start()
			x, opened, err := knowledge.OpenIndex(cat, filepath.Join(dir, "index"))
			if err != nil {
				b.Fatal(err)
			}
			idx = x
			if !opened.Reopened || x.Added() != added {
				b.Fatalf("reopened %v (%s) with %d stories, want %d", opened.Reopened, opened.Discarded, x.Added(), added)
			}
			if _, err := x.Search(b.Context(), "coredns pods OOMKilled, dns lookups time out", 5); err != nil {
				b.Fatal(err)
			}
			lat.stop(start)
		}
		b.StopTimer()
		lat.report(b)
		reportMemory(b)
	})
	b.Run("search", func(b *testing.B) {
		x := index(b)
		msgs := evalTexts(b, "../eval/messages-dev.yaml")
		lat := newLatencies(b.N)
		b.ResetTimer()
		for i := range b.N {
			start := lat.start()
			if _, err := x.Search(b.Context(), msgs[i%len(msgs)], 5); err != nil {
				b.Fatal(err)
			}
			lat.stop(start)
		}
		lat.report(b)
	})
	b.Run("alert", func(b *testing.B) {
		x := index(b)
		payloads := evalPayloads(b, "../eval/payloads")
		lat := newLatencies(b.N)
		b.ResetTimer()
		for i := range b.N {
			start := lat.start()
			g, err := alert.Parse(payloads[i%len(payloads)])
			if err != nil {
				b.Fatal(err)
			}
			if _, err := x.MatchAlert(b.Context(), g, 5); err != nil {
				b.Fatal(err)
			}
			lat.stop(start)
		}
		lat.report(b)
	})
	b.Run("quality", func(b *testing.B) {
		x := index(b)
		sets := []struct{ path, prefix string }{
			{"../eval/messages-heldout.yaml", "msg"},
			{"../eval/alerts-heldout.yaml", "alert"},
		}
		reps := make([]knowledge.EvalReport, len(sets))
		evals := make([]*knowledge.EvalSet, len(sets))
		for i, s := range sets {
			var err error
			if evals[i], err = knowledge.LoadEvalSet(s.path); err != nil {
				b.Fatal(err)
			}
		}
		b.ResetTimer()
		for range b.N {
			for i, set := range evals {
				var err error
				if reps[i], err = x.Evaluate(b.Context(), set); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.StopTimer()
		for i, s := range sets {
			b.ReportMetric(reps[i].Hit1, s.prefix+"-hit@1")
			b.ReportMetric(reps[i].Hit3, s.prefix+"-hit@3")
			b.ReportMetric(reps[i].MRR, s.prefix+"-MRR")
			classHit3, teamClass1 := classHits(b, x, evals[i])
			b.ReportMetric(classHit3, s.prefix+"-class-hit@3")
			if added > 0 {
				b.ReportMetric(teamClass1, s.prefix+"-team-class@1")
			}
		}
	})
}

// classHits reports, over the cases that want a story, class-hit@3: hit@3 counting a team
// postmortem of a wanted story's failure class as a hit too, which tells a distractor that
// pushed the catalog story down from one that is simply wrong; and team-class@1: the share of
// cases whose first team postmortem is of that class, how good the team's list is.
func classHits(b *testing.B, x *knowledge.Index, set *knowledge.EvalSet) (classHit3, teamClass1 float64) {
	hits, teamHits, scored := 0, 0, 0
	for _, c := range set.Cases {
		if len(c.Want) == 0 {
			continue
		}
		scored++
		classes := wantedClasses(b, x, c)
		ofClass := func(r knowledge.Result) bool {
			return slices.ContainsFunc(r.Story.Classes, func(cl string) bool { return classes[cl] })
		}
		res := topResults(b, x, set, c, 3)
		if slices.ContainsFunc(res, func(r knowledge.Result) bool {
			return slices.Contains(c.Want, r.Story.ID) || r.Story.Team() && ofClass(r)
		}) {
			hits++
		}
		if i := slices.IndexFunc(res, func(r knowledge.Result) bool { return r.Story.Team() }); i >= 0 && ofClass(res[i]) {
			teamHits++
		}
	}
	if scored == 0 {
		return 0, 0
	}
	return float64(hits) / float64(scored), float64(teamHits) / float64(scored)
}

// wantedClasses are the failure classes of the stories a case wants.
func wantedClasses(b *testing.B, x *knowledge.Index, c knowledge.EvalCase) map[string]bool {
	classes := map[string]bool{}
	for _, id := range c.Want {
		s, err := x.Story(id)
		if err != nil {
			b.Fatal(err)
		}
		for _, cl := range s.Classes {
			classes[cl] = true
		}
	}
	return classes
}

// topResults runs one evaluation case as Index.Evaluate does.
func topResults(b *testing.B, x *knowledge.Index, set *knowledge.EvalSet, c knowledge.EvalCase, limit int) []knowledge.Result {
	if c.Text != "" {
		res, err := x.Search(b.Context(), c.Text, limit)
		if err != nil && !errors.Is(err, knowledge.ErrEmptyQuery) {
			b.Fatal(err)
		}
		return res
	}
	data, err := os.ReadFile(filepath.Join(filepath.Dir(set.Path), c.Payload))
	if err != nil {
		b.Fatal(err)
	}
	g, err := alert.Parse(data)
	if err != nil {
		b.Fatal(err)
	}
	res, err := x.MatchAlert(b.Context(), g, limit)
	if err != nil {
		b.Fatal(err)
	}
	return res
}

// buildScaled indexes the catalog and adds stories in batches to an index persisted in dir, as
// tacoma run does, telling stderr how far it got every 10,000: a 100,000 build is long enough
// to wonder.
func buildScaled(tb testing.TB, cat *knowledge.Catalog, stories []*knowledge.Story, dir string) *knowledge.Index {
	tb.Helper()
	start := time.Now()
	idx, _, err := knowledge.OpenIndex(cat, filepath.Join(dir, "index"))
	if err != nil {
		tb.Fatal(err)
	}
	for i := 0; i < len(stories); i += scaleBatch {
		if err := idx.Add(stories[i:min(i+scaleBatch, len(stories))]...); err != nil {
			idx.Close()
			tb.Fatal(err)
		}
		if done := min(i+scaleBatch, len(stories)); done%10_000 == 0 {
			fmt.Fprintf(os.Stderr, "scale: %d of %d stories added in %v\n", done, len(stories), time.Since(start).Round(time.Millisecond))
		}
	}
	return idx
}

// reportMemory reports the heap in use after a collection and the process's resident set: the
// heap is what the index keeps, RSS what an operator sees.
func reportMemory(b *testing.B) {
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MB")
	if kb, err := vmRSS(); err == nil {
		b.ReportMetric(float64(kb)/1024, "rss-MB")
	} else {
		b.Logf("no RSS: %v", err)
	}
}

func writeHeapProfile(b *testing.B, path string) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		b.Fatalf("write heap profile %s: %v", path, err)
	}
}

// cpuTime is the CPU the process used so far, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// vmRSS reads the resident set size in kB from /proc/self/status (Linux only).
func vmRSS() (int, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			return strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
		}
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("read /proc/self/status: %w", err)
	}
	return 0, fmt.Errorf("no VmRSS in /proc/self/status")
}

func evalTexts(tb testing.TB, path string) []string {
	tb.Helper()
	set, err := knowledge.LoadEvalSet(path)
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, c := range set.Cases {
		if c.Text != "" {
			out = append(out, c.Text)
		}
	}
	if len(out) == 0 {
		tb.Fatalf("%s has no messages", path)
	}
	return out
}

func evalPayloads(tb testing.TB, dir string) [][]byte {
	tb.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(paths) == 0 {
		tb.Fatalf("no payloads in %s: %v", dir, err)
	}
	out := make([][]byte, 0, len(paths))
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, data)
	}
	return out
}
