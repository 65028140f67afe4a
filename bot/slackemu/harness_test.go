package slackemu

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
	"go.uber.org/goleak"
	"go.uber.org/zap/zaptest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// Test timings: short enough to keep the suite fast, long enough for -race.
const (
	testAck  = 300 * time.Millisecond
	testPing = 100 * time.Millisecond
	waitLong = 10 * time.Second
)

// newServer starts an emulator with test timings; unknown methods fail the test.
func newServer(t *testing.T, opts ...Option) *Server {
	t.Helper()
	base := []Option{
		WithLogger(zaptest.NewLogger(t)),
		WithAckTimeout(testAck),
		WithRetrySchedule(testAck, testAck, testAck),
		WithPingInterval(testPing),
		WithOnUnknown(func(m string) { t.Errorf("unknown Slack method %s", m) }),
	}
	s := New(append(base, opts...)...)
	if err := s.Start(); err != nil {
		t.Fatalf("Start() = %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
	})
	return s
}

// newAPI returns the real slack-go client pointed at s, with its own transport so that
// its idle connections close with the test.
func newAPI(t *testing.T, s *Server, opts ...slack.Option) *slack.Client {
	t.Helper()
	return newAPIWithToken(t, s, s.App().BotToken, opts...)
}

// newAPIWithToken is newAPI with another bot token.
func newAPIWithToken(t *testing.T, s *Server, botToken string, opts ...slack.Option) *slack.Client {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	base := []slack.Option{
		slack.OptionAppLevelToken(s.App().AppToken),
		slack.OptionAPIURL(s.APIURL()),
		slack.OptionHTTPClient(&http.Client{Transport: tr, Timeout: waitLong}),
	}
	return slack.New(botToken, append(base, opts...)...)
}

// bot is a running socketmode client, as the real bot runs it.
type bot struct {
	t      *testing.T
	api    *slack.Client
	sm     *socketmode.Client
	cancel context.CancelFunc
	done   chan error
}

// startBot connects a socketmode client to s. stop (also run at cleanup) cancels it
// and waits for RunContext to return.
func startBot(t *testing.T, s *Server) *bot {
	t.Helper()
	api := newAPI(t, s)
	sm := socketmode.New(api,
		socketmode.OptionPingInterval(time.Second),
		socketmode.OptionLog(log.New(io.Discard, "", 0)),
	)
	ctx, cancel := context.WithCancel(context.Background())
	b := &bot{t: t, api: api, sm: sm, cancel: cancel, done: make(chan error, 1)}
	go func() { b.done <- sm.RunContext(ctx) }()
	t.Cleanup(b.stop)
	return b
}

func (b *bot) stop() {
	b.cancel()
	select {
	case err := <-b.done:
		if err != nil && !errors.Is(err, context.Canceled) {
			b.t.Errorf("RunContext() = %v, want context.Canceled", err)
		}
		b.done <- err // let a second stop return too
	case <-time.After(waitLong):
		b.t.Errorf("RunContext did not return after cancel")
	}
}

// next returns the next event of type typ, skipping connection housekeeping events.
func (b *bot) next(typ socketmode.EventType) socketmode.Event {
	b.t.Helper()
	timeout := time.After(waitLong)
	for {
		select {
		case ev := <-b.sm.Events:
			if ev.Type == typ {
				return ev
			}
			switch ev.Type {
			case socketmode.EventTypeConnecting, socketmode.EventTypeConnected, socketmode.EventTypeHello,
				socketmode.EventTypeConnectionError, socketmode.EventTypeIncomingError:
				continue
			}
			b.t.Fatalf("event %s while waiting for %s: %+v", ev.Type, typ, ev.Data)
		case <-timeout:
			b.t.Fatalf("no %s event within %s", typ, waitLong)
		}
	}
}

// nextRaw returns the next event of any type.
func (b *bot) nextRaw() socketmode.Event {
	b.t.Helper()
	select {
	case ev := <-b.sm.Events:
		return ev
	case <-time.After(waitLong):
		b.t.Fatalf("no event within %s", waitLong)
		return socketmode.Event{}
	}
}

func (b *bot) ack(ev socketmode.Event, payload ...any) {
	b.t.Helper()
	if err := b.sm.Ack(*ev.Request, payload...); err != nil {
		b.t.Fatalf("Ack() = %v", err)
	}
}

// waitConnected waits until s has n connections.
func waitConnected(t *testing.T, s *Server, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	defer cancel()
	if err := s.WaitConnections(ctx, n); err != nil {
		t.Fatalf("WaitConnections(%d) = %v", n, err)
	}
}

// slackErr returns the Slack error code of err, or "" if it is not a Slack error.
func slackErr(err error) string {
	var e slack.SlackErrorResponse
	if errors.As(err, &e) {
		return e.Err
	}
	return ""
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	t.Cleanup(cancel)
	return ctx
}
