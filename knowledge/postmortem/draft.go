package postmortem

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/tacoma-bot/tacoma/knowledge"
	"github.com/tacoma-bot/tacoma/knowledge/alert"
)

// Entry is one message of an incident channel as the drafter reads it, oldest first.
type Entry struct {
	At       time.Time
	UserID   string
	Who      string // a person's real name, or the name of the app that posted
	Bot      bool   // posted by an app: an alert notifier or another bot
	Own      bool   // posted by Tacoma itself
	Text     string
	InThread bool
	Edited   time.Time // zero if never edited
}

// Input is what a draft is built from.
type Input struct {
	ChannelID, ChannelName string
	Entries                []Entry
	// Similar are the past outages Tacoma suggested in the channel, in the order first suggested.
	Similar []Similar
	// Checklists of the failure classes involved give the action items.
	Checklists []*knowledge.Checklist
	Now        time.Time
}

// Caps on the timeline, so that a channel of thousands of messages drafts a timeline a person
// reads: every alert name, mitigation and resolution is kept; guesses and checks are sampled.
const (
	maxHypotheses   = 8
	maxActions      = 12
	maxImpactQuotes = 3
	maxEventRunes   = 280
	actionsPerClass = 3
)

// ownAlertRE matches the first line of the group messages Tacoma's alert receivers post.
var ownAlertRE = regexp.MustCompile(`^(?:🔥 FIRING|✅ RESOLVED): (.+)$`)

// Build drafts a postmortem from an incident channel. It never fails: what it cannot tell is left
// for the templates to mark as a TODO.
func Build(in Input) *Postmortem {
	d := drafter{p: &Postmortem{
		Status: Draft, Source: FromSlack, Channel: in.ChannelID, ChannelName: in.ChannelName,
		Similar: in.Similar, CreatedAt: in.Now.UTC(), UpdatedAt: in.Now.UTC(),
	}, alertSeen: map[string]bool{}, people: map[string]*Participant{}}
	for _, e := range in.Entries {
		d.read(e)
	}
	d.finish(in)
	return d.p
}

type drafter struct {
	p                   *Postmortem
	alertSeen           map[string]bool
	people              map[string]*Participant
	order               []string // participant IDs, first to speak first
	hypotheses, actions int
	firing              map[string]bool // alert names firing now, for the resolution time
	impact, causes      []string
	mitigations         []string
	heardHuman          bool
	alertsResolved      time.Time // when the last firing alert resolved
	saidResolved        time.Time // when a responder last said it was over
}

func (d *drafter) add(at time.Time, kind, who, text string) {
	d.p.Timeline = append(d.p.Timeline, Event{At: at.UTC(), Kind: kind, Who: who, Text: draftClip(draftOneLine(text), maxEventRunes)})
}

func (d *drafter) read(e Entry) {
	text := strings.TrimSpace(e.Text)
	if text == "" {
		return
	}
	switch {
	case e.Own:
		d.readOwn(e, text)
	case e.Bot:
		if g, ok := alert.FromChat(text); ok {
			d.readAlert(e.At, e.Who, g.Status == alert.Resolved, g.AlertNames(), draftFirstLine(text))
		}
	default:
		d.readHuman(e, text)
	}
}

// readOwn keeps Tacoma's alert group messages; its suggestions and replies are folded away.
func (d *drafter) readOwn(e Entry, text string) {
	m := ownAlertRE.FindStringSubmatch(draftFirstLine(text))
	if m == nil {
		return
	}
	names := draftSplitNames(m[1])
	d.readAlert(e.At, "Tacoma alerts", false, names, draftFirstLine(text))
	if strings.HasPrefix(text, "✅") && !e.Edited.IsZero() {
		d.readAlert(e.Edited, "Tacoma alerts", true, names, "resolved: "+m[1])
	}
}

func (d *drafter) readAlert(at time.Time, who string, resolved bool, names []string, text string) {
	if d.firing == nil {
		d.firing = map[string]bool{}
	}
	if resolved {
		for _, n := range names {
			delete(d.firing, n)
		}
		if len(d.firing) == 0 {
			d.alertsResolved = at
		}
		d.add(at, KindResolved, who, text)
		return
	}
	fresh := false
	for _, n := range names {
		d.firing[n] = true
		if !d.alertSeen[n] {
			d.alertSeen[n] = true
			d.p.Alerts = append(d.p.Alerts, n)
			fresh = true
		}
	}
	if fresh || len(names) == 0 {
		d.add(at, KindAlert, who, text)
	}
	d.mark(&d.p.Detected, at)
	d.mark(&d.p.Started, at)
}

func (d *drafter) readHuman(e Entry, text string) {
	who := e.Who
	if who == "" {
		who = e.UserID
	}
	key := e.UserID
	if key == "" {
		key = who
	}
	pp, ok := d.people[key]
	if !ok {
		pp = &Participant{ID: e.UserID, Name: who}
		d.people[key] = pp
		d.order = append(d.order, key)
	}
	pp.Messages++
	if !d.heardHuman {
		// The first person to speak is a moment of its own, whatever alerts came before.
		d.heardHuman = true
		d.add(e.At, KindReport, who, text)
		d.mark(&d.p.Detected, e.At)
		d.mark(&d.p.Started, e.At)
		d.noteImpact(text)
		return
	}
	if impactRE.MatchString(text) {
		d.noteImpact(text)
	}
	switch kind := classify(text); kind {
	case KindResolved:
		d.add(e.At, kind, who, text)
		d.saidResolved = e.At
	case KindMitigation:
		d.add(e.At, kind, who, text)
		d.mark(&d.p.Mitigated, e.At)
		d.mitigations = append(d.mitigations, draftOneLine(text))
	case KindHypothesis:
		if causeRE.MatchString(text) {
			d.causes = append(d.causes, draftOneLine(text))
		}
		if d.hypotheses < maxHypotheses {
			d.hypotheses++
			d.add(e.At, kind, who, text)
		}
	case KindAction:
		if d.actions < maxActions {
			d.actions++
			d.add(e.At, kind, who, text)
		}
	}
}

func (d *drafter) noteImpact(text string) {
	if len(d.impact) < maxImpactQuotes && impactRE.MatchString(text) {
		d.impact = append(d.impact, draftClip(draftOneLine(text), maxEventRunes))
	}
}

// mark sets *t to at unless it is set already.
func (d *drafter) mark(t *time.Time, at time.Time) {
	if t.IsZero() {
		*t = at.UTC()
	}
}

func (d *drafter) finish(in Input) {
	p := d.p
	sort.SliceStable(p.Timeline, func(i, j int) bool { return p.Timeline[i].At.Before(p.Timeline[j].At) })
	// A responder's word ends the incident; without one, the last alert resolving does.
	switch {
	case !d.saidResolved.IsZero():
		p.Resolved = d.saidResolved.UTC()
	case len(d.firing) == 0 && !d.alertsResolved.IsZero():
		p.Resolved = d.alertsResolved.UTC()
	}
	if p.Mitigated.IsZero() && !p.Resolved.IsZero() {
		p.Mitigated = p.Resolved
	}
	for _, k := range d.order {
		p.Participants = append(p.Participants, *d.people[k])
	}
	p.Title = title(in.ChannelName, p.Alerts)
	p.Impact = impact(d.impact, p)
	if n := len(d.causes); n > 0 {
		p.RootCause = d.causes[n-1] // the last word on the cause is usually the settled one
	}
	if len(d.mitigations) > 0 {
		p.Resolution = strings.Join(d.mitigations, "\n")
	}
	p.Summary = summary(p, in.ChannelName)
	seenClass := map[string]bool{}
	for _, cl := range in.Checklists {
		if cl == nil || seenClass[cl.Class] {
			continue
		}
		seenClass[cl.Class] = true
		p.Classes = append(p.Classes, cl.Class)
		for i, s := range cl.Fix {
			if i == actionsPerClass {
				break
			}
			p.ActionItems = append(p.ActionItems, strings.TrimSpace(s.Step))
		}
	}
}

func title(channel string, alerts []string) string {
	name := humanChannel(channel)
	switch {
	case name != "" && len(alerts) > 0:
		return fmt.Sprintf("%s: %s", name, alerts[0])
	case name != "":
		return name
	case len(alerts) > 0:
		return "Incident: " + alerts[0]
	}
	return "Incident"
}

var channelDateRE = regexp.MustCompile(`[-_]?\d{4}[-_]?\d{2}[-_]?\d{2}$|[-_]\d+$`)

// humanChannel turns "inc-2026-11-25-checkout-dns" or "incident_checkout_dns" into
// "Checkout dns incident".
func humanChannel(name string) string {
	n := strings.ToLower(name)
	for _, p := range []string{"incident-", "incident_", "inc-", "inc_", "ir-", "sev1-", "sev2-", "sev3-"} {
		n = strings.TrimPrefix(n, p)
	}
	n = channelDateRE.ReplaceAllString(n, "")
	n = regexp.MustCompile(`^\d{4}[-_]\d{2}[-_]\d{2}[-_]`).ReplaceAllString(n, "")
	n = strings.Trim(strings.NewReplacer("-", " ", "_", " ").Replace(n), " ")
	if n == "" {
		return ""
	}
	r := []rune(n)
	r[0] = unicode.ToUpper(r[0])
	return string(r) + " incident"
}

func impact(quotes []string, p *Postmortem) string {
	var parts []string
	if !p.Started.IsZero() && !p.Resolved.IsZero() {
		parts = append(parts, fmt.Sprintf("The incident lasted %s from the first signal to resolution.", Duration(p.Resolved.Sub(p.Started))))
	}
	if len(p.Alerts) > 0 {
		parts = append(parts, fmt.Sprintf("Alerts fired: %s.", strings.Join(p.Alerts, ", ")))
	}
	if len(quotes) > 0 {
		parts = append(parts, "Responders reported: “"+strings.Join(quotes, "”; “")+"”.")
	}
	return strings.Join(parts, " ")
}

func summary(p *Postmortem, channel string) string {
	if p.Started.IsZero() {
		return ""
	}
	var b strings.Builder
	where := "the incident channel"
	if channel != "" {
		where = "#" + channel
	}
	first := p.Timeline[0]
	fmt.Fprintf(&b, "The incident was first signalled in %s by %s (%s).", where, draftOr(first.Who, "a responder"), draftClip(first.Text, 120))
	if p.RootCause != "" {
		fmt.Fprintf(&b, " Responders traced it to: %s.", strings.TrimRight(draftClip(p.RootCause, 200), "."))
	}
	if len(p.Timeline) > 0 && !p.Mitigated.IsZero() {
		fmt.Fprintf(&b, " It was mitigated after %s", Duration(p.Mitigated.Sub(p.Started)))
		if !p.Resolved.IsZero() {
			fmt.Fprintf(&b, " and resolved after %s", Duration(p.Resolved.Sub(p.Started)))
		}
		b.WriteString(".")
	} else if p.Resolved.IsZero() {
		b.WriteString(" No resolution was recorded in the channel.")
	}
	return b.String()
}

// Duration is a human reading of d: "45s", "12m", "1h 12m", "2d 3h".
func Duration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 24*time.Hour:
		h, m := int(d.Hours()), int(d.Minutes())%60
		if m == 0 {
			return fmt.Sprintf("%dh", h)
		}
		return fmt.Sprintf("%dh %dm", h, m)
	}
	days, h := int(d.Hours())/24, int(d.Hours())%24
	if h == 0 {
		return fmt.Sprintf("%dd", days)
	}
	return fmt.Sprintf("%dd %dh", days, h)
}

func draftSplitNames(s string) []string {
	var out []string
	for _, n := range strings.Split(s, ",") {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	return out
}

func draftFirstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(line)
}

func draftOneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func draftClip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

func draftOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
