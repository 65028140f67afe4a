package postmortem

import (
	"regexp"
	"strings"
	"time"
)

// timelineReader reads timeline sections. Times of day take their day from the last date seen
// (front matter, a heading, a "**2024-03-05**" line or a cell) and their zone from the last
// zone named (a heading, an "All times CET" line or a column header), else the document's.
type timelineReader struct {
	loc    *time.Location // the document's zone; a heading naming an IANA zone replaces it
	day    civil
	zone   string    // an abbreviation or offset named by the last heading, note or header
	last   time.Time // the last event's time, to notice a timeline crossing midnight
	events []Event
	more   []string                  // continuation lines of the last event, joined by flush
	named  map[string]*time.Location // IANA zones looked up so far; nil values did not load
}

// maxZoneLookups bounds the IANA names one document may make Parse look up.
const maxZoneLookups = 8

var (
	allTimesRE = regexp.MustCompile(`(?i)^\W*(?:all\s+)?times?\s+(?:are\s+|shown\s+)?(?:in\s+)?`)
	zoneWordRE = regexp.MustCompile(`\b(?:UTC|GMT)(?:[+-]\d{1,2}(?::?\d{2})?)?\b|[+-]\d{2}:?\d{2}\b|\b[A-Z]{3,5}\b|\b[A-Za-z_]+/[A-Za-z0-9_+-]+(?:/[A-Za-z0-9_+-]+)?\b`)
	wrapCut    = "*_`[ \t"
	closeCut   = "*_`])>"
	sepCut     = ".:;,|·-–— \t"
	weekdayRE  = regexp.MustCompile(`(?i)\b(mon|tues?|wed(nes)?|thu(rs)?|fri|sat(ur)?|sun)(day)?\b|[\s,.:()*_-]+`)
)

func (r *timelineReader) section(s *mdSection) {
	r.notice(s.heading)
	lines := s.lines
	prevEvent, blank, fence := false, false, ""
	for i := 0; i < len(lines); i++ {
		t := lines[i].text
		trimmed := strings.TrimSpace(t)
		switch {
		case fence != "" || fenceOpening(trimmed) != "":
			if fence == "" {
				fence = fenceOpening(trimmed)
			} else if strings.HasPrefix(trimmed, fence) {
				fence = ""
			}
			r.appendText(t)
		case trimmed == "":
			blank = true
			continue
		case isHeading(t):
			_, text := atxHeading(t)
			r.notice(text)
			prevEvent = false
		case tableAt(lines, i):
			header, rows, n := readTable(lines, i)
			r.table(header, rows)
			i += n - 1
			prevEvent = false
		case prevEvent && !isListItem(t) && (indented(t) || !blank) && !r.startsEvent(t):
			r.appendText(trimmed)
		default:
			prevEvent = r.line(t)
		}
		blank = false
	}
}

// notice takes the day and zone a heading or a note names; it reports whether it found either.
func (r *timelineReader) notice(text string) bool {
	day, _ := findDate(text)
	if day.ok {
		r.day, r.last = day, time.Time{}
	}
	for _, w := range zoneWordRE.FindAllString(text, -1) {
		if strings.Contains(w, "/") {
			if loc := r.lookup(w); loc != nil {
				r.loc, r.zone = loc, ""
				return true
			}
			continue
		}
		if _, ok := resolveZone(w, r.day, r.loc); ok {
			r.zone = w
			return true
		}
	}
	return day.ok
}

func (r *timelineReader) lookup(name string) *time.Location {
	if loc, seen := r.named[name]; seen || len(r.named) >= maxZoneLookups {
		return loc
	}
	if r.named == nil {
		r.named = map[string]*time.Location{}
	}
	loc, ok := zoneByName(name)
	if !ok {
		loc = nil
	}
	r.named[name] = loc
	return loc
}

// startsEvent reports whether a line opens with a time of day.
func (r *timelineReader) startsEvent(t string) bool {
	st, ok := scanStamp(strings.TrimLeft(t, wrapCut))
	return ok && st.hasClock
}

// line reads one line of a list or paragraph; it reports whether it added an event.
func (r *timelineReader) line(t string) bool {
	body := strings.TrimSpace(listMarkRE.ReplaceAllString(t, ""))
	core := strings.TrimLeft(body, wrapCut)
	if st, ok := scanStamp(core); ok && st.hasClock {
		at, zoneUsed, ok := st.at(r.day, r.zone, r.loc)
		rest := core[st.end:]
		if !zoneUsed {
			rest = core[st.clockEnd:]
		}
		if !ok {
			r.add(time.Time{}, "", KindNote, body)
			return true
		}
		r.add(r.roll(at, st.hasDate), "", KindNote, strings.TrimLeft(strings.TrimLeft(rest, closeCut), sepCut))
		return true
	}
	if allTimesRE.MatchString(body) && len(strings.Fields(body)) <= 12 && r.notice(body) {
		return false // "All times CET, on 2025-02-11."
	}
	if day, rest := findDate(body); day.ok {
		r.day, r.last = day, time.Time{}
		rest = strings.Trim(cleanInline(rest), sepCut+closeCut+"(")
		if weekdayRE.ReplaceAllString(rest, "") == "" || allTimesRE.MatchString(rest) && r.notice(rest) {
			return false // a day line: "**Tuesday, 5 March 2024**", "2024-04-18 (all times UTC)"
		}
	}
	r.add(time.Time{}, "", KindNote, body)
	return true
}

// roll moves a time without a date to the next day when the timeline went past midnight.
func (r *timelineReader) roll(at time.Time, dated bool) time.Time {
	if !dated && !r.last.IsZero() && at.Before(r.last.Add(-12*time.Hour)) {
		at = at.AddDate(0, 0, 1)
	}
	y, m, d := at.Date()
	r.day, r.last = civil{y, m, d, true}, at
	return at
}

func (r *timelineReader) add(at time.Time, who, kind, text string) {
	r.flush()
	r.events = append(r.events, Event{At: at, Kind: kind, Who: who, Text: strings.TrimSpace(text)})
}

func (r *timelineReader) appendText(s string) {
	if len(r.events) == 0 {
		r.add(time.Time{}, "", KindNote, s)
		return
	}
	r.more = append(r.more, s)
}

// flush adds the continuation lines to the last event; they are joined once, since a long
// event written line by line would otherwise be copied once per line.
func (r *timelineReader) flush() {
	if n := len(r.events); n > 0 && len(r.more) > 0 {
		e := &r.events[n-1]
		e.Text = strings.TrimSpace(e.Text + "\n" + strings.Join(r.more, "\n"))
	}
	r.more = nil
}

var (
	timeColRE = regexp.MustCompile(`(?i)^\W*(time|when|timestamp|date|hour|datetime|at|clock)\b`)
	whoColRE  = regexp.MustCompile(`(?i)^\W*(who|author|actor|by|person|owner|from|user|responder)\b`)
	kindColRE = regexp.MustCompile(`(?i)^\W*(kind|type|category)\b`)
	textColRE = regexp.MustCompile(`(?i)^\W*(event|events|what|description|details|action|text|message|summary|notes?|activity|happened|update)\b`)
)

// table reads a timeline table: the columns are found by their headers (Time, Who, Kind,
// Event); without headers the first column is the time and the rest is the text.
func (r *timelineReader) table(header []string, rows [][]string) {
	timeCol, whoCol, kindCol, textCol := -1, -1, -1, -1
	for j, h := range header {
		switch {
		case timeCol < 0 && timeColRE.MatchString(h):
			timeCol = j
			r.notice(h)
		case whoCol < 0 && whoColRE.MatchString(h):
			whoCol = j
		case kindCol < 0 && kindColRE.MatchString(h):
			kindCol = j
		case textCol < 0 && textColRE.MatchString(h):
			textCol = j
		}
	}
	if timeCol < 0 {
		timeCol = 0
	}
	for _, row := range rows {
		cell := func(j int) string {
			if j < 0 || j >= len(row) {
				return ""
			}
			return row[j]
		}
		parts := []string{cell(textCol)}
		for j, c := range row {
			if j != timeCol && j != whoCol && j != kindCol && j != textCol {
				parts = append(parts, c)
			}
		}
		text := joinNonEmpty(parts, " — ")
		kind := strings.ToLower(cleanInline(cell(kindCol)))
		if kind == "" {
			kind = KindNote
		}
		who := strings.TrimPrefix(cleanInline(cell(whoCol)), "@")
		when := strings.Trim(cleanInline(cell(timeCol)), "[] ")
		st, ok := scanStamp(when)
		switch {
		case when == "":
			r.add(time.Time{}, who, kind, text)
		case ok && st.hasClock:
			at, _, ok := st.at(r.day, r.zone, r.loc)
			if !ok {
				r.add(time.Time{}, who, kind, joinNonEmpty([]string{when, text}, ": "))
				continue
			}
			r.add(r.roll(at, st.hasDate), who, kind, text)
		default:
			if ok && st.hasDate {
				r.day, r.last = civil{st.year, st.month, st.day, true}, time.Time{}
			}
			r.add(time.Time{}, who, kind, joinNonEmpty([]string{when, text}, ": "))
		}
	}
}

func joinNonEmpty(parts []string, sep string) string {
	var keep []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, sep)
}
