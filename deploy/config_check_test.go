package deploy_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// placeholders stand in for the Secrets' values: shaped like real credentials, so that the
// validation that checks shapes (token prefixes, user:password) runs as it would in the pod.
var placeholders = map[string]string{
	"SLACK_APP_TOKEN":                "xapp-1-test",
	"SLACK_BOT_TOKEN":                "xoxb-1-test",
	"TACOMA_DATABASE_URL":            "postgres://tacoma@127.0.0.1:1/tacoma",
	"TACOMA_ALERTMANAGER_TOKENS":     "test-token",
	"TACOMA_ALERTMANAGER_BASIC_AUTH": "alertmanager:test-password",
	"TACOMA_GRAFANA_SECRETS":         "test-secret",
	"TACOMA_PAGERDUTY_SECRETS":       "test-secret",
}

// TestRenderedConfigPassesCheck runs the real `tacoma config check`, built as the image builds it,
// on the config file each rendering of the chart mounts, with the environment its Deployment sets:
// the plain variables as rendered, those from Secrets as placeholders.
func TestRenderedConfigPassesCheck(t *testing.T) {
	bin := buildImageBinary(t)
	for _, tt := range renderCases {
		t.Run(tt.name, func(t *testing.T) {
			out, err := render(t, tt.values...)
			if err != nil {
				t.Fatal(err)
			}
			ms := parseManifests(t, out)
			file := filepath.Join(t.TempDir(), "config.yaml")
			if err := os.WriteFile(file, []byte(renderedConfig(t, ms)), 0o600); err != nil {
				t.Fatal(err)
			}
			// Only the pod's variables: a developer's own SLACK_* or TACOMA_* must not leak in.
			env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
			s := summarize(t, ms)
			for k, v := range s.PlainEnv {
				env = append(env, k+"="+v)
			}
			for k := range s.SecretEnv {
				v, ok := placeholders[k]
				if !ok {
					t.Fatalf("no placeholder for %s, which the Deployment reads from a Secret", k)
				}
				env = append(env, k+"="+v)
			}
			cmd := exec.CommandContext(t.Context(), bin, "config", "check", "--config", file)
			cmd.Env = env
			got, err := cmd.CombinedOutput()
			if want := file + ": ok\n"; err != nil || string(got) != want {
				t.Errorf("tacoma config check on the rendered config: %v\n%s\nwant %q\nconfig:\n%s", err, got, want, indent(renderedConfig(t, ms)))
			}
		})
	}
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}
