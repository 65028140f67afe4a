package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkImport imports 2,040 Markdown postmortems (the import corpus, 170 times over with
// distinct IDs) into a fresh SQLite store and reports files per second.
func BenchmarkImport(b *testing.B) {
	src := b.TempDir()
	files := writeImportCorpus(b, src, 170)
	var took time.Duration
	for i := 0; i < b.N; i++ {
		b.Setenv("TACOMA_DATA_DIR", b.TempDir())
		b.Setenv("TACOMA_DATABASE_URL", "")
		start := time.Now()
		e := env{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
		if err := runImport(b.Context(), e, []string{src}); err != nil {
			b.Fatalf("import: %v\n%s", err, e.stdout)
		}
		took += time.Since(start)
	}
	b.ReportMetric(float64(files*b.N)/took.Seconds(), "files/s")
}

// writeImportCorpus writes the import corpus copies times over into dir, each file with an ID of
// its own, and returns how many files it wrote.
func writeImportCorpus(tb testing.TB, dir string, copies int) int {
	tb.Helper()
	corpus, _ := filepath.Glob("../../knowledge/postmortem/testdata/import/*.md")
	for i := range copies {
		for _, f := range corpus {
			data, err := os.ReadFile(f)
			if err != nil {
				tb.Fatal(err)
			}
			id := fmt.Sprintf("bench-%d-%s", i, filepath.Base(f[:len(f)-3]))
			if bytes.HasPrefix(data, []byte("---")) {
				data = append([]byte("---\nid: "+id), bytes.Replace(data[3:], []byte("\nid:"), []byte("\nold_id:"), 1)...)
			} else {
				data = append([]byte("---\nid: "+id+"\n---\n"), data...)
			}
			if err := os.WriteFile(filepath.Join(dir, id+".md"), data, 0o644); err != nil {
				tb.Fatal(err)
			}
		}
	}
	return copies * len(corpus)
}
