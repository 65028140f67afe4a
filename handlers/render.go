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

// suggestion renders matches as a threaded reply: the stories, why each matched, feedback
// buttons, and the first steps of the top story's checklist.
func suggestion(cat *knowledge.Catalog, res []knowledge.Result, weak bool) *bot.Reply {
	header := "Similar past outages"
	if weak {
		header = "Nothing close, but these are the nearest past outages"
	}
	r := &bot.Reply{Text: fmt.Sprintf("%s: %s", header, res[0].Story.Title)}
	for i, m := range res {
		s := storySection(m, true)
		if i == 0 {
			s.Header = header
		}
		r.Sections = append(r.Sections, s)
	}
	if cl := topChecklist(cat, res); cl != nil {
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
		sec.Context = fmt.Sprintf("📓 your team's postmortem · `/tacoma story %s`", s.ID)
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
