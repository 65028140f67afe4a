package postmortem

import (
	"regexp"
	"strings"
)

// proseText is a section's lines as Markdown text, without leading, trailing or doubled blank
// lines.
func proseText(lines []mdLine) string {
	var b strings.Builder
	blank := false
	for _, l := range lines {
		t := strings.TrimRight(l.text, " \t")
		if strings.TrimSpace(t) == "" {
			blank = b.Len() > 0
			continue
		}
		if blank {
			b.WriteString("\n")
		}
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(t)
		blank = false
	}
	return b.String()
}

var (
	listMarkRE = regexp.MustCompile(`^\s*(?:[-*+]|\d{1,3}[.)])(?:[ \t]+|$)(?:\[[ xX]\][ \t]*)?`)
	delimRowRE = regexp.MustCompile(`^\s*\|?\s*:?-{1,}:?\s*(?:\|\s*:?-{1,}:?\s*)*\|?\s*$`)
)

// listItems reads a section as items: list items (with their continuation lines), paragraphs,
// and the first text column of tables.
func listItems(lines []mdLine) []string {
	var items, cur []string
	inItem, blank, fence := false, false, ""
	flush := func() {
		if s := strings.TrimSpace(strings.Join(cur, "\n")); s != "" {
			items = append(items, s)
		}
		cur = nil
	}
	for i := 0; i < len(lines); i++ {
		t := lines[i].text
		trimmed := strings.TrimSpace(t)
		switch {
		case fence != "":
			cur = append(cur, t)
			if strings.HasPrefix(trimmed, fence) {
				fence = ""
			}
		case fenceOpening(trimmed) != "":
			fence = fenceOpening(trimmed)
			cur = append(cur, t)
		case trimmed == "":
			if !inItem {
				flush()
			}
		case tableAt(lines, i):
			flush()
			header, rows, n := readTable(lines, i)
			items = append(items, textColumn(header, rows)...)
			i += n - 1
			inItem = false
		case isHeading(t):
			flush()
			inItem = false
		case listMarkRE.MatchString(t):
			flush()
			cur = []string{strings.TrimSpace(listMarkRE.ReplaceAllString(t, ""))}
			inItem = true
		case inItem && (!blank || indented(t)):
			cur = append(cur, trimmed)
		default:
			if inItem || blank {
				flush()
			}
			cur = append(cur, trimmed)
			inItem = false
		}
		blank = trimmed == ""
	}
	flush()
	return items
}

func indented(s string) bool { return strings.HasPrefix(s, "  ") || strings.HasPrefix(s, "\t") }

// tableAt reports whether a table starts at lines[i]: a row followed by a delimiter row, or a
// row that opens with '|'.
func tableAt(lines []mdLine, i int) bool {
	t := strings.TrimSpace(lines[i].text)
	if !strings.Contains(t, "|") {
		return false
	}
	if i+1 < len(lines) && delimRowRE.MatchString(lines[i+1].text) && strings.Contains(lines[i+1].text, "-") {
		return true
	}
	return strings.HasPrefix(t, "|")
}

// readTable reads the table at lines[i]; header is nil when it has none. n is how many lines
// it spans.
func readTable(lines []mdLine, i int) (header []string, rows [][]string, n int) {
	j := i
	if j+1 < len(lines) && delimRowRE.MatchString(lines[j+1].text) && strings.Contains(lines[j+1].text, "-") {
		header = tableCells(lines[j].text)
		j += 2
	}
	for ; j < len(lines); j++ {
		t := strings.TrimSpace(lines[j].text)
		if t == "" || !strings.Contains(t, "|") {
			break
		}
		if delimRowRE.MatchString(t) && strings.Contains(t, "-") {
			continue
		}
		rows = append(rows, tableCells(t))
	}
	return header, rows, j - i
}

// tableCells splits a row on the '|' that are not escaped, and undoes mdCell.
func tableCells(row string) []string {
	row = strings.TrimSpace(row)
	row = strings.TrimPrefix(row, "|")
	if strings.HasSuffix(row, "|") && !strings.HasSuffix(row, `\|`) {
		row = row[:len(row)-1]
	}
	var cells []string
	var b strings.Builder
	for i := 0; i < len(row); i++ {
		switch {
		case row[i] == '\\' && i+1 < len(row) && row[i+1] == '|':
			b.WriteByte('|')
			i++
		case row[i] == '|':
			cells = append(cells, unCell(b.String()))
			b.Reset()
		default:
			b.WriteByte(row[i])
		}
	}
	return append(cells, unCell(b.String()))
}

var brRE = regexp.MustCompile(`(?i)<br\s*/?>`)

func unCell(s string) string {
	return strings.TrimSpace(brRE.ReplaceAllString(strings.TrimSpace(s), "\n"))
}

var (
	textHeaderRE = regexp.MustCompile(`(?i)\b(action|item|task|description|what|title|summary|follow|todo|remediation|fix)`)
	skipHeaderRE = regexp.MustCompile(`(?i)^(#|no\.?|nr\.?|id|status|done|state|priority|prio|p|type|kind|owner|owners|assignee|who|due|due date|date|ticket|bug|jira|link|links|eta|severity)$`)
)

// textColumn returns the first text column of a table: the one whose header says it holds the
// item, or else the first that is not a number, status or owner.
func textColumn(header []string, rows [][]string) []string {
	col := -1
	for j, h := range header {
		if textHeaderRE.MatchString(h) {
			col = j
			break
		}
	}
	for j, h := range header {
		if col < 0 && !skipHeaderRE.MatchString(strings.TrimSpace(h)) {
			col = j
		}
	}
	var out []string
	for _, row := range rows {
		c := col
		if c < 0 { // no header: the first cell with a word in it
			for j, cell := range row {
				if strings.IndexFunc(cell, isLetter) >= 0 && !skipHeaderRE.MatchString(cell) {
					c = j
					break
				}
			}
		}
		if c >= 0 && c < len(row) && strings.TrimSpace(row[c]) != "" && !isTodo(row[c]) {
			out = append(out, strings.TrimSpace(row[c]))
		}
	}
	return out
}

func isLetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 0x7f }

var (
	codeSpanRE = regexp.MustCompile("`+\\s*([^`]+?)\\s*`+")
	linkRE     = regexp.MustCompile(`\[([^\]]+)\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)
	notHelpRE  = regexp.MustCompile(`(?i)\b(not|un)\s*helpful\b`)
	helpRE     = regexp.MustCompile(`(?i)\bhelpful\b`)
	itemSepRE  = regexp.MustCompile(`\s+(?:·|—|–|-|\|)\s+|\s+\(|:\s`)
	titleSepRE = regexp.MustCompile(`\s+(?:·|—|–|\|)\s+`)
)

// similarItem reads "- [Title](url) · `id` · marked helpful", or a looser line naming a past
// incident.
func similarItem(s string) (Similar, bool) {
	var sim Similar
	rest := s
	if m := linkRE.FindStringSubmatchIndex(s); m != nil {
		sim.Title, sim.URL = cleanInline(s[m[2]:m[3]]), s[m[4]:m[5]]
		rest = s[:m[0]] + s[m[1]:]
	}
	if m := codeSpanRE.FindStringSubmatchIndex(rest); m != nil && idRE.MatchString(rest[m[2]:m[3]]) {
		sim.ID = rest[m[2]:m[3]]
		rest = rest[:m[0]] + rest[m[1]:]
	}
	if sim.Title == "" {
		t := rest
		if loc := titleSepRE.FindStringIndex(t); loc != nil && loc[0] > 0 {
			t = t[:loc[0]]
		}
		sim.Title = strings.Trim(cleanInline(t), " ·—–-|")
	}
	sim.Helpful = helpRE.MatchString(s) && !notHelpRE.MatchString(s)
	if sim.Title == "" {
		sim.Title = sim.ID
	}
	if sim.ID == "" {
		sim.ID = Slug(sim.Title)
	}
	return sim, sim.Title != ""
}

// alertName reads "`KubeDNSDown`", "KubeDNSDown (firing 14:02)" or "KubeDNSDown: ...".
func alertName(s string) string {
	if m := codeSpanRE.FindStringSubmatch(s); m != nil {
		return strings.TrimSpace(m[1])
	}
	if loc := itemSepRE.FindStringIndex(s); loc != nil && loc[0] > 0 {
		s = s[:loc[0]]
	}
	return cleanInline(s)
}

// personNames reads "Ana Lima (IC), @bo and Cy Diaz — comms" as three names.
func personNames(s string) []string {
	var out []string
	for _, part := range splitList(strings.ReplaceAll(s, " and ", ",")) {
		if loc := itemSepRE.FindStringIndex(part); loc != nil && loc[0] > 0 {
			part = part[:loc[0]]
		}
		if name := cleanName(cleanInline(part)); name != "" {
			out = append(out, name)
		}
	}
	return out
}
