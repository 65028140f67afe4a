package slackemu

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
)

func TestSkipHello(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	u := s.AddUser("ana", "Ana Lima")
	ch := s.AddChannel("ops", s.App().BotUserID, u.ID)
	s.SkipHello(1)
	rc := dialRaw(t, s)
	if _, err := s.Post(u.ID, ch.ID, "x"); err != nil {
		t.Fatalf("Post() = %v", err)
	}
	if got := rc.read()["type"]; got != "events_api" {
		t.Errorf("first frame type = %v, want events_api (no hello)", got)
	}
	if n := s.Connections(); n != 1 {
		t.Errorf("Connections() = %d, want 1: the link is open, only hello is missing", n)
	}
	second := dialRaw(t, s)
	if got := second.read()["type"]; got != "hello" {
		t.Errorf("next connection's first frame = %v, want hello", got)
	}
}

func TestStopPings(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	startBot(t, s) // its watchdog drops a socket without a PING for 1 s
	waitConnected(t, s, 1)
	s.StopPings()
	waitFor(t, "a reconnect", func() bool { return s.Calls("apps.connections.open") >= 2 && s.Connections() == 1 })
	time.Sleep(2500 * time.Millisecond)
	if n := s.Calls("apps.connections.open"); n != 2 {
		t.Errorf("apps.connections.open calls = %d, want 2: the new connection is pinged", n)
	}
}

func TestWarnDisconnect(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	rc := dialRaw(t, s)
	if got := rc.read()["type"]; got != "hello" {
		t.Fatalf("first frame = %v, want hello", got)
	}
	start := time.Now()
	s.WarnDisconnect(400 * time.Millisecond)
	if f := rc.read(); f["type"] != "disconnect" || f["reason"] != "warning" {
		t.Errorf("frame = %v, want a disconnect with reason warning", f)
	}
	if n := s.Connections(); n != 1 {
		t.Errorf("Connections() after the warning = %d, want 1 until the close", n)
	}
	_ = rc.c.SetReadDeadline(time.Now().Add(waitLong))
	_, _, err := rc.c.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseNormalClosure {
		t.Errorf("read after the warning = %v, want a close frame 1000", err)
	}
	if d := time.Since(start); d < 400*time.Millisecond {
		t.Errorf("closed after %s, want 400ms after the warning", d)
	}
}

func TestDelayNext(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		delay    time.Duration
		timeout  time.Duration
		wantErr  bool
		atLeast  time.Duration
		wantMsgs int
	}{
		{"answered late", 300 * time.Millisecond, waitLong, false, 300 * time.Millisecond, 1},
		{"client gives up first", 5 * time.Second, 200 * time.Millisecond, true, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorkspace(t)
			ops := w.s.AddChannel("held", w.s.App().BotUserID)
			w.s.DelayNext("chat.postMessage", tt.delay)
			ctx, cancel := context.WithTimeout(context.Background(), tt.timeout)
			defer cancel()
			start := time.Now()
			_, _, err := w.api.PostMessageContext(ctx, ops.ID, slack.MsgOptionText("x", false))
			if took := time.Since(start); (err != nil) != tt.wantErr || took < tt.atLeast {
				t.Errorf("PostMessage() = %v after %s, want error %v, at least %s", err, took, tt.wantErr, tt.atLeast)
			}
			waitFor(t, "the call counted", func() bool { return w.s.Calls("chat.postMessage") == 1 })
			if n := len(w.s.Messages(ops.ID)); n != tt.wantMsgs {
				t.Errorf("Messages() = %d, want %d", n, tt.wantMsgs)
			}
			start = time.Now()
			if _, _, err := w.api.PostMessageContext(ctxT(t), ops.ID, slack.MsgOptionText("y", false)); err != nil || time.Since(start) > time.Second {
				t.Errorf("next PostMessage() = %v after %s, want nil and no hold", err, time.Since(start))
			}
		})
	}
}
