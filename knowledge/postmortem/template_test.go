package postmortem_test

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tacoma-bot/tacoma/knowledge/postmortem"
)

// updateGolden rewrites the golden files of this package's tests: go test -run TestRender -update.
var updateGolden = flag.Bool("update", false, "rewrite golden files under testdata/")

// golden compares got with testdata/<name>.golden, or rewrites it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *updateGolden {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	if d := cmp.Diff(string(want), got); d != "" {
		t.Errorf("%s differs (-want +got, -update to accept):\n%s", path, d)
	}
}

func builtins(t *testing.T) *postmortem.Templates {
	t.Helper()
	ts, err := postmortem.LoadTemplates("")
	if err != nil {
		t.Fatalf("LoadTemplates: %v", err)
	}
	return ts
}

// almostEmpty is what a draft of a quiet channel looks like: a status and nothing else.
func almostEmpty() *postmortem.Postmortem {
	return &postmortem.Postmortem{Status: postmortem.Draft, Source: postmortem.FromSlack}
}

func TestRender(t *testing.T) {
	ts := builtins(t)
	tests := []struct {
		name string
		p    *postmortem.Postmortem
		loc  *time.Location
	}{
		{"full", dnsIncident(), berlin(t)},
		{"empty", almostEmpty(), nil},
	}
	for _, tmpl := range []string{"google-sre", "atlassian", "brief"} {
		for _, tt := range tests {
			t.Run(tmpl+"_"+tt.name, func(t *testing.T) {
				got, err := ts.Render(tmpl, tt.p, tt.loc)
				if err != nil {
					t.Fatalf("Render(%q): %v", tmpl, err)
				}
				golden(t, "TestRender/"+tmpl+"_"+tt.name, got)
			})
		}
	}
}

// A responder reading a draft must never see Go's zero values.
func TestRenderEmptyHasOnlyPlaceholders(t *testing.T) {
	ts := builtins(t)
	bad := regexp.MustCompile(`<no value>|0001-01-01|\{\{|%!`)
	for _, name := range ts.Names() {
		for _, p := range []*postmortem.Postmortem{{}, almostEmpty(), {Title: "t", Timeline: []postmortem.Event{{Kind: "note", Text: "undated"}}}} {
			got, err := ts.Render(name, p, nil)
			if err != nil {
				t.Fatalf("Render(%q): %v", name, err)
			}
			if m := bad.FindString(got); m != "" {
				t.Errorf("Render(%q, %+v) contains %q:\n%s", name, p, m, got)
			}
			if !strings.Contains(got, "_TODO: ") {
				t.Errorf("Render(%q) of an empty postmortem has no TODO placeholder:\n%s", name, got)
			}
		}
	}
}

func TestRenderMultiDayTimeline(t *testing.T) {
	p := dnsIncident()
	p.Timeline = []postmortem.Event{
		{At: time.Date(2024, 6, 2, 21, 50, 0, 0, time.UTC), Kind: postmortem.KindAlert, Who: "Alertmanager", Text: "etcdMembersDown"},
		{Kind: postmortem.KindNote, Text: "no one on call saw it"},
		{At: time.Date(2024, 6, 3, 5, 45, 0, 0, time.UTC), Kind: postmortem.KindReport, Who: "Ana Lima", Text: "etcd is down"},
	}
	p.Started, p.Detected, p.Mitigated, p.Resolved = p.Timeline[0].At, p.Timeline[2].At, time.Time{}, time.Time{}
	got, err := builtins(t).Render("brief", p, berlin(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"All times CEST.",
		"### 2024-06-02\n\n| Time (CEST) | Kind | Who | Event |",
		"| 23:50 | alert | Alertmanager | etcdMembersDown |\n|  | note |  | no one on call saw it |",
		"### 2024-06-03",
		"| 07:45 | report | Ana Lima | etcd is down |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("Render(brief) lacks %q:\n%s", want, got)
		}
	}
}

func TestRenderUnknownTemplate(t *testing.T) {
	_, err := builtins(t).Render("five-whys", dnsIncident(), nil)
	var ue *postmortem.UnknownTemplateError
	if !errors.As(err, &ue) {
		t.Fatalf("Render(five-whys) error = %v, want *UnknownTemplateError", err)
	}
	want := &postmortem.UnknownTemplateError{Name: "five-whys", Available: []string{"atlassian", "brief", "google-sre"}}
	if d := cmp.Diff(want, ue); d != "" {
		t.Errorf("error (-want +got):\n%s", d)
	}
	if msg := err.Error(); !strings.Contains(msg, "atlassian, brief, google-sre") {
		t.Errorf("error %q does not list the templates", msg)
	}
}

func TestDefaultTemplate(t *testing.T) {
	ts := builtins(t)
	if got := ts.Default(); got != "google-sre" {
		t.Errorf("Default() = %q, want google-sre", got)
	}
	if _, err := ts.Render(ts.Default(), dnsIncident(), nil); err != nil {
		t.Errorf("Render(Default()): %v", err)
	}
}

func writeTemplates(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadTemplatesCustom(t *testing.T) {
	dir := writeTemplates(t, map[string]string{
		"brief.md.tmpl":   "{{.FrontMatter}}\n# {{.Heading}}\n\nOurs, in {{.Zone}}: {{todo .Summary \"say it\"}}\n",
		"ours.md.tmpl":    "# {{.Heading}}\n\n{{template \"timeline\" .}}\n",
		"notes.txt":       "not a template",
		"draft.md.bak":    "{{",
		"oneline.md.tmpl": "{{.Title}} started {{time .Started}}, detected after {{duration .Started .Detected}}\n",
	})
	ts, err := postmortem.LoadTemplates(dir)
	if err != nil {
		t.Fatalf("LoadTemplates: %v", err)
	}
	if d := cmp.Diff([]string{"atlassian", "brief", "google-sre", "oneline", "ours"}, ts.Names()); d != "" {
		t.Errorf("Names() (-want +got):\n%s", d)
	}
	tests := []struct {
		name, want string
	}{
		{"brief", "# Checkout DNS timeouts: CoreDNS overwhelmed by ndots:5 lookups\n\nOurs, in CET: Checkout requests"},
		{"ours", "| 14:52 | alert | Alertmanager | [FIRING:3] CoreDNSErrorsHigh (kube-system coredns) |"},
		{"oneline", "lookups started 2025-02-11 14:52 CET, detected after 3m\n"},
	}
	for _, tt := range tests {
		got, err := ts.Render(tt.name, dnsIncident(), berlin(t))
		if err != nil {
			t.Fatalf("Render(%q): %v", tt.name, err)
		}
		if !strings.Contains(got, tt.want) {
			t.Errorf("Render(%q) = %q, want it to contain %q", tt.name, got, tt.want)
		}
	}
}

func TestLoadTemplatesErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string // in the error message
	}{
		{"unclosed action", map[string]string{"bad.md.tmpl": "# {{.Title}}\n\n{{range .Alerts}}\n- {{.}}\n"}, []string{"bad.md.tmpl", "bad:", "unexpected EOF"}},
		{"unknown function", map[string]string{"ours.md.tmpl": "# ok\n\n{{shout .Title}}\n"}, []string{"ours.md.tmpl", ":3:", `function "shout" not defined`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := postmortem.LoadTemplates(writeTemplates(t, tt.files))
			if err == nil {
				t.Fatal("LoadTemplates succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	if _, err := postmortem.LoadTemplates(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("LoadTemplates(missing folder) succeeded, want an error")
	}
}

func TestRenderFailures(t *testing.T) {
	dir := writeTemplates(t, map[string]string{
		"midway.md.tmpl": "# {{.Heading}}\n{{index .Alerts 7}}\n",
		"loop.md.tmpl":   "{{define \"again\"}}{{.Summary}}{{.Summary}}{{template \"again\" .}}{{end}}{{template \"again\" .}}",
		"wide.md.tmpl":   "{{range .Timeline}}{{range $.Timeline}}{{range $.Timeline}}{{range $.Timeline}}{{range $.Timeline}}{{$.Summary}}{{end}}{{end}}{{end}}{{end}}{{end}}",
	})
	ts, err := postmortem.LoadTemplates(dir)
	if err != nil {
		t.Fatalf("LoadTemplates: %v", err)
	}
	tests := []struct {
		name string
		want string
	}{
		{"midway", "render midway: "},
		{"loop", "render loop: output passed 1048576 bytes"},
		{"wide", "render wide: output passed 1048576 bytes"},
	}
	for _, tt := range tests {
		got, err := ts.Render(tt.name, dnsIncident(), nil)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("Render(%q) = %d bytes, error %v; want an error starting %q", tt.name, len(got), err, tt.want)
		}
	}
}

// The README's example is run, so that the documentation cannot drift from the code.
func TestTemplatesREADMEExample(t *testing.T) {
	readme, err := os.ReadFile("templates/README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```gotemplate\n(.*?)```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("templates/README.md has no ```gotemplate example")
	}
	out := regexp.MustCompile("(?s)```markdown\n(.*?)```").FindSubmatch(readme)
	if out == nil {
		t.Fatal("templates/README.md has no ```markdown output for its example")
	}
	ts, err := postmortem.LoadTemplates(writeTemplates(t, map[string]string{"oncall.md.tmpl": string(m[1])}))
	if err != nil {
		t.Fatalf("LoadTemplates(README example): %v", err)
	}
	p := dnsIncident()
	p.Timeline = p.Timeline[:3]
	got, err := ts.Render("oncall", p, berlin(t))
	if err != nil {
		t.Fatalf("Render(README example): %v", err)
	}
	got = got[strings.Index(got, "\n---\n")+5:] // the front matter is elided in the README
	if d := cmp.Diff(strings.TrimSpace(string(out[1])), strings.TrimSpace(got)); d != "" {
		t.Errorf("README example output (-readme +rendered):\n%s", d)
	}
	if _, err := postmortem.Parse("oncall.md", []byte(got)); err != nil {
		t.Errorf("Parse(README example output): %v", err)
	}
}

// Render runs for several channels at once: each call shows times in its own zone.
func TestRenderConcurrent(t *testing.T) {
	ts := builtins(t)
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	locs := []*time.Location{time.UTC, berlin(t), tokyo}
	want := map[*time.Location]string{}
	for _, loc := range locs {
		if want[loc], err = ts.Render("google-sre", dnsIncident(), loc); err != nil {
			t.Fatal(err)
		}
	}
	errs := make(chan error, 30)
	for i := range cap(errs) {
		go func() {
			loc := locs[i%len(locs)]
			got, err := ts.Render("google-sre", dnsIncident(), loc)
			if err == nil && got != want[loc] {
				err = errors.New("output in " + loc.String() + " differs from a lone Render")
			}
			errs <- err
		}()
	}
	for range cap(errs) {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func BenchmarkRender(b *testing.B) {
	ts, err := postmortem.LoadTemplates("")
	if err != nil {
		b.Fatal(err)
	}
	p := dnsIncident()
	for b.Loop() {
		if _, err := ts.Render("google-sre", p, time.UTC); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoadTemplates(b *testing.B) {
	for b.Loop() {
		if _, err := postmortem.LoadTemplates(""); err != nil {
			b.Fatal(err)
		}
	}
}
