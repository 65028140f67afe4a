package knowledge_test

import (
	"encoding/csv"
	"os"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tacoma-bot/tacoma/knowledge"
)

// dataRow is one row of the Kubernetes Failure Stories list (testdata/k8s-failure-stories.tsv,
// a copy of the shared data file).
type dataRow struct {
	Title, Organization, Venue string
	Year                       int
	URL                        string
}

func readDataFile(t *testing.T) []dataRow {
	t.Helper()
	f, err := os.Open("testdata/k8s-failure-stories.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma = '\t'
	r.LazyQuotes = true
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var rows []dataRow
	for _, rec := range recs[1:] {
		year, err := strconv.Atoi(rec[3])
		if err != nil {
			t.Fatalf("year %q: %v", rec[3], err)
		}
		rows = append(rows, dataRow{Title: rec[0], Organization: rec[1], Venue: rec[2], Year: year, URL: rec[4]})
	}
	return rows
}

func TestCatalogCoversEveryDataRow(t *testing.T) {
	cat, err := knowledge.LoadCatalog()
	if err != nil {
		t.Fatalf("LoadCatalog() = %v", err)
	}
	rows := readDataFile(t)
	if len(rows) != 50 {
		t.Fatalf("data file has %d rows, want 50", len(rows))
	}
	byURL := map[string]*knowledge.Story{}
	for _, s := range cat.Stories() {
		if prev, dup := byURL[s.URL]; dup {
			t.Errorf("stories %s and %s share url %s", prev.ID, s.ID, s.URL)
		}
		byURL[s.URL] = s
	}
	for _, row := range rows {
		s, ok := byURL[row.URL]
		if !ok {
			t.Errorf("no story has url %q (%s)", row.URL, row.Title)
			continue
		}
		got := dataRow{Title: s.Title, Organization: s.Organization, Venue: s.Venue, Year: s.Year, URL: s.URL}
		if diff := cmp.Diff(row, got); diff != "" {
			t.Errorf("story %s differs from the data file (-data +story):\n%s", s.ID, diff)
		}
	}
	if len(cat.Stories()) != len(rows) {
		t.Errorf("catalog has %d stories, data file %d", len(cat.Stories()), len(rows))
	}
}

func TestCatalogEntriesAreComplete(t *testing.T) {
	cat, err := knowledge.LoadCatalog()
	if err != nil {
		t.Fatalf("LoadCatalog() = %v", err)
	}
	used := map[string]bool{}
	for _, s := range cat.Stories() {
		for _, c := range s.Classes {
			used[c] = true
			if _, err := cat.Checklist(c); err != nil {
				t.Errorf("story %s: class %s has no checklist", s.ID, c)
			}
		}
		checks := []struct {
			field string
			n     int
			min   int
		}{
			{"symptoms", len(s.Symptoms), 5},
			{"errors", len(s.Errors), 1},
			{"alerts", len(s.Alerts), 1},
			{"components", len(s.Components), 1},
			{"lessons", len(s.Lessons), 1},
		}
		for _, c := range checks {
			if c.n < c.min {
				t.Errorf("story %s: %d %s, want at least %d", s.ID, c.n, c.field, c.min)
			}
		}
		for field, v := range map[string]string{"summary": s.Summary, "cause": s.Cause, "impact": s.Impact, "fix": s.Fix, "venue": s.Venue} {
			if v == "" {
				t.Errorf("story %s: %s is empty", s.ID, field)
			}
		}
	}
	for _, c := range cat.Classes() {
		cl, _ := cat.Checklist(c)
		if len(cl.Look) < 3 || len(cl.Mitigate) < 2 || len(cl.Fix) < 2 {
			t.Errorf("checklist %s: %d look, %d mitigate, %d fix steps; want at least 3, 2, 2", c, len(cl.Look), len(cl.Mitigate), len(cl.Fix))
		}
	}
	required := []string{"dns", "cpu-throttling", "node-networking", "control-plane", "node-health",
		"admission-webhooks", "memory", "scheduling", "ingress-lb", "config-change", "cluster-lifecycle",
		"container-runtime", "images-registry", "jobs-cronjobs", "stateful-data", "cloud-iam",
		"certificates", "service-mesh"}
	for _, c := range required {
		if _, err := cat.Checklist(c); err != nil {
			t.Errorf("Checklist(%q) = %v, want the class's checklist", c, err)
		}
	}
}
