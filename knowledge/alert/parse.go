package alert

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// ParseError says which format a payload was read as and what is wrong with it.
type ParseError struct {
	Format Format // empty when the format could not be told
	Msg    string
}

func (e *ParseError) Error() string {
	if e.Format == "" {
		return "alert payload: " + e.Msg
	}
	return fmt.Sprintf("%s payload: %s", e.Format, e.Msg)
}

// MaxPayload bounds what Parse reads; real senders stay far below it.
const MaxPayload = 4 << 20

// Parse detects the format of an alert payload and parses it. A payload that is not JSON, not a
// known format, or of a known format but malformed, gets a *ParseError saying which format was
// expected and what is wrong.
func Parse(data []byte) (*Group, error) {
	f, err := Detect(data)
	if err != nil {
		return nil, err
	}
	return ParseAs(f, data)
}

// Detect tells the format of a payload from its shape.
func Detect(data []byte) (Format, error) {
	if len(data) > MaxPayload {
		return "", &ParseError{Msg: fmt.Sprintf("payload is %d bytes, more than the %d accepted", len(data), MaxPayload)}
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return "", &ParseError{Msg: "want a JSON object: " + jsonProblem(data, err)}
	}
	if _, ok := top["event"]; ok {
		return PagerDuty, nil
	}
	var version string
	if v, ok := top["version"]; ok {
		_ = json.Unmarshal(v, &version)
	}
	_, hasAlerts := top["alerts"]
	_, hasOrg := top["orgId"]
	_, hasState := top["state"]
	switch {
	case version == "4" && hasAlerts:
		return Alertmanager, nil
	case version == "1" && hasAlerts, hasAlerts && (hasOrg || hasState):
		return Grafana, nil
	case hasAlerts && version == "":
		return Alertmanager, nil
	}
	keys := make([]string, 0, len(top))
	for k := range top {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return "", &ParseError{Msg: fmt.Sprintf(
		"unknown format: want an Alertmanager webhook (version \"4\" with alerts), a Grafana webhook (version \"1\" with alerts) or a PagerDuty v3 webhook ({\"event\": ...}); got an object with keys %s",
		strings.Join(keys, ", "))}
}

// ParseAs parses a payload of a known format.
func ParseAs(f Format, data []byte) (*Group, error) {
	switch f {
	case Alertmanager, Grafana:
		return parseAM(f, data)
	case PagerDuty:
		return parsePD(data)
	}
	return nil, &ParseError{Msg: fmt.Sprintf("unknown format %q: want alertmanager, grafana or pagerduty", f)}
}

// amMessage is Alertmanager's webhook body; Grafana's is a superset.
type amMessage struct {
	Version           string            `json:"version"`
	GroupKey          string            `json:"groupKey"`
	TruncatedAlerts   int               `json:"truncatedAlerts"`
	Status            string            `json:"status"`
	Receiver          string            `json:"receiver"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	Alerts            []amAlert         `json:"alerts"`
	Title             string            `json:"title"`
}

type amAlert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
	SilenceURL   string            `json:"silenceURL"`
	DashboardURL string            `json:"dashboardURL"`
	ValueString  string            `json:"valueString"`
}

func parseAM(f Format, data []byte) (*Group, error) {
	var m amMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, &ParseError{Format: f, Msg: jsonProblem(data, err)}
	}
	if len(m.Alerts) == 0 {
		return nil, &ParseError{Format: f, Msg: "alerts: want at least one alert, got none"}
	}
	var errs []error
	g := &Group{
		Format: f, Status: m.Status, Key: m.GroupKey, Receiver: m.Receiver, Title: m.Title,
		GroupLabels: m.GroupLabels, CommonLabels: m.CommonLabels, CommonAnnotations: m.CommonAnnotations,
		ExternalURL: m.ExternalURL, Truncated: m.TruncatedAlerts,
	}
	for i, a := range m.Alerts {
		if len(a.Labels) == 0 {
			errs = append(errs, &ParseError{Format: f, Msg: fmt.Sprintf("alerts[%d].labels: want at least the alertname label, got none", i)})
			continue
		}
		if a.Status != Firing && a.Status != Resolved {
			errs = append(errs, &ParseError{Format: f, Msg: fmt.Sprintf("alerts[%d].status: want \"firing\" or \"resolved\", got %q", i, a.Status)})
			continue
		}
		g.Alerts = append(g.Alerts, Alert{
			Status: a.Status, Labels: a.Labels, Annotations: a.Annotations, StartsAt: a.StartsAt,
			EndsAt: a.EndsAt, GeneratorURL: a.GeneratorURL, Fingerprint: a.Fingerprint,
			SilenceURL: a.SilenceURL, DashboardURL: a.DashboardURL, ValueString: a.ValueString,
		})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if g.Status != Firing && g.Status != Resolved {
		g.Status = Resolved
		for _, a := range g.Alerts {
			if a.Status == Firing {
				g.Status = Firing
			}
		}
	}
	return g, nil
}

// jsonProblem describes a JSON decoding error with where it happened.
func jsonProblem(data []byte, err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se) && se.Offset >= int64(len(bytes.TrimRight(data, " \t\r\n"))):
		return "truncated JSON: the payload ends before the object is closed"
	case errors.As(err, &se):
		line, col := position(data, se.Offset-1)
		return fmt.Sprintf("malformed JSON at line %d, column %d: %v", line, col, se)
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "(top level)"
		}
		return fmt.Sprintf("%s: want %s, got JSON %s", field, jsonType(te.Type.String()), te.Value)
	}
	return err.Error()
}

func jsonType(goType string) string {
	switch {
	case strings.HasPrefix(goType, "map["):
		return "an object"
	case strings.HasPrefix(goType, "[]"):
		return "a list"
	case goType == "string":
		return "a string"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "float"):
		return "a number"
	case goType == "time.Time":
		return "an RFC 3339 time"
	}
	return goType
}

func position(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	if offset < 0 {
		offset = 0
	}
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - bytes.LastIndexByte(before, '\n')
	return line, col
}
