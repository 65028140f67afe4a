package slackemu

import (
	"context"
	"encoding/json"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/zap"
)

// socketFaults are the injected connection and latency faults. Guarded by Server.mu.
type socketFaults struct {
	skipHello int                        // connections still to open without hello
	delays    map[string][]time.Duration // per method: holds for its next calls
}

// SkipHello makes the next n Socket Mode connections open without a hello frame. They are
// otherwise normal: PINGs and envelopes flow. slack-go does not wait for hello, so only an app
// that watches for it notices a link that never came up on Slack's side.
func (s *Server) SkipHello(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.held.skipHello += n
}

// StopPings stops the WebSocket PINGs on every connection open now, as when Slack's end of a
// link dies without closing it; connections opened later ping as usual. slack-go drops a
// connection that saw no PING for its ping interval (slack-protocol.md §2.5).
func (s *Server) StopPings() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sock := range s.sockets.list {
		sock.silent.Store(true)
	}
}

// Disconnect sends {"type":"disconnect","reason":reason} on every connection, then a
// close frame, as Slack does when it refreshes a connection ("refresh_requested") or
// Socket Mode is turned off ("link_disabled"). Slack sends "warning" about 10 s before
// closing; Disconnect closes at once, which slack-go cannot tell apart because it
// reconnects on any disconnect (WarnDisconnect keeps the delay). Envelopes in flight on those connections are retried.
func (s *Server) Disconnect(reason string) {
	frame, _ := json.Marshal(map[string]any{"type": "disconnect", "reason": reason, "debug_info": debugInfo{Host: "applink-slackemu"}})
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sock := range s.sockets.all() {
		s.sockets.remove(sock)
		sock.send(frame)
		sock.shutdown(websocket.CloseNormalClosure, reason)
	}
	s.notifyLocked()
}

// DropConnections closes every connection's TCP stream abruptly, without a frame, as
// a network failure would.
func (s *Server) DropConnections() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sock := range s.sockets.all() {
		s.sockets.remove(sock)
		_ = sock.conn.Close()
	}
	s.notifyLocked()
}

// WarnDisconnect sends {"type":"disconnect","reason":"warning"} on every connection open now
// and closes those still open after d, as Slack warns about 10 s before it closes a
// connection (slack-protocol.md §2.4). Envelopes keep flowing on them until then.
func (s *Server) WarnDisconnect(d time.Duration) {
	frame, _ := json.Marshal(map[string]any{"type": "disconnect", "reason": "warning", "debug_info": debugInfo{Host: "applink-slackemu"}})
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	socks := s.sockets.all()
	for _, sock := range socks {
		sock.send(frame)
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-s.done:
			return // Close shuts every socket down itself
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, sock := range socks {
			if s.sockets.remove(sock) {
				sock.shutdown(websocket.CloseNormalClosure, "warning")
			}
		}
		s.notifyLocked()
	}()
}

// DelayNext holds the next call of method for d before answering it, as a slow Slack does.
// If the client gives up first (its timeout passed, its context ended) the call is counted but
// not carried out, as when the request never got past Slack's edge. Holds queue up per method
// and apply before injected faults.
func (s *Server) DelayNext(method string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.held.delays[method] = append(s.held.delays[method], d)
}

// hold waits out a DelayNext for method, and reports whether the call should go on.
func (s *Server) hold(ctx context.Context, method string) bool {
	s.mu.Lock()
	q := s.held.delays[method]
	if len(q) == 0 {
		s.mu.Unlock()
		return true
	}
	d := q[0]
	s.held.delays[method] = q[1:]
	s.mu.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
	case <-s.done:
	}
	s.mu.Lock()
	s.calls[method]++
	s.mu.Unlock()
	s.log.Info("held call abandoned by the client (fault injected)", zap.String("method", method))
	return false
}
