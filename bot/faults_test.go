package bot_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"

	"github.com/tacoma-bot/tacoma/bot"
	"github.com/tacoma-bot/tacoma/bot/slackemu"
)

// Fault-test timings: the bot's ping watchdog (and so its hello wait) and its Web API timeout
// are short so that every recovery happens within a couple of seconds.
const (
	faultPing       = time.Second
	faultAPITimeout = 500 * time.Millisecond
	faultWait       = 15 * time.Second
)

// logLine is a line the bot must log, n times, for the faults of a scenario.
type logLine struct {
	level zapcore.Level
	msg   string
	n     int
}

// faultEnv is the real bot, with an echo handler, against an emulator, its log observed.
type faultEnv struct {
	env
	logs *observer.ObservedLogs
}

// slow is the echo handler made slow, as a handler that searches a large index is.
type slow struct {
	*echo
	delay time.Duration
}

func (s slow) HandleMessage(ctx context.Context, m bot.Message) (*bot.Reply, error) {
	select {
	case <-time.After(s.delay):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return s.echo.HandleMessage(ctx, m)
}

// startFaulty runs the bot against a fresh emulator until the test ends; it does not wait for
// a connection, so that faults can be injected before the first one.
// setup, if set, runs before the bot starts. stop cancels Run and returns its error.
func startFaulty(t *testing.T, delay time.Duration, setup func(*slackemu.Server)) (faultEnv, func() error) {
	t.Helper()
	emu := slackemu.New(
		slackemu.WithLogger(zaptest.NewLogger(t, zaptest.Level(zap.InfoLevel)).Named("emu")),
		slackemu.WithOnUnknown(func(m string) { t.Errorf("bot called unknown method %s", m) }),
		slackemu.WithPingInterval(200*time.Millisecond),
		slackemu.WithAckTimeout(300*time.Millisecond),
		slackemu.WithRetrySchedule(300*time.Millisecond, 300*time.Millisecond, 300*time.Millisecond),
	)
	if err := emu.Start(); err != nil {
		t.Fatal(err)
	}
	app := emu.App()
	user := emu.AddUser("alice", "Alice Responder")
	ch := emu.AddChannel("inc-1", user.ID, app.BotUserID)
	if setup != nil {
		setup(emu)
	}
	h := &echo{}
	var handler bot.Handler = h
	if delay > 0 {
		handler = slow{echo: h, delay: delay}
	}
	core, logs := observer.New(zapcore.DebugLevel)
	log := zap.New(zapcore.NewTee(core, zaptest.NewLogger(t, zaptest.Level(zap.InfoLevel)).Core())).Named("bot")
	b, err := bot.New(bot.Config{
		AppToken: bot.Secret(app.AppToken), BotToken: bot.Secret(app.BotToken), APIURL: emu.APIURL(),
		Workers: 1, PingInterval: faultPing, APITimeout: faultAPITimeout,
	}, handler, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	stop := func() error {
		cancel()
		err := <-done
		done <- err
		return err
	}
	t.Cleanup(func() {
		_ = stop()
		emu.Close()
	})
	return faultEnv{env: env{emu: emu, app: app, user: user, ch: ch, h: h}, logs: logs}, stop
}

// recovered waits until the bot opened at least opens connections and one is up.
func (e faultEnv) recovered(t *testing.T, opens int) {
	t.Helper()
	deadline := time.Now().Add(faultWait)
	for e.emu.Calls("apps.connections.open") < opens || e.emu.Connections() == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("bot did not recover: %d apps.connections.open calls, %d connections; want %d calls and a connection",
				e.emu.Calls("apps.connections.open"), e.emu.Connections(), opens)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// lines counts the bot's log lines with msg at level.
func (e faultEnv) lines(level zapcore.Level, msg string) int {
	return e.logs.FilterMessage(msg).FilterLevelExact(level).Len()
}

// warnings lists the messages of the bot's lines at warn level or above.
func (e faultEnv) warnings() []string {
	var out []string
	for _, l := range e.logs.All() {
		if l.Level >= zapcore.WarnLevel {
			out = append(out, l.Message)
		}
	}
	return out
}

// stream is what users did around a fault: messages, and commands and clicks with whether
// Slack could dispatch them.
type stream struct {
	threads []string // ts of each message the bot must answer
	calls   []*slackemu.CommandCall
}

// message posts a message that asks for an answer.
func (s *stream) message(t *testing.T, e faultEnv, text string) string {
	t.Helper()
	ts, err := e.emu.Post(e.user.ID, e.ch.ID, "help "+text)
	if err != nil {
		t.Fatalf("Post(%q) = %v", text, err)
	}
	s.threads = append(s.threads, ts)
	return ts
}

// command types a slash command. Without a connection Slack cannot dispatch it (the user sees
// dispatch_failed), so there is nothing to answer.
func (s *stream) command(t *testing.T, e faultEnv, text string) {
	t.Helper()
	call, err := e.emu.Command(e.user.ID, e.ch.ID, "/tacoma", text)
	switch {
	case errors.Is(err, slackemu.ErrNoConnection):
		return
	case err != nil:
		t.Fatalf("Command(%q) = %v", text, err)
	}
	s.calls = append(s.calls, call)
}

// click presses the button on the bot's reply in thread.
func (s *stream) click(t *testing.T, e faultEnv, thread string) {
	t.Helper()
	reply := e.waitReplyWithin(t, thread)
	call, err := e.emu.Click(e.user.ID, e.ch.ID, reply.TS, "good", "v1")
	switch {
	case errors.Is(err, slackemu.ErrNoConnection):
		return
	case err != nil:
		t.Fatalf("Click() = %v", err)
	}
	s.calls = append(s.calls, call)
}

func (e faultEnv) waitReplyWithin(t *testing.T, thread string) slackemu.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), faultWait)
	defer cancel()
	m, err := e.emu.WaitMessage(ctx, func(m slackemu.Message) bool { return m.BotID == e.app.BotID && m.ThreadTS == thread })
	if err != nil {
		t.Fatalf("no reply in thread %s: %v", thread, err)
	}
	return m
}

// answered checks that every message got exactly one reply, except those in lost, which got
// none, and that every command or click the bot acked got exactly one response, and none
// got more.
func (s *stream) answered(t *testing.T, e faultEnv, lost map[string]bool) {
	t.Helper()
	for _, ts := range s.threads {
		if lost[ts] {
			continue
		}
		e.waitReplyWithin(t, ts)
	}
	for _, c := range s.calls {
		ctx, cancel := context.WithTimeout(context.Background(), faultWait)
		_, err := c.Wait(ctx)
		cancel()
		if err != nil {
			continue // not acked: Slack told the user it failed, and it is not redelivered
		}
		deadline := time.Now().Add(faultWait)
		for len(c.Responses()) == 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
	}
	time.Sleep(500 * time.Millisecond) // room for a wrong second answer to arrive
	for _, ts := range s.threads {
		want := 1
		if lost[ts] {
			want = 0
		}
		if n := e.repliesBy(ts); n != want {
			t.Errorf("thread %s has %d replies, want %d", ts, n, want)
		}
	}
	for i, c := range s.calls {
		ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
		_, err := c.Wait(ctx)
		cancel()
		want := 1
		if err != nil {
			want = 0
		}
		if n := len(c.Responses()); n > 1 || (err == nil && n != want) {
			t.Errorf("command or click %d: %d responses, want %d (acked: %v)", i, n, want, err == nil)
		}
	}
	if st := e.emu.Envelopes(); st.Unacked != 0 {
		for _, env := range st.Envelopes {
			if !env.Acked && env.Type == "events_api" {
				t.Errorf("event %s (%s) never acked: lost", env.EventID, env.EventType)
			}
		}
	}
}

// checkLog compares the bot's log with the lines a scenario wants, and checks that nothing
// else was logged at warn level or above.
func checkLog(t *testing.T, e faultEnv, want []logLine) {
	t.Helper()
	wantWarn := 0
	for _, l := range want {
		if got := e.lines(l.level, l.msg); got != l.n {
			t.Errorf("log lines %s %q = %d, want %d", l.level, l.msg, got, l.n)
		}
		if l.level >= zapcore.WarnLevel {
			wantWarn += l.n
		}
	}
	if got := e.warnings(); len(got) != wantWarn {
		t.Errorf("warn lines = %q, want %d", got, wantWarn)
	}
	for _, l := range e.logs.All() {
		line := l.Message + fmt.Sprint(l.ContextMap())
		if strings.Contains(line, e.app.BotToken) || strings.Contains(line, e.app.AppToken) {
			t.Errorf("log line %q holds a token", l.Message)
		}
	}
}
