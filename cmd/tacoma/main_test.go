package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

func runArgs(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	err = run(t.Context(), args, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), err
}

func golden(t *testing.T, got string) {
	t.Helper()
	path := filepath.Join("testdata", t.Name()+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("output differs from %s (-want +got):\n%s", path, diff)
	}
}

func TestSearchJSONShape(t *testing.T) {
	out, _, err := runArgs(t, "", "search", "--json", "--limit", "3", "coredns", "OOMKilled", "every", "lookup", "times", "out")
	if err != nil {
		t.Fatalf("run(search) = %v", err)
	}
	var got struct {
		Results []map[string]json.RawMessage `json:"results"`
	}
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("decode %q: %v", out, err)
	}
	if len(got.Results) != 3 {
		t.Fatalf("got %d results, want 3", len(got.Results))
	}
	for _, r := range got.Results {
		var keys []string
		for k := range r {
			keys = append(keys, k)
		}
		want := []string{"classes", "id", "organization", "score", "title", "url", "why", "year"}
		if diff := cmp.Diff(want, sorted(keys)); diff != "" {
			t.Errorf("result keys (-want +got):\n%s", diff)
		}
	}
	golden(t, out)
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestCommandsGolden(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"search_text", []string{"search", "--limit", "2", "pods", "get", "OOMKilled", "and", "DNS", "lookups", "fail"}},
		{"match_alertmanager", []string{"match", "--limit", "2", "../../knowledge/alert/testdata/am-firing.json"}},
		{"match_pagerduty_json", []string{"match", "--json", "--limit", "2", "../../knowledge/alert/testdata/pd-triggered.json"}},
		{"story", []string{"story", "jetstack-admission-webhook-2019"}},
		{"checklist_list", []string{"checklist"}},
		{"checklist_dns", []string{"checklist", "dns"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := runArgs(t, "", tt.args...)
			if err != nil {
				t.Fatalf("run(%q) = %v", tt.args, err)
			}
			golden(t, out)
		})
	}
}

func TestCommandErrors(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		stdin string
		want  string
		usage bool
	}{
		{"unknown command", []string{"serch", "dns"}, "", `unknown command "serch"`, true},
		{"search without text", []string{"search"}, "", "search: no text given", true},
		{"bad limit", []string{"search", "--limit", "0", "dns"}, "", "--limit: want 1 to 50, got 0", true},
		{"bad flag", []string{"search", "--jsn", "dns"}, "", "flag provided but not defined: -jsn", true},
		{"only stop words", []string{"search", "the", "and", "of"}, "", "nothing to search for", false},
		{"match two files", []string{"match", "a", "b"}, "", "match: want one payload file", true},
		{"match missing file", []string{"match", "nope.json"}, "", "open nope.json: no such file or directory", false},
		{"match garbage stdin", []string{"match", "-"}, "hello", "standard input: alert payload: want a JSON object: malformed JSON at line 1, column 1", false},
		{"unknown story", []string{"story", "nope"}, "", `no story with id "nope"`, false},
		{"unknown class", []string{"checklist", "dnss"}, "", `no failure class "dnss"; known classes: admission-webhooks`, false},
		{"bad catalog dir", []string{"search", "--catalog", "/nonexistent", "dns"}, "", "catalog folder: stat /nonexistent", false},
		{"eval no files", []string{"eval"}, "", "eval: want at least one evaluation file", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := runArgs(t, tt.stdin, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("run(%q) = %v, want an error containing %q", tt.args, err, tt.want)
			}
			if got := exitCode(err) == 2; got != tt.usage {
				t.Errorf("run(%q): usage error = %v, want %v", tt.args, got, tt.usage)
			}
		})
	}
}

func TestFlagsAfterText(t *testing.T) {
	out, _, err := runArgs(t, "", "search", "dns", "slow", "--json", "--limit", "1")
	if err != nil {
		t.Fatalf("run() = %v", err)
	}
	if !strings.HasPrefix(out, "{") || strings.Count(out, `"id"`) != 1 {
		t.Errorf("run(search dns slow --json --limit 1) = %q, want one JSON result", out)
	}
}

func TestPlaygroundScripted(t *testing.T) {
	t.Setenv("SLACK_APP_TOKEN", "")
	t.Setenv("SLACK_BOT_TOKEN", "")
	t.Setenv("TACOMA_DATA_DIR", t.TempDir())
	script := strings.Join([]string{
		"morning all",
		"coredns pods keep getting OOMKilled and every service fails to resolve hostnames",
		"helpful 1",
		"/tacoma search conntrack table full dropping packets",
		"/tacoma",
		"@tacoma hello?",
		"/tacoma postmortem",
		"/tacoma postmortem done",
	}, "\n") + "\n"
	out, errOut, err := runArgs(t, script, "run")
	if err != nil {
		t.Fatalf("run(run) = %v\nstderr: %s", err, errOut)
	}
	for _, want := range []string{"No Slack workspace", "SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "TACOMA_SLACK_API_URL"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr = %q, want it to say %q", errOut, want)
		}
	}
	for _, want := range []string{
		"> morning all\n  (Tacoma stays quiet",
		"↳ Tacoma, in thread:\n    == Similar past outages ==\n    *Total DNS outage in Kubernetes cluster",
		"[Helpful] [Not relevant]",
		"== Checklist: DNS ==",
		"marked helpful",
		"Kubernetes Networking Problems Due to the Conntrack",
		"`/tacoma search TEXT`",
		"I found no past outage like this",
		"Tacoma shared inc-playground-",
		"*Postmortem draft: Playground incident*",
		"is final (as drafted)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("playground output lacks %q:\n%s", want, out)
		}
	}
}

func TestRunRefusesWrongTokens(t *testing.T) {
	t.Setenv("SLACK_APP_TOKEN", "xoxb-1-secret")
	t.Setenv("SLACK_BOT_TOKEN", "")
	_, _, err := runArgs(t, "", "run")
	if err == nil || strings.Contains(err.Error(), "xoxb-1-secret") || !strings.Contains(err.Error(), `SLACK_APP_TOKEN: must start with "xapp-"`) {
		t.Fatalf("run(run) = %v, want the token problems listed without the token", err)
	}
}

func TestConfigCheck(t *testing.T) {
	t.Setenv("SLACK_APP_TOKEN", "")
	t.Setenv("SLACK_BOT_TOKEN", "")
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	typo := filepath.Join(dir, "typo.yaml")
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(good, "suggest:\n  channels: [\"inc-*\"]\n  cooldown: 5m\ndata_dir: data\n")
	write(bad, "slack:\n  workers: 0\nsuggest:\n  channels: [\"inc-[\"]\n  max_results: 99\nlog:\n  level: loud\ncatalog:\n  dirs: [nope]\nstore:\n  dsn: postgres://tacoma:hunter2@db/tacoma\n")
	write(typo, "sugest:\n  channels: []\n")

	out, _, err := runArgs(t, "", "config", "check", "--config", good)
	if err != nil || !strings.Contains(out, "good.yaml: ok") || !strings.Contains(out, "starts the playground") {
		t.Errorf("config check good = %q, %v", out, err)
	}
	out, _, err = runArgs(t, "", "config", "check", "--config", bad)
	if err == nil {
		t.Fatalf("config check bad = nil error")
	}
	if strings.Contains(out, "hunter2") {
		t.Errorf("config check printed the DSN's password:\n%s", out)
	}
	for _, want := range []string{"6 problem(s)", "store.dsn: holds a password", "slack.workers: want 1 to 256, got 0", `suggest.channels[0]: bad pattern "inc-["`, "suggest.max_results: want 1 to 10, got 99", `log.level: want debug, info, warn or error, got "loud"`, `catalog.dirs[0]: "` + filepath.Join(dir, "nope") + `" is not a folder`} {
		if !strings.Contains(out, want) {
			t.Errorf("config check bad output lacks %q:\n%s", want, out)
		}
	}
	out, _, err = runArgs(t, "", "config", "check", "--config", "../../deploy/tacoma.example.yaml")
	if err != nil || !strings.Contains(out, "tacoma.example.yaml: ok") {
		t.Errorf("config check of the example config = %q, %v", out, err)
	}
	_, _, err = runArgs(t, "", "config", "check", "--config", typo)
	if err == nil || !strings.Contains(err.Error(), "field sugest not found") {
		t.Errorf("config check typo = %v, want the unknown key named", err)
	}
	t.Setenv("SLACK_APP_TOKEN", "xapp-1-abc")
	t.Setenv("SLACK_BOT_TOKEN", "xoxp-user-token")
	out, _, _ = runArgs(t, "", "config", "check", "--config", good)
	if !strings.Contains(out, `SLACK_BOT_TOKEN: must start with "xoxb-"`) || strings.Contains(out, "xoxp-user-token") {
		t.Errorf("config check with a user token = %q", out)
	}
}

// TestReadmeExamples runs every tacoma command line of the README's example block, so the
// documentation cannot drift from the program.
func TestReadmeExamples(t *testing.T) {
	f, err := os.Open("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := os.Chdir("../.."); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chdir("cmd/tacoma") })
	sc := bufio.NewScanner(f)
	ran := 0
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "tacoma ") || strings.ContainsAny(line, "[#") {
			continue // usage lines with [OPTIONS] are synopses, not examples
		}
		args := splitShell(strings.TrimPrefix(line, "tacoma "))
		if _, _, err := runArgs(t, "", args...); err != nil {
			t.Errorf("README example %q: %v", line, err)
		}
		ran++
	}
	if ran < 5 {
		t.Errorf("ran %d README examples, want at least 5", ran)
	}
}

// splitShell splits a command line on spaces, keeping double-quoted words together.
func splitShell(s string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	for _, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
		case r == ' ' && !quoted:
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// lockedWriter serialises writes from the bot's goroutines for tests that read logs.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
