package deploy_test

import (
	"encoding/json"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"
)

// TestPlainYAML parses every YAML file under deploy/ that is not a Helm template, all documents of
// it, and fails on syntax errors and duplicate keys (which YAML parsers disagree about: one keeps
// the first, another the last).
func TestPlainYAML(t *testing.T) {
	var files []string
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && isChartTemplates(p) {
			return filepath.SkipDir
		}
		if ext := filepath.Ext(p); !d.IsDir() && (ext == ".yaml" || ext == ".yml") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"slack-app-manifest.yaml", "tacoma.example.yaml", "helm/tacoma/Chart.yaml", "helm/tacoma/values.yaml"} {
		if !slices.Contains(files, filepath.FromSlash(want)) {
			t.Errorf("walk found %v, missing %s", files, want)
		}
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if docs := decodeAll(t, f, data); len(docs) == 0 {
			t.Errorf("%s: no YAML document", f)
		}
	}
}

// isChartTemplates reports whether dir is the templates folder of a Helm chart, whose files are Go
// templates rather than YAML.
func isChartTemplates(dir string) bool {
	if filepath.Base(dir) != "templates" {
		return false
	}
	_, err := os.Stat(filepath.Join(filepath.Dir(dir), "Chart.yaml"))
	return err == nil
}

// TestValuesDocumented checks that every top-level value has a comment, and that the JSON schema
// Helm validates values against knows exactly the keys values.yaml has (plus Helm's global).
func TestValuesDocumented(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(chartDir, "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	root := doc.Content[0]
	var keys []string
	for i := 0; i < len(root.Content); i += 2 {
		k := root.Content[i]
		keys = append(keys, k.Value)
		if strings.TrimSpace(k.HeadComment) == "" && k.LineComment == "" {
			t.Errorf("values.yaml:%d: %s has no comment", k.Line, k.Value)
		}
	}
	schemaData, err := os.ReadFile(filepath.Join(chartDir, "values.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Properties           map[string]json.RawMessage `json:"properties"`
		AdditionalProperties *bool                      `json:"additionalProperties"`
	}
	if err := json.Unmarshal(schemaData, &schema); err != nil {
		t.Fatalf("values.schema.json: %v", err)
	}
	if schema.AdditionalProperties == nil || *schema.AdditionalProperties {
		t.Errorf("values.schema.json: additionalProperties must be false, so a misspelled value fails")
	}
	want := append(slices.Clone(keys), "global")
	slices.Sort(want)
	if diff := cmp.Diff(want, slices.Sorted(maps.Keys(schema.Properties))); diff != "" {
		t.Errorf("values.schema.json properties vs values.yaml keys (-values +schema):\n%s", diff)
	}
}
