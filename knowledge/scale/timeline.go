package scale

import (
	"fmt"
	"slices"
	"time"

	"github.com/tacoma-bot/tacoma/knowledge/postmortem"
)

type timeline struct {
	events                        []postmortem.Event
	alerts                        []string
	detected, mitigated, resolved time.Time
}

// Event counts a postmortem's timeline stays within.
const (
	minEvents = 6
	maxEvents = 20
)

var alertLines = []string{
	"[FIRING:%d] %s (%s %s)",
	"%[2]s is firing for %[4]s in %[3]s",
	"Triggered: %[2]s on %[3]s",
	"%[2]s: %[1]d alerts for %[4]s",
}

// timeline tells the incident in the order responders lived it: alerts, the first report,
// checks, guesses (some wrong, borrowed from other patterns), the mitigation and the all-clear.
func (g *generator) timeline(r *rng, f *filler, pt pattern, start time.Time, people []postmortem.Participant) timeline {
	var tl timeline
	at := start
	add := func(kind, who, text string) {
		if len(tl.events) < maxEvents {
			tl.events = append(tl.events, postmortem.Event{At: at, Kind: kind, Who: who, Text: text})
		}
		at = at.Add(time.Duration(r.between(1, 9)) * time.Minute)
	}
	person := func() string { return people[r.intn(len(people))].Name }

	names := f.fillAll(pickN(r, pt.alerts, r.between(1, min(3, len(pt.alerts)))))
	if r.chance(20) {
		// An unrelated alert fires during many incidents; it is part of what responders saw.
		other := g.patterns[r.intn(len(g.patterns))]
		if n := f.fill(pick(r, other.alerts)); !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	sender := pick(r, senders)
	for _, n := range names {
		add(postmortem.KindAlert, sender, fmt.Sprintf(pick(r, alertLines), r.between(1, 12), n, f.vals["cluster"], f.vals["svc"]))
	}
	tl.alerts = names
	tl.detected = tl.events[0].At

	add(postmortem.KindReport, person(), f.fill(pick(r, pt.reports)))
	for _, a := range pickN(r, genericActions, r.between(1, 3)) {
		add(postmortem.KindAction, person(), f.fill(a))
	}
	clues := pickN(r, pt.clues, r.between(2, len(pt.clues)))
	wrong := r.between(0, 2)
	for i, c := range clues {
		kind := postmortem.KindAction
		if i%2 == 1 {
			kind = postmortem.KindNote
		}
		if i == 1 && wrong > 0 {
			for range wrong {
				other := g.patterns[r.intn(len(g.patterns))]
				if other.name != pt.name {
					add(postmortem.KindHypothesis, person(), f.fill(pick(r, other.guesses))+"?")
				}
			}
		}
		add(kind, person(), f.fill(c))
	}
	add(postmortem.KindHypothesis, person(), f.fill(pick(r, pt.guesses)))
	if r.chance(50) {
		add(postmortem.KindNote, person(), f.fill(pick(r, genericNotes)))
	}
	for len(tl.events) < minEvents-2 {
		add(postmortem.KindAction, person(), f.fill(pick(r, genericActions)))
	}
	// The last two events always fit: the caps above leave room for them.
	tl.events = tl.events[:min(len(tl.events), maxEvents-2)]
	tl.mitigated = at
	add(postmortem.KindMitigation, person(), f.fill(pick(r, pt.mitigs)))
	at = at.Add(time.Duration(r.between(5, 40)) * time.Minute)
	tl.resolved = at
	add(postmortem.KindResolved, person(), f.fill(pick(r, resolvedLines)))
	return tl
}
