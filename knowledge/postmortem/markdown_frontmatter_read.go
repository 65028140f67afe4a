package postmortem

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// fmFields is what front matter says, before the body is read.
type fmFields struct {
	p    Postmortem
	date time.Time      // the day named by "date"; zero when absent
	loc  *time.Location // from "timezone"; nil when absent
	text int            // words in its prose keys, for the too-little check
}

// fmKey maps a front matter key, in the spellings teams use, to the field it fills; "" when
// Tacoma does not read it.
func fmKey(key string) string {
	k := strings.ToLower(strings.NewReplacer(" ", "_", "-", "_").Replace(strings.TrimSpace(key)))
	switch k {
	case "id", "title", "status", "severity", "template", "date", "started", "detected", "mitigated",
		"resolved", "timezone", "channel", "channel_name", "services", "alerts", "classes",
		"participants", "similar", "summary", "impact", "root_cause", "trigger", "detection",
		"resolution", "action_items", "lessons":
		return k
	case "sev":
		return "severity"
	case "day":
		return "date"
	case "start", "started_at", "start_time", "began", "begin":
		return "started"
	case "detected_at", "detection_time":
		return "detected"
	case "mitigated_at", "mitigation_time":
		return "mitigated"
	case "resolved_at", "resolution_time", "ended", "ended_at", "end", "end_time":
		return "resolved"
	case "time_zone", "tz", "zone":
		return "timezone"
	case "slack_channel":
		return "channel_name"
	case "service", "components", "component", "systems", "system", "affected_services":
		return "services"
	case "alert":
		return "alerts"
	case "class", "tags", "labels", "categories":
		return "classes"
	case "authors", "author", "responders", "people", "owners":
		return "participants"
	case "similar_incidents", "related", "related_incidents":
		return "similar"
	case "root_causes", "cause":
		return "root_cause"
	case "actions", "follow_ups", "followups":
		return "action_items"
	}
	return ""
}

var (
	idRE        = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)
	yamlLineRE  = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	slackChanRE = regexp.MustCompile(`^[CGD][A-Z0-9]{6,}$`)
)

// readFrontMatter reads the YAML between the "---" lines; its first line is file line 2.
func readFrontMatter(file, src string) (*fmFields, error) {
	const offset = 1 // the opening "---"
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		line := 1
		if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
			n, _ := strconv.Atoi(m[1])
			line, msg = n+offset, m[2]
		}
		return nil, &ParseError{File: file, Line: line, Reason: "front matter: " + msg}
	}
	f := &fmFields{}
	if len(doc.Content) == 0 {
		return f, nil
	}
	root := deref(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		return nil, &ParseError{File: file, Line: root.Line + offset, Reason: "front matter: want key: value lines"}
	}
	bad := func(n *yaml.Node, key, want string) error {
		return &ParseError{File: file, Line: n.Line + offset, Reason: fmt.Sprintf("front matter %q: want %s", key, want)}
	}
	// The zone comes first: every time in the front matter is read in it.
	for i := 0; i+1 < len(root.Content); i += 2 {
		if fmKey(root.Content[i].Value) != "timezone" {
			continue
		}
		v, ok := scalar(root.Content[i+1])
		loc, found := zoneByName(strings.TrimSpace(v))
		if !ok || !found {
			return nil, bad(root.Content[i+1], root.Content[i].Value, "a time zone such as Europe/Berlin or UTC")
		}
		f.loc = loc
	}
	loc := f.loc
	if loc == nil {
		loc = time.UTC
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, v := root.Content[i].Value, deref(root.Content[i+1])
		field := fmKey(key)
		if err := f.set(field, v, loc); err != "" {
			return nil, bad(v, key, err)
		}
	}
	return f, nil
}

// set fills one field from its node; it returns what was wanted when the node does not fit.
func (f *fmFields) set(field string, v *yaml.Node, loc *time.Location) string {
	p := &f.p
	text := func(dst *string) string {
		s, ok := scalar(v)
		if !ok {
			return "text"
		}
		*dst = strings.TrimSpace(s)
		return ""
	}
	prose := func(dst *string) string {
		if err := text(dst); err != "" {
			return err
		}
		f.text += len(strings.Fields(*dst))
		return ""
	}
	when := func(dst *time.Time) string {
		s, ok := scalar(v)
		if !ok {
			return "a time such as 2024-03-05T14:02:00Z"
		}
		if strings.TrimSpace(s) == "" {
			return ""
		}
		t, ok := parseWhen(s, loc)
		if !ok {
			return "a time such as 2024-03-05T14:02:00Z"
		}
		*dst = t
		return ""
	}
	names := func(dst *[]string) string {
		vs, ok := stringList(v)
		if !ok {
			return "a list of names"
		}
		*dst = mergeNames(*dst, vs) // "services" and "components" may both be there
		return ""
	}
	switch field {
	case "id":
		if err := text(&p.ID); err != "" || p.ID == "" {
			return err
		}
		if !idRE.MatchString(p.ID) {
			return "an ID of letters, digits, '.', '_' and '-'"
		}
	case "title":
		if err := text(&p.Title); err != "" {
			return err
		}
		p.Title = mdOneLine(p.Title)
	case "status":
		return text(&p.Status)
	case "severity":
		return text(&p.Severity)
	case "template":
		return text(&p.Template)
	case "channel":
		var c string
		if err := text(&c); err != "" {
			return err
		}
		if slackChanRE.MatchString(c) {
			p.Channel = c
		} else if c != "" {
			p.ChannelName = strings.TrimPrefix(c, "#")
		}
	case "channel_name":
		if err := text(&p.ChannelName); err != "" {
			return err
		}
		p.ChannelName = strings.TrimPrefix(p.ChannelName, "#")
	case "date":
		return when(&f.date)
	case "started":
		return when(&p.Started)
	case "detected":
		return when(&p.Detected)
	case "mitigated":
		return when(&p.Mitigated)
	case "resolved":
		return when(&p.Resolved)
	case "services":
		return names(&p.Services)
	case "alerts":
		return names(&p.Alerts)
	case "classes":
		return names(&p.Classes)
	case "action_items":
		return names(&p.ActionItems)
	case "lessons":
		return names(&p.Lessons)
	case "summary":
		return prose(&p.Summary)
	case "impact":
		return prose(&p.Impact)
	case "root_cause":
		return prose(&p.RootCause)
	case "trigger":
		return prose(&p.Trigger)
	case "detection":
		return prose(&p.Detection)
	case "resolution":
		return prose(&p.Resolution)
	case "participants":
		ps, ok := participantList(v)
		if !ok {
			return "a list of names, or of {name, id, messages}"
		}
		p.Participants = append(p.Participants, ps...)
	case "similar":
		ss, ok := similarList(v)
		if !ok {
			return "a list of IDs, or of {id, title, url, helpful}"
		}
		p.Similar = ss
	}
	return ""
}
