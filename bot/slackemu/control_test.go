package slackemu

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

func TestSlashCommand(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	b := startBot(t, w.s)
	waitConnected(t, w.s, 1)

	call, err := w.s.Command(w.ana.ID, w.ops.ID, "/tacoma", "runbook disk")
	if err != nil {
		t.Fatalf("Command() = %v", err)
	}
	ev := b.next(socketmode.EventTypeSlashCommand)
	cmd := ev.Data.(slack.SlashCommand)
	got := []string{cmd.Command, cmd.Text, cmd.UserID, cmd.UserName, cmd.ChannelID, cmd.ChannelName, cmd.TeamID, cmd.APIAppID, cmd.ResponseURL, cmd.TriggerID}
	want := []string{"/tacoma", "runbook disk", w.ana.ID, "ana", w.ops.ID, "ops", "T0TACOMA", w.s.App().ID, call.ResponseURL, call.TriggerID}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("slash command (-want +got):\n%s", diff)
	}
	if !ev.Request.AcceptsResponsePayload {
		t.Errorf("accepts_response_payload = false, want true")
	}
	b.ack(ev, map[string]any{"response_type": "in_channel", "text": "Runbook: disk full"})
	payload, err := call.Wait(ctxT(t))
	if err != nil || !strings.Contains(string(payload), "Runbook: disk full") {
		t.Fatalf("Wait() = %s, %v", payload, err)
	}
	if msgs := w.s.Messages(w.ops.ID); len(msgs) != 1 || msgs[0].Text != "Runbook: disk full" || msgs[0].BotID != w.s.App().BotID {
		t.Errorf("Messages() = %+v, want the in_channel ack payload posted by the bot", msgs)
	}

	// Delayed responses through the response_url, with slack-go as the bot sends them.
	respond := func(text, typ string) error {
		_, _, err := w.api.PostMessageContext(ctxT(t), "", slack.MsgOptionResponseURL(call.ResponseURL, typ), slack.MsgOptionText(text, false))
		return err
	}
	if err := respond("only you see this", slack.ResponseTypeEphemeral); err != nil {
		t.Fatalf("response_url post = %v", err)
	}
	eph := w.s.Ephemerals(w.ops.ID)
	if len(eph) != 1 || eph[0].Text != "only you see this" || eph[0].ToUser != w.ana.ID {
		t.Errorf("Ephemerals() = %+v, want the ephemeral response for ana", eph)
	}
	for range 4 {
		if err := respond("again", slack.ResponseTypeInChannel); err != nil {
			t.Fatalf("response_url post = %v", err)
		}
	}
	var sc slack.StatusCodeError
	if err := respond("sixth", slack.ResponseTypeInChannel); !errors.As(err, &sc) || sc.Code != http.StatusNotFound {
		t.Errorf("sixth response_url post = %v, want StatusCodeError 404 (5 uses)", err)
	}
	if n := len(call.Responses()); n != 5 {
		t.Errorf("Responses() = %d, want 5", n)
	}
}

func TestSlashCommandNotAcked(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	b := startBot(t, w.s)
	waitConnected(t, w.s, 1)
	call, err := w.s.Command(w.ana.ID, w.ops.ID, "/tacoma", "")
	if err != nil {
		t.Fatalf("Command() = %v", err)
	}
	b.next(socketmode.EventTypeSlashCommand) // never acked
	if _, err := call.Wait(ctxT(t)); !errors.Is(err, ErrNotAcked) {
		t.Errorf("Wait() = %v, want ErrNotAcked", err)
	}
	if st := w.s.Envelopes(); st.Delivered != 1 {
		t.Errorf("Delivered = %d, want 1 (slash commands are not retried)", st.Delivered)
	}
}

func TestControlErrors(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	bot := w.s.App().BotUserID
	tests := []struct {
		name string
		call func() error
		want error // nil: any error
	}{
		{"command without connection", func() error { _, err := w.s.Command(w.ana.ID, w.ops.ID, "/tacoma", ""); return err }, ErrNoConnection},
		{"command not slash", func() error { _, err := w.s.Command(w.ana.ID, w.ops.ID, "tacoma", ""); return err }, nil},
		{"post non-member", func() error { _, err := w.s.Post(w.ana.ID, w.s.AddChannel("empty").ID, "x"); return err }, nil},
		{"post as the bot", func() error { _, err := w.s.Post(bot, w.ops.ID, "x"); return err }, nil},
		{"post unknown user", func() error { _, err := w.s.Post("U404", w.ops.ID, "x"); return err }, nil},
		{"post bad thread", func() error { _, err := w.s.Post(w.ana.ID, w.ops.ID, "x", InThread("1.000001")); return err }, nil},
		{"click without button", func() error {
			ts, _ := w.s.Post(w.ana.ID, w.ops.ID, "plain")
			_, err := w.s.Click(w.ana.ID, w.ops.ID, ts, "ack", "")
			return err
		}, nil},
	}
	for _, tt := range tests {
		err := tt.call()
		if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("%s: error = %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestClick(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	b := startBot(t, w.s)
	waitConnected(t, w.s, 1)
	btn := slack.NewButtonBlockElement("ack", "inc-7", slack.NewTextBlockObject(slack.PlainTextType, "Acknowledge", false, false))
	_, ts, err := w.api.PostMessage(w.ops.ID, slack.MsgOptionText("incident", false),
		slack.MsgOptionBlocks(slack.NewActionBlock("acts", btn)))
	if err != nil {
		t.Fatalf("PostMessage() = %v", err)
	}
	b.ack(b.next(socketmode.EventTypeEventsAPI))

	if _, err := w.s.Click(w.ana.ID, w.ops.ID, ts, "ack", "inc-8"); err == nil {
		t.Errorf("Click() with the wrong value = nil, want an error")
	}
	call, err := w.s.Click(w.ana.ID, w.ops.ID, ts, "ack", "")
	if err != nil {
		t.Fatalf("Click() = %v", err)
	}
	ev := b.next(socketmode.EventTypeInteractive)
	b.ack(ev)
	cb := ev.Data.(slack.InteractionCallback)
	if len(cb.ActionCallback.BlockActions) != 1 {
		t.Fatalf("block actions = %+v, want one", cb.ActionCallback)
	}
	act := cb.ActionCallback.BlockActions[0]
	got := []string{string(cb.Type), cb.User.ID, cb.Channel.ID, cb.Container.MessageTs, cb.Message.Timestamp, act.ActionID, act.BlockID, act.Value, cb.ResponseURL}
	want := []string{"block_actions", w.ana.ID, w.ops.ID, ts, ts, "ack", "acts", "inc-7", call.ResponseURL}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("block_actions (-want +got):\n%s", diff)
	}
	if _, err := call.Wait(ctxT(t)); err != nil {
		t.Fatalf("Wait() = %v", err)
	}

	// replace_original through the response_url edits the clicked message.
	_, _, err = w.api.PostMessage("", slack.MsgOptionReplaceOriginal(call.ResponseURL), slack.MsgOptionText("acknowledged by ana", false))
	if err != nil {
		t.Fatalf("replace_original = %v", err)
	}
	if msgs := w.s.Messages(w.ops.ID); len(msgs) != 1 || msgs[0].Text != "acknowledged by ana" || len(msgs[0].Blocks) != 0 {
		t.Errorf("Messages() = %+v, want the replaced message without blocks", msgs)
	}
	ev = b.next(socketmode.EventTypeEventsAPI)
	b.ack(ev)
	if sub := ev.Data.(slackevents.EventsAPIEvent).InnerEvent.Data.(*slackevents.MessageEvent).SubType; sub != "message_changed" {
		t.Errorf("event subtype = %q, want message_changed", sub)
	}
	_, _, err = w.api.PostMessage("", slack.MsgOptionDeleteOriginal(call.ResponseURL))
	if err != nil {
		t.Fatalf("delete_original = %v", err)
	}
	if msgs := w.s.Messages(w.ops.ID); len(msgs) != 0 {
		t.Errorf("Messages() after delete_original = %+v, want none", msgs)
	}
}

func TestPostAsBot(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	b := startBot(t, w.s)
	waitConnected(t, w.s, 1)
	atts := json.RawMessage(`[{"title":"[FIRING:1] HighCPU","color":"danger","fields":[{"title":"severity","value":"critical","short":true}]}]`)
	ts, err := w.s.PostAsBot("alertmanager", w.ops.ID, "", atts)
	if err != nil {
		t.Fatalf("PostAsBot() = %v", err)
	}
	ev := b.next(socketmode.EventTypeEventsAPI)
	b.ack(ev)
	msg := ev.Data.(slackevents.EventsAPIEvent).InnerEvent.Data.(*slackevents.MessageEvent)
	if msg.SubType != "bot_message" || msg.BotID == "" || msg.User != "" || msg.Username != "alertmanager" || msg.TimeStamp != ts {
		t.Errorf("message event = %+v, want a bot_message from alertmanager", msg)
	}
	if len(msg.Message.Attachments) != 1 || msg.Message.Attachments[0].Title != "[FIRING:1] HighCPU" || msg.Message.Attachments[0].ID != 1 {
		t.Errorf("attachments = %+v, want the alert, with id 1", msg.Message.Attachments)
	}
	ts2, _ := w.s.PostAsBot("alertmanager", w.ops.ID, "resolved", nil)
	msgs := w.s.Messages(w.ops.ID)
	if len(msgs) != 2 || msgs[1].TS != ts2 || msgs[0].BotID != msgs[1].BotID {
		t.Errorf("Messages() = %+v, want two posts with the same bot_id", msgs)
	}
}

func TestWaitMessage(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	go func() {
		_, _ = w.s.Post(w.ana.ID, w.ops.ID, "first")
		_, _ = w.s.Post(w.ana.ID, w.ops.ID, "needle")
	}()
	m, err := w.s.WaitMessage(ctxT(t), func(m Message) bool { return m.Text == "needle" })
	if err != nil || m.Channel != w.ops.ID || m.User != w.ana.ID {
		t.Errorf("WaitMessage() = %+v, %v", m, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := w.s.WaitMessage(ctx, func(Message) bool { return false }); !errors.Is(err, context.Canceled) {
		t.Errorf("WaitMessage(cancelled) = %v, want context.Canceled", err)
	}
}

func TestTimestampsUniqueAndIncreasing(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if _, err := w.s.Post(w.ana.ID, w.ops.ID, "x"); err != nil {
					t.Errorf("Post() = %v", err)
				}
			}
		})
	}
	wg.Wait()
	msgs := w.s.Messages(w.ops.ID)
	seen := map[string]bool{}
	var last int64
	for _, m := range msgs {
		us, ok := parseTS(m.TS)
		if !ok || !tsRE.MatchString(m.TS) || len(m.TS) != len("1700000000.000000") || seen[m.TS] || us <= last {
			t.Fatalf("ts %q: not a unique, increasing <unix>.<6 digits> timestamp", m.TS)
		}
		seen[m.TS], last = true, us
	}
	if len(seen) != 400 {
		t.Errorf("distinct ts = %d, want 400", len(seen))
	}
}
