package knowledge_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tacoma-bot/tacoma/knowledge"
)

const goodStory = `id: acme-dns-2024
title: Our DNS outage
organization: Acme
year: 2024
venue: internal postmortem
url: https://wiki.acme.example/pm/42
components: [CoreDNS]
classes: [dns]
symptoms:
  - checkout pods cannot resolve the payments host
`

func writeCatalog(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadCatalogUserEntry(t *testing.T) {
	dir := writeCatalog(t, map[string]string{"stories/acme.yaml": goodStory})
	cat, err := knowledge.LoadCatalog(dir)
	if err != nil {
		t.Fatalf("LoadCatalog(%s) = %v", dir, err)
	}
	s, err := cat.Story("acme-dns-2024")
	if err != nil {
		t.Fatalf("Story(acme-dns-2024) = %v", err)
	}
	if s.Organization != "Acme" || len(cat.Stories()) != 51 {
		t.Errorf("got organization %q and %d stories, want Acme and 51", s.Organization, len(cat.Stories()))
	}
}

func TestLoadCatalogErrorsNameFileLineAndField(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string // every line of the error must contain one of these, in order
	}{
		{
			name:  "unknown field",
			files: map[string]string{"stories/a.yaml": strings.Replace(goodStory, "symptoms:", "symptom:", 1)},
			want: []string{
				"stories/a.yaml:9: symptom: unknown field; known fields are id, title, organization, year",
			},
		},
		{
			name:  "wrong type",
			files: map[string]string{"stories/a.yaml": strings.Replace(goodStory, "year: 2024", "year: twenty", 1)},
			want:  []string{"stories/a.yaml:4: year: cannot unmarshal !!str `twenty` into int"},
		},
		{
			name:  "unknown class",
			files: map[string]string{"stories/a.yaml": strings.Replace(goodStory, "classes: [dns]", "classes: [dns, dnss]", 1)},
			want:  []string{`stories/a.yaml:8: classes[1]: unknown class "dnss"; known classes: admission-webhooks,`},
		},
		{
			name:  "missing url and symptoms",
			files: map[string]string{"stories/a.yaml": strings.Replace(strings.Replace(goodStory, "url: https://wiki.acme.example/pm/42\n", "", 1), "symptoms:\n  - checkout pods cannot resolve the payments host\n", "", 1)},
			want: []string{
				"stories/a.yaml:1: url: required: the link to the write-up",
				"stories/a.yaml:1: symptoms: at least one symptom is required",
			},
		},
		{
			name:  "duplicate of a builtin id",
			files: map[string]string{"stories/a.yaml": strings.Replace(goodStory, "acme-dns-2024", "zalando-dns-outage-2019", 1)},
			want:  []string{`stories/a.yaml:1: id: duplicate id "zalando-dns-outage-2019" (also in builtin:stories/zalando-dns-outage-2019.yaml)`},
		},
		{
			name:  "yaml syntax",
			files: map[string]string{"stories/a.yaml": "id: x\ntitle: [unclosed\n"},
			want:  []string{"stories/a.yaml:1: did not find expected ',' or ']'"},
		},
		{
			name:  "bad slug and url",
			files: map[string]string{"stories/a.yaml": strings.Replace(strings.Replace(goodStory, "acme-dns-2024", "Acme DNS", 1), "https://wiki.acme.example/pm/42", "wiki/pm/42", 1)},
			want: []string{
				`stories/a.yaml:1: id: want a slug of lowercase letters, digits and dashes, such as acme-dns-outage-2024; got "Acme DNS"`,
				`stories/a.yaml:6: url: want an absolute http(s) URL, got "wiki/pm/42"`,
			},
		},
		{
			name:  "checklist without steps",
			files: map[string]string{"checklists/kafka.yaml": "class: kafka\nname: Kafka\nlook:\n  - step: check lag\n"},
			want: []string{
				"checklists/kafka.yaml:1: mitigate: at least one step is required",
				"checklists/kafka.yaml:1: fix: at least one step is required",
			},
		},
		{
			name:  "empty folder",
			files: map[string]string{"README.md": "nothing here"},
			want:  []string{"no stories/*.yaml, checklists/*.yaml or synonyms.yaml inside"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeCatalog(t, tt.files)
			_, err := knowledge.LoadCatalog(dir)
			if err == nil {
				t.Fatalf("LoadCatalog() = nil, want errors %q", tt.want)
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tt.want) {
				t.Fatalf("LoadCatalog() error has %d lines, want %d:\n%v", len(lines), len(tt.want), err)
			}
			for i, w := range tt.want {
				if !strings.Contains(lines[i], w) {
					t.Errorf("error line %d = %q, want it to contain %q", i, lines[i], w)
				}
			}
		})
	}
}

func TestLoadCatalogTeamClassAndSynonyms(t *testing.T) {
	dir := writeCatalog(t, map[string]string{
		"checklists/kafka.yaml": "class: kafka\nname: Kafka\nlook:\n  - step: check consumer lag\n    run: kafka-consumer-groups --describe --all-groups\nmitigate:\n  - step: add partitions\nfix:\n  - step: alert on lag\n",
		"stories/acme.yaml":     strings.Replace(goodStory, "classes: [dns]", "classes: [kafka]", 1),
		"synonyms.yaml":         "groups:\n  - same: [lag, behind, backlog]\n",
	})
	cat, err := knowledge.LoadCatalog(dir)
	if err != nil {
		t.Fatalf("LoadCatalog() = %v", err)
	}
	if _, err := cat.Checklist("kafka"); err != nil {
		t.Errorf("Checklist(kafka) = %v", err)
	}
	if _, err := cat.Story("nope"); !errors.Is(err, knowledge.ErrNotFound) {
		t.Errorf("Story(nope) = %v, want ErrNotFound", err)
	}
	last := cat.Synonyms()[len(cat.Synonyms())-1]
	if last.Same[0] != "lag" {
		t.Errorf("last synonym group = %v, want the team's", last)
	}
}
