package deploy_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// secretEnv are the variables that hold credentials: they must come from a Secret, never a value.
var secretEnv = []string{
	"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "TACOMA_DATABASE_URL", "TACOMA_ALERTMANAGER_TOKENS",
	"TACOMA_ALERTMANAGER_BASIC_AUTH", "TACOMA_GRAFANA_SECRETS", "TACOMA_PAGERDUTY_SECRETS",
}

// checkInvariants checks what every rendering of the chart must hold: no literal tokens, hardened
// pods, the probes on the paths Tacoma serves, the config file mounted where the args say.
func checkInvariants(t *testing.T, ms []manifest, out []byte) {
	t.Helper()
	for _, token := range []string{"xoxb-", "xapp-", "xoxp-"} {
		if strings.Contains(string(out), token) {
			t.Errorf("rendered output contains %q: tokens belong in Secrets", token)
		}
	}
	for _, m := range ms {
		for _, l := range []string{"app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version", "app.kubernetes.io/managed-by", "helm.sh/chart"} {
			if m.Metadata.Labels[l] == "" {
				t.Errorf("%s/%s has no label %s", m.Kind, m.Metadata.Name, l)
			}
		}
		if m.Metadata.Namespace != namespace {
			t.Errorf("%s/%s is in namespace %q, want the release's %q", m.Kind, m.Metadata.Name, m.Metadata.Namespace, namespace)
		}
	}

	var d deployment
	find(t, ms, "Deployment").decode(t, &d)
	pod := d.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("pod has %d containers, want 1", len(pod.Containers))
	}
	c := pod.Containers[0]
	var sa struct {
		Automount *bool `yaml:"automountServiceAccountToken"`
	}
	find(t, ms, "ServiceAccount").decode(t, &sa)
	var svc struct {
		Spec struct {
			Ports []struct {
				Name       string `yaml:"name"`
				Port       int    `yaml:"port"`
				TargetPort string `yaml:"targetPort"`
			} `yaml:"ports"`
		} `yaml:"spec"`
	}
	find(t, ms, "Service").decode(t, &svc)
	var antiAffinity []string
	for _, p := range pod.Affinity.PodAntiAffinity.Preferred {
		antiAffinity = append(antiAffinity, p.Term.TopologyKey+" "+p.Term.LabelSelector.MatchLabels["app.kubernetes.io/instance"])
	}
	mounts := map[string]string{}
	for _, m := range c.VolumeMounts {
		mounts[m.Name] = m.MountPath
	}
	configMapVolume := ""
	for _, v := range pod.Volumes {
		if v.Name == "config" && v.ConfigMap != nil {
			configMapVolume = v.ConfigMap.Name
		}
	}
	plainSecrets := []string{}
	for _, e := range c.Env {
		for _, s := range secretEnv {
			if e.Name == s && (e.Value != nil || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil) {
				plainSecrets = append(plainSecrets, s)
			}
		}
	}

	f, tr := false, true
	nonroot := 65532
	hardened := securityContext{RunAsNonRoot: &tr, AllowPrivilegeEscalation: &f, ReadOnlyRootFilesystem: &tr}
	hardened.Capabilities.Drop = []string{"ALL"}
	hardened.SeccompProfile.Type = "RuntimeDefault"
	podHardened := securityContext{RunAsNonRoot: &tr, RunAsUser: &nonroot}
	podHardened.SeccompProfile.Type = "RuntimeDefault"

	checks := []struct {
		what      string
		got, want any
	}{
		{"startup probe", c.StartupProbe.HTTPGet, probe{}.with("/healthz", "http").HTTPGet},
		{"liveness probe", c.LivenessProbe.HTTPGet, probe{}.with("/healthz", "http").HTTPGet},
		{"readiness probe", c.ReadinessProbe.HTTPGet, probe{}.with("/readyz", "http").HTTPGet},
		{"container securityContext", c.SecurityContext, hardened},
		{"pod securityContext", pod.SecurityContext, podHardened},
		{"pod automountServiceAccountToken", pod.AutomountServiceAccountToken, &f},
		{"ServiceAccount automountServiceAccountToken", sa.Automount, &f},
		{"terminationGracePeriodSeconds", pod.TerminationGracePeriodSeconds, 30},
		{"container ports", len(c.Ports) == 1 && c.Ports[0].Name == "http" && c.Ports[0].ContainerPort == 8080, true},
		{"Service ports", len(svc.Spec.Ports) == 1 && svc.Spec.Ports[0].Name == "http" && svc.Spec.Ports[0].TargetPort == "http", true},
		{"preferred pod anti-affinity", antiAffinity, []string{"kubernetes.io/hostname " + release, "topology.kubernetes.io/zone " + release}},
		{"args", c.Args, []string{"run", "--config", "/etc/tacoma/config.yaml"}},
		{"config volume", configMapVolume, find(t, ms, "ConfigMap").Metadata.Name},
		{"mounts", mounts, map[string]string{"config": "/etc/tacoma", "data": "/var/lib/tacoma", "tmp": "/tmp"}},
		{"credentials not from a secretKeyRef", plainSecrets, []string{}},
	}
	for _, ck := range checks {
		if diff := cmp.Diff(ck.want, ck.got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", ck.what, diff)
		}
	}
	decodeAll(t, "ConfigMap config.yaml", []byte(renderedConfig(t, ms)))
}

func (p probe) with(path, port string) probe {
	p.HTTPGet.Path, p.HTTPGet.Port = path, port
	return p
}
