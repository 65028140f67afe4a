package slackemu

import (
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestSocketClosesTellCleanFromDropped checks how the emulator counts the ends of the app's
// connections: a close frame is clean, a TCP stream ended without one is dropped, and an end
// the emulator caused is the app's doing in neither way.
func TestSocketClosesTellCleanFromDropped(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		end  func(s *Server, rc *rawConn)
		want SocketCloses
	}{
		{"close frame", func(_ *Server, rc *rawConn) {
			msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
			_ = rc.c.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
		}, SocketCloses{Clean: 1}},
		{"going away", func(_ *Server, rc *rawConn) {
			msg := websocket.FormatCloseMessage(websocket.CloseGoingAway, "bye")
			_ = rc.c.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
		}, SocketCloses{Clean: 1}},
		{"dropped TCP stream", func(_ *Server, rc *rawConn) { _ = rc.c.NetConn().Close() }, SocketCloses{Dropped: 1}},
		{"the emulator's disconnect", func(s *Server, _ *rawConn) { s.Disconnect("refresh_requested") }, SocketCloses{}},
		{"the emulator's drop", func(s *Server, _ *rawConn) { s.DropConnections() }, SocketCloses{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t)
			rc := dialRaw(t, s)
			rc.read() // hello
			tt.end(s, rc)
			deadline := time.Now().Add(waitLong)
			for s.Connections() > 0 && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			time.Sleep(50 * time.Millisecond) // the read loop counts after it lets go of the socket
			if got := s.SocketCloses(); got != tt.want {
				t.Errorf("SocketCloses() = %+v, want %+v", got, tt.want)
			}
		})
	}
}
