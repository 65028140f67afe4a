package knowledge

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Verdicts a responder gives a suggested story.
const (
	Helpful     = "helpful"
	NotRelevant = "not_relevant"
)

// Feedback is one responder's verdict on a suggested story, with the message it was suggested
// for, so that ranking can learn the channel's words later.
type Feedback struct {
	StoryID string    `json:"story_id"`
	Verdict string    `json:"verdict"`
	User    string    `json:"user"`
	Channel string    `json:"channel"`
	Thread  string    `json:"thread"`
	Query   string    `json:"query,omitempty"`
	At      time.Time `json:"at"`
}

// FeedbackLog keeps feedback as JSON lines in one file, each flushed to disk before Record
// returns, so an acknowledged click survives a crash. Safe for concurrent use.
type FeedbackLog struct {
	mu   sync.Mutex
	path string
	f    *os.File
}

// OpenFeedbackLog opens (creating if needed) the log at path. Close releases it.
func OpenFeedbackLog(path string) (*FeedbackLog, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("feedback log folder: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_RDWR, 0o640)
	if err != nil {
		return nil, fmt.Errorf("open feedback log: %w", err)
	}
	return &FeedbackLog{path: path, f: f}, nil
}

// RecordFeedback appends one verdict.
func (l *FeedbackLog) RecordFeedback(ctx context.Context, fb Feedback) error {
	if fb.Verdict != Helpful && fb.Verdict != NotRelevant {
		return fmt.Errorf("feedback verdict %q: want %q or %q", fb.Verdict, Helpful, NotRelevant)
	}
	line, err := json.Marshal(fb)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, err := l.f.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("write feedback %s: %w", l.path, err)
	}
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("sync feedback %s: %w", l.path, err)
	}
	return nil
}

// All reads every verdict recorded so far. A torn last line (a crash mid-write) is skipped.
func (l *FeedbackLog) All() ([]Feedback, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, err := os.Open(l.path)
	if err != nil {
		return nil, fmt.Errorf("read feedback: %w", err)
	}
	defer f.Close()
	var out []Feedback
	r := bufio.NewReader(f)
	for {
		line, err := r.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			return out, nil // a line without its newline was never acknowledged
		}
		if err != nil {
			return nil, fmt.Errorf("read feedback %s: %w", l.path, err)
		}
		var fb Feedback
		if err := json.Unmarshal(line, &fb); err != nil {
			return nil, fmt.Errorf("feedback %s: corrupt line: %w", l.path, err)
		}
		out = append(out, fb)
	}
}

// Close closes the file.
func (l *FeedbackLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Close()
}
