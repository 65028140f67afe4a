package postmortem_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tacoma-bot/tacoma/knowledge/postmortem"
)

// A template that loops cannot hang a draft: Render gives up after its deadline with an error
// that says why, refuses that template afterwards, and the other templates still work.
func TestTemplateThatLoopsCannotHangADraft(t *testing.T) {
	ts, err := postmortem.LoadTemplates(writeTemplates(t, map[string]string{
		"spin.md.tmpl":   "{{range 10000}}{{range 10000}}{{range 10000}}{{end}}{{end}}{{end}}",
		"nested.md.tmpl": "{{range 10000}}{{range 10000}}{{end}}{{range 10000}}{{range 10000}}{{end}}{{end}}{{end}}",
		"writes.md.tmpl": "# {{.Heading}}\n{{range 10000}}{{range 10000}}{{range 100}}{{end}}{{end}}.{{end}}",
		"data.md.tmpl":   "{{range .Timeline}}{{range $.Timeline}}{{range $.Timeline}}{{range 10000}}{{range 1000}}{{end}}{{end}}{{end}}{{end}}{{end}}",
	}))
	if err != nil {
		t.Fatalf("LoadTemplates: %v", err)
	}
	tests := []string{"spin", "nested", "writes", "data"}
	for _, name := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for attempt := range 2 { // the second attempt meets a template already known to loop
				got, err := renderWithin(t, ts, name, 30*time.Second)
				if err == nil || !strings.HasPrefix(err.Error(), "render "+name+": took longer than") || !strings.Contains(err.Error(), "does the template loop?") {
					t.Errorf("Render(%q) attempt %d = %d bytes, error %v; want a timeout error", name, attempt, len(got), err)
				}
			}
		})
	}
	t.Cleanup(func() {
		if _, err := ts.Render("google-sre", dnsIncident(), nil); err != nil {
			t.Errorf("Render(google-sre) after the looping templates: %v", err)
		}
	})
}

// renderWithin renders, failing the test instead of hanging it if Render does not return.
func renderWithin(t *testing.T, ts *postmortem.Templates, name string, limit time.Duration) (string, error) {
	t.Helper()
	type result struct {
		out string
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := ts.Render(name, dnsIncident(), nil)
		done <- result{out, err}
	}()
	select {
	case r := <-done:
		return r.out, r.err
	case <-time.After(limit):
		t.Fatalf("Render(%q) still running after %v", name, limit)
		return "", nil
	}
}

// A range over a huge number is refused when the template is loaded, naming where it is.
func TestTemplateRangeOverAHugeNumberIsRefusedAtLoad(t *testing.T) {
	_, err := postmortem.LoadTemplates(writeTemplates(t, map[string]string{
		"spin.md.tmpl": "# title\n{{if .Title}}{{range 100000000}}{{end}}{{end}}",
	}))
	if err == nil || !strings.Contains(err.Error(), "spin.md.tmpl") || !strings.Contains(err.Error(), "spin:2:") || !strings.Contains(err.Error(), "at most 10000 iterations") {
		t.Fatalf("LoadTemplates = %v; want the file, line and the limit", err)
	}
}
