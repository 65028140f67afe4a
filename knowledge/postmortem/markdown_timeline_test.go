package postmortem_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tacoma-bot/tacoma/knowledge/postmortem"
)

// Each way teams write a timeline line, read in a document that says the day once.
func TestParseTimelineLines(t *testing.T) {
	day := func(h, m int, loc *time.Location) time.Time { return time.Date(2024, 3, 5, h, m, 0, 0, loc) }
	cet := time.FixedZone("CET", 3600)
	tests := []struct {
		line string
		want postmortem.Event
	}{
		{"- 14:02 UTC: CoreDNS errors", postmortem.Event{At: day(14, 2, time.UTC), Text: "CoreDNS errors"}},
		{"| 2024-03-05 14:02 | CoreDNS errors |", postmortem.Event{At: day(14, 2, time.UTC), Text: "CoreDNS errors"}},
		{"**14:02** CoreDNS errors", postmortem.Event{At: day(14, 2, time.UTC), Text: "CoreDNS errors"}},
		{"14:02 - CoreDNS errors", postmortem.Event{At: day(14, 2, time.UTC), Text: "CoreDNS errors"}},
		{"- **14:02 CET** — CoreDNS errors", postmortem.Event{At: day(14, 2, cet), Text: "CoreDNS errors"}},
		{"* [14:02] CoreDNS errors", postmortem.Event{At: day(14, 2, time.UTC), Text: "CoreDNS errors"}},
		{"1. 2:02 pm: CoreDNS errors", postmortem.Event{At: day(14, 2, time.UTC), Text: "CoreDNS errors"}},
		{"- 2024-03-05T14:02:00+01:00 CoreDNS errors", postmortem.Event{At: day(14, 2, cet), Text: "CoreDNS errors"}},
		{"- 14:02:31 DNS errors spike", postmortem.Event{At: time.Date(2024, 3, 5, 14, 2, 31, 0, time.UTC), Text: "DNS errors spike"}},
		{"- 14:02 PST: CoreDNS errors", postmortem.Event{At: day(14, 2, time.FixedZone("PST", -8*3600)), Text: "CoreDNS errors"}},
		{"- about half past two: CoreDNS errors", postmortem.Event{Text: "about half past two: CoreDNS errors"}},
		{"- 25:61 CoreDNS errors", postmortem.Event{Text: "25:61 CoreDNS errors"}},
		{"#4412 filed for the runbook", postmortem.Event{Text: "#4412 filed for the runbook"}},
		{"Time to restore was long", postmortem.Event{Text: "Time to restore was long"}},
		{"- 2024-03-06: deploy frozen", postmortem.Event{Text: "2024-03-06: deploy frozen"}},
	}
	for _, tt := range tests {
		doc := "---\ndate: 2024-03-05\n---\n# DNS\n\n## Timeline\n\n" + tt.line + "\n"
		p, err := postmortem.Parse("t.md", []byte(doc))
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.line, err)
		}
		tt.want.Kind = postmortem.KindNote
		if d := cmp.Diff([]postmortem.Event{tt.want}, p.Timeline); d != "" {
			t.Errorf("timeline of %q (-want +got):\n%s", tt.line, d)
		}
	}
}

// Without any date, a time of day cannot be placed: the line is kept as text.
func TestParseTimelineWithoutDate(t *testing.T) {
	doc := "# DNS outage\n\n## Timeline\n\n- 14:02 UTC: CoreDNS errors\n- 14:10 UTC: rolled back\n"
	p, err := postmortem.Parse("t.md", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := []postmortem.Event{
		{Kind: postmortem.KindNote, Text: "14:02 UTC: CoreDNS errors"},
		{Kind: postmortem.KindNote, Text: "14:10 UTC: rolled back"},
	}
	if d := cmp.Diff(want, p.Timeline); d != "" {
		t.Errorf("timeline (-want +got):\n%s", d)
	}
}
