package alert

import (
	"regexp"
	"strings"
)

// notificationTitleRE matches the title alert notifiers put on the messages they post in Slack:
// Alertmanager's and Grafana's default "[FIRING:2] KubePodCrashLooping (kube-system coredns)",
// and "[RESOLVED] ...".
var notificationTitleRE = regexp.MustCompile(`(?im)^\s*\[(FIRING(?::\s*\d+)?|RESOLVED)\]\s*(.*)$`)

// FromChat reads an alert that another bot posted into a channel (its text and attachment titles
// joined by the caller). It reports false when the text does not look like an alert notification.
// Teams change these templates, so this is a best effort: the group carries the alert name when
// the title starts with one, and the whole text as its title.
func FromChat(text string) (*Group, bool) {
	m := notificationTitleRE.FindStringSubmatch(text)
	if m == nil || strings.TrimSpace(statusPrefixRE.ReplaceAllString(text, "")) == "" {
		return nil, false // no notification, or a bare "[FIRING]" that names nothing to match
	}
	status := Firing
	if strings.EqualFold(m[1], "RESOLVED") {
		status = Resolved
	}
	labels := map[string]string{}
	if name := alertNameIn(m[2]); name != "" {
		labels["alertname"] = name
	}
	g := &Group{Status: status, Title: text, CommonLabels: labels}
	g.Alerts = []Alert{{Status: status, Labels: labels, Annotations: map[string]string{}}}
	return g, true
}
