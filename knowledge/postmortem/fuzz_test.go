package postmortem_test

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/tacoma-bot/tacoma/knowledge/postmortem"
)

// FuzzParse feeds Parse arbitrary documents: it must never panic, and it returns either a
// *ParseError naming the file or a postmortem with a usable ID and a title, which Export writes
// back as a document Parse accepts. The seeds are the import corpus and testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"testdata/import/*.md", "testdata/import/broken/*.md"} {
		files, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	id := regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := postmortem.Parse("fuzz.md", data)
		if err != nil {
			var pe *postmortem.ParseError
			if !errors.As(err, &pe) || pe.File != "fuzz.md" || pe.Reason == "" {
				t.Fatalf("Parse error %T %q, want a *ParseError naming fuzz.md", err, err)
			}
			return
		}
		if !id.MatchString(p.ID) || p.Title == "" {
			t.Fatalf("Parse = ID %q, title %q; want both set", p.ID, p.Title)
		}
		doc, err := postmortem.Export(p)
		if err != nil {
			t.Fatalf("Export(Parse(data)): %v", err)
		}
		if _, err := postmortem.Parse("fuzz.md", doc); err != nil {
			t.Fatalf("Parse(Export(Parse(data))): %v\n%s", err, doc)
		}
	})
}
