package postmortem

import (
	"strings"
	"text/template"
	"time"
)

// TemplateData is what a postmortem template executes on. Custom templates see the same data
// and functions as the built-in ones; templates/README.md has a longer example. The smallest
// useful template:
//
//	{{.FrontMatter}}
//	# {{.Heading}}
//
//	{{todo .Summary "what happened, in two sentences"}}
//
//	## Timeline
//
//	{{template "timeline" .}}
//
// Every Postmortem field is there under its own name ({{.Title}}, {{.Summary}}, {{.Alerts}},
// {{range .Similar}}{{.Title}}{{end}}, ...). Times are time.Time values: print them with the
// functions below, which show them in the zone Render was given. Besides those fields:
//
//   - .FrontMatter: the YAML front matter block (between "---" lines, with a final newline).
//     Put it first: it is what lets Tacoma import an edited draft with its structure.
//   - .Heading: Title, or a stand-in such as "Incident in #inc-dns" when Title is empty.
//   - .Name: the name of the template being rendered.
//   - .Location and .Zone: the zone's IANA name ("Europe/Berlin") and its abbreviation when the
//     incident started ("CET").
//   - .Date: the day the incident started, "2006-01-02"; "" when unknown.
//   - .Times: the key times, formatted, and the durations from the start (see KeyTimes).
//   - .Days: the timeline grouped by day (see TimelineDay); .MultiDay reports whether it spans
//     more than one day.
//
// Functions:
//
//   - time T: "2006-01-02 15:04 MST" in the zone; "" for a zero time.
//   - clock T: "15:04"; day T: "2006-01-02"; both "" for a zero time.
//   - duration FROM TO: "45s", "12m", "1h 12m", "2d 3h"; "" when either is zero or TO is earlier.
//   - md S: S made safe for a table cell ('|' escaped, line breaks as <br>).
//   - item S: S made safe as a list item (later lines indented under it).
//   - code S: S as inline code.
//   - todo S HINT: S, or "_TODO: HINT_" when S is empty: the placeholder a responder fills in.
//   - join LIST SEP: strings.Join; names PARTICIPANTS: their names.
//
// The built-in partials "timeline", "timeline-table", "alerts", "similar", "action-list",
// "action-table", "lessons" and "participants" can be called with {{template "timeline" .}};
// Parse reads back what they write.
type TemplateData struct {
	*Postmortem
	Name        string
	FrontMatter string
	Heading     string
	Location    string
	Zone        string
	Date        string
	Times       KeyTimes
	Days        []TimelineDay
	MultiDay    bool
}

// KeyTimes are a postmortem's key times as a template shows them. A time is "" when unknown;
// a duration is "" when either end is unknown.
type KeyTimes struct {
	Started, Detected, Mitigated, Resolved string // "2006-01-02 15:04 MST"
	ToDetect, ToMitigate, ToResolve        string // from Started: "1h 12m"
}

// TimelineDay is one day of the timeline, in timeline order. Events with no time stay with the
// day of the event before them.
type TimelineDay struct {
	Date   string // "2006-01-02"; "" only when no event has a time
	Zone   string // the zone's abbreviation on that day
	Events []Event
}

// timeLayout is how templates show an instant: a responder reads it without converting.
const timeLayout = "2006-01-02 15:04 MST"

func newTemplateData(name string, p *Postmortem, loc *time.Location) (*TemplateData, error) {
	fm, err := frontMatter(p, loc, name, nil)
	if err != nil {
		return nil, err
	}
	d := &TemplateData{
		Postmortem:  p,
		Name:        name,
		FrontMatter: fm,
		Heading:     displayHeading(p, loc),
		Location:    loc.String(),
		Zone:        loc.String(),
		Date:        dayString(p.Started, loc),
		Times: KeyTimes{
			Started:    timeString(p.Started, loc),
			Detected:   timeString(p.Detected, loc),
			Mitigated:  timeString(p.Mitigated, loc),
			Resolved:   timeString(p.Resolved, loc),
			ToDetect:   durationBetween(p.Started, p.Detected),
			ToMitigate: durationBetween(p.Started, p.Mitigated),
			ToResolve:  durationBetween(p.Started, p.Resolved),
		},
	}
	if ref := referenceTime(p); !ref.IsZero() {
		d.Zone, _ = ref.In(loc).Zone()
	}
	d.Days = timelineDays(p.Timeline, loc, d.Zone)
	dated := 0
	for _, day := range d.Days {
		if day.Date != "" {
			dated++
		}
	}
	d.MultiDay = dated > 1
	return d, nil
}

// referenceTime is the instant whose zone abbreviation names the document's zone.
func referenceTime(p *Postmortem) time.Time {
	if !p.Started.IsZero() {
		return p.Started
	}
	for _, e := range p.Timeline {
		if !e.At.IsZero() {
			return e.At
		}
	}
	return time.Time{}
}

func displayHeading(p *Postmortem, loc *time.Location) string {
	switch {
	case strings.TrimSpace(p.Title) != "":
		return mdOneLine(p.Title)
	case p.ChannelName != "":
		return "Incident in #" + p.ChannelName
	case !p.Started.IsZero():
		return "Incident on " + dayString(p.Started, loc)
	}
	return "Untitled incident"
}

func timelineDays(events []Event, loc *time.Location, zone string) []TimelineDay {
	var days []TimelineDay
	for _, e := range events {
		date, z := "", zone
		if !e.At.IsZero() {
			t := e.At.In(loc)
			date = t.Format(time.DateOnly)
			z, _ = t.Zone()
		}
		switch {
		case len(days) == 0:
			days = append(days, TimelineDay{Date: date, Zone: z})
		case date == "" || date == days[len(days)-1].Date:
		case days[len(days)-1].Date == "":
			// Undated events before the first dated one belong to its day.
			days[len(days)-1].Date, days[len(days)-1].Zone = date, z
		default:
			days = append(days, TimelineDay{Date: date, Zone: z})
		}
		days[len(days)-1].Events = append(days[len(days)-1].Events, e)
	}
	return days
}

func timeString(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(timeLayout)
}

func dayString(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(time.DateOnly)
}

func durationBetween(from, to time.Time) string {
	if from.IsZero() || to.IsZero() || to.Before(from) {
		return ""
	}
	return Duration(to.Sub(from))
}

// templateFuncs are the functions every template may call, showing times in loc.
func templateFuncs(loc *time.Location) template.FuncMap {
	return template.FuncMap{
		"time":     func(t time.Time) string { return timeString(t, loc) },
		"day":      func(t time.Time) string { return dayString(t, loc) },
		"clock":    func(t time.Time) string { return clockString(t, loc) },
		"duration": durationBetween,
		"md":       mdCell,
		"item":     mdItem,
		"code":     mdCode,
		"todo":     mdTodo,
		"join":     strings.Join,
		"names": func(ps []Participant) []string {
			out := make([]string, 0, len(ps))
			for _, p := range ps {
				out = append(out, p.Name)
			}
			return out
		},
	}
}

func clockString(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format("15:04")
}

// mdCell makes s safe inside a Markdown table cell; Parse undoes it.
func mdCell(s string) string {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", "<br>")
}

// mdItem makes s safe as the text of a list item: later lines are indented so that they stay
// in the item.
func mdItem(s string) string {
	lines := strings.Split(strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")), "\n")
	for i := 1; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != "" {
			lines[i] = "  " + strings.TrimSpace(lines[i])
		} else {
			lines[i] = ""
		}
	}
	return strings.Join(lines, "\n")
}

func mdCode(s string) string {
	s = mdOneLine(s)
	if strings.Contains(s, "`") {
		return "`` " + s + " ``"
	}
	return "`" + s + "`"
}

func mdTodo(s, hint string) string {
	if strings.TrimSpace(s) == "" {
		return "_TODO: " + hint + "_"
	}
	return strings.TrimSpace(s)
}

func mdOneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
