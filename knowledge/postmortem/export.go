package postmortem

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Export returns p as a Markdown document: p.Markdown with its front matter refreshed from p's
// fields when p.Markdown is set, else the "brief" built-in template rendered in UTC. Front matter
// keys Tacoma does not read (and "timezone") are kept. The result parses back with Parse into
// p's fields, timeline times to the minute the document shows; Export returns the parse error
// rather than a document that would not parse.
func Export(p *Postmortem) ([]byte, error) {
	if p == nil {
		return nil, errors.New("export: no postmortem")
	}
	name := Slug(firstNonEmpty(p.ID, p.Title)) + ".md"
	var doc string
	if strings.TrimSpace(p.Markdown) == "" {
		ts, err := LoadTemplates("")
		if err != nil {
			return nil, fmt.Errorf("export %s: %w", name, err)
		}
		if doc, err = ts.Render("brief", p, nil); err != nil {
			return nil, fmt.Errorf("export %s: %w", name, err)
		}
	} else {
		var err error
		if doc, err = refreshFrontMatter(p); err != nil {
			return nil, fmt.Errorf("export %s: %w", name, err)
		}
	}
	if _, err := Parse(name, []byte(doc)); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	return []byte(doc), nil
}

// refreshFrontMatter replaces p.Markdown's front matter with one written from p, keeping the
// keys Tacoma does not read. Times keep the zone the document declares, so that the body's
// times of day still mean what they say.
func refreshFrontMatter(p *Postmortem) (string, error) {
	text := strings.ReplaceAll(strings.ReplaceAll(strings.TrimPrefix(p.Markdown, "\uFEFF"), "\r\n", "\n"), "\r", "\n")
	old, body, _, err := splitFrontMatter("", text)
	if err != nil { // an opening "---" that never closes is the body's, not front matter
		old, body = "", text
	}
	var extra []*yaml.Node
	var loc *time.Location
	var doc yaml.Node
	if strings.TrimSpace(old) != "" && yaml.Unmarshal([]byte(old), &doc) == nil && len(doc.Content) > 0 {
		if root := deref(doc.Content[0]); root.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(root.Content); i += 2 {
				switch fmKey(root.Content[i].Value) {
				case "timezone":
					if v, ok := scalar(root.Content[i+1]); ok {
						loc, _ = zoneByName(strings.TrimSpace(v))
					}
				case "":
					extra = append(extra, root.Content[i], root.Content[i+1])
				}
			}
		}
	}
	fm, err := frontMatter(p, loc, "", extra)
	if err != nil {
		return "", err
	}
	return fm + body, nil
}
