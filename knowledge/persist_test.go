package knowledge_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tacoma-bot/tacoma/knowledge"
)

func teamStories(n int) []*knowledge.Story {
	out := make([]*knowledge.Story, n)
	for i := range out {
		out[i] = &knowledge.Story{
			ID:       fmt.Sprintf("pm-%03d", i),
			Title:    fmt.Sprintf("Ledger reconciler deadlock %d", i),
			Classes:  []string{"control-plane"},
			Symptoms: []string{"the ledger reconciler deadlocks on the invoices table", "nightly batch stuck at 02:00"},
			Alerts:   []string{"LedgerReconcilerStuck"},
			Cause:    "two reconciler replicas locked invoices rows in opposite order",
			Origin:   knowledge.OriginTeam,
		}
	}
	return out
}

func openIndex(t *testing.T, dir string) (*knowledge.Index, knowledge.Opened) {
	t.Helper()
	cat, err := knowledge.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	idx, opened, err := knowledge.OpenIndex(cat, dir)
	if err != nil {
		t.Fatal(err)
	}
	return idx, opened
}

const ledgerQuery = "the ledger reconciler deadlocks on invoices again, LedgerReconcilerStuck firing"

func TestOpenIndexReopensWhatWasAdded(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	idx, opened := openIndex(t, dir)
	if opened.Reopened || opened.Discarded != "" {
		t.Errorf("new index: opened = %+v, want neither reopened nor discarded", opened)
	}
	if _, ok := idx.Mark(); ok {
		t.Error("new index has a mark")
	}
	stories := teamStories(30)
	mark := knowledge.Mark{Source: "sqlite:/data/tacoma.db", Through: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)}
	if err := idx.AddMarked(mark, stories...); err != nil {
		t.Fatal(err)
	}
	// A later Add without a mark keeps the mark.
	if err := idx.Add(&knowledge.Story{ID: "pm-extra", Title: "Extra", Origin: knowledge.OriginTeam}); err != nil {
		t.Fatal(err)
	}
	if err := idx.Close(); err != nil {
		t.Fatal(err)
	}

	idx, opened = openIndex(t, dir)
	defer idx.Close()
	if !opened.Reopened || opened.Discarded != "" {
		t.Fatalf("reopen: opened = %+v, want reopened", opened)
	}
	if got := idx.Added(); got != 31 {
		t.Errorf("Added() = %d after reopening, want 31", got)
	}
	if got, ok := idx.Mark(); !ok || got.Source != mark.Source || !got.Through.Equal(mark.Through) {
		t.Errorf("Mark() = %+v, %v; want %+v", got, ok, mark)
	}
	s, err := idx.Story("pm-007")
	if err != nil || !reflect.DeepEqual(s, stories[7]) {
		t.Errorf("Story(pm-007) = %+v, %v; want %+v", s, err, stories[7])
	}
	res, err := idx.Search(t.Context(), ledgerQuery, 3)
	if err != nil {
		t.Fatal(err)
	}
	team := teamResults(res)
	if len(team) != 1 || team[0].Similar != 29 || !team[0].Confident() || len(team[0].Why) == 0 {
		t.Fatalf("team results = %+v, want one confident postmortem with 29 similar folded in and reasons", team)
	}
	if !strings.Contains(strings.Join(team[0].Why, "\n"), "LedgerReconcilerStuck") {
		t.Errorf("reasons %q do not name the pasted alert, known again after reopening", team[0].Why)
	}
}

func teamResults(res []knowledge.Result) []knowledge.Result {
	var out []knowledge.Result
	for _, r := range res {
		if r.Story.Team() {
			out = append(out, r)
		}
	}
	return out
}

func TestOpenIndexDiscardsWhatItCannotTrust(t *testing.T) {
	tests := []struct {
		name    string
		damage  func(t *testing.T, dir string)
		discard string
	}{
		{"junk root", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "store", "root.bolt"), "not a bolt database")
		}, "unreadable"},
		{"root missing", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, "store", "root.bolt")); err != nil {
				t.Fatal(err)
			}
		}, "unreadable"},
		// bleve then falls back to an older snapshot, whose mark covers what it holds.
		{"truncated segments", func(t *testing.T, dir string) {
			segs, _ := filepath.Glob(filepath.Join(dir, "store", "*.zap"))
			if len(segs) == 0 {
				t.Fatal("no segment files to damage")
			}
			for _, s := range segs {
				if err := os.Truncate(s, 10); err != nil {
					t.Fatal(err)
				}
			}
		}, ""},
		{"not a directory", func(t *testing.T, dir string) {
			if err := os.RemoveAll(dir); err != nil {
				t.Fatal(err)
			}
			writeFile(t, dir, "a file where the index was")
		}, "unreadable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "index")
			idx, _ := openIndex(t, dir)
			if err := idx.AddMarked(knowledge.Mark{Source: "s"}, teamStories(20)...); err != nil {
				t.Fatal(err)
			}
			if err := idx.Close(); err != nil {
				t.Fatal(err)
			}
			tt.damage(t, dir)
			idx, opened := openIndex(t, dir)
			defer idx.Close()
			if tt.discard != "" && (opened.Reopened || !strings.Contains(opened.Discarded, tt.discard)) {
				t.Errorf("opened = %+v, want discarded as %q", opened, tt.discard)
			}
			if _, ok := idx.Mark(); ok || idx.Added() != 0 {
				t.Errorf("damaged index kept a mark or %d stories", idx.Added())
			}
			if err := idx.Add(teamStories(2)...); err != nil {
				t.Fatal(err)
			}
			if res, err := idx.Search(t.Context(), ledgerQuery, 3); err != nil || len(teamResults(res)) != 1 {
				t.Errorf("rebuilt index: results %v, %v; want the team story", ids(res), err)
			}
		})
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestOpenIndexRefusesADirectoryInUse(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	idx, _ := openIndex(t, dir)
	defer idx.Close()
	cat, err := knowledge.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	second, _, err := knowledge.OpenIndex(cat, dir)
	if err == nil {
		second.Close()
		t.Fatal("a second OpenIndex of the same directory succeeded")
	}
	if !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "another process") {
		t.Errorf("error %q does not name the directory and why", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("refusing took %v", d)
	}
	// The first keeps working.
	if err := idx.Add(teamStories(1)...); err != nil {
		t.Fatal(err)
	}
}

func TestResetDropsTheTeamsStories(t *testing.T) {
	for _, persisted := range []bool{false, true} {
		t.Run(fmt.Sprintf("persisted=%v", persisted), func(t *testing.T) {
			var idx *knowledge.Index
			if persisted {
				idx, _ = openIndex(t, filepath.Join(t.TempDir(), "index"))
				defer idx.Close()
			} else {
				idx = newIndex(t)
			}
			if err := idx.AddMarked(knowledge.Mark{Source: "s"}, teamStories(5)...); err != nil {
				t.Fatal(err)
			}
			if err := idx.Reset(); err != nil {
				t.Fatal(err)
			}
			if _, ok := idx.Mark(); ok || idx.Added() != 0 {
				t.Errorf("after Reset: mark kept or %d stories", idx.Added())
			}
			res, err := idx.Search(t.Context(), ledgerQuery, 3)
			if err != nil || len(teamResults(res)) != 0 || len(res) == 0 {
				t.Errorf("after Reset: %v, %v; want catalog stories only", ids(res), err)
			}
			if slices.ContainsFunc(res, func(r knowledge.Result) bool { return r.Story.Team() }) {
				t.Error("a team story survived Reset")
			}
		})
	}
}

func TestOpenIndexReusesAnEmptyIndex(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	idx, _ := openIndex(t, dir)
	if err := idx.Close(); err != nil {
		t.Fatal(err)
	}
	idx, opened := openIndex(t, dir)
	defer idx.Close()
	if opened.Discarded != "" {
		t.Errorf("an index closed before its first story was discarded: %+v", opened)
	}
	if err := idx.AddMarked(knowledge.Mark{Source: "s"}, teamStories(1)...); err != nil {
		t.Fatal(err)
	}
}

func TestCloseTwiceAndUseAfterClose(t *testing.T) {
	idx, _ := openIndex(t, filepath.Join(t.TempDir(), "index"))
	if err := idx.Close(); err != nil {
		t.Fatal(err)
	}
	if err := idx.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
	if _, err := idx.Search(t.Context(), ledgerQuery, 3); !errors.Is(err, knowledge.ErrClosed) {
		t.Errorf("Search after Close = %v, want ErrClosed", err)
	}
	if err := idx.Add(teamStories(1)...); !errors.Is(err, knowledge.ErrClosed) {
		t.Errorf("Add after Close = %v, want ErrClosed", err)
	}
	if err := idx.Reset(); !errors.Is(err, knowledge.ErrClosed) {
		t.Errorf("Reset after Close = %v, want ErrClosed", err)
	}
}

// A verdict re-indexes the story it is about; a newer version added meanwhile must survive it,
// and a story removed meanwhile must stay removed.
func TestLearnNeverUndoesAConcurrentChange(t *testing.T) {
	idx, _ := openIndex(t, filepath.Join(t.TempDir(), "index"))
	defer idx.Close()
	for round := range 20 {
		v1 := teamStories(1)[0]
		v2 := *v1
		v2.Title = fmt.Sprintf("Ledger reconciler deadlock, round %d", round)
		if err := idx.Add(v1); err != nil {
			t.Fatal(err)
		}
		fb := knowledge.Feedback{StoryID: v1.ID, Verdict: knowledge.Helpful, Query: fmt.Sprintf("invoices stuck %d", round)}
		var wg sync.WaitGroup
		wg.Go(func() {
			if err := idx.Add(&v2); err != nil {
				t.Error(err)
			}
		})
		wg.Go(func() {
			if err := idx.Learn(fb); err != nil {
				t.Error(err)
			}
		})
		wg.Go(func() {
			if _, err := idx.Search(t.Context(), ledgerQuery, 3); err != nil {
				t.Error(err)
			}
		})
		wg.Wait()
		if s, err := idx.Story(v1.ID); err != nil || s.Title != v2.Title {
			t.Fatalf("round %d: story = %v, %v; want the newer title %q", round, s, err, v2.Title)
		}
		wg.Go(func() {
			if err := idx.Remove(v1.ID); err != nil {
				t.Error(err)
			}
		})
		wg.Go(func() {
			if err := idx.Learn(fb); err != nil {
				t.Error(err)
			}
		})
		wg.Wait()
		if _, err := idx.Story(v1.ID); !errors.Is(err, knowledge.ErrNotFound) {
			t.Fatalf("round %d: a removed story came back: %v", round, err)
		}
	}
}
