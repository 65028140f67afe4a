package postmortem_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tacoma-bot/tacoma/knowledge/postmortem"
)

// FuzzTemplate feeds arbitrary text to LoadTemplates as a team's template file and renders it
// on a full postmortem: a file that does not parse is an error naming it; one that parses
// renders tidy Markdown within the size cap, or fails with an error naming the template, and
// returns within the render deadline plus slack, never hanging.
func FuzzTemplate(f *testing.F) {
	files, err := filepath.Glob("templates/*.tmpl")
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data))
	}
	for _, s := range []string{
		"", "{{", "{{.Nope}}", "{{range .Timeline}}{{time .At}} {{md .Text}}\n{{end}}", "{{template \"nope\"}}",
		"{{define \"x\"}}{{template \"x\" .}}{{end}}{{template \"x\" .}}", "{{index .Alerts 99}}", "{{range 3}}{{.}}{{end}}",
		"{{range $i, $e := .Timeline}}{{range $.Timeline}}{{$.Summary}}{{end}}{{end}}", "{{printf \"%0999999d\" 1}}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		dir := t.TempDir()
		file := filepath.Join(dir, "fuzz.md.tmpl")
		if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		ts, err := postmortem.LoadTemplates(dir)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "template "+file+": ") {
				t.Fatalf("LoadTemplates error %q does not name the file", err)
			}
			return
		}
		out, err := renderWithin(t, ts, "fuzz", 20*time.Second)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "render fuzz: ") {
				t.Fatalf("Render error %q does not name the template", err)
			}
			return
		}
		if len(out) > 1<<20+1 || !strings.HasSuffix(out, "\n") || strings.Contains(out, "\n\n\n") {
			t.Fatalf("Render = %d bytes, not tidy Markdown within the cap: %.200q", len(out), out)
		}
	})
}
