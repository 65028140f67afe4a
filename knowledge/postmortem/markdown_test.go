package postmortem_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tacoma-bot/tacoma/knowledge/postmortem"
)

// shape is what a corpus test checks of a parsed postmortem.
type shape struct {
	ID, Title, Status string
	Filled            string // the non-empty fields, in a fixed order
	Timeline, Undated int    // events, and events without a time
	First             string // the first event's time in UTC, "" when none has one
	Actions, Lessons  int
}

func shapeOf(p *postmortem.Postmortem) shape {
	var filled []string
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"summary", p.Summary != ""}, {"impact", p.Impact != ""}, {"root", p.RootCause != ""},
		{"trigger", p.Trigger != ""}, {"detection", p.Detection != ""}, {"resolution", p.Resolution != ""},
		{"severity", p.Severity != ""}, {"services", len(p.Services) > 0}, {"alerts", len(p.Alerts) > 0},
		{"classes", len(p.Classes) > 0}, {"participants", len(p.Participants) > 0}, {"similar", len(p.Similar) > 0},
		{"channel", p.Channel != "" || p.ChannelName != ""}, {"detected", !p.Detected.IsZero()},
	} {
		if f.set {
			filled = append(filled, f.name)
		}
	}
	s := shape{ID: p.ID, Title: p.Title, Status: p.Status, Filled: strings.Join(filled, " "),
		Timeline: len(p.Timeline), Actions: len(p.ActionItems), Lessons: len(p.Lessons)}
	for _, e := range p.Timeline {
		switch {
		case e.At.IsZero():
			s.Undated++
		case s.First == "":
			s.First = e.At.UTC().Format(time.RFC3339)
		}
	}
	return s
}

func TestParseCorpus(t *testing.T) {
	tests := []struct {
		file string
		want shape
	}{
		{"google-sre-etcd.md", shape{
			ID: "api-server-slowness-from-etcd-disk-latency", Title: "API server slowness from etcd disk latency", Status: postmortem.Final,
			Filled:   "summary impact root trigger detection resolution participants",
			Timeline: 8, First: "2024-04-18T10:14:00Z", Actions: 3, Lessons: 4,
		}},
		{"atlassian-cert-manager.md", shape{
			ID: "expired-ingress-certificate-took-down-the-customer-portal", Title: "Expired ingress certificate took down the customer portal", Status: postmortem.Final,
			Filled:   "summary impact root trigger detection resolution severity services classes participants similar",
			Timeline: 7, First: "2024-05-14T09:02:00Z", Actions: 3, Lessons: 2,
		}},
		{"gitlab-issue-sidekiq.md", shape{
			ID: "redis-failover-left-sidekiq-jobs-stuck-for-three-hours", Title: "Redis failover left Sidekiq jobs stuck for three hours", Status: postmortem.Final,
			Filled:   "summary impact root severity services",
			Timeline: 7, First: "2024-06-02T14:02:00Z", Actions: 3, Lessons: 3,
		}},
		{"terse-ingress-drain.md", shape{
			ID: "ingress-pods-all-drained-during-node-pool-upgrade", Title: "Ingress pods all drained during node pool upgrade", Status: postmortem.Final,
			Filled: "impact root resolution", Actions: 1,
		}},
		{"table-timeline-ebs.md", shape{
			ID: "2024-02-29-ebs-attach-limit", Title: "Database pods stuck in ContainerCreating after hitting the EBS attach limit", Status: postmortem.Final,
			Filled:   "summary impact root severity services alerts",
			Timeline: 7, First: "2024-03-01T04:31:00Z", Actions: 2,
		}},
		{"no-front-matter-hpa.md", shape{
			ID: "hpa-flapping-after-metrics-server-upgrade-2024-01-17", Title: "HPA flapping after metrics-server upgrade (2024-01-17)", Status: postmortem.Final,
			Filled: "summary impact root", Timeline: 6, First: "2024-01-17T09:05:00Z", Lessons: 1,
		}},
		{"crlf-irsa.md", shape{
			ID: "irsa-pods-lost-aws-access-after-trust-policy-change", Title: "IRSA pods lost AWS access after trust policy change", Status: postmortem.Draft,
			Filled: "summary impact root severity services", Timeline: 4, First: "2024-08-21T13:10:00Z", Actions: 2,
		}},
		{"h1-sections-kafka.md", shape{
			ID: "kafka-consumer-lag-from-a-rebalancing-storm", Title: "Kafka consumer lag from a rebalancing storm", Status: postmortem.Final,
			Filled: "summary impact root resolution services alerts", Timeline: 5, First: "2024-09-10T14:12:00Z", Actions: 2,
		}},
		{"numbered-headings-rds.md", shape{
			ID: "rds-unreachable-after-security-group-rule-removed-by", Title: "RDS unreachable after security group rule removed by Terraform", Status: postmortem.Final,
			Filled: "summary impact root", Timeline: 6, First: "2024-03-12T08:41:00Z", Actions: 2,
		}},
		{"unknown-sections-autoscaler.md", shape{
			ID: "cluster-autoscaler-blocked-by-ec2-vcpu-quota", Title: "Cluster autoscaler blocked by EC2 vCPU quota", Status: postmortem.Final,
			Filled: "summary severity", Actions: 2,
		}},
		{"edited-draft-dns.md", shape{
			ID: "2025-01-20-search-dns", Title: "Search API errors: CoreDNS upstream timeouts", Status: postmortem.Final,
			Filled:   "summary impact root trigger detection resolution severity services alerts classes participants similar channel detected",
			Timeline: 5, First: "2025-01-20T09:04:00Z", Actions: 2, Lessons: 2,
		}},
		{"multiday-etcd-certs.md", shape{
			ID: "etcd-peer-certificates-expired-during-rotation", Title: "etcd peer certificates expired during rotation", Status: postmortem.Final,
			Filled: "summary root severity services", Timeline: 5, First: "2024-06-02T23:50:00Z", Actions: 2,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "import", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			p, err := postmortem.Parse(tt.file, data)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.file, err)
			}
			if d := cmp.Diff(tt.want, shapeOf(p)); d != "" {
				t.Errorf("Parse(%q) (-want +got):\n%s", tt.file, d)
			}
			if p.Source != postmortem.FromImport || p.Markdown == "" || strings.Contains(p.Markdown, "\r") {
				t.Errorf("Parse(%q): source %q, markdown %d bytes with CR %v", tt.file, p.Source, len(p.Markdown), strings.Contains(p.Markdown, "\r"))
			}
		})
	}
	// Every file of the corpus is in the table.
	files, _ := filepath.Glob(filepath.Join("testdata", "import", "*.md"))
	if len(files) != len(tests) {
		t.Errorf("testdata/import has %d files, the table %d", len(files), len(tests))
	}
}

// Details the corpus shapes leave out.
func TestParseCorpusDetails(t *testing.T) {
	parse := func(file string) *postmortem.Postmortem {
		t.Helper()
		data, err := os.ReadFile(filepath.Join("testdata", "import", file))
		if err != nil {
			t.Fatal(err)
		}
		p, err := postmortem.Parse(file, data)
		if err != nil {
			t.Fatalf("Parse(%q): %v", file, err)
		}
		return p
	}
	ebs := parse("table-timeline-ebs.md")
	gitlab := parse("gitlab-issue-sidekiq.md")
	autoscaler := parse("unknown-sections-autoscaler.md")
	certs := parse("atlassian-cert-manager.md")
	tests := []struct {
		name      string
		got, want any
	}{
		{"table timeline crosses midnight in New York", ebs.Timeline[4].At.UTC(), time.Date(2024, 3, 1, 5, 12, 0, 0, time.UTC)},
		{"table who column", ebs.Timeline[3].Who, "Jun Park"},
		{"checkboxes stripped", gitlab.ActionItems[2], "Alert on READONLY error rate (#4413)"},
		{"unknown section kept in summary", strings.Contains(autoscaler.Summary, "**Background**\n\nThe batch cluster runs spot"), true},
		{"numbered table takes the text column", certs.ActionItems[0], "Alert when any Certificate is not Ready for 1 hour"},
		{"front matter aliases", certs.Participants, []postmortem.Participant{{Name: "Lena Fischer"}, {Name: "Marco Bianchi"}}},
		{"related record", certs.Similar, []postmortem.Similar{{ID: "2022-wildcard-certificate-expiry", Title: "2022 wildcard certificate expiry", URL: "https://wiki.example.com/pm/2022-wildcard"}}},
		{"date without times starts the day", autoscaler.Started, time.Date(2024, 10, 3, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		if d := cmp.Diff(tt.want, tt.got); d != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, d)
		}
	}
}

func TestParseErrors(t *testing.T) {
	huge := append([]byte("# Huge\n\n## Summary\n\n"), bytes.Repeat([]byte("All work and no play. "), 50000)...)
	tests := []struct {
		file string
		data []byte // nil: read testdata/import/broken/<file>
		want string
	}{
		{"empty.md", nil, "empty.md: empty file"},
		{"whitespace.md", nil, "whitespace.md: empty file"},
		{"screenshot.md", nil, "screenshot.md: binary file, not Markdown text"},
		{"utf16.md", nil, "utf16.md: UTF-16 text: save it as UTF-8"},
		{"latin1.md", nil, "latin1.md:5: not UTF-8 text: save it as UTF-8"},
		{"bad-front-matter.md", nil, "bad-front-matter.md:3: front matter: did not find expected ',' or ']'"},
		{"unclosed-front-matter.md", nil, `unclosed-front-matter.md:1: front matter has no closing "---" line`},
		{"bad-timezone.md", nil, `bad-timezone.md:3: front matter "timezone": want a time zone such as Europe/Berlin or UTC`},
		{"bad-id.md", nil, `bad-id.md:2: front matter "id": want an ID of letters, digits, '.', '_' and '-'`},
		{"bad-date.md", nil, `bad-date.md:3: front matter "started": want a time such as 2024-03-05T14:02:00Z`},
		{"front-matter-only.md", nil, "front-matter-only.md: no title and no content"},
		{"only-title.md", nil, "only-title.md: too little to match on: 0 words and no section such as Summary, Impact, Root cause or Timeline"},
		{"huge.md", huge, "huge.md: larger than 1 MiB (1100020 bytes): remove inlined images or attachments"},
		{"short.md", []byte("# Outage\n\nThe site was down for a bit and then it came back.\n"), "short.md: too little to match on: 12 words and no section such as Summary, Impact, Root cause or Timeline"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data := tt.data
			if data == nil {
				var err error
				if data, err = os.ReadFile(filepath.Join("testdata", "import", "broken", tt.file)); err != nil {
					t.Fatal(err)
				}
			}
			p, err := postmortem.Parse(tt.file, data)
			var pe *postmortem.ParseError
			if !errors.As(err, &pe) || err.Error() != tt.want {
				t.Fatalf("Parse(%q) = %v, %v; want *ParseError %q", tt.file, p, err, tt.want)
			}
		})
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "import", "broken", "*.md"))
	if len(files) != len(tests)-2 {
		t.Errorf("testdata/import/broken has %d files, the table %d", len(files), len(tests)-2)
	}
}

func TestParseHeadings(t *testing.T) {
	tests := []struct {
		heading string
		field   string // the shape name of the field its text lands in
	}{
		{"## Executive Summary", "summary"},
		{"## TL;DR", "summary"},
		{"### Overview", "summary"},
		{"## Customer impact", "impact"},
		{"## 3. Root Cause(s)", "root"},
		{"## Contributing factors", "root"},
		{"## Five Whys", "root"},
		{"## Trigger", "trigger"},
		{"## Detection", "detection"},
		{"## Mitigation", "resolution"},
		{"## Recovery", "resolution"},
		{"## Remediation", "resolution"},
		{"## Impact on checkout", "impact"},
		{"**Root causes:**", "root"},
		{"## Customer communication", "summary"}, // unknown: kept in Summary
	}
	for _, tt := range tests {
		doc := "# DNS outage\n\n" + tt.heading + "\n\nCoreDNS ran out of memory while a batch job resolved names thousands of times a second, and every pod in the cluster waited on it for answers that did not come, so checkout and search timed out for most of an hour.\n"
		p, err := postmortem.Parse("h.md", []byte(doc))
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.heading, err)
		}
		if got := shapeOf(p).Filled; got != tt.field {
			t.Errorf("Parse(%q) filled %q, want %q", tt.heading, got, tt.field)
		}
	}
}

func TestParseActionItems(t *testing.T) {
	tests := []struct {
		name, section string
		want          []string
	}{
		{"checklist", "- [ ] Set ndots:2\n- [x] Run NodeLocal DNSCache\n", []string{"Set ndots:2", "Run NodeLocal DNSCache"}},
		{"numbered, wrapped", "1. Set ndots:2 on every\n   namespace's pods\n2. Alert on CoreDNS memory\n", []string{"Set ndots:2 on every\nnamespace's pods", "Alert on CoreDNS memory"}},
		{"issue numbers", "#4411 Upgrade redis-client\n\n#4412 Restart Sidekiq in the runbook\n", []string{"#4411 Upgrade redis-client", "#4412 Restart Sidekiq in the runbook"}},
		{"table without text header", "| # | Owner | Thing to do |\n|---|---|---|\n| 1 | ana | Set ndots:2 |\n", []string{"Set ndots:2"}},
		{"placeholder only", "_TODO: list the action items_\n", nil},
	}
	for _, tt := range tests {
		doc := "# DNS outage\n\n## Summary\n\nCoreDNS ran out of memory.\n\n## Action items\n\n" + tt.section
		p, err := postmortem.Parse("a.md", []byte(doc))
		if err != nil {
			t.Fatalf("%s: Parse: %v", tt.name, err)
		}
		if d := cmp.Diff(tt.want, p.ActionItems); d != "" {
			t.Errorf("%s: action items (-want +got):\n%s", tt.name, d)
		}
	}
}

func TestParseTitleAndID(t *testing.T) {
	body := "\n\n## Summary\n\nCoreDNS ran out of memory.\n"
	tests := []struct {
		name, doc string
		title, id string
	}{
		{"heading", "# DNS outage" + body, "DNS outage", "dns-outage"},
		{"front matter", "---\ntitle: From front matter\nid: INC-1234\n---\n" + body, "From front matter", "INC-1234"},
		{"heading before front matter title", "---\ntitle: Old title\n---\n# New title" + body, "New title", "new-title"},
		{"first line", "DNS outage on the 5th" + body, "DNS outage on the 5th", "dns-outage-on-the-5th"},
		{"file name", body, "2024-03-05 dns", "2024-03-05-dns"},
		{"setext", "DNS outage\n==========" + body, "DNS outage", "dns-outage"},
	}
	for _, tt := range tests {
		p, err := postmortem.Parse("notes/2024-03-05 dns.md", []byte(tt.doc))
		if err != nil {
			t.Fatalf("%s: Parse: %v", tt.name, err)
		}
		if p.Title != tt.title || p.ID != tt.id {
			t.Errorf("%s: title, id = %q, %q; want %q, %q", tt.name, p.Title, p.ID, tt.title, tt.id)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	for _, file := range []string{"atlassian-cert-manager.md", "edited-draft-dns.md"} {
		data, err := os.ReadFile(filepath.Join("testdata", "import", file))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(file, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := postmortem.Parse(file, data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// The worst a document can cost: 1 MiB of timeline lines.
func BenchmarkParseLargest(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString("---\ndate: 2024-03-05\n---\n# Big\n\n## Timeline\n\n")
	for buf.Len() < 1<<20-40 {
		buf.WriteString("- 14:02 UTC: CoreDNS errors again\n")
	}
	b.SetBytes(int64(buf.Len()))
	for b.Loop() {
		if _, err := postmortem.Parse("big.md", buf.Bytes()); err != nil {
			b.Fatal(err)
		}
	}
}
