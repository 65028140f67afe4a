package postmortem

import (
	"strings"
)

// mdLine is one line of a document with its line number in the file.
type mdLine struct {
	n    int
	text string
}

// mdSection is a run of lines under one heading or label.
type mdSection struct {
	kind    secKind
	heading string // as written; "" for the text before the first heading
	level   int    // 1-6 for headings, labelLevel for labels, 0 for the text before them
	lines   []mdLine
}

// labelLevel puts a "**Impact:** ..." paragraph below every heading: the next heading ends it.
const labelLevel = 7

// metaLine is a "**Severity:** SEV2" line: a field given in the body.
type metaLine struct {
	key, value string
	line       int
}

// outline is a document cut into its title, sections and field lines.
type outline struct {
	title      string
	sections   []*mdSection // sections[0] is the text before the first heading
	meta       []metaLine
	words      int  // words of content, title and placeholders excluded
	recognised bool // some section or label is one Tacoma knows
}

// outlineOf cuts a document body into sections. Headings map to sections by name; a heading
// Tacoma does not know stays inside the section above it when it is deeper, and otherwise
// starts a section whose text is kept as overflow. Placeholders and comments are dropped.
func outlineOf(lines []mdLine) *outline {
	pre := &mdSection{}
	o := &outline{sections: []*mdSection{pre}}
	cur := pre
	fence, comment, paraStart := "", false, true
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		trimmed := strings.TrimSpace(l.text)
		switch {
		case fence != "":
			cur.lines = append(cur.lines, l)
			o.words += len(strings.Fields(trimmed))
			if strings.HasPrefix(trimmed, fence) && strings.Trim(trimmed, fence[:1]) == "" {
				fence = ""
			}
			continue
		case comment:
			comment = !strings.Contains(trimmed, "-->")
			continue
		case strings.HasPrefix(trimmed, "<!--"):
			comment = !strings.Contains(trimmed, "-->")
			continue
		case trimmed == "":
			cur.lines = append(cur.lines, l)
			paraStart = true
			continue
		case isTodo(trimmed):
			continue
		}
		if f := fenceOpening(trimmed); f != "" {
			fence = f
			cur.lines = append(cur.lines, l)
			continue
		}
		level, text := atxHeading(l.text)
		if level == 0 && paraStart && i+1 < len(lines) && isParagraphText(l.text) {
			if level = setextLevel(lines[i+1].text); level > 0 {
				text = trimmed
				i++
			}
		}
		if level > 0 {
			cur = o.heading(cur, level, text, l)
			paraStart = true
			continue
		}
		o.words += len(strings.Fields(trimmed))
		if cur.kind != secTimeline && o.metaLine(l, cur == pre || cur.kind == secOther || cur.level == labelLevel) {
			paraStart = false
			continue
		}
		// Labels need not open a paragraph: terse write-ups put "Impact: ..." and "Cause: ..."
		// on consecutive lines.
		if cur.kind != secTimeline && !isListItem(l.text) {
			plain := cur == pre || cur.kind == secOther || cur.level == labelLevel
			if kind, label, rest, ok := sectionLabel(l.text, plain); ok {
				o.recognised = true
				cur = o.push(kind, label, labelLevel)
				if rest != "" {
					cur.lines = append(cur.lines, mdLine{l.n, rest})
				}
				paraStart = false
				continue
			}
		}
		cur.lines = append(cur.lines, l)
		paraStart = false
	}
	return o
}

func (o *outline) push(kind secKind, heading string, level int) *mdSection {
	s := &mdSection{kind: kind, heading: heading, level: level}
	o.sections = append(o.sections, s)
	return s
}

func (o *outline) heading(cur *mdSection, level int, text string, l mdLine) *mdSection {
	if kind, ok := sectionKind(text, true); ok {
		o.recognised = true
		return o.push(kind, text, level)
	}
	pre := o.sections[0]
	switch {
	case level == 1 && o.title == "" && cur == pre && !isTodo(text):
		o.title = cleanInline(text)
		return cur
	case cur != pre && level > cur.level:
		// A deeper heading Tacoma does not know belongs to the section above: "### Details"
		// under "## Root cause", or a day under "## Timeline".
		cur.lines = append(cur.lines, l)
		o.words += len(strings.Fields(text))
		return cur
	}
	o.words += len(strings.Fields(text))
	return o.push(secOther, cleanInline(text), level)
}

// metaLine records l when it is a field line such as "- **Severity:** SEV2". Unbolded labels
// count only outside known sections, where prose rarely opens with "Status:".
func (o *outline) metaLine(l mdLine, plain bool) bool {
	m := boldLabelRE.FindStringSubmatch(l.text)
	if m == nil && plain {
		m = plainLabelRE.FindStringSubmatch(l.text)
	}
	if m == nil {
		return false
	}
	key := metaKey(m[1])
	if key == "" {
		return false
	}
	value := strings.TrimSpace(m[2])
	if isTodo(value) {
		value = ""
	}
	o.meta = append(o.meta, metaLine{key: key, value: value, line: l.n})
	return true
}

// sectionLabel reads "**Root cause:** the text" as the start of a section. Plain labels
// ("Root cause: ...") must name a section exactly.
func sectionLabel(s string, plain bool) (kind secKind, label, rest string, ok bool) {
	m := boldLabelRE.FindStringSubmatch(s)
	if m == nil && plain {
		m = plainLabelRE.FindStringSubmatch(s)
	}
	if m == nil {
		return secOther, "", "", false
	}
	kind, ok = sectionKind(m[1], false)
	return kind, strings.TrimSpace(m[1]), strings.TrimSpace(m[2]), ok
}

func fenceOpening(trimmed string) string {
	for _, f := range []string{"```", "~~~"} {
		if strings.HasPrefix(trimmed, f) {
			return f
		}
	}
	return ""
}

// isParagraphText reports whether s could be a setext heading's text.
func isParagraphText(s string) bool {
	t := strings.TrimSpace(s)
	return t != "" && !isListItem(s) && !strings.HasPrefix(t, ">") && !strings.HasPrefix(t, "|") &&
		len(s)-len(strings.TrimLeft(s, " ")) < 4 && !boldLabelRE.MatchString(s)
}
