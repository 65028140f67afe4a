package postmortem

import (
	"path/filepath"
	"strings"
	"time"
)

// assemble builds the postmortem: the body's sections, then the front matter and field lines
// for what the body does not say.
func assemble(name string, f *fmFields, o *outline) *Postmortem {
	p := f.p
	p.Source = FromImport
	loc := f.loc
	meta := map[string]metaLine{}
	for _, m := range o.meta {
		if _, seen := meta[m.key]; !seen && m.value != "" {
			meta[m.key] = m
		}
	}
	if loc == nil {
		loc = time.UTC
		if m, ok := meta["timezone"]; ok {
			if l, ok := zoneByName(m.value); ok {
				loc = l
			}
		}
	}

	base := strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
	p.Title = firstNonEmpty(o.title, p.Title)
	if p.Title == "" {
		p.Title = firstNonEmpty(firstLineTitle(o), mdOneLine(base), "Untitled postmortem")
	}
	if p.ID == "" {
		p.ID = Slug(p.Title)
		if p.ID == "postmortem" {
			p.ID = Slug(base)
		}
	}
	status := p.Status
	if status == "" {
		status = meta["status"].value
	}
	p.Status = Final
	if strings.Contains(strings.ToLower(status), "draft") {
		p.Status = Draft
	}
	applyMeta(&p, meta)

	day := dayOf(f.date, loc)
	for _, c := range []func() civil{
		func() civil { return dayOf(p.Started, loc) },
		func() civil { d, _ := findDate(meta["date"].value); return d },
		func() civil { d, _ := findDate(meta["started"].value); return d },
		func() civil { d, _ := findDate(p.Title); return d },
		func() civil { d, _ := findDate(base); return d },
	} {
		if !day.ok {
			day = c()
		}
	}
	metaTimes(&p, meta, day, loc)

	applySections(&p, o, &timelineReader{loc: loc, day: day})
	if p.Started.IsZero() {
		for _, e := range p.Timeline {
			if !e.At.IsZero() {
				p.Started = e.At
				break
			}
		}
	}
	if p.Started.IsZero() && day.ok {
		p.Started = time.Date(day.y, day.m, day.d, 0, 0, 0, 0, loc)
	}
	return &p
}

// applyMeta fills fields from "**Label:** value" lines where the front matter left them empty.
func applyMeta(p *Postmortem, meta map[string]metaLine) {
	if v := meta["severity"].value; p.Severity == "" {
		p.Severity = cleanInline(v)
	}
	if v := meta["channel"].value; v != "" && p.Channel == "" && p.ChannelName == "" {
		p.ChannelName = strings.TrimPrefix(cleanInline(v), "#")
	}
	p.Services = mergeNames(p.Services, splitList(cleanInline(meta["services"].value)))
	p.Classes = mergeNames(p.Classes, splitList(cleanInline(meta["classes"].value)))
	var alerts []string
	for _, a := range splitList(meta["alerts"].value) {
		alerts = append(alerts, alertName(a))
	}
	p.Alerts = mergeNames(p.Alerts, alerts)
	p.Participants = mergeParticipants(p.Participants, personNames(meta["participants"].value))
}

// metaTimes reads the key times from field lines such as "**Detected:** 14:12 CET (+10m)".
func metaTimes(p *Postmortem, meta map[string]metaLine, day civil, loc *time.Location) {
	for key, dst := range map[string]*time.Time{
		"started": &p.Started, "detected": &p.Detected, "mitigated": &p.Mitigated, "resolved": &p.Resolved,
	} {
		if !dst.IsZero() {
			continue
		}
		if st, ok := scanStamp(strings.TrimLeft(meta[key].value, wrapCut)); ok {
			if t, _, ok := st.at(day, "", loc); ok {
				*dst = t
			}
		}
	}
}

func applySections(p *Postmortem, o *outline, tr *timelineReader) {
	prose := map[secKind][]string{}
	var overflow, actions, lessons, alerts, people []string
	var similar []Similar
	for _, s := range o.sections {
		switch s.kind {
		case secSummary, secImpact, secRootCause, secTrigger, secDetection, secResolution:
			if t := proseText(s.lines); t != "" {
				prose[s.kind] = append(prose[s.kind], t)
			}
		case secTimeline:
			tr.section(s)
		case secActions:
			actions = append(actions, listItems(s.lines)...)
		case secLessons:
			lessons = append(lessons, listItems(s.lines)...)
		case secSimilar:
			for _, item := range listItems(s.lines) {
				if sim, ok := similarItem(item); ok {
					similar = append(similar, sim)
				}
			}
		case secAlerts:
			for _, item := range listItems(s.lines) {
				alerts = append(alerts, alertName(item))
			}
		case secParticipants:
			for _, item := range listItems(s.lines) {
				people = append(people, personNames(item)...)
			}
		case secOther:
			t := proseText(s.lines)
			switch {
			case t == "":
			case s.heading == "":
				overflow = append(overflow, t)
			default:
				overflow = append(overflow, "**"+strings.TrimSuffix(s.heading, ":")+"**\n\n"+t)
			}
		}
	}
	fields := map[secKind]*string{
		secSummary: &p.Summary, secImpact: &p.Impact, secRootCause: &p.RootCause,
		secTrigger: &p.Trigger, secDetection: &p.Detection, secResolution: &p.Resolution,
	}
	for k, dst := range fields {
		if len(prose[k]) > 0 {
			*dst = strings.Join(prose[k], "\n\n")
		}
	}
	// Text under headings Tacoma does not know is kept, after the summary.
	p.Summary = strings.Join(append(nonEmpty(p.Summary), overflow...), "\n\n")
	if len(actions) > 0 {
		p.ActionItems = actions
	}
	if len(lessons) > 0 {
		p.Lessons = lessons
	}
	p.Alerts = mergeNames(p.Alerts, alerts)
	p.Participants = mergeParticipants(p.Participants, people)
	p.Similar = mergeSimilar(p.Similar, similar)
	tr.flush()
	p.Timeline = tr.events
}

func nonEmpty(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	return []string{s}
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// firstLineTitle takes a document's first line as its title when it reads like one.
func firstLineTitle(o *outline) string {
	pre := o.sections[0]
	for i, l := range pre.lines {
		t := strings.TrimSpace(l.text)
		if t == "" {
			continue
		}
		if isListItem(l.text) || strings.HasPrefix(t, "|") || strings.HasPrefix(t, ">") || len(t) > 120 {
			return ""
		}
		pre.lines = pre.lines[i+1:]
		return cleanInline(t)
	}
	return ""
}

func mergeNames(have, more []string) []string {
	seen := map[string]bool{}
	for _, h := range have {
		seen[strings.ToLower(h)] = true
	}
	for _, m := range more {
		if m != "" && !seen[strings.ToLower(m)] {
			seen[strings.ToLower(m)] = true
			have = append(have, m)
		}
	}
	return have
}

func mergeParticipants(have []Participant, names []string) []Participant {
	seen := map[string]bool{}
	for _, h := range have {
		seen[strings.ToLower(h.Name)] = true
	}
	for _, n := range names {
		if !seen[strings.ToLower(n)] {
			seen[strings.ToLower(n)] = true
			have = append(have, Participant{Name: n})
		}
	}
	return have
}

// mergeSimilar keeps the front matter's list and adds what only the body names; a front matter
// entry with only an ID takes its title from the body.
func mergeSimilar(have, body []Similar) []Similar {
	byID := map[string]Similar{}
	for _, b := range body {
		byID[b.ID] = b
	}
	seen := map[string]bool{}
	for i := range have {
		seen[have[i].ID] = true
		if b, ok := byID[have[i].ID]; ok && have[i].Title == "" {
			have[i].Title, have[i].URL = b.Title, firstNonEmpty(have[i].URL, b.URL)
		}
		if have[i].Title == "" {
			have[i].Title = have[i].ID
		}
	}
	for _, b := range body {
		if !seen[b.ID] {
			seen[b.ID] = true
			have = append(have, b)
		}
	}
	return have
}
