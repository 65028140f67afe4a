package postmortem_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tacoma-bot/tacoma/knowledge/postmortem"
)

// The fields a document carries: everything but where it came from and the bookkeeping.
var documentFields = cmpopts.IgnoreFields(postmortem.Postmortem{}, "Source", "Markdown", "CreatedAt", "UpdatedAt")

func TestExportRoundTrip(t *testing.T) {
	ts := builtins(t)
	sparse := &postmortem.Postmortem{
		ID: "inc-42", Title: "Queue backlog", Status: postmortem.Final, Template: "brief",
		Started: time.Date(2024, 12, 31, 23, 40, 0, 0, time.UTC),
		Summary: "The queue backed up.",
		Timeline: []postmortem.Event{
			{At: time.Date(2024, 12, 31, 23, 40, 0, 0, time.UTC), Kind: postmortem.KindAlert, Who: "Alertmanager", Text: "QueueLatencyHigh"},
			{Kind: postmortem.KindNote, Text: "nobody remembers when the consumer was restarted"},
			{At: time.Date(2025, 1, 1, 0, 20, 0, 0, time.UTC), Kind: postmortem.KindResolved, Who: "Bo Chen", Text: "drained\nand closed"},
		},
	}
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		template string // "" exports without Markdown: the brief rendering in UTC
		p        *postmortem.Postmortem
		loc      *time.Location
	}{
		{"google-sre in Berlin", "google-sre", dnsIncident(), berlin(t)},
		{"atlassian in UTC", "atlassian", dnsIncident(), nil},
		{"brief in Tokyo", "brief", dnsIncident(), tokyo},
		{"no markdown", "", dnsIncident(), nil},
		{"sparse, across midnight, in Berlin", "brief", sparse, berlin(t)},
		{"sparse google-sre", "google-sre", sparse, nil},
		{"sparse without markdown", "", sparse, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := *tt.p
			p.Template = tt.template
			if tt.template != "" {
				md, err := ts.Render(tt.template, &p, tt.loc)
				if err != nil {
					t.Fatalf("Render: %v", err)
				}
				p.Markdown = md
			}
			doc, err := postmortem.Export(&p)
			if err != nil {
				t.Fatalf("Export: %v", err)
			}
			got, err := postmortem.Parse(p.ID+".md", doc)
			if err != nil {
				t.Fatalf("Parse(Export(p)): %v\n%s", err, doc)
			}
			want := p
			if tt.template == "" {
				want.Template = "brief"
			}
			if d := cmp.Diff(&want, got, documentFields); d != "" {
				t.Errorf("Parse(Export(p)) (-want +got):\n%s\n%s", d, doc)
			}
		})
	}
}

func TestExportRefreshesFrontMatter(t *testing.T) {
	data := []byte("---\r\ntitle: Old\r\nseverity: SEV3\r\nauthors: [someone]\r\ntimezone: Asia/Tokyo\r\nreview: 2025-01-27\r\n---\r\n# Queue backlog\r\n\r\n## Timeline\r\n\r\n- 2025-01-02 09:00 JST: consumer stuck\r\n")
	p, err := postmortem.Parse("q.md", data)
	if err != nil {
		t.Fatal(err)
	}
	p.Severity, p.Participants, p.Services = "SEV1", nil, []string{"queue"}
	doc, err := postmortem.Export(p)
	if err != nil {
		t.Fatalf("Export: %v", err)
	}
	want := "---\nid: queue-backlog\ntitle: Queue backlog\nstatus: final\nseverity: SEV1\ndate: 2025-01-02\n" +
		"started: 2025-01-02T09:00:00+09:00\ntimezone: Asia/Tokyo\nservices: [queue]\nreview: 2025-01-27\n---\n" +
		"# Queue backlog\n\n## Timeline\n\n- 2025-01-02 09:00 JST: consumer stuck\n"
	if d := cmp.Diff(want, string(doc)); d != "" {
		t.Errorf("Export (-want +got):\n%s", d)
	}
	again, err := postmortem.Parse("q.md", doc)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(p, again, documentFields); d != "" {
		t.Errorf("Parse(Export(p)) (-want +got):\n%s", d)
	}
}

func TestExportRefusesWhatWouldNotParse(t *testing.T) {
	for _, p := range []*postmortem.Postmortem{
		nil,
		{ID: "x", Title: "x", Markdown: "just a word"},
	} {
		if doc, err := postmortem.Export(p); err == nil {
			t.Errorf("Export(%+v) = %q, want an error", p, doc)
		}
	}
}

func TestExportWithoutMarkdownIsBrief(t *testing.T) {
	doc, err := postmortem.Export(dnsIncident())
	if err != nil {
		t.Fatal(err)
	}
	want, err := builtins(t).Render("brief", dnsIncident(), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if string(doc) != want {
		t.Errorf("Export without Markdown differs from the brief rendering:\n%s", cmp.Diff(want, string(doc)))
	}
	if !strings.Contains(want, "| 13:52 | alert |") {
		t.Errorf("brief rendering is not in UTC:\n%s", want)
	}
}

func BenchmarkExport(b *testing.B) {
	p := dnsIncident()
	for b.Loop() {
		if _, err := postmortem.Export(p); err != nil {
			b.Fatal(err)
		}
	}
}
