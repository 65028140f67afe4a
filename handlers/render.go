package handlers

import (
	"fmt"
	"strings"

	"github.com/tacoma-bot/tacoma/bot"
	"github.com/tacoma-bot/tacoma/knowledge"
)

// Action IDs of the feedback buttons under each suggested story; the value is the story id.
const (
	ActionHelpful     = "tacoma_helpful"
	ActionNotRelevant = "tacoma_not_relevant"
)

const (
	whyLines       = 2
	checklistLook  = 3
	checklistMitig = 2
)

// suggestion renders matches as a threaded reply: the team's postmortems, then the catalog's
// stories, why each matched, feedback buttons, and the first steps of the checklist of the
// first story shown. Each list's header says when its best is not close. l must not be empty.
func suggestion(cat *knowledge.Catalog, l lists) *bot.Reply {
	var secs []bot.Section
	if len(l.team) > 0 {
		secs = append(secs, storySections(l.team, headerFor(l.team, headerTeam, headerTeamWeak))...)
	}
	if len(l.catalog) > 0 {
		secs = append(secs, storySections(l.catalog, headerFor(l.catalog, headerCatalog, headerCatalogWeak))...)
	}
	r := &bot.Reply{Text: fmt.Sprintf("%s: %s", secs[0].Header, secs[0].Title), Sections: secs}
	if cl := topChecklist(cat, l.shown()); cl != nil {
		r.Sections = append(r.Sections, checklistSections(cl, true)...)
	}
	return r
}

func topChecklist(cat *knowledge.Catalog, res []knowledge.Result) *knowledge.Checklist {
	for _, m := range res {
		for _, c := range m.Story.Classes {
			if cl, err := cat.Checklist(c); err == nil {
				return cl
			}
		}
	}
	return nil
}

func storySection(m knowledge.Result, buttons bool) bot.Section {
	s := m.Story
	var why strings.Builder
	for i, w := range m.Why {
		if i == whyLines {
			break
		}
		fmt.Fprintf(&why, "\n• %s", mrkdwnEscape(w))
	}
	sec := bot.Section{
		Title:   s.Title,
		Link:    s.URL,
		Text:    fmt.Sprintf("_%s, %d_ · %s%s", mrkdwnEscape(s.Organization), s.Year, strings.Join(s.Classes, ", "), why.String()),
		Context: fmt.Sprintf("`/tacoma story %s`", s.ID),
	}
	if s.Team() {
		sec.Context = teamContext(m)
	}
	if buttons {
		sec.Buttons = []bot.Button{
			{Text: "Helpful", ActionID: ActionHelpful, Value: s.ID, Style: "primary"},
			{Text: "Not relevant", ActionID: ActionNotRelevant, Value: s.ID},
		}
	}
	return sec
}

// checklistSections renders a checklist; brief keeps the first steps only, for a thread reply.
func checklistSections(cl *knowledge.Checklist, brief bool) []bot.Section {
	look, mitigate, fix := cl.Look, cl.Mitigate, cl.Fix
	if brief {
		look, mitigate, fix = look[:min(len(look), checklistLook)], mitigate[:min(len(mitigate), checklistMitig)], nil
	}
	secs := []bot.Section{{Header: "Checklist: " + cl.Name, Text: mrkdwnEscape(strings.TrimSpace(cl.Description))}}
	secs = append(secs, bot.Section{Title: "Look first", Text: steps(look)})
	secs = append(secs, bot.Section{Title: "Mitigate", Text: steps(mitigate)})
	if len(fix) > 0 {
		secs = append(secs, bot.Section{Title: "Fix afterwards", Text: steps(fix)})
	}
	if brief {
		secs[len(secs)-1].Context = fmt.Sprintf("Full checklist: `/tacoma checklist %s`", cl.Class)
	}
	return secs
}

func steps(ss []knowledge.Step) string {
	var b strings.Builder
	for i, s := range ss {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%d. %s", i+1, mrkdwnEscape(strings.TrimSpace(s.Step)))
		if run := strings.TrimSpace(s.Run); run != "" {
			fmt.Fprintf(&b, "\n```%s```", strings.ReplaceAll(run, "```", "'''"))
		}
	}
	return b.String()
}

// storyDetail renders a whole story for /tacoma story.
func storyDetail(s *knowledge.Story) []bot.Section {
	secs := []bot.Section{{
		Header:  s.Title,
		Title:   fmt.Sprintf("%s, %d (%s)", s.Organization, s.Year, s.Venue),
		Link:    s.URL,
		Text:    mrkdwnEscape(strings.TrimSpace(s.Summary)),
		Context: "classes: " + strings.Join(s.Classes, ", ") + " · components: " + strings.Join(s.Components, ", "),
	}}
	add := func(title string, items []string) {
		if len(items) > 0 {
			secs = append(secs, bot.Section{Title: title, Text: bullets(items)})
		}
	}
	add("What responders saw", s.Symptoms)
	add("Errors and log lines", s.Errors)
	add("Alerts", s.Alerts)
	for _, p := range []struct{ title, text string }{{"Cause", s.Cause}, {"Impact", s.Impact}, {"Fix", s.Fix}} {
		if strings.TrimSpace(p.text) != "" {
			secs = append(secs, bot.Section{Title: p.title, Text: mrkdwnEscape(strings.TrimSpace(p.text))})
		}
	}
	add("Lessons", s.Lessons)
	return secs
}

func bullets(items []string) string {
	var b strings.Builder
	for i, it := range items {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString("• " + mrkdwnEscape(it))
	}
	return b.String()
}

// mrkdwnEscape escapes the characters Slack's mrkdwn reads as markup openers.
func mrkdwnEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
