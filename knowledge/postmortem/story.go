package postmortem

import (
	"strings"

	"github.com/tacoma-bot/tacoma/knowledge"
)

// Story is p as the index matches it: what responders saw (the timeline's reports, alerts,
// hypotheses and actions) as symptoms, the cause, the fix and the action items, labelled as the
// team's own history.
func (p *Postmortem) Story() *knowledge.Story {
	var symptoms []string
	for _, e := range p.Timeline {
		switch e.Kind {
		case KindReport, KindAlert, KindHypothesis, KindAction, KindNote:
			symptoms = append(symptoms, e.Text)
		}
	}
	if p.Detection != "" {
		symptoms = append(symptoms, p.Detection)
	}
	org := "Your team"
	if p.ChannelName != "" {
		org = "Your team, #" + p.ChannelName
	}
	year := 0
	if !p.Started.IsZero() {
		year = p.Started.Year()
	} else if !p.CreatedAt.IsZero() {
		year = p.CreatedAt.Year()
	}
	return &knowledge.Story{
		ID:           p.ID,
		Title:        p.Title,
		Organization: org,
		Year:         year,
		Venue:        "postmortem",
		Components:   p.Services,
		Classes:      p.Classes,
		Summary:      p.Summary,
		Symptoms:     symptoms,
		Alerts:       p.Alerts,
		Cause:        strings.TrimSpace(p.RootCause + "\n" + p.Trigger),
		Impact:       p.Impact,
		Fix:          p.Resolution,
		Lessons:      append(append([]string(nil), p.ActionItems...), p.Lessons...),
		Origin:       knowledge.OriginTeam,
	}
}
