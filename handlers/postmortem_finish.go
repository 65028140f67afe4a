package handlers

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"

	"go.uber.org/zap"

	"github.com/tacoma-bot/tacoma/bot"
	"github.com/tacoma-bot/tacoma/knowledge"
	"github.com/tacoma-bot/tacoma/knowledge/postmortem"
)

// finish marks the channel's latest draft final, replaced by the newest Markdown file a person
// uploaded to the channel since the draft, and indexes it so the next incident matches it.
func (pm *Postmortems) finish(ctx context.Context, c bot.Command) (*bot.Reply, error) {
	p, err := pm.store.LatestPostmortem(ctx, c.Channel)
	if errors.Is(err, knowledge.ErrNotFound) {
		return textReply(fmt.Sprintf("There is no postmortem draft in this channel yet: `%s postmortem` writes one.", c.Command)), nil
	}
	if err != nil {
		return nil, fmt.Errorf("latest postmortem of %s: %w", c.Channel, err)
	}
	edited, file, err := pm.editedFile(ctx, c, p)
	if err != nil {
		return textReply(fmt.Sprintf("I could not use the uploaded file: %s. Nothing was changed; fix the file and upload it again, then run `%s postmortem done`.", err, c.Command)), nil
	}
	how := "as drafted"
	if edited != nil {
		keepIdentity(edited, p)
		p = edited
		how = "from " + file
	}
	p.Status = postmortem.Final
	p.UpdatedAt = pm.now().UTC()
	if err := pm.store.SavePostmortem(ctx, p); err != nil {
		return nil, fmt.Errorf("save postmortem %s: %w", p.ID, err)
	}
	if err := pm.lib.Add(p.Story()); err != nil {
		return nil, fmt.Errorf("index postmortem %s: %w", p.ID, err)
	}
	pm.log.Info("postmortem final", zap.String("id", p.ID), zap.String("channel", c.Channel), zap.Bool("edited", edited != nil))
	pm.metrics.postmortem("finished")
	r := textReply(fmt.Sprintf("✅ Postmortem *%s* is final (%s). Tacoma will suggest it when a failure like this shows up again.", mrkdwnEscape(p.Title), how))
	r.InChannel = true
	return r, nil
}

// editedFile returns the postmortem in the newest Markdown file a person shared in the channel
// after the draft was written, or nil if there is none.
func (pm *Postmortems) editedFile(ctx context.Context, c bot.Command, draft *postmortem.Postmortem) (*postmortem.Postmortem, string, error) {
	oldest := strconv.FormatFloat(float64(draft.CreatedAt.UnixMicro())/1e6, 'f', 6, 64)
	msgs, err := pm.slack.History(ctx, c.Channel, oldest, nil)
	if err != nil {
		return nil, "", fmt.Errorf("read the channel: %w", err)
	}
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		if m.Own || m.BotID != "" {
			continue
		}
		for _, f := range m.Files {
			if !markdownFile(f.Name) {
				continue
			}
			data, err := pm.slack.Download(ctx, f, maxUploadBytes)
			if err != nil {
				return nil, f.Name, fmt.Errorf("download %s: %w", f.Name, err)
			}
			p, err := postmortem.Parse(f.Name, data)
			if err != nil {
				return nil, f.Name, err
			}
			return p, f.Name, nil
		}
	}
	return nil, "", nil
}

func markdownFile(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".md", ".markdown", ".txt":
		return true
	}
	return false
}

// keepIdentity carries over what an edited file must not change: which incident it is.
func keepIdentity(edited, draft *postmortem.Postmortem) {
	edited.ID = draft.ID
	edited.Channel, edited.ChannelName = draft.Channel, draft.ChannelName
	edited.Source = draft.Source
	edited.Template = draft.Template
	edited.CreatedAt = draft.CreatedAt
	if edited.Started.IsZero() {
		edited.Started, edited.Detected, edited.Mitigated, edited.Resolved = draft.Started, draft.Detected, draft.Mitigated, draft.Resolved
	}
	if len(edited.Participants) == 0 {
		edited.Participants = draft.Participants
	}
	if len(edited.Similar) == 0 {
		edited.Similar = draft.Similar
	}
	if len(edited.Alerts) == 0 {
		edited.Alerts = draft.Alerts
	}
	if len(edited.Classes) == 0 {
		edited.Classes = draft.Classes
	}
}
