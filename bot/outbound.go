package bot

import (
	"context"
	"fmt"

	"github.com/slack-go/slack"
)

// Post posts a new top-level message to a channel (an ID, or a name such as "#alerts") and
// returns the channel's ID and the message's ts, which Update needs. Rate limits are waited out.
func (b *Bot) Post(ctx context.Context, channel string, r *Reply) (channelID, ts string, err error) {
	err = b.call(ctx, "chat.postMessage", func() error {
		var err error
		channelID, ts, err = b.api.PostMessageContext(ctx, channel,
			slack.MsgOptionText(fallback(r), false),
			slack.MsgOptionBlocks(renderBlocks(r)...),
			slack.MsgOptionDisableLinkUnfurl(),
		)
		return err
	})
	if err != nil {
		return "", "", err
	}
	return channelID, ts, nil
}

// PostInThread posts a reply under the message threadTS of channel.
func (b *Bot) PostInThread(ctx context.Context, channel, threadTS string, r *Reply) error {
	return b.call(ctx, "chat.postMessage", func() error {
		_, _, err := b.api.PostMessageContext(ctx, channel,
			slack.MsgOptionText(fallback(r), false),
			slack.MsgOptionBlocks(renderBlocks(r)...),
			slack.MsgOptionTS(threadTS),
			slack.MsgOptionDisableLinkUnfurl(),
		)
		return err
	})
}

// Update replaces the content of a message the bot posted; channelID must be the ID Post
// returned, as chat.update takes no names.
func (b *Bot) Update(ctx context.Context, channelID, ts string, r *Reply) error {
	if channelID == "" || ts == "" {
		return fmt.Errorf("chat.update: want a channel ID and a ts, got %q and %q", channelID, ts)
	}
	return b.call(ctx, "chat.update", func() error {
		_, _, _, err := b.api.UpdateMessageContext(ctx, channelID, ts,
			slack.MsgOptionText(fallback(r), false),
			slack.MsgOptionBlocks(renderBlocks(r)...),
		)
		return err
	})
}
