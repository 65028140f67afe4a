package slackemu

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

func TestAt(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	other := w.s.AddChannel("other", w.ana.ID)
	base := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		channel string
		at      time.Time
		thread  bool // reply in the thread of the first message
		wantTS  string
		wantErr string
	}{
		{name: "first", channel: w.ops.ID, at: base, wantTS: "1772355600.000000"},
		{name: "an hour later", channel: w.ops.ID, at: base.Add(time.Hour), wantTS: "1772359200.000000"},
		{name: "a reply between is out of order", channel: w.ops.ID, at: base.Add(time.Minute), thread: true, wantErr: "not after the latest message in #ops"},
		{name: "the same ts again", channel: w.ops.ID, at: base.Add(time.Hour), wantErr: "not after the latest message"},
		{name: "reply later", channel: w.ops.ID, at: base.Add(time.Hour + time.Microsecond), thread: true, wantTS: "1772359200.000001"},
		{name: "another channel is not constrained", channel: other.ID, at: base.Add(-time.Hour), wantTS: "1772352000.000000"},
	}
	var first string
	for _, tt := range tests {
		var opts []PostOption
		if tt.thread {
			opts = append(opts, InThread(first))
		}
		ts, err := w.s.Post(w.ana.ID, tt.channel, tt.name, append(opts, At(tt.at))...)
		if first == "" {
			first = ts
		}
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: Post() = %q, %v, want error %q", tt.name, ts, err, tt.wantErr)
			}
			continue
		}
		if err != nil || ts != tt.wantTS {
			t.Errorf("%s: Post() = %q, %v, want %q", tt.name, ts, err, tt.wantTS)
		}
	}
	// Scripted history is in the past; a message posted now comes after it, and a message
	// scripted in the future pushes later messages after it.
	now, _ := w.s.Post(w.ana.ID, w.ops.ID, "now")
	future, err := w.s.Post(w.ana.ID, w.ops.ID, "tomorrow", At(time.Now().Add(24*time.Hour)))
	if err != nil {
		t.Fatalf("Post(At tomorrow) = %v", err)
	}
	after, _ := w.s.Post(w.ana.ID, w.ops.ID, "after")
	var got []string
	for _, m := range w.s.Messages(w.ops.ID) {
		got = append(got, m.TS)
	}
	if want := []string{"1772355600.000000", "1772359200.000000", now, future, after}; !cmp.Equal(got, want) || !tsBefore(now, future) || !tsBefore(future, after) {
		t.Errorf("Messages() ts = %v, want %v, increasing", got, want)
	}
	if r := w.s.Replies(w.ops.ID, first); len(r) != 1 || r[0].TS != "1772359200.000001" {
		t.Errorf("Replies() = %+v, want the reply scripted at 10:00:00.000001", r)
	}
}

func tsBefore(a, b string) bool {
	x, _ := parseTS(a)
	y, _ := parseTS(b)
	return x < y
}

func TestUploadAsUser(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	b := startBot(t, w.s)
	waitConnected(t, w.s, 1)
	content := []byte("p99 latency 4s\n")
	ts, err := w.s.UploadAsUser(w.ana.ID, w.ops.ID, "latency.txt", content, "graph from grafana")
	if err != nil {
		t.Fatalf("UploadAsUser() = %v", err)
	}
	ev := b.next(socketmode.EventTypeEventsAPI)
	b.ack(ev)
	msg := ev.Data.(slackevents.EventsAPIEvent).InnerEvent.Data.(*slackevents.MessageEvent)
	if msg.SubType != "file_share" || msg.User != w.ana.ID || msg.Text != "graph from grafana" || msg.Message == nil || len(msg.Message.Files) != 1 {
		t.Fatalf("event = %+v, want a file_share message from ana with one file", msg)
	}
	res, err := w.api.GetConversationHistoryContext(ctxT(t), &slack.GetConversationHistoryParameters{ChannelID: w.ops.ID})
	if err != nil || len(res.Messages) != 1 || len(res.Messages[0].Files) != 1 {
		t.Fatalf("GetConversationHistory() = %+v, %v, want the file_share message", res, err)
	}
	f := res.Messages[0].Files[0]
	got := []any{res.Messages[0].Timestamp, res.Messages[0].SubType, res.Messages[0].Upload, f.Name, f.Title, f.Mimetype, f.Filetype, f.User, f.Size, f.ID == msg.Message.Files[0].ID, f.URLPrivateDownload == f.URLPrivate+"?download=1"}
	want := []any{ts, "file_share", true, "latency.txt", "latency.txt", "text/plain", "text", w.ana.ID, len(content), true, true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("shared file (-want +got):\n%s", diff)
	}
	var buf bytes.Buffer
	if err := w.api.GetFileContext(ctxT(t), f.URLPrivate, &buf); err != nil || buf.String() != string(content) {
		t.Errorf("GetFile(url_private) = %q, %v, want the content", buf.String(), err)
	}
	if _, err := w.s.UploadAsUser(w.ana.ID, w.ops.ID, "empty.txt", nil, ""); err == nil {
		t.Error("UploadAsUser(empty file) = nil error, want one: Slack has no empty files")
	}
}

// TestFileDownload requests url_private as a client that does not follow redirects, to
// see what Slack answers each kind of request.
func TestFileDownload(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	noRead := newWorkspace(t, WithScopes(without(DefaultScopes(), "files:read")...))
	hidden := w.s.AddPrivateChannel("hidden", w.ana.ID)
	content := []byte("timeline\n")
	fileURL := func(s *Server, channelID string) string {
		t.Helper()
		ts, err := s.UploadAsUser(w.ana.ID, channelID, "notes.md", content, "")
		if err != nil {
			t.Fatalf("UploadAsUser() = %v", err)
		}
		for _, m := range s.Messages(channelID) {
			if m.TS == ts {
				return s.fileURL(&File{ID: m.Files[0].ID, Name: m.Files[0].Name})
			}
		}
		t.Fatalf("no message %s", ts)
		return ""
	}
	inOps, inRandom, inHidden, unreadable := fileURL(w.s, w.ops.ID), fileURL(w.s, w.random.ID), fileURL(w.s, hidden.ID), fileURL(noRead.s, noRead.ops.ID)
	bearer := "Bearer " + w.s.App().BotToken
	signIn := func(fileURL string) string {
		u, _ := url.Parse(fileURL)
		return "302 /?redir=" + url.QueryEscape(u.Path)
	}
	tests := []struct {
		name string
		url  string
		auth string
		want string // status, then the body and type, or where it redirects
	}{
		{name: "bot token", url: inOps, auth: bearer, want: "200 text/markdown timeline\n"},
		{name: "public channel without the bot", url: inRandom, auth: bearer, want: "200 text/markdown timeline\n"},
		{name: "download link", url: inOps + "?download=1", auth: bearer, want: "200 text/markdown timeline\n"},
		{name: "no token", url: inOps, want: signIn(inOps)},
		{name: "wrong token", url: inOps, auth: "Bearer xoxb-1-2-3", want: signIn(inOps)},
		{name: "app-level token", url: inOps, auth: "Bearer " + w.s.App().AppToken, want: signIn(inOps)},
		{name: "private channel without the bot", url: inHidden, auth: bearer, want: signIn(inHidden)},
		{name: "without files:read", url: unreadable, auth: "Bearer " + noRead.s.App().BotToken, want: signIn(unreadable)},
		{name: "unknown file", url: strings.Replace(inOps, "-F", "-F9", 1), auth: bearer, want: "404"},
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	defer client.CloseIdleConnections()
	for _, tt := range tests {
		req, _ := http.NewRequestWithContext(ctxT(t), http.MethodGet, tt.url, nil)
		if tt.auth != "" {
			req.Header.Set("Authorization", tt.auth)
		}
		if got := fetch(t, client, req); got != tt.want {
			t.Errorf("%s: GET = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// fetch sums up an answer: "200 <type> <body>", "302 <location>" or the status alone.
func fetch(t *testing.T, client *http.Client, req *http.Request) string {
	t.Helper()
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s = %v", req.URL, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	switch res.StatusCode {
	case http.StatusOK:
		return "200 " + res.Header.Get("Content-Type") + " " + string(body)
	case http.StatusFound:
		return "302 " + res.Header.Get("Location")
	}
	return strconv.Itoa(res.StatusCode)
}

// TestFileDownloadThroughSlackGo checks the emulator against slack-go's GetFile, which
// follows the redirect and recognises the sign-in page.
func TestFileDownloadThroughSlackGo(t *testing.T) {
	t.Parallel()
	const draft = "postmortem draft\n"
	tests := []struct {
		name    string
		scopes  []string
		want    string
		wantErr string
	}{
		{name: "own upload", scopes: DefaultScopes(), want: draft},
		{name: "without files:read", scopes: without(DefaultScopes(), "files:read"), wantErr: "redirected to the sign-in page"},
	}
	for _, tt := range tests {
		w := newWorkspace(t, WithScopes(tt.scopes...))
		f, err := w.api.UploadFileContext(ctxT(t), slack.UploadFileParameters{
			Filename: "draft.md", FileSize: len(draft), Content: draft, Channel: w.ops.ID,
		})
		if err != nil {
			t.Fatalf("%s: UploadFile() = %v", tt.name, err)
		}
		var buf bytes.Buffer
		err = w.api.GetFileContext(ctxT(t), w.s.fileURL(&File{ID: f.ID, Name: "draft.md"}), &buf)
		if buf.String() != tt.want || errText(err) != tt.wantErr {
			t.Errorf("%s: GetFile() = %q, %v, want %q, error containing %q", tt.name, buf.String(), err, tt.want, tt.wantErr)
		}
	}
}

// errText returns the part of err's text a test looks for, or "" for nil.
func errText(err error) string {
	if err == nil {
		return ""
	}
	if strings.Contains(err.Error(), "redirected to the sign-in page") {
		return "redirected to the sign-in page"
	}
	return err.Error()
}

func TestDisplayName(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	if err := w.s.SetDisplayName(w.ana.ID, "ana-oncall"); err != nil {
		t.Fatalf("SetDisplayName() = %v", err)
	}
	bo := w.s.AddUser("bo", "")
	tests := []struct {
		give, wantReal, wantDisplay string
	}{
		{give: w.ana.ID, wantReal: "Ana Lima", wantDisplay: "ana-oncall"},
		{give: bo.ID, wantReal: "", wantDisplay: ""},
	}
	for _, tt := range tests {
		u, err := w.api.GetUserInfoContext(ctxT(t), tt.give)
		if err != nil || u.RealName != tt.wantReal || u.Profile.DisplayName != tt.wantDisplay {
			t.Errorf("GetUserInfo(%s) = %+v, %v, want real %q display %q", tt.give, u, err, tt.wantReal, tt.wantDisplay)
		}
	}
	if err := w.s.SetDisplayName("U404", "x"); err == nil {
		t.Error("SetDisplayName(unknown) = nil, want an error")
	}
}

func without(list []string, drop string) []string {
	var out []string
	for _, s := range list {
		if s != drop {
			out = append(out, s)
		}
	}
	return out
}
