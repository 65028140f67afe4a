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
	corpus, _ := filepath.Glob("../../knowledge/postmortem/testdata/import/*.md")
	src := b.TempDir()
	for i := range 170 {
		for _, f := range corpus {
			data, err := os.ReadFile(f)
			if err != nil {
				b.Fatal(err)
			}
			id := fmt.Sprintf("bench-%d-%s", i, filepath.Base(f[:len(f)-3]))
			if bytes.HasPrefix(data, []byte("---")) {
				data = append([]byte("---\nid: "+id), bytes.Replace(data[3:], []byte("\nid:"), []byte("\nold_id:"), 1)...)
			} else {
				data = append([]byte("---\nid: "+id+"\n---\n"), data...)
			}
			if err := os.WriteFile(filepath.Join(src, id+".md"), data, 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	files := 170 * len(corpus)
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
