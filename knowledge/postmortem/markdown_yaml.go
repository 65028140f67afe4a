package postmortem

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

var zoneNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+){0,2}$`)

// zoneByName reads the zone a document declares: an IANA name ("Europe/Berlin"), "UTC", an
// offset ("+01:00") or a common abbreviation.
func zoneByName(name string) (*time.Location, bool) {
	if zoneNameRE.MatchString(name) && !strings.EqualFold(name, "local") {
		if loc, err := time.LoadLocation(name); err == nil {
			return loc, true
		}
	}
	loc, ok := resolveZone(name, civil{}, nil)
	return loc, ok && loc != nil
}

// deref follows YAML aliases, a bounded number of times.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; i < 8 && n != nil && n.Kind == yaml.AliasNode && n.Alias != nil; i++ {
		n = n.Alias
	}
	return n
}

func scalar(n *yaml.Node) (string, bool) {
	n = deref(n)
	if n == nil || n.Kind != yaml.ScalarNode {
		return "", false
	}
	if n.Tag == "!!null" {
		return "", true
	}
	return n.Value, true
}

// stringList reads a list, or one comma-separated line of text.
func stringList(n *yaml.Node) ([]string, bool) {
	n = deref(n)
	if s, ok := scalar(n); ok {
		return splitList(s), true
	}
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil, false
	}
	var out []string
	for _, item := range n.Content {
		s, ok := scalar(item)
		if !ok {
			return nil, false
		}
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out, true
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

func participantList(n *yaml.Node) ([]Participant, bool) {
	n = deref(n)
	if names, ok := stringList(n); ok {
		out := make([]Participant, 0, len(names))
		for _, name := range names {
			out = append(out, Participant{Name: cleanName(name)})
		}
		return out, true
	}
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil, false
	}
	var out []Participant
	for _, item := range n.Content {
		if s, ok := scalar(item); ok {
			if s = cleanName(s); s != "" {
				out = append(out, Participant{Name: s})
			}
			continue
		}
		kv, ok := mapping(item)
		if !ok {
			return nil, false
		}
		pp := Participant{Name: cleanName(kv["name"]), ID: kv["id"]}
		if m, err := strconv.Atoi(kv["messages"]); err == nil {
			pp.Messages = m
		}
		if pp.Name == "" {
			pp.Name = pp.ID
		}
		if pp.Name != "" {
			out = append(out, pp)
		}
	}
	return out, true
}

func similarList(n *yaml.Node) ([]Similar, bool) {
	n = deref(n)
	if ids, ok := stringList(n); ok {
		out := make([]Similar, 0, len(ids))
		for _, id := range ids {
			out = append(out, Similar{ID: id})
		}
		return out, true
	}
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil, false
	}
	var out []Similar
	for _, item := range n.Content {
		if s, ok := scalar(item); ok {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, Similar{ID: s})
			}
			continue
		}
		kv, ok := mapping(item)
		if !ok {
			return nil, false
		}
		s := Similar{ID: kv["id"], Title: mdOneLine(kv["title"]), URL: kv["url"]}
		switch strings.ToLower(kv["helpful"]) {
		case "true", "yes", "y", "1":
			s.Helpful = true
		}
		if s.ID == "" && s.Title != "" {
			s.ID = Slug(s.Title)
		}
		if s.ID != "" {
			out = append(out, s)
		}
	}
	return out, true
}

// mapping reads a mapping of scalars; nested values are not something a list item here holds.
func mapping(n *yaml.Node) (map[string]string, bool) {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, false
	}
	kv := map[string]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		v, ok := scalar(n.Content[i+1])
		if !ok {
			return nil, false
		}
		kv[strings.ToLower(n.Content[i].Value)] = strings.TrimSpace(v)
	}
	return kv, true
}

// cleanName turns "@ana (SRE)" into "ana".
func cleanName(s string) string {
	if i := strings.IndexByte(s, '('); i > 0 {
		s = s[:i]
	}
	return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "@"))
}
