package alert

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// pdWebhook is a PagerDuty webhooks v3 delivery: one event per request.
// https://developer.pagerduty.com/docs/webhooks-overview
type pdWebhook struct {
	Event *struct {
		ID           string          `json:"id"`
		EventType    string          `json:"event_type"`
		ResourceType string          `json:"resource_type"`
		OccurredAt   time.Time       `json:"occurred_at"`
		Data         json.RawMessage `json:"data"`
	} `json:"event"`
}

type pdRef struct {
	ID      string `json:"id"`
	Summary string `json:"summary"`
	HTMLURL string `json:"html_url"`
}

type pdIncident struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	HTMLURL     string `json:"html_url"`
	Number      int    `json:"number"`
	Status      string `json:"status"`
	IncidentKey string `json:"incident_key"`
	Title       string `json:"title"`
	Urgency     string `json:"urgency"`
	Service     *pdRef `json:"service"`
	Incident    *pdRef `json:"incident"` // set on incident_note and other sub-resources
	Content     string `json:"content"`  // incident_note
	Message     string `json:"message"`  // incident_status_update
}

func parsePD(data []byte) (*Group, error) {
	var w pdWebhook
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, &ParseError{Format: PagerDuty, Msg: jsonProblem(data, err)}
	}
	if w.Event == nil {
		return nil, &ParseError{Format: PagerDuty, Msg: "event: want an object, got null"}
	}
	ev := w.Event
	if ev.EventType == "" {
		return nil, &ParseError{Format: PagerDuty, Msg: "event.event_type: required, such as \"incident.triggered\""}
	}
	if len(ev.Data) == 0 || string(ev.Data) == "null" {
		return nil, &ParseError{Format: PagerDuty, Msg: "event.data: want an object, got none"}
	}
	var inc pdIncident
	if err := json.Unmarshal(ev.Data, &inc); err != nil {
		return nil, &ParseError{Format: PagerDuty, Msg: "event.data: " + jsonProblem(ev.Data, err)}
	}
	g := &Group{
		Format: PagerDuty, EventID: ev.ID, EventType: ev.EventType, Urgency: inc.Urgency,
		Title: inc.Title, URL: inc.HTMLURL, Key: inc.ID,
	}
	if inc.Incident != nil { // a note or update about an incident, not the incident itself
		g.Key, g.URL = inc.Incident.ID, inc.Incident.HTMLURL
		g.Title = strings.TrimSpace(inc.Incident.Summary + "\n" + inc.Content + inc.Message)
	}
	if inc.Service != nil {
		g.Service = inc.Service.Summary
	}
	if g.Title == "" {
		return nil, &ParseError{Format: PagerDuty, Msg: fmt.Sprintf("event.data: a %s event with no title or content to match", ev.EventType)}
	}
	g.Status = Firing
	if inc.Status == "resolved" || ev.EventType == "incident.resolved" {
		g.Status = Resolved
	}
	labels := map[string]string{}
	if name := alertNameIn(inc.Title); name != "" {
		labels["alertname"] = name
	}
	g.CommonLabels = labels
	g.Alerts = []Alert{{Status: g.Status, Labels: labels, Annotations: map[string]string{"summary": g.Title}, StartsAt: ev.OccurredAt}}
	return g, nil
}

// alertNameIn finds an alert name in an incident title made by PagerDuty's Prometheus
// integration, such as "[FIRING:2] KubePodCrashLooping (kube-system coredns)": the first word
// that looks like a Prometheus alert name (CamelCase with no spaces).
func alertNameIn(title string) string {
	for _, w := range strings.FieldsFunc(title, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_')
	}) {
		if len(w) >= 6 && w[0] >= 'A' && w[0] <= 'Z' && hasInnerUpper(w) {
			return w
		}
	}
	return ""
}

func hasInnerUpper(w string) bool {
	lower := false
	for i := 1; i < len(w); i++ {
		switch {
		case w[i] >= 'a' && w[i] <= 'z':
			lower = true
		case w[i] >= 'A' && w[i] <= 'Z' && lower:
			return true
		}
	}
	return false
}
