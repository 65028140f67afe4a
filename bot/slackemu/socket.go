package slackemu

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/zap"
)

const (
	writeWait = 10 * time.Second
	// ticketTTL bounds how long an apps.connections.open URL may wait to be dialled.
	// Slack documents the URL as short-lived and single-use (slack-protocol.md §1).
	ticketTTL = 30 * time.Second
	// connectionTime is what hello's approximate_connection_time says, as in real
	// captures (bolt-js#1061). The emulator does not refresh connections by itself.
	connectionTime = 18060
)

// socket is one Socket Mode connection. A writer goroutine owns all data writes and
// the PINGs; a reader goroutine reads acks.
type socket struct {
	id   int
	conn *websocket.Conn
	// silent stops the PINGs (StopPings), as a link that died on Slack's side.
	silent atomic.Bool

	mu        sync.Mutex // guards queue and the closing state
	queue     [][]byte
	closing   bool
	closeCode int
	closeText string
	wakeup    chan struct{} // size 1: a pending wake is enough
}

func (c *socket) send(frame []byte) {
	c.mu.Lock()
	if !c.closing {
		c.queue = append(c.queue, frame)
	}
	c.mu.Unlock()
	c.poke()
}

// shutdown makes the writer send what is queued, then a close frame, then close.
func (c *socket) shutdown(code int, text string) {
	c.mu.Lock()
	if !c.closing {
		c.closing, c.closeCode, c.closeText = true, code, text
	}
	c.mu.Unlock()
	c.poke()
}

func (c *socket) poke() {
	select {
	case c.wakeup <- struct{}{}:
	default:
	}
}

// writeLoop sends queued frames and a PING every interval until the socket closes.
func (c *socket) writeLoop(interval time.Duration, log *zap.Logger) {
	defer c.conn.Close()
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-c.wakeup:
		case <-ticker.C:
			if c.silent.Load() {
				continue
			}
			if err := c.conn.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(writeWait)); err != nil {
				log.Debug("ping failed", zap.Int("socket", c.id), zap.Error(err))
				return
			}
		}
		c.mu.Lock()
		frames, closing, code, text := c.queue, c.closing, c.closeCode, c.closeText
		c.queue = nil
		c.mu.Unlock()
		for _, f := range frames {
			_ = c.conn.SetWriteDeadline(time.Now().Add(writeWait))
			if err := c.conn.WriteMessage(websocket.TextMessage, f); err != nil {
				log.Debug("write failed", zap.Int("socket", c.id), zap.Error(err))
				return
			}
		}
		if closing {
			msg := websocket.FormatCloseMessage(code, text)
			_ = c.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(writeWait))
			return
		}
	}
}

// socketSet is the app's live connections, in connection order. Guarded by Server.mu.
type socketSet struct {
	list    []*socket
	rr      int
	lastID  int
	tickets map[string]time.Time // ticket -> expiry
}

func (ss *socketSet) init() { ss.tickets = map[string]time.Time{} }

func (ss *socketSet) all() []*socket { return slices.Clone(ss.list) }

func (ss *socketSet) remove(c *socket) bool {
	n := len(ss.list)
	ss.list = slices.DeleteFunc(ss.list, func(x *socket) bool { return x == c })
	return len(ss.list) != n
}

// next picks the connection for the next envelope, round robin: each envelope goes to
// exactly one live connection, as Slack promises no more (slack-protocol.md §2.7).
func (ss *socketSet) next() *socket {
	if len(ss.list) == 0 {
		return nil
	}
	ss.rr = (ss.rr + 1) % len(ss.list)
	return ss.list[ss.rr]
}

// connectionsOpen is apps.connections.open: a one-shot ticket URL on this server.
func (s *Server) connectionsOpen(*apiRequest) (obj, *apiError) {
	if len(s.sockets.list) >= s.cfg.maxConns {
		return nil, errCode("too_many_websockets")
	}
	now := time.Now()
	for t, exp := range s.sockets.tickets {
		if now.After(exp) {
			delete(s.sockets.tickets, t)
		}
	}
	ticket := newUUID()
	s.sockets.tickets[ticket] = now.Add(ticketTTL)
	host := strings.TrimPrefix(s.baseURL, "http://")
	return obj{"url": "ws://" + host + "/link/?ticket=" + ticket + "&app_id=" + appID}, nil
}

type hello struct {
	Type           string         `json:"type"`
	NumConnections int            `json:"num_connections"`
	DebugInfo      debugInfo      `json:"debug_info"`
	ConnectionInfo connectionInfo `json:"connection_info"`
}

type debugInfo struct {
	Host                      string `json:"host"`
	Started                   string `json:"started,omitempty"`
	BuildNumber               int    `json:"build_number,omitempty"`
	ApproximateConnectionTime int    `json:"approximate_connection_time,omitempty"`
}

type connectionInfo struct {
	AppID string `json:"app_id"`
}

// serveLink upgrades a ticket URL to a Socket Mode WebSocket and sends hello.
func (s *Server) serveLink(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ticket := q.Get("ticket")
	s.mu.Lock()
	exp, ok := s.sockets.tickets[ticket]
	delete(s.sockets.tickets, ticket)
	s.mu.Unlock()
	if !ok || time.Now().After(exp) || q.Get("app_id") != appID {
		s.log.Warn("socket mode dial with an unknown, used or expired ticket")
		http.Error(w, "invalid or expired ticket", http.StatusUnauthorized)
		return
	}
	conn, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		s.log.Warn("websocket upgrade", zap.Error(err))
		return
	}
	conn.SetReadLimit(1 << 20)

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		_ = conn.Close()
		return
	}
	if len(s.sockets.list) >= s.cfg.maxConns {
		frame, _ := json.Marshal(map[string]any{"type": "disconnect", "reason": "too_many_websockets", "debug_info": debugInfo{Host: "slackemu"}})
		_ = conn.SetWriteDeadline(time.Now().Add(writeWait))
		_ = conn.WriteMessage(websocket.TextMessage, frame)
		_ = conn.Close()
		s.log.Warn("socket refused: too many websockets", zap.Int("max", s.cfg.maxConns))
		return
	}
	s.sockets.lastID++
	sock := &socket{id: s.sockets.lastID, conn: conn, wakeup: make(chan struct{}, 1)}
	s.sockets.list = append(s.sockets.list, sock)
	frame, _ := json.Marshal(hello{
		Type: "hello", NumConnections: len(s.sockets.list),
		DebugInfo: debugInfo{
			Host: "applink-slackemu", Started: time.Now().UTC().Format("2006-01-02 15:04:05.000"),
			BuildNumber: 1, ApproximateConnectionTime: connectionTime,
		},
		ConnectionInfo: connectionInfo{AppID: appID},
	})
	if s.held.skipHello > 0 {
		s.held.skipHello--
		s.log.Info("hello withheld (fault injected)", zap.Int("socket", sock.id))
	} else {
		sock.send(frame)
	}
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		sock.writeLoop(s.cfg.pingInterval, s.log)
	}()
	go func() {
		defer s.wg.Done()
		s.readLoop(sock)
	}()
	s.log.Info("socket connected", zap.Int("socket", sock.id), zap.Int("connections", len(s.sockets.list)))
	s.notifyLocked()
	s.wake()
}

// readLoop reads acks until the connection fails, then forgets the socket.
func (s *Server) readLoop(sock *socket) {
	var readErr error
	defer func() {
		_ = sock.conn.Close() // unblocks the writer
		sock.shutdown(websocket.CloseNormalClosure, "")
		// gorilla reports a stream that ended without a close frame as close code 1006,
		// which no peer ever sends (RFC 6455 §7.4.1).
		var ce *websocket.CloseError
		clean := errors.As(readErr, &ce) && ce.Code != websocket.CloseAbnormalClosure
		s.mu.Lock()
		// Still listed means the app or the network ended it, not Disconnect, DropConnections
		// or Close, which let go of the socket first.
		if s.sockets.remove(sock) {
			if clean {
				s.closes.Clean++
			} else {
				s.closes.Dropped++
			}
			s.notifyLocked()
		}
		s.mu.Unlock()
		s.log.Info("socket closed", zap.Int("socket", sock.id), zap.Bool("close_frame", clean))
	}()
	for {
		typ, data, err := sock.conn.ReadMessage()
		if err != nil {
			readErr = err
			s.log.Debug("socket read", zap.Int("socket", sock.id), zap.Error(err))
			return
		}
		if typ != websocket.TextMessage {
			s.log.Warn("binary frame from app ignored", zap.Int("socket", sock.id))
			continue
		}
		s.handleAck(sock, data)
	}
}

// Connections returns the number of open Socket Mode connections.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sockets.list)
}

// WaitConnections waits until at least n Socket Mode connections are open. It returns
// ctx.Err() if ctx ends first and ErrClosed if the server closes.
func (s *Server) WaitConnections(ctx context.Context, n int) error {
	for {
		s.mu.Lock()
		ok, ch, closed := len(s.sockets.list) >= n, s.changed, s.closed
		s.mu.Unlock()
		switch {
		case closed:
			return ErrClosed
		case ok:
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		case <-s.done:
		}
	}
}
