package bot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/slack-go/slack"
	"go.uber.org/zap"
)

// maxAttempts bounds the tries of one Web API call through Slack's 5xx. Rate limits are waited
// out for as long as the context lasts: what the bot accepted must reach Slack.
const maxAttempts = 6

// retryableCodes are the ok:false answers that say Slack did nothing and will take the call
// later: the rate-limit codes some methods list besides the 429 (chat.postMessage's
// rate_limited, "posted too many messages") and service_unavailable. internal_error and
// fatal_error are not among them: Slack says some of the call may have happened, and a
// second post would be a duplicate (https://docs.slack.dev/reference/methods/chat.postMessage).
var retryableCodes = map[string]bool{"ratelimited": true, "rate_limited": true, "service_unavailable": true}

func (b *Bot) answerMessage(ctx context.Context, m Message) {
	m.ChannelName = b.channelName(ctx, m.Channel)
	reply, err := b.h.HandleMessage(ctx, m)
	if err != nil {
		b.log.Warn("message handler failed", zap.String("channel", m.Channel), zap.String("ts", m.TS), zap.Error(err))
		return
	}
	if reply == nil {
		return
	}
	if err := b.PostInThread(ctx, m.Channel, m.Thread(), reply); err != nil {
		b.log.Warn("reply not posted", zap.String("channel", m.Channel), zap.String("thread", m.Thread()), zap.Error(err))
		return
	}
	b.log.Info("reply posted", zap.String("channel", m.Channel), zap.String("thread", m.Thread()))
	b.cfg.Metrics.replyPosted("thread")
}

func (b *Bot) answerCommand(ctx context.Context, c Command, responseURL string) {
	reply, err := b.h.HandleCommand(ctx, c)
	if err != nil {
		b.log.Warn("command handler failed", zap.String("command", c.Command), zap.Error(err))
		reply = &Reply{Text: "Sorry, that failed: " + err.Error()}
	}
	if reply == nil {
		return
	}
	b.respond(ctx, responseURL, c.Channel, reply)
}

func (b *Bot) answerAction(ctx context.Context, a Action, responseURL string) {
	reply, err := b.h.HandleAction(ctx, a)
	if err != nil {
		b.log.Warn("action handler failed", zap.String("action", a.ActionID), zap.Error(err))
		return
	}
	if reply == nil {
		return
	}
	reply.InChannel = false
	b.respond(ctx, responseURL, a.Channel, reply)
}

// respond answers through a response_url: ephemeral unless the reply is for the channel.
func (b *Bot) respond(ctx context.Context, responseURL, channel string, reply *Reply) {
	kind := slack.ResponseTypeEphemeral
	if reply.InChannel {
		kind = slack.ResponseTypeInChannel
	}
	err := b.call(ctx, "response_url", func() error {
		_, _, err := b.api.PostMessageContext(ctx, channel,
			slack.MsgOptionResponseURL(responseURL, kind),
			slack.MsgOptionText(fallback(reply), false),
			slack.MsgOptionBlocks(renderBlocks(reply)...),
		)
		return err
	})
	if err != nil {
		b.log.Warn("response not delivered", zap.String("channel", channel), zap.Error(err))
		return
	}
	b.cfg.Metrics.replyPosted("response_url")
}

// channelName looks a channel's name up once; handlers use it for channel patterns.
func (b *Bot) channelName(ctx context.Context, id string) string {
	b.mu.Lock()
	name, ok := b.channels[id]
	b.mu.Unlock()
	if ok {
		return name
	}
	var ch *slack.Channel
	err := b.call(ctx, "conversations.info", func() error {
		var err error
		ch, err = b.api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: id})
		return err
	})
	if err != nil {
		b.log.Debug("channel name unknown", zap.String("channel", id), zap.Error(err))
		return ""
	}
	b.mu.Lock()
	b.channels[id] = ch.Name
	b.mu.Unlock()
	return ch.Name
}

// call runs one Web API call, waiting out rate limits (Retry-After, as Slack asks:
// https://docs.slack.dev/apis/web-api/rate-limits) and retrying Slack's server errors with
// backoff, so that a burst delays replies but does not lose them.
func (b *Bot) call(ctx context.Context, method string, fn func() error) error {
	backoff := 200 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := fn()
		b.cfg.Metrics.apiCall(method, err)
		if err == nil {
			return nil
		}
		var rl *slack.RateLimitedError
		var sc slack.StatusCodeError
		var se slack.SlackErrorResponse
		wait := time.Duration(0)
		switch {
		case errors.As(err, &rl):
			wait = max(rl.RetryAfter, time.Second)
			b.log.Info("rate limited; waiting", zap.String("method", method), zap.Duration("retry_after", wait))
			b.cfg.Metrics.rateLimitedFor(method, wait)
		case attempt >= maxAttempts:
			return fmt.Errorf("%s: gave up after %d attempts: %w", method, attempt, err)
		case errors.As(err, &sc) && sc.Code >= http.StatusInternalServerError:
			wait, backoff = backoff, min(2*backoff, 10*time.Second)
			b.log.Info("slack server error; retrying", zap.String("method", method), zap.Int("status", sc.Code))
		case errors.As(err, &se) && retryableCodes[se.Err]:
			// An error body with HTTP 200 carries no Retry-After: back off, at least a second.
			wait, backoff = max(backoff, time.Second), min(2*backoff, 10*time.Second)
			b.log.Info("slack busy; retrying", zap.String("method", method), zap.String("error", se.Err))
		default:
			return fmt.Errorf("%s: %w", method, err)
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", method, ctx.Err())
		}
	}
}
