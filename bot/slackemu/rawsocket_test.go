package slackemu

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gorilla/websocket"
	"github.com/slack-go/slack/socketmode"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// rawConn dials the emulator with plain gorilla/websocket, to check frames byte for
// byte and to send what slack-go refuses to send.
type rawConn struct {
	t     *testing.T
	c     *websocket.Conn
	pings *atomic.Int32
}

func dialRaw(t *testing.T, s *Server) *rawConn {
	t.Helper()
	api := newAPI(t, s)
	_, u, err := api.StartSocketModeContext(ctxT(t))
	if err != nil {
		t.Fatalf("apps.connections.open = %v", err)
	}
	c, res, err := websocket.DefaultDialer.Dial(u, http.Header{"Origin": {"https://api.slack.com"}})
	if err != nil {
		t.Fatalf("dial %s: %v", u, err)
	}
	res.Body.Close()
	rc := &rawConn{t: t, c: c, pings: &atomic.Int32{}}
	c.SetPingHandler(func(data string) error {
		rc.pings.Add(1)
		return c.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	})
	t.Cleanup(func() { c.Close() })
	// A second dial of the same one-shot URL is refused.
	if _, res, err := websocket.DefaultDialer.Dial(u, nil); err == nil || res == nil || res.StatusCode != http.StatusUnauthorized {
		t.Errorf("second dial of the ticket URL: err %v, want HTTP 401", err)
	} else {
		res.Body.Close()
	}
	return rc
}

func (rc *rawConn) read() map[string]any {
	rc.t.Helper()
	_ = rc.c.SetReadDeadline(time.Now().Add(waitLong))
	var m map[string]any
	if err := rc.c.ReadJSON(&m); err != nil {
		rc.t.Fatalf("read frame: %v", err)
	}
	return m
}

func keys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }

func TestRawFrames(t *testing.T) {
	t.Parallel()
	core, logs := observer.New(zap.DebugLevel)
	s := newServer(t, WithLogger(zap.New(core)))
	u := s.AddUser("ana", "Ana Lima")
	ch := s.AddChannel("ops", s.App().BotUserID, u.ID)
	rc := dialRaw(t, s)

	hello := rc.read()
	if diff := cmp.Diff([]string{"connection_info", "debug_info", "num_connections", "type"}, keys(hello)); diff != "" {
		t.Errorf("hello keys (-want +got):\n%s", diff)
	}
	if _, err := s.Post(u.ID, ch.ID, "x"); err != nil {
		t.Fatalf("Post() = %v", err)
	}
	env := rc.read()
	want := []string{"accepts_response_payload", "envelope_id", "payload", "retry_attempt", "retry_reason", "type"}
	if diff := cmp.Diff(want, keys(env)); diff != "" {
		t.Errorf("envelope keys (-want +got):\n%s", diff)
	}

	// An ack of 20 KB or more is dropped, as Slack drops it, so the event is retried.
	big, _ := json.Marshal(map[string]any{"envelope_id": env["envelope_id"], "payload": map[string]string{"text": strings.Repeat("a", 20*1024)}})
	if err := rc.c.WriteMessage(websocket.TextMessage, big); err != nil {
		t.Fatal(err)
	}
	// An ack for an envelope that was never sent is logged.
	if err := rc.c.WriteMessage(websocket.TextMessage, []byte(`{"envelope_id":"nope"}`)); err != nil {
		t.Fatal(err)
	}
	retry := rc.read()
	if retry["retry_attempt"] != 1.0 || retry["retry_reason"] != "timeout" || retry["envelope_id"] == env["envelope_id"] {
		t.Errorf("after an oversized ack got %v, want retry 1 with a new envelope_id", retry)
	}
	if err := rc.c.WriteJSON(map[string]any{"envelope_id": retry["envelope_id"]}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "ack", func() bool { return s.Envelopes().Acked == 1 })
	for _, msg := range []string{"ack dropped: 20 KB or larger, as Slack drops it", "ack for unknown envelope"} {
		if logs.FilterMessage(msg).Len() != 1 {
			t.Errorf("log %q not written once", msg)
		}
	}
	if rc.pings.Load() == 0 {
		t.Errorf("no PING frames received")
	}

	// Close sends a close frame.
	go s.Close()
	_ = rc.c.SetReadDeadline(time.Now().Add(waitLong))
	for {
		_, _, err := rc.c.ReadMessage()
		if err == nil {
			continue
		}
		if !websocket.IsCloseError(err, websocket.CloseGoingAway) {
			t.Errorf("read after Close() = %v, want close 1001", err)
		}
		break
	}
}

func TestNoSecretsInLogs(t *testing.T) {
	t.Parallel()
	core, logs := observer.New(zap.DebugLevel)
	w := newWorkspace(t, WithLogger(zap.New(core)))
	b := startBot(t, w.s)
	waitConnected(t, w.s, 1)
	_, _ = w.s.Post(w.ana.ID, w.ops.ID, "hello")
	b.ack(b.next(socketmode.EventTypeEventsAPI))
	_, _ = w.api.AuthTest()
	w.s.Disconnect("refresh_requested")
	waitConnected(t, w.s, 1)
	b.stop()
	app := w.s.App()
	for _, e := range logs.All() {
		line := fmt.Sprint(e.Message, e.ContextMap())
		if strings.Contains(line, app.BotToken) || strings.Contains(line, app.AppToken) {
			t.Errorf("log entry leaks a token: %s", line)
		}
	}
	if logs.Len() == 0 {
		t.Errorf("no log entries; the check is vacuous")
	}
}

func TestAckOnAnotherConnection(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	u := s.AddUser("ana", "Ana Lima")
	ch := s.AddChannel("ops", s.App().BotUserID, u.ID)
	a, b := dialRaw(t, s), dialRaw(t, s)
	a.read() // hello
	b.read()
	if _, err := s.Post(u.ID, ch.ID, "x"); err != nil {
		t.Fatalf("Post() = %v", err)
	}
	// Round robin: with two connections the first envelope goes to the second one.
	env := b.read()
	if err := a.c.WriteJSON(map[string]any{"envelope_id": env["envelope_id"]}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "ack from the other connection", func() bool { return s.Envelopes().Acked == 1 })
}
