package handlers

import (
	"testing"
	"time"
)

func TestThreadMemoryIsBounded(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	h := &Handler{threads: map[string]*thread{}, now: func() time.Time { return now }}
	for i := range maxThreads {
		h.remember("C1", string(rune(i)), &thread{lastReply: now.Add(-48 * time.Hour)})
	}
	h.remember("C1", "fresh", &thread{lastReply: now})
	if got := len(h.threads); got != 1 {
		t.Errorf("%d threads remembered after pruning, want 1 (the fresh one)", got)
	}
	if got := h.thread("C9", "never-answered"); got == nil || len(h.threads) != 1 {
		t.Errorf("looking up an unanswered thread stored it: %d threads", len(h.threads))
	}
}
