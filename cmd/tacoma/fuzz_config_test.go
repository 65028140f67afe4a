package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// FuzzLoadConfig feeds arbitrary YAML to the config file's loader and validator: a file that
// does not decode is an error naming the file, and every problem validate reports is a line
// that starts with the key it is about; a file that passes gives settings the bot can run with.
func FuzzLoadConfig(f *testing.F) {
	example, err := os.ReadFile("../../deploy/tacoma.example.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example)
	for _, s := range []string{
		"", "slack: {workers: 0}\n", "log: {level: loud, format: xml}\n", "unknown: 1\n", "slack: [\n",
		"alerts: {max_body: -1}\n", "catalog: {dirs: [missing, '']}\n", "data_dir: \"  \"\n",
		"slack:\n  workers: many\n", "suggest: {channels: ['[']}\n", "a: &a [*a, *a]\n", "--- {}\n--- {}\n",
	} {
		f.Add([]byte(s))
	}
	key := regexp.MustCompile(`^[a-z_]+(\[[0-9]+\])?(\.[a-z_]+(\[[0-9]+\])?)*: \S`)
	noEnv := func(string) string { return "" }
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "tacoma.yaml")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := loadConfig(path, noEnv)
		if err != nil {
			for line := range strings.SplitSeq(err.Error(), "\n") {
				if !strings.HasPrefix(line, path+":") && !strings.HasPrefix(line, "config "+path+": ") {
					t.Fatalf("loadConfig error line %q does not name the file", line)
				}
			}
			return
		}
		if err := c.validate(false); err != nil {
			for line := range strings.SplitSeq(err.Error(), "\n") {
				if !key.MatchString(line) {
					t.Fatalf("validate error line %q does not start with the key it is about", line)
				}
			}
			return
		}
		if c.Slack.Workers < 1 || c.Slack.Workers > 256 || strings.TrimSpace(c.DataDir) == "" || !filepath.IsAbs(c.DataDir) {
			t.Fatalf("validate accepted workers %d, data_dir %q", c.Slack.Workers, c.DataDir)
		}
	})
}
