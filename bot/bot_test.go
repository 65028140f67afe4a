package bot_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
	"go.uber.org/zap/zaptest"

	"github.com/tacoma-bot/tacoma/bot"
	"github.com/tacoma-bot/tacoma/bot/slackemu"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// echo is a Handler that answers every message that says "help" and records what it saw.
type echo struct {
	mu       sync.Mutex
	messages []bot.Message
	actions  []bot.Action
	calls    atomic.Int64
}

func (e *echo) HandleMessage(_ context.Context, m bot.Message) (*bot.Reply, error) {
	e.calls.Add(1)
	e.mu.Lock()
	e.messages = append(e.messages, m)
	e.mu.Unlock()
	if !strings.Contains(m.Text, "help") && !m.Mention {
		return nil, nil
	}
	return &bot.Reply{Text: "echo: " + m.Text, Sections: []bot.Section{{
		Header: "Echo", Title: "You said", Link: "https://example.com/x", Text: m.Text,
		Buttons: []bot.Button{{Text: "Helpful", ActionID: "good", Value: "v1"}},
	}}}, nil
}

func (e *echo) HandleCommand(_ context.Context, c bot.Command) (*bot.Reply, error) {
	return &bot.Reply{Text: "cmd: " + c.Text, InChannel: strings.Contains(c.Text, "share")}, nil
}

func (e *echo) HandleAction(_ context.Context, a bot.Action) (*bot.Reply, error) {
	e.mu.Lock()
	e.actions = append(e.actions, a)
	e.mu.Unlock()
	return &bot.Reply{Text: "clicked " + a.Value}, nil
}

type env struct {
	emu  *slackemu.Server
	app  slackemu.App
	user slackemu.User
	ch   slackemu.Channel
	h    *echo
}

// start runs the real bot against a fresh emulator until the test ends.
func start(t *testing.T, opts ...slackemu.Option) env {
	t.Helper()
	opts = append([]slackemu.Option{
		slackemu.WithLogger(zaptest.NewLogger(t).Named("emu")),
		slackemu.WithOnUnknown(func(m string) { t.Errorf("bot called unknown method %s", m) }),
		slackemu.WithPingInterval(200 * time.Millisecond),
		slackemu.WithAckTimeout(300 * time.Millisecond),
		slackemu.WithRetrySchedule(300*time.Millisecond, 300*time.Millisecond, 300*time.Millisecond),
	}, opts...)
	emu := slackemu.New(opts...)
	if err := emu.Start(); err != nil {
		t.Fatal(err)
	}
	app := emu.App()
	user := emu.AddUser("alice", "Alice Responder")
	ch := emu.AddChannel("inc-1", user.ID, app.BotUserID)
	h := &echo{}
	b, err := bot.New(bot.Config{AppToken: bot.Secret(app.AppToken), BotToken: bot.Secret(app.BotToken), APIURL: emu.APIURL(), Workers: 4, PingInterval: 2 * time.Second}, h, zaptest.NewLogger(t).Named("bot"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run() = %v, want nil after cancel", err)
		}
		emu.Close()
	})
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if err := emu.WaitConnections(wctx, 1); err != nil {
		t.Fatalf("bot never connected: %v", err)
	}
	return env{emu: emu, app: app, user: user, ch: ch, h: h}
}

func (e env) waitReply(t *testing.T, threadTS string) slackemu.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := e.emu.WaitMessage(ctx, func(m slackemu.Message) bool { return m.BotID == e.app.BotID && m.ThreadTS == threadTS })
	if err != nil {
		t.Fatalf("no reply in thread %s: %v", threadTS, err)
	}
	return m
}

func (e env) repliesBy(threadTS string) int {
	n := 0
	for _, m := range e.emu.Replies(e.ch.ID, threadTS) {
		if m.BotID == e.app.BotID {
			n++
		}
	}
	return n
}

func TestReplyInThreadWithBlocks(t *testing.T) {
	e := start(t)
	ts, err := e.emu.Post(e.user.ID, e.ch.ID, "help, dns is down")
	if err != nil {
		t.Fatal(err)
	}
	m := e.waitReply(t, ts)
	got, err := bot.BlocksText(m.Blocks)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"== Echo ==", "You said (https://example.com/x)", "help, dns is down", "[Helpful]"} {
		if !strings.Contains(got, want) {
			t.Errorf("reply blocks = %q, want %q", got, want)
		}
	}
	if m.Text != "echo: help, dns is down" {
		t.Errorf("reply text = %q", m.Text)
	}
	seen := e.h.messages[0]
	if seen.ChannelName != "inc-1" || seen.User != e.user.ID || seen.EventID == "" {
		t.Errorf("handler saw %+v, want channel name, user and event id", seen)
	}
}

func TestQuietMessagesAndOwnEchoesGetNoReply(t *testing.T) {
	e := start(t)
	ts, _ := e.emu.Post(e.user.ID, e.ch.ID, "morning all")
	help, _ := e.emu.Post(e.user.ID, e.ch.ID, "help")
	e.waitReply(t, help)
	if n := e.repliesBy(ts); n != 0 {
		t.Errorf("small talk got %d replies", n)
	}
	// The bot's own reply comes back as a message event; it must not reach the handler.
	time.Sleep(200 * time.Millisecond)
	if got := e.h.calls.Load(); got != 2 {
		t.Errorf("handler called %d times, want 2 (the bot's own echo filtered)", got)
	}
}

func TestMentionIsFlagged(t *testing.T) {
	e := start(t)
	ts, _ := e.emu.Post(e.user.ID, e.ch.ID, "<@"+e.app.BotUserID+"> anything?")
	e.waitReply(t, ts)
	time.Sleep(200 * time.Millisecond)
	if got := e.h.calls.Load(); got != 1 {
		t.Errorf("a mention reached the handler %d times, want once (message and app_mention are one message)", got)
	}
	if !e.h.messages[0].Mention {
		t.Error("Mention = false, want true")
	}
}

func TestDisconnectLosesNothing(t *testing.T) {
	e := start(t)
	var threads []string
	for i := range 10 {
		if i == 4 {
			e.emu.Disconnect("refresh_requested")
		}
		if i == 7 {
			e.emu.DropConnections()
		}
		ts, err := e.emu.Post(e.user.ID, e.ch.ID, "help "+string(rune('a'+i)))
		if err != nil {
			t.Fatal(err)
		}
		threads = append(threads, ts)
	}
	for _, ts := range threads {
		e.waitReply(t, ts)
	}
	time.Sleep(500 * time.Millisecond)
	for _, ts := range threads {
		if n := e.repliesBy(ts); n != 1 {
			t.Errorf("thread %s has %d replies, want exactly 1", ts, n)
		}
	}
}

func TestRateLimitDelaysButDoesNotDrop(t *testing.T) {
	e := start(t)
	e.emu.RateLimitNext("chat.postMessage", 3, time.Second)
	start := time.Now()
	ts, _ := e.emu.Post(e.user.ID, e.ch.ID, "help under a 429 burst")
	e.waitReply(t, ts)
	if waited := time.Since(start); waited < 2*time.Second {
		t.Errorf("reply after %s, want the bot to wait out Retry-After (3 x 1s)", waited)
	}
	if n := e.repliesBy(ts); n != 1 {
		t.Errorf("%d replies, want 1", n)
	}
}

func TestSlashCommandAndButton(t *testing.T) {
	e := start(t)
	call, err := e.emu.Command(e.user.ID, e.ch.ID, "/tacoma", "search dns")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := call.Wait(ctx); err != nil {
		t.Fatalf("command not acked: %v", err)
	}
	resp := waitResponse(t, call)
	if resp["text"] != "cmd: search dns" || resp["response_type"] != "ephemeral" {
		t.Errorf("response = %v, want an ephemeral echo", resp)
	}

	ts, _ := e.emu.Post(e.user.ID, e.ch.ID, "help me")
	reply := e.waitReply(t, ts)
	click, err := e.emu.Click(e.user.ID, e.ch.ID, reply.TS, "good", "v1")
	if err != nil {
		t.Fatal(err)
	}
	if got := waitResponse(t, click); got["text"] != "clicked v1" {
		t.Errorf("click response = %v", got)
	}
	e.h.mu.Lock()
	defer e.h.mu.Unlock()
	if len(e.h.actions) != 1 || e.h.actions[0].ThreadTS != ts || e.h.actions[0].User != e.user.ID {
		t.Errorf("actions = %+v, want one click in thread %s by %s", e.h.actions, ts, e.user.ID)
	}
}

func waitResponse(t *testing.T, call *slackemu.CommandCall) map[string]any {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if rs := call.Responses(); len(rs) > 0 {
			var m map[string]any
			if err := json.Unmarshal(rs[0], &m); err != nil {
				t.Fatal(err)
			}
			return m
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("no response_url post")
	return nil
}

func TestBadTokensFailFast(t *testing.T) {
	emu := slackemu.New(slackemu.WithLogger(zaptest.NewLogger(t)))
	if err := emu.Start(); err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	b, err := bot.New(bot.Config{AppToken: "xapp-wrong", BotToken: "xoxb-wrong", APIURL: emu.APIURL(), Workers: 1}, &echo{}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	err = b.Run(t.Context())
	if err == nil || !strings.Contains(err.Error(), "invalid_auth") || strings.Contains(err.Error(), "xoxb-wrong") {
		t.Errorf("Run() = %v, want invalid_auth without the token", err)
	}
}

func TestConfigValidate(t *testing.T) {
	err := bot.Config{AppToken: "xoxb-1", BotToken: "xapp-2", APIURL: "slack.com/api", Workers: 0}.Validate()
	if err == nil {
		t.Fatal("Validate() = nil")
	}
	for _, want := range []string{`SLACK_APP_TOKEN: must start with "xapp-"`, "got a xoxb- token", `SLACK_BOT_TOKEN: must start with "xoxb-"`, "TACOMA_SLACK_API_URL: want an absolute http(s) URL", "slack.workers: want 1 to 256, got 0"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v\nwant %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "xoxb-1") || strings.Contains(err.Error(), "xapp-2") {
		t.Errorf("Validate() leaks a token: %v", err)
	}
	if s := bot.Secret("xoxb-secret"); s.String() != "[redacted]" {
		t.Errorf("Secret.String() = %q", s.String())
	}
}

func TestRedeliveredEnvelopeGetsNoSecondReply(t *testing.T) {
	e := start(t)
	e.emu.LoseAcks(2)
	ts, _ := e.emu.Post(e.user.ID, e.ch.ID, "help, the ack of this one is lost")
	e.waitReply(t, ts)
	deadline := time.Now().Add(5 * time.Second)
	for e.emu.Envelopes().Redelivered == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if e.emu.Envelopes().Redelivered == 0 {
		t.Fatal("the emulator never redelivered; the test proves nothing")
	}
	time.Sleep(700 * time.Millisecond) // room for a wrong second reply to arrive
	if n := e.repliesBy(ts); n != 1 {
		t.Errorf("%d replies after redelivery, want exactly 1", n)
	}
	if got := e.h.calls.Load(); got != 1 {
		t.Errorf("handler called %d times, want once", got)
	}
}
