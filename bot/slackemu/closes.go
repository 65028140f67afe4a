package slackemu

// SocketCloses counts the Socket Mode connections the app ended: Clean with a close frame, as
// a client that shuts down should (RFC 6455 §7.1.1), Dropped by closing the TCP stream without
// one, as a crash or a network failure does. Connections the emulator ended are not counted.
type SocketCloses struct{ Clean, Dropped int }

// SocketCloses returns how the app's Socket Mode connections ended so far.
func (s *Server) SocketCloses() SocketCloses {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closes
}
