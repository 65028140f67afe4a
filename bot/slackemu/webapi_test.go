package slackemu

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"
)

// workspace is a server with one user and three channels: ops (bot and ana), random
// (ana only) and secret (private, ana only).
type workspace struct {
	s                   *Server
	api                 *slack.Client
	ana                 User
	ops, random, secret Channel
}

func newWorkspace(t *testing.T, opts ...Option) workspace {
	s := newServer(t, opts...)
	w := workspace{s: s, api: newAPI(t, s), ana: s.AddUser("ana", "Ana Lima")}
	w.ops = s.AddChannel("ops", s.App().BotUserID, w.ana.ID)
	w.random = s.AddChannel("random", w.ana.ID)
	w.secret = s.AddPrivateChannel("secret", w.ana.ID)
	return w
}

func TestAuthTest(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	res, err := w.api.AuthTestContext(ctxT(t))
	if err != nil {
		t.Fatalf("AuthTest() = %v", err)
	}
	got := []string{res.TeamID, res.Team, res.UserID, res.User, res.BotID, res.URL}
	want := []string{"T0TACOMA", "tacoma-dev", w.s.App().BotUserID, "tacoma", w.s.App().BotID, "https://tacoma-dev.slack.com/"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("AuthTest() (-want +got):\n%s", diff)
	}
	if got, want := res.Header.Get("X-OAuth-Scopes"), strings.Join(DefaultScopes(), ","); got != want {
		t.Errorf("X-OAuth-Scopes = %q, want %q", got, want)
	}
}

// TestErrorCodes checks each error the methods answer, through slack-go.
func TestErrorCodes(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	_, mine, err := w.api.PostMessageContext(ctxT(t), w.ops.ID, slack.MsgOptionText("mine", false))
	if err != nil {
		t.Fatalf("PostMessage() = %v", err)
	}
	theirs, _ := w.s.Post(w.ana.ID, w.ops.ID, "theirs")
	text := func(s string) slack.MsgOption { return slack.MsgOptionText(s, false) }
	tests := []struct {
		name string
		call func(*slack.Client) error
		want string
	}{
		{"post unknown channel", func(c *slack.Client) error { _, _, err := c.PostMessage("C404", text("x")); return err }, "channel_not_found"},
		{"post public, not a member", func(c *slack.Client) error { _, _, err := c.PostMessage(w.random.ID, text("x")); return err }, "not_in_channel"},
		{"post private, not a member", func(c *slack.Client) error { _, _, err := c.PostMessage(w.secret.ID, text("x")); return err }, "channel_not_found"},
		{"post nothing", func(c *slack.Client) error { _, _, err := c.PostMessage(w.ops.ID); return err }, "no_text"},
		{"post by name", func(c *slack.Client) error { _, _, err := c.PostMessage("#ops", text("x")); return err }, ""},
		{"post bad thread", func(c *slack.Client) error {
			_, _, err := c.PostMessage(w.ops.ID, text("x"), slack.MsgOptionTS("1.000002"))
			return err
		}, "cannot_reply_to_message"},
		{"ephemeral to non-member", func(c *slack.Client) error {
			_, err := c.PostEphemeral(w.ops.ID, "U404", text("x"))
			return err
		}, "user_not_in_channel"},
		{"ephemeral bot not member", func(c *slack.Client) error {
			_, err := c.PostEphemeral(w.random.ID, w.ana.ID, text("x"))
			return err
		}, "not_in_channel"},
		{"ephemeral", func(c *slack.Client) error { _, err := c.PostEphemeral(w.ops.ID, w.ana.ID, text("psst")); return err }, ""},
		{"update unknown ts", func(c *slack.Client) error {
			_, _, _, err := c.UpdateMessage(w.ops.ID, "1.000003", text("x"))
			return err
		}, "message_not_found"},
		{"update a user's message", func(c *slack.Client) error {
			_, _, _, err := c.UpdateMessage(w.ops.ID, theirs, text("x"))
			return err
		}, "cant_update_message"},
		{"update too long", func(c *slack.Client) error {
			_, _, _, err := c.UpdateMessage(w.ops.ID, mine, text(strings.Repeat("a", 4001)))
			return err
		}, "msg_too_long"},
		{"update 4000", func(c *slack.Client) error {
			_, _, _, err := c.UpdateMessage(w.ops.ID, mine, text(strings.Repeat("a", 4000)))
			return err
		}, ""},
		{"update nothing", func(c *slack.Client) error { _, _, _, err := c.UpdateMessage(w.ops.ID, mine); return err }, "no_text"},
		{"info private, not a member", func(c *slack.Client) error {
			_, err := c.GetConversationInfo(&slack.GetConversationInfoInput{ChannelID: w.secret.ID})
			return err
		}, "channel_not_found"},
		{"info public, not a member", func(c *slack.Client) error {
			_, err := c.GetConversationInfo(&slack.GetConversationInfoInput{ChannelID: w.random.ID})
			return err
		}, ""},
		{"history not a member", func(c *slack.Client) error {
			_, err := c.GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: w.random.ID})
			return err
		}, "not_in_channel"},
		{"history bad cursor", func(c *slack.Client) error {
			_, err := c.GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: w.ops.ID, Cursor: "nope"})
			return err
		}, "invalid_cursor"},
		{"history bad latest", func(c *slack.Client) error {
			_, err := c.GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: w.ops.ID, Latest: "now"})
			return err
		}, "invalid_ts_latest"},
		{"replies unknown thread", func(c *slack.Client) error {
			_, _, _, err := c.GetConversationReplies(&slack.GetConversationRepliesParameters{ChannelID: w.ops.ID, Timestamp: "1.000004"})
			return err
		}, "thread_not_found"},
		{"join private", func(c *slack.Client) error { _, _, _, err := c.JoinConversation(w.secret.ID); return err }, "channel_not_found"},
		{"join unknown", func(c *slack.Client) error { _, _, _, err := c.JoinConversation("C404"); return err }, "channel_not_found"},
	}
	for _, tt := range tests {
		if got := slackErr(tt.call(w.api)); got != tt.want {
			t.Errorf("%s: error = %q, want %q", tt.name, got, tt.want)
		}
	}
	if eph := w.s.Ephemerals(w.ops.ID); len(eph) != 1 || eph[0].ToUser != w.ana.ID || !eph[0].Ephemeral {
		t.Errorf("Ephemerals() = %+v, want one for ana", eph)
	}
}

func TestMissingScope(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t, WithScopes("channels:read", "users:read"))
	tests := []struct {
		name   string
		call   func() error
		needed string
	}{
		{"postMessage", func() error { _, _, err := w.api.PostMessage(w.ops.ID, slack.MsgOptionText("x", false)); return err }, "chat:write"},
		{"history", func() error {
			_, err := w.api.GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: w.ops.ID})
			return err
		}, "channels:history"},
		{"reactions", func() error { return w.api.AddReaction("eyes", slack.NewRefToMessage(w.ops.ID, "1.1")) }, "reactions:write"},
	}
	for _, tt := range tests {
		var e slack.SlackErrorResponse
		if err := tt.call(); !errors.As(err, &e) || e.Err != "missing_scope" || e.Needed != tt.needed || e.Provided != "channels:read,users:read" {
			t.Errorf("%s: error = %#v, want missing_scope needed %q provided channels:read,users:read", tt.name, err, tt.needed)
		}
	}
}

func TestTokenTypes(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	app := s.App()
	tests := []struct {
		name, token, want string
	}{
		{"bot token", app.BotToken, ""},
		{"app token on a bot method", app.AppToken, "not_allowed_token_type"},
		{"unknown token", "xoxb-0-0-nope", "invalid_auth"},
		{"no token", "", "not_authed"},
	}
	for _, tt := range tests {
		api := newAPIWithToken(t, s, tt.token)
		if _, err := api.AuthTest(); slackErr(err) != tt.want {
			t.Errorf("%s: AuthTest() = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestJSONBodyWithBearer(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	body := `{"channel":"` + w.ops.ID + `","text":"from json","blocks":[{"type":"divider"}]}`
	got := rawCall(t, w.s, "chat.postMessage", "application/json", body, "Bearer "+w.s.App().BotToken)
	if got["ok"] != true {
		t.Fatalf("chat.postMessage with a JSON body = %v", got)
	}
	got = rawCall(t, w.s, "chat.postMessage", "application/json", body, "")
	if got["error"] != "not_authed" {
		t.Errorf("JSON body without Authorization = %v, want not_authed", got)
	}
	form := url.Values{"token": {w.s.App().BotToken}, "channel": {w.ops.ID}, "text": {"x"}}.Encode()
	got = rawCall(t, w.s, "chat.postMessage", "text/csv", form, "")
	if got["error"] != "invalid_post_type" {
		t.Errorf("text/csv body = %v, want invalid_post_type", got)
	}
}

func rawCall(t *testing.T, s *Server, method, contentType, body, auth string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.APIURL()+method, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	res, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", method, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("POST %s: body %q: %v", method, b, err)
	}
	return out
}

func TestUnknownMethod(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var seen []string
	s := newServer(t, WithOnUnknown(func(m string) { mu.Lock(); seen = append(seen, m); mu.Unlock() }))
	api := newAPI(t, s)
	_, _, err := api.DeleteMessage("C1", "1.1")
	if got := slackErr(err); got != "unknown_method" {
		t.Errorf("DeleteMessage() = %q, want unknown_method", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if !cmp.Equal(seen, []string{"chat.delete"}) || s.Calls("chat.delete") != 1 {
		t.Errorf("OnUnknown saw %v (calls %d), want [chat.delete]", seen, s.Calls("chat.delete"))
	}
}

func TestRateLimits(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t, WithRateLimits(map[string]Limit{"chat.postMessage": {PerMinute: 60, Burst: 2}}))
	post := func(ch string) error {
		_, _, err := w.api.PostMessage(ch, slack.MsgOptionText("x", false))
		return err
	}
	for i := range 2 {
		if err := post(w.ops.ID); err != nil {
			t.Fatalf("post %d = %v", i, err)
		}
	}
	var rl *slack.RateLimitedError
	if err := post(w.ops.ID); !errors.As(err, &rl) || rl.RetryAfter != time.Second {
		t.Errorf("third post = %v, want *slack.RateLimitedError with RetryAfter 1s", err)
	}
	// The limit is per channel.
	other := w.s.AddChannel("other", w.s.App().BotUserID)
	if err := post(other.ID); err != nil {
		t.Errorf("post to another channel = %v, want nil", err)
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t)
	w.s.RateLimitNext("auth.test", 2, 2500*time.Millisecond)
	w.s.FailNextHTTP("auth.test", http.StatusServiceUnavailable)
	w.s.FailNext("auth.test", "account_inactive")

	var rl *slack.RateLimitedError
	for range 2 {
		if _, err := w.api.AuthTest(); !errors.As(err, &rl) || rl.RetryAfter != 3*time.Second {
			t.Errorf("AuthTest() = %v, want RateLimitedError with RetryAfter 3s", err)
		}
	}
	var sc slack.StatusCodeError
	if _, err := w.api.AuthTest(); !errors.As(err, &sc) || sc.Code != http.StatusServiceUnavailable {
		t.Errorf("AuthTest() = %v, want StatusCodeError 503", err)
	}
	if _, err := w.api.AuthTest(); slackErr(err) != "account_inactive" {
		t.Errorf("AuthTest() = %v, want account_inactive", err)
	}
	if _, err := w.api.AuthTest(); err != nil {
		t.Errorf("AuthTest() after the faults = %v, want nil", err)
	}
	if n := w.s.Calls("auth.test"); n != 5 {
		t.Errorf("Calls(auth.test) = %d, want 5", n)
	}
}
