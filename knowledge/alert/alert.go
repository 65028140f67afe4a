// Package alert turns the payloads alert senders post (Alertmanager webhook v4, Grafana
// unified-alerting webhook, PagerDuty webhooks v3) into one neutral alert group that the
// matcher and the bot share.
package alert

import (
	"regexp"
	"sort"
	"strings"
	"time"
)

// Format names an alert sender's payload format.
type Format string

// The payload formats Parse recognises.
const (
	Alertmanager Format = "alertmanager"
	Grafana      Format = "grafana"
	PagerDuty    Format = "pagerduty"
)

// Status of an alert or a group.
const (
	Firing   = "firing"
	Resolved = "resolved"
)

// Group is one notification: the alerts a sender grouped together, in the sender's order.
type Group struct {
	Format            Format
	Status            string // Firing if any included alert fires
	Key               string // groupKey, or the PagerDuty incident id: what one Slack message tracks
	Receiver          string
	Title             string // Grafana's rendered title or the PagerDuty incident title
	GroupLabels       map[string]string
	CommonLabels      map[string]string
	CommonAnnotations map[string]string
	ExternalURL       string
	Truncated         int // alerts the sender left out (max_alerts)
	Alerts            []Alert

	// PagerDuty only.
	EventID   string
	EventType string
	Service   string
	Urgency   string
	URL       string // the incident's page
}

// Alert is one alert of a group.
type Alert struct {
	Status       string
	Labels       map[string]string
	Annotations  map[string]string
	StartsAt     time.Time
	EndsAt       time.Time
	GeneratorURL string
	Fingerprint  string
	SilenceURL   string
	DashboardURL string
	ValueString  string
}

// AlertNames returns the distinct alertname labels of the group, in order of appearance.
func (g *Group) AlertNames() []string {
	var names []string
	seen := map[string]bool{}
	add := func(n string) {
		if n != "" && !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	add(g.CommonLabels["alertname"])
	for _, a := range g.Alerts {
		add(a.Labels["alertname"])
	}
	return names
}

// textLabels are the labels whose values say something about the failure. Labels such as
// instance, job, prometheus or severity name where and how loudly, not what.
var textLabels = []string{
	"alertname", "container", "namespace", "pod", "deployment", "daemonset", "statefulset",
	"job_name", "cronjob", "horizontalpodautoscaler", "service", "reason", "condition",
	"resource", "phase", "device", "mountpoint", "fstype", "grpc_method", "grpc_service",
	"verb", "component", "rule_group", "ingress", "host", "issuer_name", "name", "cluster", "job",
}

// exporterJobs are job labels that name the exporter that measured, not what failed: every
// kube-state-metrics alert has job="kube-state-metrics".
var exporterJobs = map[string]bool{
	"kube-state-metrics": true, "node-exporter": true, "node_exporter": true, "prometheus": true,
	"cadvisor": true, "blackbox": true, "blackbox-exporter": true, "grafana": true,
}

// statusPrefixRE matches the "[FIRING:3] " or "[RESOLVED] " that notifiers put before titles.
var statusPrefixRE = regexp.MustCompile(`(?i)^\s*\[(?:firing|resolved)(?::\s*\d+)?\]\s*`)

var textAnnotations = []string{"summary", "description", "message", "title"}

// Labels returns the distinctive labels of the group's alerts (those Text reads) as
// "key=value" strings, each once, in order of appearance.
func (g *Group) Labels() []string {
	var out []string
	seen := map[string]bool{}
	for _, a := range g.Alerts {
		for _, k := range textLabels {
			v, ok := a.Labels[k]
			if !ok || v == "" || k == "alertname" || (k == "job" && exporterJobs[v]) {
				continue
			}
			if kv := k + "=" + v; !seen[kv] {
				seen[kv] = true
				out = append(out, kv)
			}
		}
	}
	return out
}

// Text is what the matcher reads of the group: the title, alert names, the distinctive labels'
// values and the summary and description annotations, each once.
func (g *Group) Text() string {
	var parts []string
	seen := map[string]bool{}
	add := func(s string) {
		s = strings.TrimSpace(s)
		if s != "" && !seen[s] {
			seen[s] = true
			parts = append(parts, s)
		}
	}
	add(statusPrefixRE.ReplaceAllString(g.Title, ""))
	add(g.Service)
	for _, a := range g.Alerts {
		for _, k := range textLabels {
			if v := a.Labels[k]; k != "job" || !exporterJobs[v] {
				add(v)
			}
		}
		for _, k := range textAnnotations {
			add(a.Annotations[k])
		}
	}
	for _, m := range []map[string]string{g.CommonLabels, g.CommonAnnotations} {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if wanted(k) && (k != "job" || !exporterJobs[m[k]]) {
				add(m[k])
			}
		}
	}
	return strings.Join(parts, "\n")
}

func wanted(key string) bool {
	for _, k := range textLabels {
		if k == key {
			return true
		}
	}
	for _, k := range textAnnotations {
		if k == key {
			return true
		}
	}
	return false
}
