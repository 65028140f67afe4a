package slackemu

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

func TestPostMessageEchoesEvent(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	b := startBot(t, w.s)
	waitConnected(t, w.s, 1)

	ch, ts, err := w.api.PostMessageContext(ctxT(t), w.ops.ID, slack.MsgOptionText("hello", false),
		slack.MsgOptionBlocks(slack.NewDividerBlock()))
	if err != nil {
		t.Fatalf("PostMessage() = %v", err)
	}
	if ch != w.ops.ID || ts == "" {
		t.Errorf("PostMessage() = %q, %q, want %q and a ts", ch, ts, w.ops.ID)
	}
	ev := b.next(socketmode.EventTypeEventsAPI)
	b.ack(ev)
	msg := ev.Data.(slackevents.EventsAPIEvent).InnerEvent.Data.(*slackevents.MessageEvent)
	got := []string{msg.User, msg.BotID, msg.Text, msg.TimeStamp, msg.SubType}
	want := []string{w.s.App().BotUserID, w.s.App().BotID, "hello", ts, ""}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("echoed message event (-want +got):\n%s", diff)
	}
	stored := w.s.Messages(w.ops.ID)
	if len(stored) != 1 || stored[0].BotID != w.s.App().BotID || !bytes.Contains(stored[0].Blocks, []byte(`"divider"`)) {
		t.Errorf("Messages() = %+v, want the bot's message with its divider", stored)
	}
}

func TestUpdateMessage(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	b := startBot(t, w.s)
	waitConnected(t, w.s, 1)
	ctx := ctxT(t)

	_, ts, err := w.api.PostMessageContext(ctx, w.ops.ID, slack.MsgOptionText("v1", false))
	if err != nil {
		t.Fatalf("PostMessage() = %v", err)
	}
	b.ack(b.next(socketmode.EventTypeEventsAPI))
	if _, _, _, err := w.api.UpdateMessageContext(ctx, w.ops.ID, ts, slack.MsgOptionText("v2", false)); err != nil {
		t.Fatalf("UpdateMessage() = %v", err)
	}
	ev := b.next(socketmode.EventTypeEventsAPI)
	b.ack(ev)
	msg := ev.Data.(slackevents.EventsAPIEvent).InnerEvent.Data.(*slackevents.MessageEvent)
	got := []string{msg.SubType, msg.Message.Text, msg.Message.Timestamp, msg.PreviousMessage.Text}
	if diff := cmp.Diff([]string{"message_changed", "v2", ts, "v1"}, got); diff != "" {
		t.Errorf("message_changed (-want +got):\n%s", diff)
	}
	hist, err := w.api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: w.ops.ID})
	if err != nil {
		t.Fatalf("GetConversationHistory() = %v", err)
	}
	if len(hist.Messages) != 1 || hist.Messages[0].Text != "v2" || hist.Messages[0].Edited == nil {
		t.Errorf("history = %+v, want one edited message v2", hist.Messages)
	}
}

func TestPostMessageTruncatesLongText(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	if _, _, err := w.api.PostMessage(w.ops.ID, slack.MsgOptionText(strings.Repeat("é", 40001), false)); err != nil {
		t.Fatalf("PostMessage() = %v", err)
	}
	if n := len([]rune(w.s.Messages(w.ops.ID)[0].Text)); n != 40000 {
		t.Errorf("stored text = %d characters, want 40000", n)
	}
}

func TestReactions(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	ts, _ := w.s.Post(w.ana.ID, w.ops.ID, "deploy done")
	ref := slack.NewRefToMessage(w.ops.ID, ts)
	tests := []struct {
		name string
		item slack.ItemRef
		want string
	}{
		{"eyes", ref, ""},
		{"eyes", ref, "already_reacted"},
		{"white_check_mark", ref, ""},
		{"eyes", slack.NewRefToMessage(w.ops.ID, "1.000001"), "message_not_found"},
		{"eyes", slack.NewRefToMessage("C404", ts), "channel_not_found"},
		{"eyes", slack.NewRefToMessage(w.ops.ID, "yesterday"), "bad_timestamp"},
		{"eyes", slack.ItemRef{}, "no_item_specified"},
		{"", ref, "invalid_name"},
	}
	for _, tt := range tests {
		if got := slackErr(w.api.AddReactionContext(ctxT(t), tt.name, tt.item)); got != tt.want {
			t.Errorf("AddReaction(%q, %+v) = %q, want %q", tt.name, tt.item, got, tt.want)
		}
	}
	if got := w.s.Messages(w.ops.ID)[0].Reactions; !cmp.Equal(got, []string{"eyes", "white_check_mark"}) {
		t.Errorf("Reactions = %v, want [eyes white_check_mark]", got)
	}
}
