package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/tacoma-bot/tacoma/bot"
	"github.com/tacoma-bot/tacoma/knowledge/alert"
)

// refireAfter is how long after a group resolved a new firing starts a new message instead of
// reviving the old one.
const refireAfter = time.Hour

// maxAlertLines is how many alerts a group message lists; the rest are counted.
const maxAlertLines = 10

// alertResults is how many of the catalog's stories an alert group's thread shows.
const alertResults = 3

// groupState is the Slack message of one alert group and the alerts it shows.
type groupState struct {
	mu         sync.Mutex // guards the fields below; never held across a Slack call
	channelID  string
	ts         string
	alerts     map[string]alert.Alert // by fingerprint
	order      []string
	last       *alert.Group
	resolvedAt time.Time
	// Deliveries only fold their alerts in; writing to Slack happens later, once per burst:
	// queued means a flush is waiting in the queue, busy that a worker is writing, dirty that
	// alerts changed while it wrote. chat.update allows about 50 calls a minute, so one update
	// per delivery would fall behind any real storm.
	queued, busy, dirty bool
}

// groupID names a group: sender and key. Format names never hold a "|", so it splits one way.
func groupID(g *alert.Group) string { return string(g.Format) + "|" + g.Key }

// errBusy means the flush queue is full; the sender should retry.
var errBusy = errors.New("busy")

// accept folds a delivery into its group at once and schedules a flush of the group's message.
func (a *Alerts) accept(g *alert.Group) error {
	id := groupID(g)
	a.mu.Lock()
	st, ok := a.groups[id]
	if !ok {
		st = &groupState{alerts: map[string]alert.Alert{}}
		a.groups[id] = st
	}
	a.mu.Unlock()

	st.mu.Lock()
	defer st.mu.Unlock()
	if st.ts != "" && !st.resolvedAt.IsZero() && a.now().Sub(st.resolvedAt) > refireAfter && g.Status == alert.Firing && !st.busy {
		*st = groupState{alerts: map[string]alert.Alert{}} // an old, resolved incident: start afresh
	}
	if !st.merge(g, a.now()) && !(st.ts == "" && !st.busy && !st.queued) {
		return nil // nothing new to show: a re-send of what the message already says
	}
	switch {
	case st.busy:
		st.dirty = true
	case !st.queued:
		select {
		case a.queue <- id:
			st.queued = true
		default:
			return errBusy // merged already; the sender's retry is idempotent
		}
	}
	return nil
}

// flush writes a group's newest state to Slack: the first time it posts the message and the
// similar past outages in its thread, later it edits the message in place.
func (a *Alerts) flush(ctx context.Context, id string) {
	a.mu.Lock()
	st := a.groups[id]
	a.mu.Unlock()
	var g *alert.Group
	var log *zap.Logger
	coalesce(ctx, st, func() bool {
		if g == nil {
			g = st.last
			log = a.log.With(zap.String("sender", string(g.Format)), zap.String("group", g.Key))
		}
		first := st.ts == ""
		if first && st.firing() == 0 {
			return false // a resolve for a group Tacoma never showed: nothing to show
		}
		msg := a.groupMessage(st)
		st.mu.Unlock()
		if first {
			a.post(ctx, st, g, msg, log)
		} else if err := a.poster.Update(ctx, st.channelID, st.ts, msg); err != nil {
			log.Warn("alert message not updated", zap.Error(err))
		}
		st.mu.Lock()
		return true
	})
}

// coalesce marks st busy and calls write until no delivery marked it dirty meanwhile, so a
// burst of deliveries costs one write per round. write runs with st.mu held and returns with it
// held (it unlocks around Slack calls); it returns false when there is nothing to write.
func coalesce(ctx context.Context, st *groupState, write func() bool) {
	st.mu.Lock()
	st.queued, st.busy, st.dirty = false, true, false
	for write() && st.dirty && ctx.Err() == nil {
		st.dirty = false
	}
	// Cleared under the same lock that saw no news, so no delivery can slip between.
	st.busy = false
	st.mu.Unlock()
}

// post posts a group's first message and the matches in its thread.
func (a *Alerts) post(ctx context.Context, st *groupState, g *alert.Group, msg *bot.Reply, log *zap.Logger) {
	channel := a.route(g)
	chID, ts, err := a.poster.Post(ctx, channel, msg)
	if err != nil {
		log.Warn("alert message not posted", zap.String("channel", channel), zap.Error(err))
		return
	}
	st.mu.Lock()
	st.channelID, st.ts = chID, ts
	n := len(st.alerts)
	st.mu.Unlock()
	log.Info("alert group posted", zap.String("channel", chID), zap.Int("alerts", n))
	res, err := a.match.MatchAlert(ctx, g, alertResults)
	if err != nil {
		return
	}
	// The catalog's nearest are shown even when weak, under a header that says so; the team's
	// own postmortems only when sure, as for a message nobody asked about.
	l := split(res)
	l.team = confident(l.team)
	l.team = l.team[:min(len(l.team), maxTeamShown)]
	if l.empty() {
		return
	}
	if err := a.poster.PostInThread(ctx, chID, ts, suggestion(a.match.Catalog(), l)); err != nil {
		log.Warn("matches not posted", zap.Error(err))
	}
}

// merge folds a delivery's alerts into the group, keeping the newest news of each alert, and
// reports whether anything the message shows changed. The caller holds st.mu.
func (st *groupState) merge(g *alert.Group, now time.Time) bool {
	changed := st.last == nil || st.last.Truncated != g.Truncated
	for _, al := range g.Alerts {
		fp := fingerprint(al)
		prev, seen := st.alerts[fp]
		if !seen {
			st.order = append(st.order, fp)
		}
		if !seen || newer(al, prev) {
			changed = changed || !seen || prev.Status != al.Status || !prev.EndsAt.Equal(al.EndsAt) || !prev.StartsAt.Equal(al.StartsAt)
			st.alerts[fp] = al
		}
	}
	st.last = g
	switch firing := st.firing(); {
	case firing == 0 && st.resolvedAt.IsZero():
		st.resolvedAt = now
	case firing > 0:
		st.resolvedAt = time.Time{}
	}
	return changed
}

// newer reports whether al is later news about an alert than prev.
func newer(al, prev alert.Alert) bool {
	switch {
	case al.StartsAt.After(prev.StartsAt):
		return true
	case al.StartsAt.Before(prev.StartsAt):
		return false
	}
	return al.Status == alert.Resolved || prev.Status != alert.Resolved
}

func fingerprint(al alert.Alert) string {
	if al.Fingerprint != "" {
		return al.Fingerprint
	}
	keys := make([]string, 0, len(al.Labels))
	for k := range al.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + "=" + al.Labels[k] + "\x00")
	}
	return b.String()
}

func (st *groupState) firing() int {
	n := 0
	for _, al := range st.alerts {
		if al.Status == alert.Firing {
			n++
		}
	}
	return n
}

// route picks the channel of the first route whose labels all match the group's.
func (a *Alerts) route(g *alert.Group) string {
	labels := map[string]string{}
	for _, al := range g.Alerts {
		for k, v := range al.Labels {
			if _, ok := labels[k]; !ok {
				labels[k] = v
			}
		}
	}
	for k, v := range g.CommonLabels {
		labels[k] = v
	}
	for _, r := range a.cfg.Routes {
		ok := true
		for k, v := range r.Match {
			if labels[k] != v {
				ok = false
				break
			}
		}
		if ok {
			return r.Channel
		}
	}
	return a.cfg.Channel
}

// groupMessage renders a group: status, alert names and counts, the labels that matter, one
// line per alert, and links back to the sender.
func (a *Alerts) groupMessage(st *groupState) *bot.Reply {
	g := st.last
	firing, total := st.firing(), len(st.alerts)
	names := map[string]int{}
	var nameOrder []string
	for _, fp := range st.order {
		n := st.alerts[fp].Labels["alertname"]
		if n == "" {
			n = g.Title
		}
		if names[n] == 0 {
			nameOrder = append(nameOrder, n)
		}
		names[n]++
	}
	status := "🔥 FIRING"
	if firing == 0 {
		status = "✅ RESOLVED"
	}
	title := fmt.Sprintf("%s: %s", status, strings.Join(nameOrder, ", "))
	counts := fmt.Sprintf("*%d firing*, %d resolved", firing, total-firing)
	if g.Truncated > 0 {
		counts += fmt.Sprintf(" (the sender left out %d more)", g.Truncated)
	}
	var facts []string
	for _, k := range []string{"severity", "cluster", "namespace", "service", "job", "container"} {
		if v := g.CommonLabels[k]; v != "" {
			facts = append(facts, fmt.Sprintf("%s: `%s`", k, mrkdwnEscape(v)))
		}
	}
	if g.Urgency != "" {
		facts = append(facts, "urgency: `"+g.Urgency+"`")
	}
	if g.Service != "" {
		facts = append(facts, "service: "+mrkdwnEscape(g.Service))
	}
	var lines []string
	for i, fp := range st.order {
		if i == maxAlertLines {
			lines = append(lines, fmt.Sprintf("…and %d more", len(st.order)-maxAlertLines))
			break
		}
		lines = append(lines, alertLine(st.alerts[fp]))
	}
	text := counts
	if len(facts) > 0 {
		text += " · " + strings.Join(facts, " · ")
	}
	text += "\n" + strings.Join(lines, "\n")
	return &bot.Reply{
		Text:     title,
		Sections: []bot.Section{{Header: title, Text: text, Context: links(st, a.now())}},
	}
}

func alertLine(al alert.Alert) string {
	mark := "🔥"
	if al.Status == alert.Resolved {
		mark = "✅"
	}
	what := al.Annotations["summary"]
	if what == "" {
		what = al.Annotations["description"]
	}
	if what == "" {
		what = al.Labels["alertname"]
	}
	var where []string
	for _, k := range []string{"pod", "node", "instance", "container"} {
		if v := al.Labels[k]; v != "" {
			where = append(where, k+"="+v)
			break
		}
	}
	line := mark + " " + mrkdwnEscape(clipRunes(what, 200))
	if len(where) > 0 {
		line += " `" + mrkdwnEscape(strings.Join(where, " ")) + "`"
	}
	if al.GeneratorURL != "" {
		line += fmt.Sprintf(" <%s|source>", al.GeneratorURL)
	}
	return line
}

func links(st *groupState, now time.Time) string {
	g := st.last
	var out []string
	switch g.Format {
	case alert.Alertmanager:
		if g.ExternalURL != "" {
			out = append(out, fmt.Sprintf("<%s/#/alerts?receiver=%s|Alertmanager>", g.ExternalURL, url.QueryEscape(g.Receiver)))
			if matchers := silenceMatchers(g.GroupLabels); matchers != "" {
				out = append(out, fmt.Sprintf("<%s/#/silences/new?filter=%s|silence>", g.ExternalURL, url.QueryEscape(matchers)))
			}
		}
	case alert.Grafana:
		if len(st.order) > 0 {
			al := st.alerts[st.order[0]]
			if al.SilenceURL != "" {
				out = append(out, fmt.Sprintf("<%s|silence>", al.SilenceURL))
			}
			if al.DashboardURL != "" {
				out = append(out, fmt.Sprintf("<%s|dashboard>", al.DashboardURL))
			}
		}
	case alert.PagerDuty:
		if g.URL != "" {
			out = append(out, fmt.Sprintf("<%s|PagerDuty incident>", g.URL))
		}
	}
	out = append(out, "updated "+now.UTC().Format("15:04:05 MST"))
	return strings.Join(out, " · ")
}

func silenceMatchers(labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%q", k, labels[k]))
	}
	if len(parts) == 0 {
		return ""
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func clipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
