package handlers

import (
	"context"
	"errors"
	"path"
	"regexp"
	"strings"

	"go.uber.org/zap"

	"github.com/tacoma-bot/tacoma/bot"
	"github.com/tacoma-bot/tacoma/knowledge"
	"github.com/tacoma-bot/tacoma/knowledge/alert"
)

// searchDepth is how many results are fetched so that stories already suggested in a thread
// can be skipped and still leave enough to show.
const searchDepth = 10

// alertMarkRE recognises the messages alert notifiers post: Alertmanager's and Grafana's
// "[FIRING:3]" titles, PagerDuty's "Triggered" cards.
var alertMarkRE = regexp.MustCompile(`(?i)\[(firing|resolved)(:\s*\d+)?\]|\bfiring\b|\btriggered\b|alertname`)

// HandleMessage suggests similar past outages in the message's thread when the message
// describes a failure with enough evidence, or always when Tacoma is @mentioned.
func (h *Handler) HandleMessage(ctx context.Context, m bot.Message) (*bot.Reply, error) {
	text := messageText(m)
	switch {
	case m.Mention:
	case !h.listensIn(m.ChannelName):
		return nil, nil
	case m.BotID != "" && !alertMarkRE.MatchString(text):
		return nil, nil // another app's chatter that is not an alert
	}
	query := cleanSlackText(text)
	var res []knowledge.Result
	var err error
	if g, ok := alert.FromChat(query); ok && m.BotID != "" {
		if g.Status == alert.Resolved && !m.Mention {
			return nil, nil // the fire is out; suggestions were given when it started
		}
		res, err = h.match.MatchAlert(ctx, g, searchDepth)
	} else {
		res, err = h.match.Search(ctx, query, searchDepth)
	}
	if errors.Is(err, knowledge.ErrEmptyQuery) {
		err, res = nil, nil
	}
	if err != nil {
		return nil, err
	}

	h.mu.Lock()
	defer h.mu.Unlock()
	t := h.thread(m.Channel, m.Thread())
	all := split(res)
	l := lists{team: unsuggested(t, all.team), catalog: unsuggested(t, all.catalog)}
	if !m.Mention {
		// Unasked, each list speaks only for what it is sure of: the team's postmortems one by
		// one, the catalog's list as a whole, as before there were two lists.
		l.team = confident(l.team)
		if len(l.catalog) > 0 && !l.catalog[0].Confident() {
			l.catalog = nil
		}
		if l.empty() {
			return nil, nil
		}
		if !t.lastReply.IsZero() && h.now().Sub(t.lastReply) < h.cfg.Cooldown {
			h.log.Debug("cooling down", zap.String("channel", m.Channel), zap.String("thread", m.Thread()))
			return nil, nil
		}
	}
	l.team = l.team[:min(len(l.team), maxTeamShown)]
	l.catalog = l.catalog[:min(len(l.catalog), h.cfg.MaxResults)]
	if l.empty() {
		return &bot.Reply{Text: nothingFound(len(res) > 0)}, nil
	}
	for _, r := range l.shown() {
		t.suggested[r.Story.ID] = true
	}
	t.lastReply = h.now()
	t.query = query
	h.remember(m.Channel, m.Thread(), t)
	return suggestion(h.match.Catalog(), l), nil
}

// unsuggested drops the stories already suggested in the thread.
func unsuggested(t *thread, res []knowledge.Result) []knowledge.Result {
	fresh := res[:0:0]
	for _, r := range res {
		if !t.suggested[r.Story.ID] {
			fresh = append(fresh, r)
		}
	}
	return fresh
}

func (h *Handler) listensIn(channel string) bool {
	if len(h.cfg.Channels) == 0 {
		return true
	}
	for _, p := range h.cfg.Channels {
		if ok, _ := path.Match(p, channel); ok {
			return true
		}
	}
	return false
}

func nothingFound(allShown bool) string {
	if allShown {
		return "I have nothing to add beyond the past outages already suggested in this thread."
	}
	return "I found no past outage like this. Tell me what you see: the error, the symptom, the alert that fired."
}

// messageText joins a message's text and its attachments, where alert notifiers put the alert.
func messageText(m bot.Message) string {
	parts := []string{m.Text}
	for _, a := range m.Attachments {
		parts = append(parts, a.Title, a.Text)
		if a.Title == "" && a.Text == "" {
			parts = append(parts, a.Fallback)
		}
		for _, f := range a.Fields {
			parts = append(parts, f.Title+" "+f.Value)
		}
	}
	return strings.TrimSpace(strings.Join(parts, "\n"))
}

var (
	slackMentionRE = regexp.MustCompile(`<[@#!][^>]*>`)
	slackLinkRE    = regexp.MustCompile(`<([^|>]+)\|([^>]+)>`)
	slackURLRE     = regexp.MustCompile(`<(https?://[^>]+)>`)
)

// cleanSlackText turns Slack's markup back into what the person typed: mentions go, links keep
// their label.
func cleanSlackText(s string) string {
	s = slackLinkRE.ReplaceAllString(s, "$2")
	s = slackURLRE.ReplaceAllString(s, "$1")
	s = slackMentionRE.ReplaceAllString(s, " ")
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}
