package bot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/slack-go/slack"
	"go.uber.org/zap"
)

// historyPage is how many messages History asks for per call. Slack recommends no more
// than 200 and serves up to 999 (conversations.history) or 1,000 (conversations.replies):
// https://docs.slack.dev/apis/web-api/pagination
const historyPage = 200

// ErrNotInChannel means Slack refused to show a channel's history because the bot is not
// a member; someone in the channel must /invite it.
var ErrNotInChannel = errors.New("the bot is not a member of the channel; /invite it there first")

// History returns every message of a channel the bot is a member of, with the replies of
// every thread, oldest first by ts: a thread's replies sit among the other messages at
// their own ts, not after their parent.
//
// ThreadTS is set on replies only (to the parent's ts); a top-level message, thread
// parents included, has ThreadTS "" and its ReplyCount. This is how message events arrive
// too, so m.ThreadTS != "" means "a reply" wherever a Message comes from. A reply also
// broadcast to the channel is returned once.
//
// oldest, a Slack ts, keeps messages from that ts on (inclusive); "" reads everything.
// Threads are found through their parents, so replies under a parent older than oldest
// are not read. Pages hold up to 200 messages; progress, if not nil, is called
// after each page with the number of messages read so far. Rate limits are waited out
// for as long as ctx lasts, so reading a long channel can take minutes.
//
// A channel the bot is not in fails with ErrNotInChannel (a private one with Slack's
// channel_not_found). Safe for concurrent use.
func (b *Bot) History(ctx context.Context, channelID, oldest string, progress func(read int)) ([]Message, error) {
	self, err := b.whoami(ctx)
	if err != nil {
		return nil, err
	}
	r := &historyReader{b: b, channel: channelID, self: self, progress: progress, seen: map[string]bool{}}
	parents, err := r.topLevel(ctx, oldest)
	if err != nil {
		return nil, err
	}
	for _, ts := range parents {
		if err := r.thread(ctx, ts); err != nil {
			return nil, err
		}
	}
	name := b.channelName(ctx, channelID)
	for i := range r.out {
		r.out[i].ChannelName = name
	}
	slices.SortFunc(r.out, func(x, y Message) int { return compareTS(x.TS, y.TS) })
	return r.out, nil
}

// historyReader collects one History call's messages.
type historyReader struct {
	b        *Bot
	channel  string
	self     identity
	progress func(int)
	seen     map[string]bool // ts already collected
	out      []Message
}

// topLevel reads conversations.history and returns the ts of the thread parents.
func (r *historyReader) topLevel(ctx context.Context, oldest string) ([]string, error) {
	var parents []string
	cursor := ""
	for {
		var res *slack.GetConversationHistoryResponse
		err := r.b.call(ctx, "conversations.history", func() error {
			var err error
			res, err = r.b.api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
				ChannelID: r.channel, Cursor: cursor, Limit: historyPage, Oldest: oldest, Inclusive: oldest != "",
			})
			return err
		})
		if err != nil {
			return nil, readError(r.channel, err)
		}
		for _, m := range res.Messages {
			r.add(m.Msg)
			if m.ReplyCount > 0 && (m.ThreadTimestamp == "" || m.ThreadTimestamp == m.Timestamp) {
				parents = append(parents, m.Timestamp)
			}
		}
		r.report()
		next := res.ResponseMetaData.NextCursor
		if !res.HasMore || next == "" || next == cursor {
			return parents, nil
		}
		cursor = next
	}
}

// thread reads the replies under parent with conversations.replies.
func (r *historyReader) thread(ctx context.Context, parent string) error {
	cursor := ""
	for {
		var msgs []slack.Message
		var more bool
		var next string
		err := r.b.call(ctx, "conversations.replies", func() error {
			var err error
			msgs, more, next, err = r.b.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
				ChannelID: r.channel, Timestamp: parent, Cursor: cursor, Limit: historyPage,
			})
			return err
		})
		var se slack.SlackErrorResponse
		if errors.As(err, &se) && se.Err == "thread_not_found" {
			// The parent was deleted while the channel was being read.
			r.b.log.Debug("thread gone while reading", zap.String("channel", r.channel), zap.String("thread", parent))
			return nil
		}
		if err != nil {
			return readError(r.channel, err)
		}
		for _, m := range msgs {
			r.add(m.Msg)
		}
		r.report()
		if !more || next == "" || next == cursor {
			return nil
		}
		cursor = next
	}
}

func (r *historyReader) add(m slack.Msg) {
	if r.seen[m.Timestamp] {
		return
	}
	r.seen[m.Timestamp] = true
	r.out = append(r.out, fromSlack(r.channel, m, r.self))
}

func (r *historyReader) report() {
	if r.progress != nil {
		r.progress(len(r.out))
	}
}

// readError says what a refused history read means for the person who asked for it.
func readError(channelID string, err error) error {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) && se.Err == "not_in_channel" {
		return fmt.Errorf("read %s: %w", channelID, ErrNotInChannel)
	}
	if errors.As(err, &se) && se.Err == "channel_not_found" {
		return fmt.Errorf("read %s (no such channel, or a private one the bot was not invited to): %w", channelID, err)
	}
	return fmt.Errorf("read %s: %w", channelID, err)
}

// fromSlack turns a message of the Web API into a neutral Message.
func fromSlack(channelID string, m slack.Msg, self identity) Message {
	out := Message{
		Channel: channelID, User: m.User, BotID: m.BotID, BotName: m.Username, Text: m.Text,
		TS: m.Timestamp, Attachments: attachments(m.Attachments), Files: sharedFiles(m.Files),
		Buttons: buttons(m.Blocks), ReplyCount: m.ReplyCount,
		Own:     (self.userID != "" && m.User == self.userID) || (self.botID != "" && m.BotID == self.botID),
		Mention: self.userID != "" && strings.Contains(m.Text, "<@"+self.userID+">"),
	}
	if m.ThreadTimestamp != m.Timestamp {
		out.ThreadTS = m.ThreadTimestamp
	}
	if out.BotName == "" && m.BotProfile != nil {
		out.BotName = m.BotProfile.Name
	}
	if m.Edited != nil {
		out.Edited = m.Edited.Timestamp
	}
	return out
}

// buttons lists the buttons of actions blocks and section accessories, where renderBlocks
// and most apps put them.
func buttons(blocks slack.Blocks) []Button {
	var out []Button
	add := func(e *slack.ButtonBlockElement) {
		bt := Button{ActionID: e.ActionID, Value: e.Value, Style: string(e.Style)}
		if e.Text != nil {
			bt.Text = e.Text.Text
		}
		out = append(out, bt)
	}
	for _, bl := range blocks.BlockSet {
		switch bl := bl.(type) {
		case *slack.ActionBlock:
			for _, e := range bl.Elements.ElementSet {
				if btn, ok := e.(*slack.ButtonBlockElement); ok {
					add(btn)
				}
			}
		case *slack.SectionBlock:
			if bl.Accessory != nil && bl.Accessory.ButtonElement != nil {
				add(bl.Accessory.ButtonElement)
			}
		}
	}
	return out
}

// compareTS orders Slack timestamps ("<seconds>.<microseconds>") by time; as strings they
// order wrongly once the seconds gain a digit or the fraction is short.
func compareTS(a, b string) int {
	as, af, aok := splitTS(a)
	bs, bf, bok := splitTS(b)
	if !aok || !bok {
		return strings.Compare(a, b)
	}
	if c := cmp.Compare(as, bs); c != 0 {
		return c
	}
	return cmp.Compare(af, bf)
}

func splitTS(ts string) (sec, micro int64, ok bool) {
	s, f, _ := strings.Cut(ts, ".")
	if len(f) > 6 {
		return 0, 0, false
	}
	f += strings.Repeat("0", 6-len(f))
	sec, err1 := strconv.ParseInt(s, 10, 64)
	micro, err2 := strconv.ParseInt(f, 10, 64)
	return sec, micro, err1 == nil && err2 == nil
}

// whoami returns the bot's identity: the one Run learnt, or auth.test's if Run has not
// started, so that History can tell the bot's own messages without a connection.
func (b *Bot) whoami(ctx context.Context) (identity, error) {
	if id := b.identity(); id.userID != "" {
		return id, nil
	}
	var auth *slack.AuthTestResponse
	err := b.call(ctx, "auth.test", func() error {
		var err error
		auth, err = b.api.AuthTestContext(ctx)
		return err
	})
	if err != nil {
		return identity{}, err
	}
	id := identity{userID: auth.UserID, botID: auth.BotID, teamID: auth.TeamID}
	b.mu.Lock()
	if b.self.userID == "" {
		b.self = id
	}
	b.mu.Unlock()
	return id, nil
}
