package handlers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/tacoma-bot/tacoma/bot"
	"github.com/tacoma-bot/tacoma/knowledge"
	"github.com/tacoma-bot/tacoma/knowledge/postmortem"
)

// draft reads the channel, builds the postmortem, keeps it and shares it as a Markdown file. A
// message in the channel shows progress while a long history is read.
func (pm *Postmortems) draft(ctx context.Context, c bot.Command, template string) (*bot.Reply, error) {
	start := pm.now()
	where := channelRef(c)
	prog := &progress{pm: pm}
	chID, ts, err := pm.slack.Post(ctx, c.Channel, textReply(fmt.Sprintf("📝 Drafting the postmortem of %s: reading the channel…", where)))
	if err != nil {
		return nil, fmt.Errorf("post progress: %w", err)
	}
	prog.channelID, prog.ts, prog.where = chID, ts, where
	msgs, err := pm.slack.History(ctx, c.Channel, "", func(read int) { prog.report(ctx, read) })
	if err != nil {
		prog.say(ctx, fmt.Sprintf("📝 The postmortem draft of %s stopped: %s", where, err))
		return nil, fmt.Errorf("read %s: %w", where, err)
	}
	in, err := pm.input(ctx, c, msgs)
	if err != nil {
		return nil, err
	}
	p := postmortem.Build(in)
	p.Template = template
	if p.ID, err = pm.newID(ctx, c, p); err != nil {
		return nil, err
	}
	md, err := pm.templates.Render(template, p, pm.loc)
	if err != nil {
		return nil, fmt.Errorf("render postmortem: %w", err)
	}
	p.Markdown = md
	if err := pm.store.SavePostmortem(ctx, p); err != nil {
		return nil, fmt.Errorf("save postmortem %s: %w", p.ID, err)
	}
	took := pm.now().Sub(start).Round(100 * time.Millisecond)
	comment := draftComment(p, len(msgs), c.Command)
	if _, err := pm.slack.Upload(ctx, chID, "", p.ID+".md", []byte(md), comment); err != nil {
		return nil, fmt.Errorf("share postmortem %s: %w", p.ID, err)
	}
	prog.say(ctx, fmt.Sprintf("📝 Postmortem draft of %s ready: *%s* (%d messages read in %s).", where, mrkdwnEscape(p.Title), len(msgs), took))
	pm.log.Info("postmortem drafted", zap.String("id", p.ID), zap.String("channel", c.Channel), zap.Int("messages", len(msgs)), zap.Int("events", len(p.Timeline)), zap.Duration("took", took))
	pm.metrics.postmortem("drafted")
	return textReply(fmt.Sprintf("Draft `%s` is in the channel, written with the `%s` template. Edit it and upload the file back with `%s postmortem done`, or run `%s postmortem done` to keep it as it is.", p.ID, template, c.Command, c.Command)), nil
}

func draftComment(p *postmortem.Postmortem, read int, cmd string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*Postmortem draft: %s*\n", mrkdwnEscape(p.Title))
	if !p.Started.IsZero() {
		fmt.Fprintf(&b, "%d timeline events from %d messages", len(p.Timeline), read)
		if !p.Resolved.IsZero() {
			fmt.Fprintf(&b, " · resolved after %s", postmortem.Duration(p.Resolved.Sub(p.Started)))
		}
		b.WriteString("\n")
	}
	if len(p.Participants) > 0 {
		names := make([]string, len(p.Participants))
		for i, x := range p.Participants {
			names[i] = x.Name
		}
		fmt.Fprintf(&b, "Participants: %s\n", mrkdwnEscape(strings.Join(names, ", ")))
	}
	fmt.Fprintf(&b, "Edit it and upload it back with `%s postmortem done` to keep it, so Tacoma suggests it next time.", cmd)
	return b.String()
}

// progress updates the drafting message as pages of history arrive, at most every
// progressInterval so that the updates stay within Slack's chat.update limit.
type progress struct {
	pm                   *Postmortems
	channelID, ts, where string
	last                 time.Time
}

func (p *progress) report(ctx context.Context, read int) {
	if now := p.pm.now(); now.Sub(p.last) >= progressInterval {
		p.last = now
		p.say(ctx, fmt.Sprintf("📝 Drafting the postmortem of %s: %d messages read…", p.where, read))
	}
}

func (p *progress) say(ctx context.Context, text string) {
	if err := p.pm.slack.Update(ctx, p.channelID, p.ts, textReply(text)); err != nil {
		p.pm.log.Warn("progress not shown", zap.String("channel", p.channelID), zap.Error(err))
	}
}

// input turns the channel's messages into what the drafter reads: real names, alerts' text,
// Tacoma's own suggestions, and the checklists of the classes they point to.
func (pm *Postmortems) input(ctx context.Context, c bot.Command, msgs []bot.Message) (postmortem.Input, error) {
	in := postmortem.Input{ChannelID: c.Channel, ChannelName: c.ChannelName, Now: pm.now()}
	var suggested []string
	for _, m := range msgs {
		at, err := tsTime(m.TS)
		if err != nil {
			continue // not a message ts: nothing to place on the timeline
		}
		e := postmortem.Entry{At: at, UserID: m.User, Bot: m.BotID != "", Own: m.Own, Text: cleanSlackText(messageText(m)), InThread: m.ThreadTS != "" && m.ThreadTS != m.TS}
		if m.Edited != "" {
			e.Edited, _ = tsTime(m.Edited)
		}
		switch {
		case m.Own:
			for _, b := range m.Buttons {
				if b.ActionID == ActionHelpful && !slices.Contains(suggested, b.Value) {
					suggested = append(suggested, b.Value)
				}
			}
		case m.BotID != "":
			e.Who = m.BotName
		case m.User != "":
			name, err := pm.slack.UserName(ctx, m.User)
			if err != nil {
				pm.log.Warn("user name unknown", zap.String("user", m.User), zap.Error(err))
				name = m.User
			}
			e.Who = name
		}
		in.Entries = append(in.Entries, e)
	}
	helpful := map[string]bool{}
	fbs, err := pm.store.Feedback(ctx, c.Channel)
	if err != nil {
		return in, fmt.Errorf("read feedback: %w", err)
	}
	for _, fb := range fbs {
		helpful[fb.StoryID] = fb.Verdict == knowledge.Helpful
	}
	if len(suggested) == 0 {
		suggested = pm.similarFromIndex(ctx, in.Entries)
	}
	cat := pm.lib.Catalog()
	seen := map[string]bool{}
	for _, id := range suggested {
		s, err := pm.lib.Story(id)
		if err != nil {
			continue // a story since removed
		}
		if pm.ownPostmortem(ctx, s, c.Channel) {
			continue // this incident's own earlier write-up is not a similar past outage
		}
		in.Similar = append(in.Similar, postmortem.Similar{ID: s.ID, Title: s.Title, URL: s.URL, Helpful: helpful[s.ID]})
		for _, class := range s.Classes {
			if cl, err := cat.Checklist(class); err == nil && !seen[class] && len(in.Checklists) < 2 {
				seen[class] = true
				in.Checklists = append(in.Checklists, cl)
			}
		}
	}
	// Helpful ones first: they are what the team found worth citing.
	slices.SortStableFunc(in.Similar, func(a, b postmortem.Similar) int {
		switch {
		case a.Helpful == b.Helpful:
			return 0
		case a.Helpful:
			return -1
		}
		return 1
	})
	return in, nil
}

// similarFromIndex finds past outages for a channel Tacoma stayed quiet in, from what people and
// alerts said.
func (pm *Postmortems) similarFromIndex(ctx context.Context, entries []postmortem.Entry) []string {
	var b strings.Builder
	for _, e := range entries {
		if !e.Own && b.Len() < 4000 {
			b.WriteString(e.Text + "\n")
		}
	}
	res, err := pm.lib.Search(ctx, b.String(), similarFromIndex)
	if err != nil {
		return nil
	}
	// The team's postmortems first, as the suggestions in a thread show them.
	var ids []string
	for _, r := range split(res).shown() {
		if r.Confident() {
			ids = append(ids, r.Story.ID)
		}
	}
	return ids
}

// ownPostmortem reports whether s is a postmortem the team finished from channel: drafting the
// same channel again would otherwise find it first, as the outage most like itself.
func (pm *Postmortems) ownPostmortem(ctx context.Context, s *knowledge.Story, channel string) bool {
	if !s.Team() {
		return false
	}
	p, err := pm.store.Postmortem(ctx, s.ID)
	return err == nil && p.Channel == channel
}

// newID names a draft after its channel and day; drafting again the same day replaces the
// draft, but never a postmortem already finished.
func (pm *Postmortems) newID(ctx context.Context, c bot.Command, p *postmortem.Postmortem) (string, error) {
	day := p.Started
	if day.IsZero() {
		day = pm.now()
	}
	name := c.ChannelName
	if name == "" {
		name = c.Channel
	}
	base := postmortem.Slug(name) + "-" + day.In(pm.loc).Format("2006-01-02")
	if strings.Contains(postmortem.Slug(name), day.In(pm.loc).Format("2006-01-02")) {
		base = postmortem.Slug(name)
	}
	for i := 1; ; i++ {
		id := base
		if i > 1 {
			id = fmt.Sprintf("%s-%d", base, i)
		}
		old, err := pm.store.Postmortem(ctx, id)
		if err != nil && !errors.Is(err, knowledge.ErrNotFound) {
			return "", fmt.Errorf("look up postmortem %s: %w", id, err)
		}
		if old == nil || (old.Status == postmortem.Draft && old.Channel == c.Channel) {
			return id, nil
		}
	}
}

// tsTime reads a Slack ts ("1700000000.000100") as a time.
func tsTime(ts string) (time.Time, error) {
	sec, frac, _ := strings.Cut(ts, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("ts %q: %w", ts, err)
	}
	us := int64(0)
	if frac != "" {
		if us, err = strconv.ParseInt((frac + "000000")[:6], 10, 64); err != nil {
			return time.Time{}, fmt.Errorf("ts %q: %w", ts, err)
		}
	}
	return time.Unix(s, us*1000).UTC(), nil
}

func channelRef(c bot.Command) string {
	if c.ChannelName != "" {
		return "#" + c.ChannelName
	}
	return "this channel"
}
