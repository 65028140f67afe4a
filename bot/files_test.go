package bot_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tacoma-bot/tacoma/bot"
	"github.com/tacoma-bot/tacoma/bot/slackemu"
)

func TestUpload(t *testing.T) {
	r := newReader(t)
	parent, err := r.emu.Post(r.users[0].ID, r.ch.ID, "incident declared")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		threadTS string
		shown    func() []slackemu.Message
	}{
		{"channel", "", func() []slackemu.Message { return r.emu.Messages(r.ch.ID) }},
		{"thread", parent, func() []slackemu.Message { return r.emu.Replies(r.ch.ID, parent) }},
	}
	for _, tt := range tests {
		content := []byte("# Postmortem (" + tt.name + ")\n")
		id, err := r.bot.Upload(ctxFor(t), r.ch.ID, tt.threadTS, "postmortem.md", content, "Draft postmortem")
		if err != nil {
			t.Fatalf("%s: Upload() = %v", tt.name, err)
		}
		msgs := tt.shown()
		last := msgs[len(msgs)-1]
		if len(last.Files) != 1 || last.Files[0].ID != id || string(last.Files[0].Content) != string(content) ||
			last.Text != "Draft postmortem" || last.BotID != r.emu.App().BotID || last.ThreadTS != tt.threadTS {
			t.Errorf("%s: last message = %+v, want the bot's file %s under the comment", tt.name, last, id)
		}
	}
	if _, err := r.bot.Upload(ctxFor(t), r.ch.ID, "", "empty.md", nil, ""); err == nil {
		t.Error("Upload(empty) = nil error, want one: Slack refuses empty files")
	}
}

// TestUploadRetriesOnlyTheFailedStep checks that a rate limit on the last step does not
// upload the file a second time.
func TestUploadRetriesOnlyTheFailedStep(t *testing.T) {
	r := newReader(t)
	r.emu.RateLimitNext("files.completeUploadExternal", 1, time.Second)
	if _, err := r.bot.Upload(ctxFor(t), r.ch.ID, "", "timeline.md", []byte("09:00 paged\n"), ""); err != nil {
		t.Fatalf("Upload() = %v", err)
	}
	got := []int{r.emu.Calls("files.getUploadURLExternal"), r.emu.Calls("files.completeUploadExternal"), len(r.emu.Messages(r.ch.ID))}
	if want := []int{1, 2, 1}; !slices.Equal(got, want) {
		t.Errorf("getUploadURLExternal, completeUploadExternal calls and messages = %v, want %v", got, want)
	}
}

// filesOf returns the files of the channel's messages, as History reads them.
func filesOf(t *testing.T, r reader) []bot.File {
	t.Helper()
	msgs, err := r.bot.History(ctxFor(t), r.ch.ID, "", nil)
	if err != nil {
		t.Fatalf("History() = %v", err)
	}
	var out []bot.File
	for _, m := range msgs {
		out = append(out, m.Files...)
	}
	return out
}

func TestDownload(t *testing.T) {
	r := newReader(t)
	log := []byte(strings.Repeat("12:00 error rate 5%\n", 100))
	if _, err := r.emu.UploadAsUser(r.users[0].ID, r.ch.ID, "errors.log", log, "from the pager"); err != nil {
		t.Fatal(err)
	}
	draft := []byte("# Postmortem\n")
	if _, err := r.bot.Upload(ctxFor(t), r.ch.ID, "", "draft.md", draft, ""); err != nil {
		t.Fatal(err)
	}
	files := filesOf(t, r)
	if len(files) != 2 {
		t.Fatalf("files = %+v, want errors.log and draft.md", files)
	}
	userFile, botFile := files[0], files[1]
	lying := userFile
	lying.Size = 10 // a wrong size in the metadata must not get past the limit
	tests := []struct {
		name    string
		file    bot.File
		limit   int64
		want    []byte
		wantErr error
	}{
		{name: "a user's file", file: userFile, limit: 1 << 20, want: log},
		{name: "exactly the limit", file: userFile, limit: int64(len(log)), want: log},
		{name: "the bot's own upload", file: botFile, limit: 1 << 20, want: draft},
		{name: "over the limit", file: userFile, limit: 100, wantErr: bot.ErrFileTooLarge},
		{name: "over the limit, size understated", file: lying, limit: 100, wantErr: bot.ErrFileTooLarge},
	}
	for _, tt := range tests {
		got, err := r.bot.Download(ctxFor(t), tt.file, tt.limit)
		if !errors.Is(err, tt.wantErr) || string(got) != string(tt.want) {
			t.Errorf("%s: Download() = %d bytes, %v, want %d bytes, error %v", tt.name, len(got), err, len(tt.want), tt.wantErr)
		}
	}
}

func TestDownloadWithoutFilesRead(t *testing.T) {
	r := newReader(t, slackemu.WithScopes(without(slackemu.DefaultScopes(), "files:read")...))
	if _, err := r.emu.UploadAsUser(r.users[0].ID, r.ch.ID, "graph.png", []byte("\x89PNG"), ""); err != nil {
		t.Fatal(err)
	}
	files := filesOf(t, r)
	got, err := r.bot.Download(ctxFor(t), files[0], 1<<20)
	if err == nil || !strings.Contains(err.Error(), "sign-in") || got != nil {
		t.Errorf("Download() = %q, %v, want an error about the sign-in page, not the page", got, err)
	}
}

// TestEachScopeIsNeeded removes each scope the reading and sharing methods need and
// expects the bot to report it.
func TestEachScopeIsNeeded(t *testing.T) {
	tests := []struct {
		scope string
		do    func(t *testing.T, r reader) error
		want  string
	}{
		{"channels:history", func(t *testing.T, r reader) error { _, err := r.bot.History(t.Context(), r.ch.ID, "", nil); return err }, "missing_scope"},
		{"groups:history", func(t *testing.T, r reader) error {
			leads := r.emu.AddPrivateChannel("leads", r.users[0].ID, r.emu.App().BotUserID)
			_, err := r.bot.History(t.Context(), leads.ID, "", nil)
			return err
		}, "missing_scope"},
		{"users:read", func(t *testing.T, r reader) error { _, err := r.bot.UserName(t.Context(), r.users[0].ID); return err }, "missing_scope"},
		{"files:write", func(t *testing.T, r reader) error {
			_, err := r.bot.Upload(t.Context(), r.ch.ID, "", "a.txt", []byte("a"), "")
			return err
		}, "missing_scope"},
		{"files:read", func(t *testing.T, r reader) error {
			if _, err := r.emu.UploadAsUser(r.users[0].ID, r.ch.ID, "a.txt", []byte("a"), ""); err != nil {
				return err
			}
			_, err := r.bot.Download(t.Context(), filesOf(t, r)[0], 10)
			return err
		}, "sign-in page"},
	}
	for _, tt := range tests {
		t.Run(tt.scope, func(t *testing.T) {
			r := newReader(t, slackemu.WithScopes(without(slackemu.DefaultScopes(), tt.scope)...))
			if err := tt.do(t, r); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("without %s: error %v, want %q", tt.scope, err, tt.want)
			}
		})
	}
}

// TestFileShareReachesHandler checks that a user's file_share message reaches the handler
// with its files, as dispatch delivers it.
func TestFileShareReachesHandler(t *testing.T) {
	e := start(t)
	ts, err := e.emu.UploadAsUser(e.user.ID, e.ch.ID, "timeline.txt", []byte("09:00 paged\n"), "timeline so far")
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for e.h.calls.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	e.h.mu.Lock()
	defer e.h.mu.Unlock()
	if len(e.h.messages) != 1 {
		t.Fatalf("handler saw %d messages, want the file_share", len(e.h.messages))
	}
	m := e.h.messages[0]
	if m.TS != ts || m.Text != "timeline so far" || len(m.Files) != 1 || m.Files[0].Name != "timeline.txt" || m.Files[0].Size != 12 || m.Files[0].URL == "" {
		t.Errorf("handler saw %+v, want the message with timeline.txt", m)
	}
}

func without(list []string, drop string) []string {
	return slices.DeleteFunc(slices.Clone(list), func(s string) bool { return s == drop })
}
