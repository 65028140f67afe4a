package scale

import (
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/tacoma-bot/tacoma/knowledge/postmortem"
)

// epoch and spanDays say how far back the generated incidents go: five years from 1 January 2020.
var epoch = time.Date(2020, time.January, 1, 0, 0, 0, 0, time.UTC)

const spanDays = 5 * 365

// Postmortems returns n generated postmortems: the same seed gives the same documents, byte for
// byte, in the same order. IDs are "<date>-<pattern>-<number>", unique within a seed; the
// pattern is one of Patterns.
func Postmortems(seed uint64, n int) []*postmortem.Postmortem {
	out := make([]*postmortem.Postmortem, 0, max(n, 0))
	for p := range Seq(seed, n) {
		out = append(out, p)
	}
	return out
}

// Seq yields the same postmortems as Postmortems one at a time, so that 100,000 of them need not
// be held at once.
func Seq(seed uint64, n int) iter.Seq[*postmortem.Postmortem] {
	return func(yield func(*postmortem.Postmortem) bool) {
		g := newGenerator()
		for i := range n {
			if !yield(g.postmortem(seed, i)) {
				return
			}
		}
	}
}

// Postmortem returns the i-th document of Postmortems(seed, n) for any n > i, without
// generating the ones before it.
func Postmortem(seed uint64, i int) *postmortem.Postmortem {
	return newGenerator().postmortem(seed, i)
}

type generator struct {
	patterns []pattern
	services []string
}

func newGenerator() *generator { return &generator{patterns: patterns(), services: services()} }

func (g *generator) postmortem(seed uint64, i int) *postmortem.Postmortem {
	r := newRNG(seed, i)
	pt := g.patterns[r.intn(len(g.patterns))]
	f := newFiller(r, g)
	started := epoch.Add(time.Duration(r.intn(spanDays))*24*time.Hour +
		time.Duration(r.intn(24*60))*time.Minute)
	people := participants(r)
	f.vals["person"] = people[len(people)-1].Name

	tl := g.timeline(r, f, pt, started, people)
	alerts := tl.alerts
	f.vals["alert"] = alerts[0]

	p := &postmortem.Postmortem{
		ID:           fmt.Sprintf("%s-%s-%06d", started.Format("2006-01-02"), pt.name, i),
		Title:        f.fill(pick(r, pt.titles)),
		Status:       postmortem.Final,
		Severity:     severity(r),
		Started:      started,
		Detected:     tl.detected,
		Mitigated:    tl.mitigated,
		Resolved:     tl.resolved,
		RootCause:    f.fill(pick(r, pt.causes)),
		Trigger:      f.fill(pick(r, pt.trigger)),
		Detection:    "Detected by " + f.fill(pick(r, detections)) + ".",
		Resolution:   f.fill(pick(r, pt.fixes)),
		Timeline:     tl.events,
		Participants: people,
		Alerts:       alerts,
		Services:     []string{f.vals["svc"]},
		Classes:      append([]string(nil), pt.classes...),
	}
	if r.chance(70) {
		p.Source, p.Template = postmortem.FromSlack, "brief"
		p.Channel = fmt.Sprintf("C%09X", r.next()%(1<<36))
		p.ChannelName = fmt.Sprintf("inc-%s-%s", started.Format("20060102"), f.vals["svc"])
	} else {
		p.Source = postmortem.FromImport
	}
	if r.chance(50) {
		p.Services = append(p.Services, f.vals["svc2"])
	}
	mins := int(tl.resolved.Sub(started).Minutes())
	effect := f.fill(pick(r, pt.effects))
	p.Summary = fmt.Sprintf("On %s %s in %s %s for about %d minutes. %s The team %s.",
		started.Format("2 January 2006"), f.vals["svc"], f.vals["cluster"], effect, mins,
		p.Detection, f.fill(pick(r, pt.mitigs)))
	p.Impact = f.fill(pick(r, impacts)) + " " + strings.ToUpper(effect[:1]) + effect[1:] + "."
	p.ActionItems = append(f.fillAll(pickN(r, pt.items, r.between(1, len(pt.items)))),
		f.fillAll(pickN(r, genericItems, r.between(0, 2)))...)
	p.Lessons = append(f.fillAll(pickN(r, pt.lessons, r.between(1, len(pt.lessons)))),
		f.fillAll(pickN(r, genericLessons, r.between(0, 1)))...)
	p.CreatedAt = tl.resolved.Add(time.Duration(r.between(20, 120)) * time.Hour)
	p.UpdatedAt = p.CreatedAt.Add(time.Duration(r.between(1, 72)) * time.Hour)
	return p
}

var impacts = []string{
	"About {pct}% of requests to {svc} failed or were slow for {dur} minutes.",
	"Roughly {count} requests failed; {~customers} retried or gave up.",
	"{svc2} and {svc} degraded together; support received a handful of tickets.",
	"No data was lost. {~customers} in {region} saw {~errors} for {dur} minutes.",
	"Internal only: {team} could not {~deploy} for {dur} minutes.",
}

func severity(r *rng) string {
	switch x := r.intn(100); {
	case x < 10:
		return "SEV1"
	case x < 40:
		return "SEV2"
	case x < 85:
		return "SEV3"
	default:
		return "SEV4"
	}
}

func participants(r *rng) []postmortem.Participant {
	k := r.between(2, 6)
	firsts := pickN(r, firstNames, k)
	out := make([]postmortem.Participant, k)
	for i, fn := range firsts {
		out[i] = postmortem.Participant{
			ID:       fmt.Sprintf("U%08X", uint32(r.next())),
			Name:     fn + " " + pick(r, lastNames),
			Messages: r.between(1, 40),
		}
	}
	return out
}
