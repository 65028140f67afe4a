package deploy_test

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tacoma-bot/tacoma/deploy/internal/helmtest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// summary is what differs between the chart's configurations; what must hold in every one is
// checked by checkInvariants.
type summary struct {
	Resources   []string          // "Kind/name", sorted
	Replicas    int               // the Deployment's
	Strategy    string            // the Deployment's strategy type
	SecretEnv   map[string]string // variable: "secret/key", with " (optional)" when the key may be missing
	PlainEnv    map[string]string // variable: value
	ResourceEnv map[string]string // variable: the container resource it holds
	DataDir     string            // what backs /var/lib/tacoma: "emptyDir" or "pvc NAME"
}

// renderCases are the configurations the chart is rendered in; config_check_test.go runs the
// real `tacoma config check` on each one's config file.
var renderCases = []struct {
	name   string
	values []string // files in testdata/values
	want   summary
}{
	{
		name: "default",
		want: summary{
			Resources:   []string{"ConfigMap/tacoma", "Deployment/tacoma", "Service/tacoma", "ServiceAccount/tacoma"},
			Replicas:    1,
			Strategy:    "Recreate",
			SecretEnv:   map[string]string{"SLACK_APP_TOKEN": "tacoma-slack/app-token", "SLACK_BOT_TOKEN": "tacoma-slack/bot-token"},
			PlainEnv:    map[string]string{"TACOMA_DATA_DIR": "/var/lib/tacoma", "TACOMA_HTTP_ADDR": ":8080"},
			ResourceEnv: map[string]string{"GOMEMLIMIT": "limits.memory"},
			DataDir:     "emptyDir",
		},
	},
	{
		name:   "ha",
		values: []string{"ha.yaml"},
		want: summary{
			Resources: []string{"ConfigMap/tacoma", "Deployment/tacoma", "PodDisruptionBudget/tacoma", "Service/tacoma", "ServiceAccount/tacoma", "ServiceMonitor/tacoma"},
			Replicas:  3,
			Strategy:  "RollingUpdate",
			SecretEnv: map[string]string{
				"SLACK_APP_TOKEN":                "tacoma-slack/app-token",
				"SLACK_BOT_TOKEN":                "tacoma-slack/bot-token",
				"TACOMA_DATABASE_URL":            "tacoma-postgres-app/uri",
				"TACOMA_ALERTMANAGER_TOKENS":     "tacoma-webhooks/alertmanager-tokens (optional)",
				"TACOMA_ALERTMANAGER_BASIC_AUTH": "tacoma-webhooks/alertmanager-basic-auth (optional)",
				"TACOMA_GRAFANA_SECRETS":         "tacoma-webhooks/grafana-secrets (optional)",
				"TACOMA_PAGERDUTY_SECRETS":       "tacoma-webhooks/pagerduty-secrets (optional)",
			},
			PlainEnv:    map[string]string{"TACOMA_DATA_DIR": "/var/lib/tacoma", "TACOMA_HTTP_ADDR": ":8080"},
			ResourceEnv: map[string]string{"GOMEMLIMIT": "limits.memory"},
			DataDir:     "emptyDir",
		},
	},
	{
		name:   "sqlite-pvc",
		values: []string{"sqlite-pvc.yaml"},
		want: summary{
			Resources:   []string{"ConfigMap/tacoma", "Deployment/tacoma", "PersistentVolumeClaim/tacoma-data", "Service/tacoma", "ServiceAccount/tacoma"},
			Replicas:    1,
			Strategy:    "Recreate",
			SecretEnv:   map[string]string{"SLACK_APP_TOKEN": "tacoma-slack/app-token", "SLACK_BOT_TOKEN": "tacoma-slack/bot-token"},
			PlainEnv:    map[string]string{"TACOMA_DATA_DIR": "/var/lib/tacoma", "TACOMA_HTTP_ADDR": ":8080"},
			ResourceEnv: map[string]string{"GOMEMLIMIT": "limits.memory"},
			DataDir:     "pvc tacoma-data",
		},
	},
}

// TestTemplate renders the chart in each configuration, compares the output with its golden file
// and checks what every configuration must hold.
func TestTemplate(t *testing.T) {
	for _, tt := range renderCases {
		t.Run(tt.name, func(t *testing.T) {
			out, err := render(t, tt.values...)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", "TestTemplate", tt.name+".golden"), out)
			ms := parseManifests(t, out)
			if diff := cmp.Diff(tt.want, summarize(t, ms)); diff != "" {
				t.Errorf("helm template %v (-want +got):\n%s", tt.values, diff)
			}
			checkInvariants(t, ms, out)
		})
	}
}

// TestTemplateRefuses checks that the chart stops with a message naming the fix, rather than
// deploying something broken or putting a secret into the release.
func TestTemplateRefuses(t *testing.T) {
	tests := []struct {
		values string
		want   string
	}{
		{"replicas-without-postgres.yaml", "replicaCount is 3, but more than one replica needs PostgreSQL: set database.existingSecret"},
		{"dsn-in-config.yaml", "config.store.dsn is set: a DSN holds a password, so put it in a Secret and set database.existingSecret instead"},
		{"token-in-env.yaml", "extraEnv SLACK_BOT_TOKEN holds a Slack token: put it in a Secret"},
		{"no-slack-secret.yaml", "slack.existingSecret is empty"},
		{"misspelled-key.yaml", "additional properties 'replicas' not allowed"},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.values, ".yaml"), func(t *testing.T) {
			_, err := render(t, tt.values)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("helm template --values %s: error %v, want one containing %q", tt.values, err, tt.want)
			}
		})
	}
}

// TestConfigChangeRollsPods checks the pod template's config checksum: it changes with the config
// file, so `helm upgrade` restarts the pods, and only then.
func TestConfigChangeRollsPods(t *testing.T) {
	tests := []struct {
		a, b []string
		same bool
	}{
		{nil, []string{"debug-log.yaml"}, false},
		{[]string{"ha.yaml"}, []string{"ha.yaml", "more-replicas-same-config.yaml"}, true},
	}
	for _, tt := range tests {
		a, b := checksum(t, tt.a), checksum(t, tt.b)
		if (a == b) != tt.same {
			t.Errorf("checksum/config with %v = %s, with %v = %s; want equal: %v", tt.a, a, tt.b, b, tt.same)
		}
	}
}

func checksum(t *testing.T, values []string) string {
	t.Helper()
	out, err := render(t, values...)
	if err != nil {
		t.Fatal(err)
	}
	var d deployment
	find(t, parseManifests(t, out), "Deployment").decode(t, &d)
	sum := d.Spec.Template.Metadata.Annotations["checksum/config"]
	if len(sum) != 64 {
		t.Fatalf("checksum/config = %q, want a SHA-256", sum)
	}
	return sum
}

// TestLint runs helm lint --strict, which also fails on warnings, in each configuration.
func TestLint(t *testing.T) {
	for _, tt := range renderCases {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"lint", "--strict", chartDir, "--namespace", namespace}
			for _, v := range tt.values {
				args = append(args, "--values", filepath.Join("testdata", "values", v))
			}
			if out, err := helmtest.Run(t, args...); err != nil {
				t.Errorf("%v\n%s", err, out)
			}
		})
	}
}

func summarize(t *testing.T, ms []manifest) summary {
	t.Helper()
	var s summary
	for _, m := range ms {
		s.Resources = append(s.Resources, m.Kind+"/"+m.Metadata.Name)
	}
	slices.Sort(s.Resources)
	var d deployment
	find(t, ms, "Deployment").decode(t, &d)
	s.Replicas, s.Strategy = d.Spec.Replicas, d.Spec.Strategy.Type
	s.SecretEnv, s.PlainEnv, s.ResourceEnv = map[string]string{}, map[string]string{}, map[string]string{}
	for _, e := range d.Spec.Template.Spec.Containers[0].Env {
		switch {
		case e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil:
			ref := e.ValueFrom.SecretKeyRef
			s.SecretEnv[e.Name] = ref.Name + "/" + ref.Key
			if ref.Optional {
				s.SecretEnv[e.Name] += " (optional)"
			}
		case e.ValueFrom != nil && e.ValueFrom.ResourceFieldRef != nil:
			s.ResourceEnv[e.Name] = e.ValueFrom.ResourceFieldRef.Resource
		case e.Value != nil:
			s.PlainEnv[e.Name] = *e.Value
		default:
			t.Errorf("env %s has neither a value nor a secretKeyRef", e.Name)
		}
	}
	for _, v := range d.Spec.Template.Spec.Volumes {
		switch {
		case v.Name != "data":
		case v.PersistentVolumeClaim != nil:
			s.DataDir = "pvc " + v.PersistentVolumeClaim.ClaimName
		case v.EmptyDir != nil:
			s.DataDir = "emptyDir"
		}
	}
	return s
}

// golden compares got with the file, or rewrites the file with -update.
func golden(t *testing.T, file string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test ./deploy -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got; go test ./deploy -update rewrites it):\n%s", file, diff)
	}
}
