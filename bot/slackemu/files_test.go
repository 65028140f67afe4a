package slackemu

import (
	"strings"
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

func TestUploadFile(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	b := startBot(t, w.s)
	waitConnected(t, w.s, 1)
	parent, _ := w.s.Post(w.ana.ID, w.ops.ID, "incident")
	b.ack(b.next(socketmode.EventTypeEventsAPI))

	content := "postmortem draft\n"
	f, err := w.api.UploadFileContext(ctxT(t), slack.UploadFileParameters{
		Filename: "draft.md", FileSize: len(content), Reader: strings.NewReader(content),
		Title: "Draft", Channel: w.ops.ID, ThreadTimestamp: parent, InitialComment: "here is the draft",
	})
	if err != nil {
		t.Fatalf("UploadFile() = %v", err)
	}
	if f.Title != "Draft" || f.ID == "" {
		t.Errorf("UploadFile() = %+v, want title Draft", f)
	}
	replies := w.s.Replies(w.ops.ID, parent)
	if len(replies) != 1 || len(replies[0].Files) != 1 {
		t.Fatalf("Replies() = %+v, want one reply with the file", replies)
	}
	got := replies[0]
	if got.Text != "here is the draft" || got.Files[0].ID != f.ID || string(got.Files[0].Content) != content || got.Files[0].Name != "draft.md" {
		t.Errorf("shared message = %+v, want the comment and draft.md", got)
	}
	ev := b.next(socketmode.EventTypeEventsAPI)
	b.ack(ev)
	msg := ev.Data.(slackevents.EventsAPIEvent).InnerEvent.Data.(*slackevents.MessageEvent)
	if msg.SubType != "file_share" || msg.ThreadTimeStamp != parent || len(msg.Message.Files) != 1 {
		t.Errorf("file_share event = %+v", msg)
	}
}

func TestUploadErrors(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	ctx := ctxT(t)
	if _, err := w.api.UploadFileContext(ctx, slack.UploadFileParameters{
		Filename: "x.txt", FileSize: 1, Content: "x", Channel: w.random.ID,
	}); slackErr(err) != "not_in_channel" {
		t.Errorf("upload to a channel without the bot = %v, want not_in_channel", err)
	}
	if _, err := w.api.CompleteUploadExternalContext(ctx, slack.CompleteUploadExternalParameters{
		Files: []slack.FileSummary{{ID: "F404"}}, Channel: w.ops.ID,
	}); slackErr(err) != "file_not_found" {
		t.Errorf("complete unknown file = %v, want file_not_found", err)
	}
	u, err := w.api.GetUploadURLExternalContext(ctx, slack.GetUploadURLExternalParameters{FileName: "y.txt", FileSize: 3})
	if err != nil {
		t.Fatalf("GetUploadURLExternal() = %v", err)
	}
	if !strings.HasPrefix(u.UploadURL, strings.TrimSuffix(w.s.APIURL(), "api/")) {
		t.Errorf("upload_url %q is not on the API host %q", u.UploadURL, w.s.APIURL())
	}
	if _, err := w.api.CompleteUploadExternalContext(ctx, slack.CompleteUploadExternalParameters{
		Files: []slack.FileSummary{{ID: u.FileID}}, Channel: w.ops.ID,
	}); slackErr(err) != "file_not_found" {
		t.Errorf("complete before upload = %v, want file_not_found", err)
	}
	if _, err := w.api.GetUploadURLExternalContext(ctx, slack.GetUploadURLExternalParameters{FileName: "z", FileSize: 2 << 30}); slackErr(err) != "file_upload_size_restricted" {
		t.Errorf("2 GB file = %v, want file_upload_size_restricted", err)
	}
}
