package alert_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tacoma-bot/tacoma/knowledge/alert"
)

func read(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestParse(t *testing.T) {
	type summary struct {
		Format     alert.Format
		Status     string
		Key        string
		Alerts     int
		AlertNames []string
	}
	tests := []struct {
		give string
		want summary
	}{
		{"am-firing.json", summary{alert.Alertmanager, alert.Firing, `{}:{alertname="KubePodCrashLooping"}`, 2, []string{"KubePodCrashLooping"}}},
		{"grafana-firing.json", summary{alert.Grafana, alert.Firing, `{}:{alertname="Node conntrack table nearly full"}`, 1, []string{"Node conntrack table nearly full"}}},
		{"pd-triggered.json", summary{alert.PagerDuty, alert.Firing, "Q0TACOMA0001", 1, []string{"KubeNodeNotReady"}}},
	}
	for _, tt := range tests {
		g, err := alert.Parse(read(t, tt.give))
		if err != nil {
			t.Fatalf("Parse(%s) = %v", tt.give, err)
		}
		got := summary{g.Format, g.Status, g.Key, len(g.Alerts), g.AlertNames()}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Parse(%s) mismatch (-want +got):\n%s", tt.give, diff)
		}
	}
}

func TestGroupText(t *testing.T) {
	g, err := alert.Parse(read(t, "am-firing.json"))
	if err != nil {
		t.Fatal(err)
	}
	text := g.Text()
	for _, want := range []string{"KubePodCrashLooping", "coredns", "kube-system", "CrashLoopBackOff", "Pod is crash looping."} {
		if !strings.Contains(text, want) {
			t.Errorf("Text() = %q, want it to contain %q", text, want)
		}
	}
	for _, noise := range []string{"kube-state-metrics", "warning", "runbooks.prometheus-operator.dev"} {
		if strings.Contains(text, noise) {
			t.Errorf("Text() = %q, want no %q: it says nothing about the failure", text, noise)
		}
	}
}

func TestParseErrors(t *testing.T) {
	am := string(read(t, "am-firing.json"))
	tests := []struct {
		name string
		give string
		want string
	}{
		{"not json", "hello", "alert payload: want a JSON object: malformed JSON at line 1, column 1"},
		{"array", "[]", "alert payload: want a JSON object"},
		{"unknown shape", `{"foo": 1, "bar": 2}`, `alert payload: unknown format: want an Alertmanager webhook (version "4" with alerts), a Grafana webhook (version "1" with alerts) or a PagerDuty v3 webhook ({"event": ...}); got an object with keys bar, foo`},
		{"truncated", am[:200], "alert payload: want a JSON object: truncated JSON"},
		{"labels wrong type", strings.Replace(am, `"labels":{"alertname":"KubePodCrashLooping","container":"coredns","namespace":"kube-system","pod":"coredns-7d8b9c6f5-x2kqp"`, `"labels":{"alertname":7,"container":"coredns","namespace":"kube-system","pod":"coredns-7d8b9c6f5-x2kqp"`, 1), "alertmanager payload: alerts.labels: want a string, got JSON number"},
		{"no alerts", `{"version":"4","alerts":[],"status":"firing"}`, "alertmanager payload: alerts: want at least one alert, got none"},
		{"bad status", strings.Replace(am, `"status":"firing","labels"`, `"status":"burning","labels"`, 1), `alertmanager payload: alerts[0].status: want "firing" or "resolved", got "burning"`},
		{"pd null data", `{"event":{"id":"x","event_type":"incident.triggered","data":null}}`, "pagerduty payload: event.data: want an object, got none"},
		{"pd no type", `{"event":{"id":"x","data":{}}}`, `pagerduty payload: event.event_type: required`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := alert.Parse([]byte(tt.give))
			var pe *alert.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse() = %v, want a *ParseError", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse() = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"am-firing.json", "grafana-firing.json", "pd-triggered.json"} {
		f.Add(read(f, name))
	}
	f.Add([]byte(`{"alerts":[{"status":"firing","labels":{"alertname":"X"}}]}`))
	f.Add([]byte(`{"event":{"event_type":"incident.annotated","data":{"type":"incident_note","incident":{"id":"Q1","summary":"s"},"content":"c"}}}`))
	f.Add([]byte("[FIRING]"))
	f.Add([]byte("[FIRING:2] KubePodCrashLooping (kube-system coredns)\nPod is crash looping"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if g, ok := alert.FromChat(string(data)); ok && (len(g.Alerts) != 1 || g.Text() == "") {
			t.Fatalf("FromChat(%q) = %+v: want one alert with text", data, g)
		}
		g, err := alert.Parse(data)
		if err != nil {
			var pe *alert.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse() error %T %v, want *ParseError", err, err)
			}
			return
		}
		if len(g.Alerts) == 0 || (g.Status != alert.Firing && g.Status != alert.Resolved) {
			t.Fatalf("Parse() = %+v: a group needs alerts and a status", g)
		}
		_ = g.Text()
		_ = g.AlertNames()
	})
}
