package bot

import (
	"context"
	"strings"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
	"go.uber.org/zap"
)

// dispatch acks an envelope first, then filters it and hands the work to the pool. It never
// blocks on Slack: Slack redelivers what is not acked within 3 s
// (https://docs.slack.dev/apis/events-api/using-socket-mode).
func (b *Bot) dispatch(ctx context.Context, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		b.log.Debug("connecting to slack")
	case socketmode.EventTypeConnected:
		b.log.Info("connected to slack")
	case socketmode.EventTypeConnectionError:
		b.log.Warn("slack connection failed; retrying", zap.Any("error", evt.Data))
	case socketmode.EventTypeInvalidAuth:
		b.log.Error("slack refused the app-level token")
	case socketmode.EventTypeEventsAPI:
		ev, ok := evt.Data.(slackevents.EventsAPIEvent)
		if !b.ack(evt, ok) {
			return
		}
		b.onEventsAPI(ctx, ev)
	case socketmode.EventTypeSlashCommand:
		cmd, ok := evt.Data.(slack.SlashCommand)
		if !b.ack(evt, ok) {
			return
		}
		b.onCommand(ctx, cmd)
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slack.InteractionCallback)
		if !b.ack(evt, ok) {
			return
		}
		b.onInteraction(ctx, cb)
	}
}

// ack acknowledges the envelope; it reports whether the payload is usable.
func (b *Bot) ack(evt socketmode.Event, ok bool) bool {
	if evt.Request == nil {
		b.log.Warn("envelope without request", zap.String("type", string(evt.Type)))
		return false
	}
	if err := b.sm.Ack(*evt.Request); err != nil {
		b.log.Warn("ack failed", zap.String("envelope", evt.Request.EnvelopeID), zap.Error(err))
	}
	if evt.Request.RetryAttempt > 0 {
		b.log.Info("envelope redelivered", zap.String("envelope", evt.Request.EnvelopeID),
			zap.Int("attempt", evt.Request.RetryAttempt), zap.String("reason", evt.Request.RetryReason))
	}
	if !ok {
		b.log.Warn("unexpected payload", zap.String("type", string(evt.Type)))
	}
	return ok
}

// messageSubtypes are the message events that are new things someone said; edits, deletions,
// joins and the like are not.
var messageSubtypes = map[string]bool{"": true, "bot_message": true, "thread_broadcast": true, "file_share": true, "me_message": true}

func (b *Bot) onEventsAPI(ctx context.Context, ev slackevents.EventsAPIEvent) {
	var m Message
	switch e := ev.InnerEvent.Data.(type) {
	case *slackevents.MessageEvent:
		if !messageSubtypes[e.SubType] {
			return
		}
		m = Message{Channel: e.Channel, User: e.User, BotID: e.BotID, BotName: e.Username, Text: e.Text, TS: e.TimeStamp, ThreadTS: e.ThreadTimeStamp}
		if e.Message != nil {
			m.Attachments = attachments(e.Message.Attachments)
			m.Files = sharedFiles(e.Message.Files)
			if m.BotID == "" {
				m.BotID = e.Message.BotID
			}
		}
	case *slackevents.AppMentionEvent:
		m = Message{Channel: e.Channel, User: e.User, BotID: e.BotID, Text: e.Text, TS: e.TimeStamp, ThreadTS: e.ThreadTimeStamp, Attachments: attachments(e.Attachments)}
	default:
		return
	}
	if cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent); ok {
		m.EventID = cb.EventID
	}
	self := b.identity()
	if (m.User != "" && m.User == self.userID) || (m.BotID != "" && m.BotID == self.botID) {
		return // our own message, echoed back as Slack does
	}
	m.Mention = self.userID != "" && strings.Contains(m.Text, "<@"+self.userID+">")
	// A mention arrives twice, as message and as app_mention, with different event ids: the
	// message itself is the unit of work.
	if !b.seen.First("msg:" + m.Channel + ":" + m.TS) {
		b.log.Debug("duplicate message dropped", zap.String("channel", m.Channel), zap.String("ts", m.TS))
		b.cfg.Metrics.duplicate("message")
		return
	}
	b.accept(ctx, work{Key: "msg:" + m.Channel + ":" + m.TS, Message: &m})
}

func attachments(as []slack.Attachment) []Attachment {
	out := make([]Attachment, 0, len(as))
	for _, a := range as {
		at := Attachment{Title: a.Title, Text: a.Text, Fallback: a.Fallback, Color: a.Color}
		for _, f := range a.Fields {
			at.Fields = append(at.Fields, Field{Title: f.Title, Value: f.Value})
		}
		out = append(out, at)
	}
	return out
}

func (b *Bot) onCommand(ctx context.Context, sc slack.SlashCommand) {
	if !b.seen.First("cmd:" + sc.TriggerID) {
		b.log.Debug("duplicate command dropped", zap.String("trigger", sc.TriggerID))
		b.cfg.Metrics.duplicate("command")
		return
	}
	c := Command{Command: sc.Command, Text: sc.Text, User: sc.UserID, Channel: sc.ChannelID, ChannelName: sc.ChannelName, TriggerID: sc.TriggerID}
	b.accept(ctx, work{Key: "cmd:" + sc.TriggerID, Command: &c, ResponseURL: sc.ResponseURL})
}

func (b *Bot) onInteraction(ctx context.Context, cb slack.InteractionCallback) {
	if cb.Type != slack.InteractionTypeBlockActions {
		return
	}
	for _, act := range cb.ActionCallback.BlockActions {
		key := "act:" + cb.TriggerID + ":" + act.ActionID + ":" + act.ActionTs
		if !b.seen.First(key) {
			b.cfg.Metrics.duplicate("action")
			continue
		}
		a := Action{ActionID: act.ActionID, Value: act.Value, User: cb.User.ID, Channel: cb.Channel.ID,
			MessageTS: cb.Container.MessageTs, ThreadTS: cb.Container.ThreadTs, TriggerID: cb.TriggerID}
		if a.ThreadTS == "" {
			a.ThreadTS = cb.Message.ThreadTimestamp
		}
		b.accept(ctx, work{Key: key, Action: &a, ResponseURL: cb.ResponseURL})
	}
}
