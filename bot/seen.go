package bot

import "sync"

// RecentSet remembers the last n keys, so that a delivery seen before (an envelope Slack
// redelivers after a missed ack or a reconnect, a webhook a sender retries) is not handled twice.
// Safe for concurrent use.
type RecentSet struct {
	mu   sync.Mutex
	keys map[string]struct{}
	ring []string
	next int
}

// NewRecentSet returns a set that remembers the last n keys.
func NewRecentSet(n int) *RecentSet {
	return &RecentSet{keys: make(map[string]struct{}, n), ring: make([]string, n)}
}

// First reports whether key is new, and remembers it.
func (s *RecentSet) First(key string) bool {
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

// Has reports whether key is remembered, without remembering it.
func (s *RecentSet) Has(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.keys[key]
	return ok
}
