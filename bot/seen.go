package bot

import "sync"

// seenSet remembers the last n keys, so that an envelope Slack redelivers (after a missed ack or
// a reconnect) is not answered twice. Safe for concurrent use.
type seenSet struct {
	mu   sync.Mutex
	keys map[string]struct{}
	ring []string
	next int
}

func newSeenSet(n int) *seenSet {
	return &seenSet{keys: make(map[string]struct{}, n), ring: make([]string, n)}
}

// first reports whether key is new, and remembers it.
func (s *seenSet) first(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.keys[key]; ok {
		return false
	}
	if old := s.ring[s.next]; old != "" {
		delete(s.keys, old)
	}
	s.ring[s.next] = key
	s.next = (s.next + 1) % len(s.ring)
	s.keys[key] = struct{}{}
	return true
}
