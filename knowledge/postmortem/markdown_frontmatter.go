package postmortem

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// frontMatter returns p's YAML front matter between "---" lines, newline-terminated. Times are
// written in loc, or each in its own zone when loc is nil. extra are key and value nodes kept
// from an earlier front matter; they go last.
func frontMatter(p *Postmortem, loc *time.Location, template string, extra []*yaml.Node) (string, error) {
	m := &yaml.Node{Kind: yaml.MappingNode}
	add := func(key string, v *yaml.Node) {
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
	}
	str := func(key, v string) {
		if v = strings.TrimSpace(v); v != "" {
			add(key, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v})
		}
	}
	when := func(key string, t time.Time) {
		if t.IsZero() {
			return
		}
		if loc != nil {
			t = t.In(loc)
		}
		add(key, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!timestamp", Value: t.Format(time.RFC3339Nano)})
	}
	list := func(key string, vs []string) {
		if len(vs) == 0 {
			return
		}
		seq := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for _, v := range vs {
			seq.Content = append(seq.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v})
		}
		add(key, seq)
	}

	if template == "" {
		template = p.Template
	}
	str("id", p.ID)
	str("title", p.Title)
	str("status", p.Status)
	str("template", template)
	str("severity", p.Severity)
	if !p.Started.IsZero() {
		started := p.Started
		if loc != nil {
			started = started.In(loc)
		}
		add("date", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!timestamp", Value: started.Format(time.DateOnly)})
	}
	when("started", p.Started)
	when("detected", p.Detected)
	when("mitigated", p.Mitigated)
	when("resolved", p.Resolved)
	if loc != nil {
		str("timezone", loc.String())
	}
	str("channel", p.Channel)
	str("channel_name", p.ChannelName)
	list("services", p.Services)
	list("alerts", p.Alerts)
	list("classes", p.Classes)
	if len(p.Participants) > 0 {
		seq := &yaml.Node{Kind: yaml.SequenceNode}
		for _, pp := range p.Participants {
			seq.Content = append(seq.Content, participantNode(pp))
		}
		add("participants", seq)
	}
	if len(p.Similar) > 0 {
		seq := &yaml.Node{Kind: yaml.SequenceNode}
		for _, s := range p.Similar {
			item := &yaml.Node{Kind: yaml.MappingNode}
			for _, kv := range [][2]string{{"id", s.ID}, {"title", s.Title}, {"url", s.URL}} {
				if kv[1] != "" {
					item.Content = append(item.Content, scalarNode("!!str", kv[0]), scalarNode("!!str", kv[1]))
				}
			}
			if s.Helpful {
				item.Content = append(item.Content, scalarNode("!!str", "helpful"), scalarNode("!!bool", "true"))
			}
			seq.Content = append(seq.Content, item)
		}
		add("similar", seq)
	}
	m.Content = append(m.Content, extra...)

	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(m); err != nil {
		return "", fmt.Errorf("encode front matter: %w", err)
	}
	if err := enc.Close(); err != nil {
		return "", fmt.Errorf("encode front matter: %w", err)
	}
	return "---\n" + b.String() + "---\n", nil
}

func scalarNode(tag, v string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: v}
}

// participantNode writes a bare name when that is all there is, so that a hand-edited list
// stays a list of names.
func participantNode(pp Participant) *yaml.Node {
	if pp.ID == "" && pp.Messages == 0 {
		return scalarNode("!!str", pp.Name)
	}
	n := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
	n.Content = append(n.Content, scalarNode("!!str", "name"), scalarNode("!!str", pp.Name))
	if pp.ID != "" {
		n.Content = append(n.Content, scalarNode("!!str", "id"), scalarNode("!!str", pp.ID))
	}
	if pp.Messages != 0 {
		n.Content = append(n.Content, scalarNode("!!str", "messages"), scalarNode("!!int", strconv.Itoa(pp.Messages)))
	}
	return n
}

// splitFrontMatter separates YAML front matter from the body. fm is "" when the text has none;
// bodyLine is the file line the body starts on.
func splitFrontMatter(file, text string) (fm, body string, bodyLine int, err error) {
	first, rest, _ := strings.Cut(text, "\n")
	if strings.TrimRight(first, " \t") != "---" {
		return "", text, 1, nil
	}
	line := 2
	for off := 0; off <= len(rest); line++ {
		end := strings.IndexByte(rest[off:], '\n')
		next := len(rest)
		if end >= 0 {
			next = off + end
		}
		if l := strings.TrimRight(rest[off:next], " \t"); l == "---" || l == "..." {
			body := ""
			if next < len(rest) {
				body = rest[next+1:]
			}
			return rest[:off], body, line + 1, nil
		}
		if end < 0 {
			break
		}
		off = next + 1
	}
	return "", "", 0, &ParseError{File: file, Line: 1, Reason: "front matter has no closing \"---\" line"}
}
