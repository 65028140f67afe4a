package slackemu

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

func TestHistoryPagination(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	var want []string
	for i := range 7 {
		ts, err := w.s.Post(w.ana.ID, w.ops.ID, "m"+string(rune('0'+i)))
		if err != nil {
			t.Fatalf("Post() = %v", err)
		}
		want = append([]string{ts}, want...) // newest first
	}
	// A thread reply must not appear in history, only through its parent.
	if _, err := w.s.Post(w.ana.ID, w.ops.ID, "reply", InThread(want[6])); err != nil {
		t.Fatalf("Post() = %v", err)
	}
	var got []string
	cursor, pages := "", 0
	for {
		res, err := w.api.GetConversationHistoryContext(ctxT(t), &slack.GetConversationHistoryParameters{ChannelID: w.ops.ID, Limit: 3, Cursor: cursor})
		if err != nil {
			t.Fatalf("GetConversationHistory() = %v", err)
		}
		pages++
		for _, m := range res.Messages {
			got = append(got, m.Timestamp)
		}
		if res.HasMore != (res.ResponseMetaData.NextCursor != "") {
			t.Errorf("has_more %v with next_cursor %q", res.HasMore, res.ResponseMetaData.NextCursor)
		}
		if !res.HasMore {
			break
		}
		cursor = res.ResponseMetaData.NextCursor
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("history ts, newest first (-want +got):\n%s", diff)
	}
	if pages != 3 {
		t.Errorf("pages = %d, want 3", pages)
	}
	res, err := w.api.GetConversationHistoryContext(ctxT(t), &slack.GetConversationHistoryParameters{ChannelID: w.ops.ID})
	if err != nil {
		t.Fatalf("GetConversationHistory() = %v", err)
	}
	oldest := res.Messages[len(res.Messages)-1]
	if oldest.ReplyCount != 1 || oldest.LatestReply == "" || oldest.ThreadTimestamp != oldest.Timestamp {
		t.Errorf("parent = %+v, want reply_count 1, latest_reply, thread_ts", oldest.Msg)
	}
}

func TestRepliesPagination(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	parent, err := w.s.Post(w.ana.ID, w.ops.ID, "incident")
	if err != nil {
		t.Fatalf("Post() = %v", err)
	}
	want := []string{parent}
	for range 4 {
		ts, err := w.s.Post(w.ana.ID, w.ops.ID, "update", InThread(parent))
		if err != nil {
			t.Fatalf("Post() = %v", err)
		}
		want = append(want, ts)
	}
	var got []string
	cursor := ""
	for {
		msgs, more, next, err := w.api.GetConversationRepliesContext(ctxT(t), &slack.GetConversationRepliesParameters{ChannelID: w.ops.ID, Timestamp: want[2], Limit: 2, Cursor: cursor})
		if err != nil {
			t.Fatalf("GetConversationReplies() = %v", err)
		}
		for _, m := range msgs {
			got = append(got, m.Timestamp)
			if m.ThreadTimestamp != parent {
				t.Errorf("message %s thread_ts = %q, want %q", m.Timestamp, m.ThreadTimestamp, parent)
			}
		}
		if !more {
			break
		}
		cursor = next
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("replies, parent first (-want +got):\n%s", diff)
	}
	if n := len(w.s.Replies(w.ops.ID, parent)); n != 4 {
		t.Errorf("Replies() = %d messages, want 4", n)
	}
}

func TestUsersInfo(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	tests := []struct {
		give    string
		wantBot bool
		wantErr string
	}{
		{give: w.ana.ID},
		{give: w.s.App().BotUserID, wantBot: true},
		{give: "U404", wantErr: "user_not_found"},
	}
	for _, tt := range tests {
		u, err := w.api.GetUserInfoContext(ctxT(t), tt.give)
		if got := slackErr(err); got != tt.wantErr {
			t.Errorf("GetUserInfo(%q) error = %q, want %q", tt.give, got, tt.wantErr)
			continue
		}
		if err == nil && (u.ID != tt.give || u.IsBot != tt.wantBot || (tt.wantBot && u.Profile.BotID != w.s.App().BotID)) {
			t.Errorf("GetUserInfo(%q) = %+v, want is_bot %v", tt.give, u, tt.wantBot)
		}
	}
}

func TestJoin(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	b := startBot(t, w.s)
	waitConnected(t, w.s, 1)
	ch, warning, _, err := w.api.JoinConversation(w.random.ID)
	if err != nil || ch.ID != w.random.ID || !ch.IsMember || warning != "" {
		t.Fatalf("JoinConversation() = %+v, %q, %v", ch, warning, err)
	}
	ev := b.next(socketmode.EventTypeEventsAPI)
	b.ack(ev)
	if got := ev.Data.(slackevents.EventsAPIEvent).InnerEvent.Type; got != "member_joined_channel" {
		t.Errorf("event = %s, want member_joined_channel", got)
	}
	_, warning, warnings, err := w.api.JoinConversation(w.random.ID)
	if err != nil || warning != "already_in_channel" || !cmp.Equal(warnings, []string{"already_in_channel"}) {
		t.Errorf("second JoinConversation() = %q, %v, %v, want already_in_channel", warning, warnings, err)
	}
}

func TestPrivateChannelMember(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	team := w.s.AddPrivateChannel("team", w.s.App().BotUserID, w.ana.ID)
	info, err := w.api.GetConversationInfo(&slack.GetConversationInfoInput{ChannelID: team.ID, IncludeNumMembers: true})
	if err != nil || !info.IsPrivate || info.NumMembers != 2 {
		t.Fatalf("GetConversationInfo() = %+v, %v, want private with 2 members", info, err)
	}
	if _, _, err := w.api.PostMessage(team.ID, slack.MsgOptionText("hi", false)); err != nil {
		t.Errorf("PostMessage() = %v", err)
	}
	if _, _, _, err := w.api.JoinConversation(team.ID); slackErr(err) != "method_not_supported_for_channel_type" {
		t.Errorf("JoinConversation(private) = %v, want method_not_supported_for_channel_type", err)
	}
}

func TestInviteAndBroadcast(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	b := startBot(t, w.s)
	waitConnected(t, w.s, 1)
	if err := w.s.Invite(w.random.ID, w.s.App().BotUserID); err != nil {
		t.Fatalf("Invite() = %v", err)
	}
	ev := b.next(socketmode.EventTypeEventsAPI)
	b.ack(ev)
	joined, ok := ev.Data.(slackevents.EventsAPIEvent).InnerEvent.Data.(*slackevents.MemberJoinedChannelEvent)
	if !ok || joined.User != w.s.App().BotUserID || joined.Channel != w.random.ID || joined.ChannelType != "C" {
		t.Fatalf("event = %+v, want member_joined_channel for the bot in random", ev.Data)
	}
	parent, _ := w.s.Post(w.ana.ID, w.random.ID, "question")
	b.ack(b.next(socketmode.EventTypeEventsAPI))
	_, ts, err := w.api.PostMessage(w.random.ID, slack.MsgOptionText("answer", false), slack.MsgOptionTS(parent), slack.MsgOptionBroadcast())
	if err != nil {
		t.Fatalf("PostMessage(broadcast) = %v", err)
	}
	b.ack(b.next(socketmode.EventTypeEventsAPI))
	msgs := w.s.Messages(w.random.ID)
	if len(msgs) != 2 || msgs[1].TS != ts || msgs[1].Subtype != "thread_broadcast" || msgs[1].ThreadTS != parent {
		t.Errorf("Messages() = %+v, want the parent and the broadcast reply", msgs)
	}
	if r := w.s.Replies(w.random.ID, parent); len(r) != 1 || r[0].TS != ts {
		t.Errorf("Replies() = %+v, want the broadcast reply", r)
	}
}
