package handlers

import (
	"fmt"

	"github.com/tacoma-bot/tacoma/bot"
	"github.com/tacoma-bot/tacoma/knowledge"
)

// lists is what a reply shows of a match: the team's own postmortems, then the catalog's
// stories, each best first. The matcher returns them as one slice, the catalog's first.
type lists struct {
	team, catalog []knowledge.Result
}

// split separates a matcher's answer into its two lists.
func split(res []knowledge.Result) lists {
	var l lists
	for _, r := range res {
		if r.Story.Team() {
			l.team = append(l.team, r)
		} else {
			l.catalog = append(l.catalog, r)
		}
	}
	return l
}

// shown returns every result in the order a reply shows them: the team's first.
func (l lists) shown() []knowledge.Result {
	return append(append([]knowledge.Result(nil), l.team...), l.catalog...)
}

// maxTeamShown is how many of the team's postmortems a reply shows, above the catalog's stories.
const maxTeamShown = 2

func (l lists) empty() bool { return len(l.team) == 0 && len(l.catalog) == 0 }

// best returns the stronger head of the two lists by Evidence, the measure Confident holds each
// to (each list weighs words over its own counts, so the two are alike, not equal), and false
// when both are empty.
func (l lists) best() (knowledge.Result, bool) {
	switch {
	case len(l.team) == 0 && len(l.catalog) == 0:
		return knowledge.Result{}, false
	case len(l.team) == 0:
		return l.catalog[0], true
	case len(l.catalog) == 0 || l.team[0].Evidence > l.catalog[0].Evidence:
		return l.team[0], true
	}
	return l.catalog[0], true
}

// confident keeps the results with enough evidence to be offered unasked.
func confident(res []knowledge.Result) []knowledge.Result {
	var out []knowledge.Result
	for _, r := range res {
		if r.Confident() {
			out = append(out, r)
		}
	}
	return out
}

// Headers of a suggestion's two sections; the weak ones when the list's best is not Confident.
const (
	headerTeam          = "Your team's postmortems"
	headerTeamWeak      = "Nothing close in your team's postmortems, but these are the nearest"
	headerCatalog       = "Similar past outages"
	headerCatalogWeak   = "Nothing close, but these are the nearest past outages"
	headerSearchTeam    = "Your team's postmortems like: "
	headerSearchCatalog = "Past outages like: "
)

// storySections renders one list under header, with feedback buttons.
func storySections(res []knowledge.Result, header string) []bot.Section {
	secs := make([]bot.Section, 0, len(res))
	for i, m := range res {
		s := storySection(m, true)
		if i == 0 {
			s.Header = header
		}
		secs = append(secs, s)
	}
	return secs
}

// teamContext is the small line under a team postmortem: whose it is, how many more of its
// failure class the team wrote, and how to read it.
func teamContext(r knowledge.Result) string {
	more := ""
	switch {
	case r.Similar == 1:
		more = " · 1 more postmortem like it"
	case r.Similar > 1:
		more = fmt.Sprintf(" · %d more postmortems like it", r.Similar)
	}
	return fmt.Sprintf("📓 your team's postmortem%s · `/tacoma story %s`", more, r.Story.ID)
}

func headerFor(res []knowledge.Result, strong, weak string) string {
	if len(res) > 0 && !res[0].Confident() {
		return weak
	}
	return strong
}
